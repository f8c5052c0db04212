//! WebAssembly carts through the real path: the host reads the cart file, a zygote forks a
//! runner that locks itself down with the wasm seccomp profile, compiles the module inside
//! the sandbox and plays it.

use std::time::Duration;

use crate::common::*;
use cartbox_host::{Cart, Console, ConsoleConfig, Input, Stop};
use cartbox_protocol::message::{CartFault, FaultKind};

/// A console with short deadlines and a 16 MiB memory cap.
fn wasm_console(budget_ms: u64, grace_ms: u64) -> Console {
    Console::new(ConsoleConfig {
        budget: Duration::from_millis(budget_ms),
        grace: Duration::from_millis(grace_ms),
        virtual_time: true,
        memory_limit: 16 << 20,
        zygote: Some(cartbox_host::zygote::ZygoteCommand::binary(bin())),
        ..ConsoleConfig::default()
    })
    .expect("start a console")
}

fn cart_at(path: &str) -> Cart {
    let mut cart = Cart::load(&root().join(path)).expect("cart loads");
    cart.name = path.to_owned();
    cart
}

fn wasm_cart(name: &str) -> Cart {
    cart_at(&format!("tests/carts/wasm/{name}"))
}

/// The fault a cart stops with, at load or within a few frames.
fn fault_of(console: &mut Console, cart: Cart) -> CartFault {
    let stop = match console.load(cart) {
        Err(stop) => stop,
        Ok(()) => (0..3)
            .find_map(|_| console.frame(&Input::default()).err())
            .expect("the cart stops"),
    };
    match stop {
        Stop::Cart(f) => f,
        other => panic!("expected a cart fault, got {other:?}"),
    }
}

fn screen(console: &Console) -> Vec<u8> {
    console.screenshot(true).expect("a frame").2
}

#[test]
fn hello_wat_renders_what_hello_lua_renders() {
    // The same cart written twice; with the same input they must draw the same pixels,
    // border included, frame after frame (the time text too: time() is virtual here).
    let mut wasm = wasm_console(2000, 1000);
    let mut lua = wasm_console(2000, 1000);
    wasm.load(cart_at("carts/hello.wat")).unwrap();
    lua.load(cart_at("carts/hello.lua")).unwrap();
    assert_eq!(
        wasm.sandbox().map(|r| r.landlock_full),
        lua.sandbox().map(|r| r.landlock_full)
    );
    for frame in 0..120 {
        let mut input = Input::default();
        // Hold right, then up, part of the time.
        input.gamepads[0] = match frame {
            20..=50 => 1 << 3,
            60..=80 => 1 << 0,
            _ => 0,
        };
        wasm.frame(&input).unwrap();
        lua.frame(&input).unwrap();
        if frame % 30 == 29 {
            assert!(screen(&wasm) == screen(&lua), "frame {frame} differs");
        }
    }
    let traces =
        |c: &mut Console| -> Vec<String> { c.take_trace().into_iter().map(|t| t.text).collect() };
    assert_eq!(traces(&mut wasm), ["hello from BOOT"]);
    assert_eq!(traces(&mut lua), ["hello from BOOT"]);
    // The project form of the same cart (.wasmp with the .wat beside it) is the same cart.
    let module = |path: &str| {
        let c = cart_at(path);
        cartbox_runner::cart::parse(&c.name, &c.files)
            .unwrap()
            .module
    };
    assert_eq!(module("carts/hello.wasmp"), module("carts/hello.wat"));
}

#[test]
fn tic80_wasm_demos_play_600_frames() {
    let dir = root().join("../shared/tic80-demos/wasm");
    if !dir.is_dir() {
        eprintln!("skipped: {} is not here", dir.display());
        return;
    }
    let mut console = wasm_console(2000, 1000);
    for name in ["wasmdemo.wasmp", "wasmmark.wasmp", "wasmmark.wasm"] {
        let cart = Cart::load(&dir.join(name)).expect("demo loads");
        console.load(cart).unwrap();
        let mut frames = 0;
        for _ in 0..600 {
            let mut input = Input::default();
            // wasmmark adds bunnies while UP is held.
            input.gamepads[0] = 1;
            frames += 1;
            if console.run_frame(&input, false).unwrap() {
                break;
            }
        }
        assert_eq!(frames, 600, "{name} ran {frames} frames");
        console.frame(&Input::default()).unwrap();
        let rgb = screen(&console);
        let first = &rgb[..3];
        assert!(
            rgb.chunks(3).any(|p| p != first),
            "{name} drew a blank screen"
        );
    }
}

