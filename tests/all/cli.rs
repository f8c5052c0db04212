//! The `cartbox` command line, run as a user runs it: real binary, real zygote, real
//! runners behind a real seccomp filter, real cart files.

use crate::common::*;
use cartbox_host::cli::exit;
use cartbox_host::cli::spec::{COMMANDS, CommandSpec, OptionSpec, ValueKind};

#[test]
fn hello_renders_the_reviewed_frame() {
    let dir = scratch("hello");
    let shot = dir.join("hello.png");
    run_expect(
        &[
            "run",
            "carts/hello.lua",
            "--headless",
            "--frames",
            "1",
            "--screenshot",
            shot.to_str().unwrap(),
        ],
        0,
    );
    let (w, h, got) = read_png(&shot);
    assert_eq!((w, h), (240, 136));
    let (_, _, want) = read_png(&root().join("tests/golden/hello_1.png"));
    let diff = got
        .chunks(3)
        .zip(want.chunks(3))
        .filter(|(a, b)| a != b)
        .count();
    assert_eq!(
        diff, 0,
        "{diff} pixels differ from tests/golden/hello_1.png"
    );
    // Spot checks that make the picture's meaning explicit (SWEETIE-16 colours).
    let px = |x: usize, y: usize| &got[(y * 240 + x) * 3..(y * 240 + x) * 3 + 3];
    assert_eq!(px(0, 0), [0x5d, 0x27, 0x5d], "title bar, colour 1");
    assert_eq!(px(100, 16), [0x94, 0xb0, 0xc2], "frame top edge, colour 13");
    assert_eq!(
        px(2, 16),
        [0x56, 0x6c, 0x86],
        "the diagonal, colour 14, drawn over the corner"
    );
    assert_eq!(px(60, 100), [0x1a, 0x1c, 0x2c], "background, colour 0");
    assert_eq!(
        px(121, 69),
        [0xef, 0x7d, 0x57],
        "the ball, colour 3, after one step"
    );
}

#[test]
fn border_screenshot_is_the_whole_output() {
    let dir = scratch("border");
    let shot = dir.join("b.png");
    let out = cartbox(&[
        "run",
        "carts/hello.lua",
        "--headless",
        "--frames",
        "2",
        "--border",
        "--screenshot",
        shot.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0));
    let (w, h, rgb) = read_png(&shot);
    assert_eq!((w, h), (256, 144));
    // Border colour 0 at the corner; the title bar starts at (8, 4).
    assert_eq!(&rgb[..3], [0x1a, 0x1c, 0x2c]);
    let at = (4 * 256 + 8) * 3;
    assert_eq!(&rgb[at..at + 3], [0x5d, 0x27, 0x5d]);
}

#[test]
fn runs_are_repeatable_byte_for_byte() {
    let dir = scratch("repeat");
    let (a, b) = (dir.join("a.png"), dir.join("b.png"));
    for p in [&a, &b] {
        let out = cartbox(&[
            "run",
            "carts/hello.lua",
            "--headless",
            "--frames",
            "45",
            "--screenshot",
            p.to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(0));
    }
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
}

#[test]
fn runtime_error_names_file_and_line() {
    let (_, err) = run_expect(
        &[
            "run",
            &test_cart("runtime_error.lua"),
            "--headless",
            "--frames",
            "3",
        ],
        1,
    );
    assert_contains(
        &err,
        &[
            "tests/carts/runtime_error.lua:5: attempt to index a nil value (local 'player')",
            "in TIC",
            "stack traceback:",
        ],
    );
}

#[test]
fn an_error_raised_again_with_its_traceback_reads_once() {
    let cart = test_cart("rethrow.lua");
    let (_, err) = run_expect(&["run", &cart, "--headless", "--frames", "1"], 1);
    // The first line is the message alone; the traceback is the one the cart took, where
    // the error happened, under one heading.
    let first = err.lines().next().unwrap_or_default();
    assert_eq!(
        first,
        format!("cartbox: error: {cart}:5: attempt to index a nil value (local 't')")
    );
    assert_eq!(err.matches("stack traceback:").count(), 1, "{err}");
    assert_contains(&err, &[&format!("{cart}:5: in function 'explode'")]);
    assert!(!err.contains("\\n"), "no escaped newlines: {err}");
}

#[test]
fn syntax_error_names_file_and_line() {
    let (_, err) = run_expect(
        &[
            "run",
            &test_cart("syntax_error.lua"),
            "--headless",
            "--frames",
            "1",
        ],
        1,
    );
    assert_contains(
        &err,
        &["syntax error: tests/carts/syntax_error.lua:3: unexpected symbol near '='"],
    );
}

#[test]
fn endless_loops_are_stopped_in_the_vm_naming_the_line() {
    for (cart, line, callback) in [
        ("loop_tic.lua", 3, "TIC"),
        ("loop_boot.lua", 3, "BOOT"),
        ("loop_top.lua", 3, "top-level code"),
        ("loop_pcall.lua", 5, "TIC"),
        ("loop_coroutine.lua", 5, "TIC"),
    ] {
        let started = std::time::Instant::now();
        let (_, err) = run_expect(
            &[
                "run",
                &test_cart(cart),
                "--headless",
                "--frames",
                "5",
                "--budget-ms",
                "150",
                "--grace-ms",
                "2000",
            ],
            1,
        );
        let want = format!(
            "stopped: tests/carts/{cart}:{line}: ran past its budget of 150 ms and was stopped"
        );
        assert!(err.contains(&want), "{cart}: stderr: {err}");
        assert!(
            err.contains(&format!("in {callback}")),
            "{cart}: stderr: {err}"
        );
        assert!(
            started.elapsed().as_millis() < 2000,
            "{cart}: took {:?}, longer than budget + grace",
            started.elapsed()
        );
    }
}

#[test]
fn stuck_in_c_is_killed_at_the_hard_deadline() {
    let (_, err) = run_expect(
        &[
            "run",
            &test_cart("pattern.lua"),
            "--headless",
            "--frames",
            "2",
            "--budget-ms",
            "100",
            "--grace-ms",
            "200",
        ],
        2,
    );
    assert_contains(
        &err,
        &["tests/carts/pattern.lua: not responding for 300 ms; killed"],
    );
    // A __gc finalizer runs with hooks off: the same backstop.
    let (_, err) = run_expect(
        &[
            "run",
            &test_cart("gc_loop.lua"),
            "--headless",
            "--frames",
            "2",
            "--budget-ms",
            "100",
            "--grace-ms",
            "200",
        ],
        2,
    );
    assert_contains(&err, &["not responding for 300 ms; killed"]);
}

#[test]
fn trace_prints_with_virtual_time_and_escapes_control_characters() {
    let (stdout, _) = run_expect(
        &["run", &test_cart("trace.lua"), "--headless", "--trace"],
        0,
    );
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines,
        vec![
            "time 0.000",
            "time 16.667",
            "time 33.333",
            "bold \\u{1b}[1mtext\\u{1b}[0m"
        ]
    );
    // Without --trace nothing is printed.
    let out = cartbox(&["run", &test_cart("trace.lua"), "--headless"]);
    assert!(out.stdout.is_empty());
}

#[test]
fn input_file_holds_buttons_per_frame() {
    let dir = scratch("input");
    let script = dir.join("in.txt");
    std::fs::write(
        &script,
        "# right for two frames, then A with player 2's up\n1-2 right\n3 a p2:up\n",
    )
    .unwrap();
    let (stdout, _) = run_expect(
        &[
            "run",
            &test_cart("input.lua"),
            "--headless",
            "--frames",
            "4",
            "--trace",
            "--input",
            script.to_str().unwrap(),
        ],
        0,
    );
    let want = ["8 8", "8 0", "272 272", "0 0"];
    assert_eq!(stdout.lines().collect::<Vec<_>>(), want);
    std::fs::write(&script, "1 right\n2-x left\n").unwrap();
    let (_, err) = run_expect(
        &[
            "run",
            &test_cart("input.lua"),
            "--headless",
            "--input",
            script.to_str().unwrap(),
        ],
        65,
    );
    assert_contains(&err, &["in.txt:2: 'x' is not a frame number"]);
}

#[test]
fn bad_input_gets_one_line_naming_the_file() {
    let dir = scratch("bad");
    std::fs::write(dir.join("cart.txt"), "function TIC() end").unwrap();
    let unreadable = dir.join("locked.lua");
    if nix_is_root() {
        // Root reads past file permissions; /proc/self/mem is a regular file that cannot
        // be read from offset 0 by anyone.
        std::os::unix::fs::symlink("/proc/self/mem", &unreadable).unwrap();
    } else {
        std::fs::write(&unreadable, "function TIC() end").unwrap();
        std::fs::set_permissions(
            &unreadable,
            std::os::unix::fs::PermissionsExt::from_mode(0o000),
        )
        .unwrap();
    }
    let cases: Vec<(String, i32, String)> = vec![
        (
            "tests/carts/nope.lua".into(),
            66,
            "tests/carts/nope.lua: no such file".into(),
        ),
        (
            dir.to_string_lossy().into_owned(),
            66,
            "not a cart file".into(),
        ),
        (
            dir.join("cart.txt").to_string_lossy().into_owned(),
            65,
            "unknown cart format".into(),
        ),
        (
            unreadable.to_string_lossy().into_owned(),
            66,
            "locked.lua: ".into(),
        ),
        (
            test_cart("malformed.lua"),
            65,
            "tests/carts/malformed.lua:4: section <TILES>: 'z' is not a hex digit".into(),
        ),
    ];
    for (path, code, msg) in cases {
        let out = cartbox(&["run", &path, "--headless", "--frames", "1"]);
        let (_, err) = text(&out);
        assert_eq!(out.status.code(), Some(code), "{path}: {err}");
        assert_eq!(err.lines().count(), 1, "{path}: one line expected: {err}");
        assert!(err.contains(&msg), "{path}: {err}");
        assert!(!err.contains("panicked"), "{path}: {err}");
    }
}