#[test]
fn an_infinite_loop_in_tic_is_stopped_naming_the_function() {
    let mut console = wasm_console(150, 1000);
    let f = fault_of(&mut console, wasm_cart("loop_tic.wat"));
    assert_eq!(f.kind, FaultKind::Budget);
    assert_eq!(
        f.message,
        "tests/carts/wasm/loop_tic.wat: ran past its budget of 150 ms and was stopped (in TIC())"
    );
    assert_eq!(f.callback, "TIC");
    assert!(
        f.traceback.starts_with("\tin function spin\n"),
        "{}",
        f.traceback
    );
    // Stopped inside the runner: it reported, it was not killed, and the cart restarts.
    console.restart().unwrap();
}

#[test]
fn an_infinite_loop_in_the_start_function_is_stopped() {
    let mut console = wasm_console(150, 1000);
    let f = fault_of(&mut console, wasm_cart("loop_start.wat"));
    assert_eq!(f.kind, FaultKind::Budget);
    assert!(
        f.message.ends_with("stopped (in the start function)"),
        "{}",
        f.message
    );
    assert!(f.traceback.contains("spin"), "{}", f.traceback);
}

#[test]
fn memory_growth_stops_at_the_cap_and_the_cart_goes_on() {
    let mut console = wasm_console(2000, 1000);
    console.load(wasm_cart("grow_bomb.wat")).unwrap();
    for _ in 0..3 {
        console.frame(&Input::default()).unwrap();
    }
    let lines: Vec<String> = console.take_trace().into_iter().map(|t| t.text).collect();
    // 16 MiB of 64 KiB pages: memory.grow said -1 there, and nothing crashed.
    assert_eq!(lines, ["stopped at 00256 pages"]);
    let rgb = screen(&console);
    assert_eq!(
        &rgb[(8 * 256 + 20) * 3..][..3],
        [0xb1, 0x3e, 0x53],
        "cls(2) drew"
    );
}

#[test]
fn a_huge_initial_memory_is_refused() {
    let mut console = wasm_console(2000, 1000);
    let f = fault_of(&mut console, wasm_cart("huge_memory.wat"));
    assert_eq!(f.kind, FaultKind::OutOfMemory);
    assert!(
        f.message.contains("cannot make the cart's memory")
            && f.message.contains("65536 pages exceeds memory limits"),
        "{}",
        f.message
    );
}

#[test]
fn deep_recursion_is_a_trap() {
    let mut console = wasm_console(2000, 1000);
    let f = fault_of(&mut console, wasm_cart("recursion.wat"));
    assert_eq!(f.kind, FaultKind::Runtime);
    assert_eq!(
        f.message,
        "tests/carts/wasm/recursion.wat: [trap] stack overflow"
    );
    assert!(
        f.traceback.starts_with("\tin function down ("),
        "{}",
        f.traceback
    );
}

#[test]
fn a_bad_pointer_in_a_host_call_traps() {
    let mut console = wasm_console(2000, 1000);
    let f = fault_of(&mut console, wasm_cart("bad_pointer.wat"));
    assert_eq!(
        (f.kind, f.message.as_str()),
        (
            FaultKind::Runtime,
            "tests/carts/wasm/bad_pointer.wat: [trap] out of bounds memory access"
        )
    );
}

#[test]
fn imports_the_console_does_not_provide_trap_when_called_and_wrong_types_are_refused() {
    // As in TIC-80, a function import we do not provide links (a real cart's panic path
    // imports WASI's proc_exit and never calls it); calling it traps, naming it.
    let mut console = wasm_console(2000, 1000);
    let f = fault_of(&mut console, wasm_cart("wasi.wat"));
    assert_eq!(
        f.message,
        "tests/carts/wasm/wasi.wat: the cart called wasi_snapshot_preview1.fd_write, which \
         Cartbox does not provide"
    );
    let f = fault_of(&mut console, wasm_cart("bad_signature.wat"));
    assert_eq!(
        f.message,
        "tests/carts/wasm/bad_signature.wat: the cart imports env.pix as (func (param i32 i32 \
         i32)), but TIC-80's pix is (func (param i32 i32 i32) (result i32)) (function \
         signature mismatch)"
    );
}