fn nix_is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .map(|s| {
            s.lines()
                .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(1) == Some("0"))
        })
        .unwrap_or(false)
}

#[test]
fn usage_errors_exit_64() {
    for args in [
        &["run"][..],
        &["fly"],
        &["run", "carts/hello.lua", "--frames", "many"],
        &["run", "carts/hello.lua", "--memory-mb", "0"],
        &["run", "carts/hello.wat", "--memory-mb", "4096"],
        &[],
    ] {
        let out = cartbox(args);
        assert_eq!(out.status.code(), Some(64), "{args:?}");
        let (_, err) = text(&out);
        if args.is_empty() {
            assert!(err.starts_with("usage: cartbox run CART"), "{err}");
        } else {
            // One line saying what is wrong, and where to look (issue 16, item 5).
            assert_eq!(err.lines().count(), 2, "{args:?}: {err}");
            assert!(err.starts_with("cartbox: "), "{err}");
            assert!(
                err.ends_with("(cartbox --help lists the commands and options)\n"),
                "{err}"
            );
        }
    }
    assert_eq!(cartbox(&["--help"]).status.code(), Some(0));
}

#[test]
fn the_cart_file_is_never_written() {
    let dir = scratch("nowrite");
    let cart = dir.join("c.lua");
    let code = "function TIC() cls(2) end\n";
    std::fs::write(&cart, code).unwrap();
    let before = std::fs::metadata(&cart).unwrap().modified().unwrap();
    let out = cartbox(&[
        "run",
        cart.to_str().unwrap(),
        "--headless",
        "--frames",
        "3",
        "--screenshot",
        cart.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(73));
    let out = cartbox(&["run", cart.to_str().unwrap(), "--headless", "--frames", "3"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(std::fs::read_to_string(&cart).unwrap(), code);
    assert_eq!(
        std::fs::metadata(&cart).unwrap().modified().unwrap(),
        before
    );
}

#[test]
fn lua_ways_out_are_closed() {
    let (stdout, _) = run_expect(
        &["run", &test_cart("escape.lua"), "--headless", "--trace"],
        0,
    );
    assert_eq!(
        stdout.trim(),
        "io=closed os=closed require=closed dofile=closed loadfile=closed package=closed debug=closed bytecode=closed"
    );
}

#[test]
fn out_of_memory_is_a_clean_cart_error() {
    let (_, err) = run_expect(
        &[
            "run",
            &test_cart("memory_hog.lua"),
            "--headless",
            "--frames",
            "100",
            "--memory-mb",
            "16",
        ],
        1,
    );
    assert_contains(
        &err,
        &["out of memory: the cart's Lua heap reached its limit of 16 MiB"],
    );
}

#[test]
fn every_cart_format_renders_the_same_frame() {
    let dir = scratch("formats");
    let mut shots = Vec::new();
    for f in ["carts/hello.lua", "carts/hello.tic", "carts/hello.png"] {
        let shot = dir.join(format!("{}.png", f.replace('/', "_")));
        let out = cartbox(&[
            "run",
            f,
            "--headless",
            "--frames",
            "1",
            "--screenshot",
            shot.to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(0), "{f}: {}", text(&out).1);
        shots.push(read_png(&shot));
    }
    let golden = read_png(&root().join("tests/golden/hello_1.png"));
    for s in &shots {
        assert!(
            *s == golden,
            "a format renders differently from tests/golden/hello_1.png"
        );
    }
    // The examples are what `cartbox export` makes of hello.lua.
    for ext in ["tic", "png"] {
        let out_file = dir.join(format!("hello.{ext}"));
        let out = cartbox(&["export", "carts/hello.lua", out_file.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out).1);
        let cart = |p: &std::path::Path| {
            let c = cartbox_host::Cart::load(p).unwrap();
            cartbox_runner::cart::parse(&c.name, &c.files)
                .unwrap()
                .image
        };
        assert_eq!(
            cart(&out_file),
            cart(&root().join(format!("carts/hello.{ext}")))
        );
    }
}

#[test]
fn broken_binary_carts_name_chunk_and_offset() {
    let dir = scratch("badtic");
    let tic = dir.join("cut.tic");
    let mut bytes = std::fs::read(root().join("carts/hello.tic")).unwrap();
    bytes.truncate(bytes.len() - 10);
    std::fs::write(&tic, &bytes).unwrap();
    let (_, err) = run_expect(
        &["run", tic.to_str().unwrap(), "--headless", "--frames", "1"],
        65,
    );
    assert!(
        err.contains("cut.tic:chunk ") && err.contains("but the file ends after"),
        "{err}"
    );
    let png = dir.join("plain.png");
    std::fs::copy(root().join("tests/golden/hello_1.png"), &png).unwrap();
    let (_, err) = run_expect(
        &["run", png.to_str().unwrap(), "--headless", "--frames", "1"],
        65,
    );
    assert_contains(&err, &["plain.png:image: no cart inside this PNG"]);
}

#[test]
fn persistent_memory_survives_runs_where_asked() {
    let dir = scratch("pmem");
    let run = |extra: &[&str]| {
        let mut args = vec![
            "run",
            "tests/carts/pmem_counter.lua",
            "--headless",
            "--trace",
        ];
        args.extend_from_slice(extra);
        let out = cartbox(&args);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out).1);
        text(&out).0.trim().to_owned()
    };
    let d = dir.to_str().unwrap();
    assert_eq!(run(&["--pmem", d]), "run 1");
    assert_eq!(run(&["--pmem", d]), "run 2");
    assert_eq!(run(&["--pmem", d]), "run 3");
    // Headless without --pmem starts from nothing and saves nothing.
    assert_eq!(run(&[]), "run 1");
    let files: Vec<_> = std::fs::read_dir(dir.join("pmem"))
        .unwrap()
        .flatten()
        .collect();
    assert_eq!(files.len(), 1);
    let bytes = std::fs::read(files[0].path()).unwrap();
    assert_eq!(bytes.len(), 1024);
    assert_eq!(&bytes[..4], &3u32.to_le_bytes());
}

#[test]
fn headless_runs_record_gifs_with_the_frames_exact_colours() {
    let dir = scratch("gif");
    let gif = dir.join("hello.gif");
    let shot = dir.join("last.png");
    let out = cartbox(&[
        "run",
        "carts/hello.lua",
        "--headless",
        "--frames",
        "13",
        "--gif",
        gif.to_str().unwrap(),
        "--gif-scale",
        "1",
        "--screenshot",
        shot.to_str().unwrap(),
        "--border",
    ]);
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    let mut opts = gif::DecodeOptions::new();
    opts.set_color_output(gif::ColorOutput::RGBA);
    let mut dec = opts.read_info(std::fs::File::open(&gif).unwrap()).unwrap();
    let mut last = Vec::new();
    let mut n = 0;
    while let Some(f) = dec.read_next_frame().unwrap() {
        assert_eq!((f.width, f.height, f.delay), (256, 144, 2));
        last = f.buffer.to_vec();
        n += 1;
    }
    // 50 of every 60 frames: frames 2 and 8 are left out of the first 13.
    assert_eq!(n, 11);
    let (_, _, want) = read_png(&shot);
    let got: Vec<u8> = last.chunks(4).flat_map(|p| [p[0], p[1], p[2]]).collect();
    assert!(got == want, "the GIF's last frame is not the last frame");
    // By default a GIF is twice the size, each pixel a 2x2 block (issue 16, item 7).
    let big = dir.join("big.gif");
    run_expect(
        &[
            "run",
            "carts/hello.lua",
            "--headless",
            "--frames",
            "13",
            "--gif",
            big.to_str().unwrap(),
        ],
        0,
    );
    let mut opts = gif::DecodeOptions::new();
    opts.set_color_output(gif::ColorOutput::RGBA);
    let mut dec = opts.read_info(std::fs::File::open(&big).unwrap()).unwrap();
    let mut big_last = Vec::new();
    while let Some(f) = dec.read_next_frame().unwrap() {
        assert_eq!((f.width, f.height, f.delay), (512, 288, 2));
        big_last = f.buffer.to_vec();
    }
    let at = |buf: &[u8], w: usize, x: usize, y: usize| buf[(y * w + x) * 4..][..3].to_vec();
    for (x, y) in [(0, 0), (100, 50), (255, 143), (128, 72)] {
        let one = at(&last, 256, x, y);
        for (dx, dy) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
            assert_eq!(
                at(&big_last, 512, 2 * x + dx, 2 * y + dy),
                one,
                "({x}, {y})"
            );
        }
    }
    assert_eq!(
        cartbox(&[
            "run",
            "carts/hello.lua",
            "--headless",
            "--gif",
            "x.gif",
            "--gif-scale",
            "5"
        ])
        .status
        .code(),
        Some(64)
    );
    // A GIF path that cannot be written is a clear error, exit 73.
    let out = cartbox(&[
        "run",
        "carts/hello.lua",
        "--headless",
        "--frames",
        "1",
        "--gif",
        "/nonexistent/dir/x.gif",
    ]);
    assert_eq!(out.status.code(), Some(73));
    assert!(
        text(&out).1.contains("/nonexistent/dir/x.gif"),
        "{:?}",
        text(&out)
    );
    // In a window, F9 records: --gif is for headless runs.
    assert_eq!(
        cartbox(&["run", "carts/hello.lua", "--gif", "x.gif"])
            .status
            .code(),
        Some(64)
    );
}

/// Issue 16 item 4: persistent memory that cannot be saved is said at once, retried, and a
/// headless run that lost it ends with exit code 73 (not 0).
#[test]
fn lost_saves_are_said_and_fail_the_run() {
    let dir = scratch("lost-saves");
    let file = dir.join("a-file");
    std::fs::write(&file, "not a folder").unwrap();
    for pmem in ["/proc/nope".to_owned(), file.display().to_string()] {
        let (_, err) = run_expect(
            &[
                "run",
                "tests/carts/pmem_writer.lua",
                "--headless",
                "--frames",
                "30",
                "--pmem",
                &pmem,
            ],
            73,
        );
        assert_eq!(
            err.matches("cannot save the cart's persistent memory")
                .count(),
            1,
            "said once, then retried quietly: {err}"
        );
        assert_contains(&err, &[&pmem, "could not be saved: its progress is lost"]);
    }
    // Where it can be saved, nothing is said.
    let good = dir.join("data");
    let (_, err) = run_expect(
        &[
            "run",
            "tests/carts/pmem_writer.lua",
            "--headless",
            "--frames",
            "30",
            "--pmem",
            good.to_str().unwrap(),
        ],
        0,
    );
    assert!(!err.contains("persistent memory"), "{err}");
}

/// Issue 16 item 5: output to a pipe nobody reads (`cartbox --help | true`) is dropped, not
/// a crash (exit code 101).
#[test]
fn a_closed_pipe_is_not_a_crash() {
    use std::process::Stdio;
    // A pipe whose reading end is already closed: every write to it fails with EPIPE.
    let closed = || {
        let (read, write) = nix::unistd::pipe().expect("pipe");
        drop(read);
        Stdio::from(write)
    };
    // (arguments, stdout closed, stderr closed, exit code)
    for (args, out, err, code) in [
        (&["--help"][..], true, false, 0),
        (
            &["run", "tests/carts/nope.lua", "--headless"],
            false,
            true,
            66,
        ),
        (
            &[
                "run",
                "tests/carts/trace.lua",
                "--headless",
                "--frames",
                "5",
                "--trace",
            ],
            true,
            true,
            0,
        ),
    ] {
        let mut cmd = std::process::Command::new(bin());
        cmd.args(args).current_dir(root());
        if out {
            cmd.stdout(closed());
        }
        if err {
            cmd.stderr(closed());
        }
        assert_eq!(
            cmd.status().expect("cartbox").code(),
            Some(code),
            "{args:?}"
        );
    }
}

/// Issue 16 item 5: each command has its own help (`cartbox help run`, `cartbox export
/// --help`), and `cartbox help` of what is not a command is a usage error.
#[test]
fn each_command_has_its_help() {
    for (args, first) in [
        (&["help", "run"][..], "usage: cartbox run CART [options]"),
        (&["run", "--help"], "usage: cartbox run CART [options]"),
        (&["watch", "-h"], "usage: cartbox watch CART [options]"),
        (
            &["export", "--help"],
            "usage: cartbox export CART OUT [options]",
        ),
        (&["help", "sandbox-check"], "usage: cartbox sandbox-check"),
        (&["conformance", "--help"], "usage: cartbox conformance DIR"),
    ] {
        let (out, _) = run_expect(args, 0);
        assert_eq!(out.lines().next(), Some(first), "{args:?}");
    }
    let (out, _) = run_expect(&["run", "--help"], 0);
    assert_contains(&out, &["--memory-mb", "--gif-scale", "--fullscreen"]);
    run_expect(&["help", "fly"], 64);
}

/// A plausible value for an option or operand of `kind`, on a command line that must
/// stop at parsing: carts and folders that do not exist, so that a command that is
/// wrongly let through fails at once (exit 66) instead of opening a window.
fn sample(kind: ValueKind) -> &'static str {
    match kind {
        ValueKind::Cart => "tests/carts/nope.lua",
        ValueKind::File => "nope/out.png",
        ValueKind::Dir => "nope/dir",
        ValueKind::Number => "1",
        ValueKind::Text => "a=j",
        ValueKind::Shell => "bash",
        ValueKind::Command => "run",
    }
}