#[test]
fn a_module_too_large_to_compile_in_time_is_killed_and_reported() {
    // About 2.5 MB of text: a few hundred thousand instructions for the compiler, far more
    // than 60 ms of work on any machine.
    let dir = scratch("big-module");
    let mut wat = String::from("(module (import \"env\" \"memory\" (memory 4 4))\n");
    for f in 0..600 {
        wat += &format!("(func $f{f} (param i32) (result i32) local.get 0\n");
        for i in 0..200 {
            wat += &format!("i32.const {i} i32.add\n");
        }
        wat += ")\n";
    }
    wat += "(func (export \"TIC\")))\n";
    let path = dir.join("big.wat");
    std::fs::write(&path, &wat).unwrap();
    let cart = Cart::load(&path).unwrap();
    let mut console = wasm_console(30, 30);
    match console.load(cart) {
        Err(Stop::CompileTimeout { waited }) => {
            assert_eq!(waited, Duration::from_millis(60));
            let text = Stop::CompileTimeout { waited }.describe("big.wat");
            assert_eq!(
                text,
                "big.wat: timed out while compiling (after 60 ms); killed"
            );
        }
        other => panic!("expected a compile timeout, got {other:?}"),
    }
    assert!(console.runner_pid().is_none());
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn the_cli_plays_every_form_of_a_wasm_cart() {
    for cart in ["carts/hello.wat", "carts/hello.wasmp"] {
        let out = cartbox(&["run", cart, "--headless", "--frames", "2", "--trace"]);
        let (stdout, stderr) = text(&out);
        assert!(out.status.success(), "{cart}: {stderr}");
        assert_eq!(stdout, "hello from BOOT\n", "{cart}");
    }
    // A .tic holds binary modules only: exporting the text one says so.
    let dir = scratch("wasm-export");
    let tic = dir.join("hello.tic");
    let out = cartbox(&["export", "carts/hello.wasmp", tic.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(65));
    assert!(
        text(&out).1.contains("convert it with wat2wasm first"),
        "{}",
        text(&out).1
    );
    // The binary module (as wat2wasm makes it) with the project beside it: exported to a
    // .tic, the module travels in BINARY chunks after a LANG chunk, and plays the same.
    let source = std::fs::read_to_string(root().join("carts/hello.wat")).unwrap();
    std::fs::write(dir.join("hello.wasm"), wat::parse_str(&source).unwrap()).unwrap();
    std::fs::copy(root().join("carts/hello.wasmp"), dir.join("hello.wasmp")).unwrap();
    let project = dir.join("hello.wasmp");
    let out = cartbox(&["export", project.to_str().unwrap(), tic.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out).1);
    let mut shots = Vec::new();
    for cart in [&project, &tic] {
        let shot = dir.join("shot.png");
        let out = cartbox(&[
            "run",
            cart.to_str().unwrap(),
            "--headless",
            "--frames",
            "30",
            "--trace",
            "--screenshot",
            shot.to_str().unwrap(),
        ]);
        let (stdout, stderr) = text(&out);
        assert!(out.status.success(), "{stderr}");
        assert_eq!(stdout, "hello from BOOT\n");
        shots.push(read_png(&shot));
    }
    assert!(
        shots[0] == shots[1],
        "the .tic draws what the project draws"
    );
    let _ = std::fs::remove_dir_all(dir);
}

/// Issue 16 item 6: a `.wat` that does not parse is reported against the `.wat` file and
/// its own line, whether it is played bare or as the module of a `.wasmp` project.
#[test]
fn wat_errors_name_the_wat_file_and_line() {
    let dir = scratch("wat-errors");
    let wat = std::fs::read_to_string(root().join("carts/hello.wat")).unwrap();
    let broken = wat.replacen("(func", "(fnuc", 1);
    let line = broken
        .lines()
        .position(|l| l.contains("(fnuc"))
        .expect("a func")
        + 1;
    std::fs::write(dir.join("bad.wat"), &broken).unwrap();
    std::fs::copy(root().join("carts/hello.wasmp"), dir.join("bad.wasmp")).unwrap();
    for cart in ["bad.wat", "bad.wasmp"] {
        let path = dir.join(cart);
        let (_, err) = run_expect(
            &["run", path.to_str().unwrap(), "--headless", "--frames", "1"],
            1,
        );
        let first = err.lines().next().unwrap_or_default();
        let want = format!("syntax error: {}:{line}:", dir.join("bad.wat").display());
        assert!(
            first.contains(&want),
            "{cart}: expected {want:?} in {first:?}"
        );
        assert!(!err.contains("<anon>"), "{err}");
    }
}