/// `COMMAND OPERANDS...`, each operand a sample of its kind.
fn with_operands(c: &CommandSpec) -> Vec<&'static str> {
    let mut args = vec![c.name];
    args.extend(c.operands.iter().map(|o| sample(o.kind)));
    args
}

/// Issue 16 item 5: the table in `cli::spec` that --help, the completions and the manual
/// page are made from is what the parser takes, option for option: each listed option
/// (with a value where it takes one, and only then) is accepted, and every other refused.
#[test]
fn the_parser_takes_the_options_in_the_table_and_no_other() {
    let every: Vec<&OptionSpec> = COMMANDS.iter().flat_map(|c| c.options).collect();
    for c in COMMANDS {
        let (out, _) = run_expect(&[c.name, "--help"], 0);
        assert_eq!(
            out.lines().next(),
            Some(format!("usage: cartbox {}", c.synopsis()).as_str())
        );
        for o in c.options() {
            let long = format!("--{}", o.long);
            // A `--help` after it stops the command at parsing, once the option is taken.
            let mut args = with_operands(c);
            args.push(&long);
            args.extend(o.value.map(|(_, kind)| sample(kind)));
            args.push("--help");
            let (out, err) = run_expect(&args, 0);
            assert!(out.starts_with("usage: cartbox "), "{args:?}: {out}{err}");
            // The value is the parser's to take if the table says so, and only then.
            let mut args = with_operands(c);
            let (wrong, expected) = match o.value {
                Some(_) => (long.clone(), "missing argument"),
                None => (format!("{long}=1"), "unexpected argument"),
            };
            args.push(&wrong);
            let (_, err) = run_expect(&args, 64);
            assert!(err.contains(expected), "{args:?}: {err}");
        }
        // Options the table does not give this command, and one nobody has.
        let mut others: Vec<&OptionSpec> = every
            .iter()
            .copied()
            .filter(|o| c.option(o.long).is_none())
            .collect();
        let bogus = OptionSpec {
            long: "no-such-option",
            short: None,
            value: None,
            help: "",
            headless_only: false,
        };
        others.push(&bogus);
        for o in others {
            let long = format!("--{}", o.long);
            let mut args = with_operands(c);
            args.push(&long);
            args.extend(o.value.map(|(_, kind)| sample(kind)));
            args.push("--help");
            let (_, err) = run_expect(&args, 64);
            assert!(
                err.starts_with("cartbox: ")
                    && err.lines().next().is_some_and(|l| l.contains(&long)),
                "{args:?}: {err}"
            );
        }
    }
    // Where the table's limits are, the parser's are.
    run_expect(&["export", "a.lua", "b.png", "--cover-frame", "0"], 64);
    run_expect(
        &["export", "a.lua", "b.png", "--cover-frame", "4294967296"],
        64,
    );
    let (_, err) = run_expect(&["watch", "carts/hello.lua", "--headless"], 64);
    assert_contains(&err, &["watch needs a window: it cannot be --headless"]);
    let (_, err) = run_expect(&["watch", "carts/hello.lua", "--gif", "x.gif"], 64);
    assert_contains(
        &err,
        &["watch needs a window: --gif is for --headless runs"],
    );
}

/// Runs `script` with `shell ARGS`, or says it skipped when the shell is not installed.
fn shell_check(shell: &str, args: &[&str], script: &str) -> Option<std::process::Output> {
    let dir = scratch(&format!("completions-{shell}"));
    let file = dir.join("script");
    std::fs::write(&file, script).unwrap();
    match std::process::Command::new(shell)
        .args(args)
        .arg(&file)
        .output()
    {
        Ok(out) => Some(out),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            println!("skipped: {shell} is not installed, its completion script is not run");
            None
        }
        Err(e) => panic!("{shell}: {e}"),
    }
}

/// Issue 16 item 5: `cartbox completions bash|zsh|fish` offers every command and every
/// option of the table; bash's script is run here for real.
#[test]
fn completions_offer_every_command_and_option() {
    let (bash, _) = run_expect(&["completions", "bash"], 0);
    let out = shell_check("bash", &["-n"], &bash).expect("bash runs the tests");
    assert!(out.status.success(), "bash -n: {}", text(&out).1);
    assert_contains(&bash, &["complete -F _cartbox cartbox"]);
    let (zsh, _) = run_expect(&["completions", "zsh"], 0);
    assert!(zsh.starts_with("#compdef cartbox\n"), "{zsh}");
    assert_contains(&zsh, &["_arguments"]);
    let (fish, _) = run_expect(&["completions", "fish"], 0);
    for line in fish.lines() {
        assert!(
            line.is_empty() || line.starts_with('#') || line.starts_with("complete -c cartbox "),
            "{line}"
        );
    }
    for c in COMMANDS {
        // The command's branch of the bash script, as words.
        let branch = bash
            .split(&format!("\n        {})\n", c.name))
            .nth(1)
            .and_then(|b| b.split("\n            ;;\n").next())
            .unwrap_or_else(|| panic!("no branch for {} in:\n{bash}", c.name));
        let words: Vec<&str> = branch
            .split(|ch: char| ch.is_whitespace() || "'|)".contains(ch))
            .collect();
        assert_contains(&zsh, &[&format!("\n        '{}:", c.name)]);
        assert_contains(&fish, &[&format!("__fish_use_subcommand -a {} ", c.name)]);
        for o in c.options() {
            let long = format!("--{}", o.long);
            assert!(
                words.contains(&long.as_str()),
                "{long} not offered for {}",
                c.name
            );
            let zsh_spec = match o.value {
                Some(_) => format!("'--{}=[", o.long),
                None => format!("'--{}[", o.long),
            };
            assert_contains(&zsh, &[&zsh_spec]);
            assert_contains(
                &fish,
                &[&format!(
                    "'__fish_seen_subcommand_from {}' -l {} ",
                    c.name, o.long
                )],
            );
        }
    }
    for (shell, args) in [("zsh", &["-n"][..]), ("fish", &["--no-execute"])] {
        let script = if shell == "zsh" { &zsh } else { &fish };
        if let Some(out) = shell_check(shell, args, script) {
            assert!(out.status.success(), "{shell}: {}", text(&out).1);
        }
    }

    // What bash offers, in a folder of carts and other files.
    let dir = scratch("completions-bash-run");
    std::fs::create_dir(dir.join("levels")).unwrap();
    for f in ["a.lua", "b.TIC", "c.wasmp", "notes.txt"] {
        std::fs::write(dir.join(f), "").unwrap();
    }
    std::fs::write(dir.join("cartbox.bash"), &bash).unwrap();
    let complete = |line: &str| -> Vec<String> {
        // The words of `line`, the last one (maybe empty) being completed.
        let script = format!(
            "source ./cartbox.bash\n\
             COMP_WORDS=({line})\n\
             [[ '{line}' == *' ' ]] && COMP_WORDS+=('')\n\
             COMP_CWORD=$((${{#COMP_WORDS[@]}} - 1))\n\
             _cartbox\n\
             printf '%s\\n' \"${{COMPREPLY[@]}}\""
        );
        let out = std::process::Command::new("bash")
            .args(["-c", &script])
            .current_dir(&*dir)
            .output()
            .expect("bash");
        assert!(out.status.success(), "{line}: {}", text(&out).1);
        let mut words: Vec<String> = text(&out).0.lines().map(str::to_owned).collect();
        words.retain(|w| !w.is_empty());
        words.sort();
        words
    };
    let sorted = |words: &[&str]| {
        let mut v: Vec<String> = words.iter().map(|w| (*w).to_owned()).collect();
        v.sort();
        v
    };
    let mut commands: Vec<&str> = COMMANDS.iter().map(|c| c.name).collect();
    commands.extend(["--help", "--version"]);
    assert_eq!(complete("cartbox "), sorted(&commands));
    assert_eq!(
        complete("cartbox run --gif"),
        sorted(&["--gif", "--gif-scale"])
    );
    assert_eq!(
        complete("cartbox run "),
        sorted(&["a.lua", "b.TIC", "c.wasmp", "levels"])
    );
    assert_eq!(complete("cartbox run a.lua --pmem "), sorted(&["levels"]));
    assert_eq!(complete("cartbox run a.lua --frames "), sorted(&[]));
    assert_eq!(
        complete("cartbox run --frames 3 --screenshot "),
        sorted(&[
            "a.lua",
            "b.TIC",
            "c.wasmp",
            "cartbox.bash",
            "levels",
            "notes.txt"
        ])
    );
    let watch = complete("cartbox watch a.lua --");
    assert!(
        !watch.iter().any(|o| o == "--headless" || o == "--gif"),
        "{watch:?}"
    );
    assert!(watch.iter().any(|o| o == "--gif-scale"), "{watch:?}");
    assert_eq!(
        complete("cartbox export a.lua --"),
        sorted(&["--cover-frame", "--help"])
    );
    assert_eq!(
        complete("cartbox completions "),
        sorted(&["bash", "fish", "zsh"])
    );
    assert_eq!(complete("cartbox conformance "), sorted(&["levels"]));
    assert_eq!(complete("cartbox help w"), sorted(&["watch"]));

    // A shell there is no script for: one line saying so (and the usual hint), no script.
    let out = cartbox(&["completions", "tcsh"]);
    let (stdout, err) = text(&out);
    assert_eq!(out.status.code(), Some(64));
    assert!(stdout.is_empty(), "{stdout}");
    assert_eq!(
        err,
        "cartbox: no completions for 'tcsh': the shells are bash, zsh, fish\n\
         (cartbox --help lists the commands and options)\n"
    );
    run_expect(&["completions"], 64);
    run_expect(&["completions", "bash", "zsh"], 64);
}

/// Issue 16 item 5: `cartbox man` is a section 1 page in valid roff, with every command,
/// option and exit code; groff (or mandoc, or man) checks it where one is installed.
#[test]
fn the_manual_page_is_valid_roff() {
    let (page, _) = run_expect(&["man"], 0);
    let mut lines = page.lines().skip_while(|l| l.starts_with(".\\\""));
    assert_eq!(
        lines
            .next()
            .map(|l| l.split(' ').take(3).collect::<Vec<_>>()),
        Some(vec![".TH", "CARTBOX", "1"])
    );
    for section in [
        ".SH NAME",
        ".SH SYNOPSIS",
        ".SH DESCRIPTION",
        ".SH COMMANDS",
        ".SH OPTIONS",
        ".SH \"WINDOW KEYS\"",
        ".SH \"EXIT STATUS\"",
        ".SH ENVIRONMENT",
        ".SH FILES",
    ] {
        assert!(page.lines().any(|l| l == section), "no {section}");
    }
    // Every request is one of the man macros used; text never starts a line with one.
    for line in page.lines().filter(|l| l.starts_with(['.', '\''])) {
        let request = line.split(' ').next().unwrap_or_default();
        assert!(
            [
                ".\\\"", ".TH", ".SH", ".SS", ".TP", ".PP", ".nf", ".fi", ".nh", ".ad"
            ]
            .contains(&request),
            "{line}"
        );
    }
    // Options are written with minus signs (`\-\-frames`), never with bare hyphens.
    for c in COMMANDS {
        assert_contains(
            &page,
            &[&format!("\\fBcartbox {}\\fR", c.name.replace('-', "\\-"))],
        );
        for o in c.options() {
            assert_contains(
                &page,
                &[&format!("\\fB\\-\\-{}\\fR", o.long.replace('-', "\\-"))],
            );
        }
    }
    for line in page.lines().filter(|l| !l.starts_with(".\\\"")) {
        assert!(!line.contains("--"), "a bare --option: {line}");
    }
    for (code, _) in exit::ALL {
        assert_contains(&page, &[&format!(".TP\n\\fB{code}\\fR\n")]);
    }

    let dir = scratch("man");
    let file = dir.join("cartbox.1");
    std::fs::write(&file, &page).unwrap();
    let file = file.to_str().unwrap();
    let checkers: [(&str, &[&str]); 3] = [
        ("groff", &["-man", "-Tutf8", "-ww", "-z"]),
        ("mandoc", &["-Tlint", "-Wwarning"]),
        ("man", &["--warnings", "-l"]),
    ];
    let Some((checker, out)) = checkers.iter().find_map(|(program, args)| {
        std::process::Command::new(program)
            .args(*args)
            .arg(file)
            .env("MANWIDTH", "80")
            .env("MAN_KEEP_FORMATTING", "")
            .stdout(std::process::Stdio::null())
            .output()
            .ok()
            .map(|out| (program, out))
    }) else {
        println!("skipped: neither groff, mandoc nor man is installed; the page is not rendered");
        return;
    };
    let (_, err) = text(&out);
    assert!(out.status.success() && err.is_empty(), "{checker}: {err}");
    // And as a reader sees it.
    if *checker == "groff" {
        let out = std::process::Command::new("groff")
            .args(["-man", "-Tutf8", "-P-cbou", file])
            .output()
            .expect("groff");
        // Minus signs as a hyphen-minus, whichever glyph this groff gives `\-`.
        let shown = text(&out).0.replace(['\u{2212}', '\u{2010}'], "-");
        assert_contains(
            &shown,
            &[
                "CARTBOX(1)",
                "cartbox completions SHELL",
                "--cover-frame N",
                "EXIT STATUS",
            ],
        );
    }
}
