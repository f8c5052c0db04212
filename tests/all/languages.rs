//! Issue 14 (languages): carts in JavaScript, through the real CLI, real runners and the
//! real seccomp filter.
//!
//! - What they draw and what TIC-80's API returns to them equal TIC-80's, pixel for pixel
//!   and line for line (`tests/golden/js/`, made with `tic80run-all`, TIC-80's core at
//!   commit 9b79d496f0e3 built with its other languages; see the README there), as a text
//!   cart and exported to `.tic` and `.png`.
//! - Hangs are stopped inside QuickJS with the line (a loop, a backtracking regular
//!   expression), the heap and the stack are capped, syntax errors name the file and line.
//! - TIC-80's own JavaScript demos play 600 frames.

use crate::common::*;

#[test]
fn javascript_draws_what_tic80_draws_as_text_tic_and_png() {
    let cart = "tests/carts/js/api_draw.js";
    let golden = "tests/golden/js/api_draw.png";
    let (got, _) = play_headless(cart, 1);
    assert_same_pixels(&got, golden, cart);
    // The same cart exported (written by a runner) and played again.
    let dir = scratch("languages-export");
    for ext in ["tic", "png"] {
        let out = dir.join(format!("api_draw.{ext}"));
        run_expect(&["export", cart, out.to_str().unwrap()], 0);
        let (got, _) = play_headless(out.to_str().unwrap(), 1);
        assert_same_pixels(&got, golden, &format!("{cart} exported to .{ext}"));
    }
}

#[test]
fn javascript_is_given_what_tic80_gives_it() {
    let (_, trace) = play_headless("tests/carts/js/api_trace.js", 2);
    let golden = "tests/golden/js/api_trace.txt";
    let want = std::fs::read_to_string(root().join(golden)).expect("golden trace");
    assert_eq!(
        trace, want,
        "the cart's trace differs from TIC-80's {golden}"
    );
}

#[test]
fn javascript_hangs_are_stopped_with_the_line() {
    for (cart, at) in [
        (
            "loop_tic.js",
            "loop_tic.js:3: ran past its budget of 150 ms",
        ),
        (
            "regex_backtrack.js",
            "regex_backtrack.js:4: ran past its budget of 150 ms",
        ),
    ] {
        let path = format!("tests/carts/js/{cart}");
        let (_, stderr) = run_expect(
            &[
                "run",
                &path,
                "--headless",
                "--frames",
                "3",
                "--budget-ms",
                "150",
                "--grace-ms",
                "1000",
            ],
            1,
        );
        assert_contains(&stderr, &[at, "and was stopped (in TIC())", "in TIC"]);
    }
}

#[test]
fn javascript_heap_stack_and_syntax_errors_are_clean_faults() {
    let run = |cart: &str| {
        let path = format!("tests/carts/js/{cart}");
        run_expect(
            &[
                "run",
                &path,
                "--headless",
                "--frames",
                "3",
                "--memory-mb",
                "16",
            ],
            1,
        )
        .1
    };
    assert_contains(
        &run("memory_hog.js"),
        &[
            "out of memory: tests/carts/js/memory_hog.js:5: the cart's JavaScript heap reached its limit of 16 MiB",
        ],
    );
    assert_contains(
        &run("recursion.js"),
        &[
            "recursion.js:3: RangeError: Maximum call stack size exceeded",
            "in TIC",
        ],
    );
    assert_contains(
        &run("syntax_error.js"),
        &[
            "syntax error: tests/carts/js/syntax_error.js:4: SyntaxError: ",
            "in top-level code",
        ],
    );
}

#[test]
fn tic80_javascript_demos_play_600_frames() {
    let dir = root().join("../shared/tic80-demos/languages");
    if !dir.is_dir() {
        eprintln!("skipped: {} is not here", dir.display());
        return;
    }
    for name in ["jsdemo.js", "jsmark.js"] {
        let cart = dir.join(name);
        let (rgb, _) = play_headless(cart.to_str().unwrap(), 600);
        let first = &rgb[..3];
        assert!(
            rgb.chunks(3).any(|p| p != first),
            "{name} drew a blank screen"
        );
    }
}

/// Plays `cart` for two frames and compares its trace with TIC-80's, line by line.
fn assert_traces_as_tic80(cart: &str, golden: &str) {
    let (_, trace) = play_headless(cart, 2);
    let want = std::fs::read_to_string(root().join(golden)).expect("golden trace");
    let (got, want): (Vec<&str>, Vec<&str>) = (trace.lines().collect(), want.lines().collect());
    for (g, w) in got.iter().zip(&want) {
        assert_eq!(g, w, "the cart's trace differs from TIC-80's {golden}");
    }
    assert_eq!(
        got.len(),
        want.len(),
        "{golden}: {} lines, got {}",
        want.len(),
        got.len()
    );
}

/// Plays `tests/carts/DIR/CART` headless for three frames, expecting exit code 1; its
/// stderr.
fn failing_run(dir: &str, cart: &str, extra: &[&str]) -> String {
    let path = format!("tests/carts/{dir}/{cart}");
    let mut args = vec!["run", path.as_str(), "--headless", "--frames", "3"];
    args.extend_from_slice(extra);
    run_expect(&args, 1).1
}

/// Frame 600 of TIC-80's demo `NAME` equals `tests/golden/DIR/STEM-600.png` but for the
/// rows `text_rows`, where text is (our system font is our own). Skipped without the demos.
fn assert_demo_frame_600(dir: &str, name: &str, text_rows: std::ops::Range<usize>) {
    let cart = root().join(format!("../shared/tic80-demos/languages/{name}"));
    if !cart.is_file() {
        eprintln!("skipped: {} is not here", cart.display());
        return;
    }
    let (got, _) = play_headless(cart.to_str().unwrap(), 600);
    let stem = name.rsplit_once('.').map_or(name, |(s, _)| s);
    let golden = format!("tests/golden/{dir}/{stem}-600.png");
    let (_, _, want) = read_png(&root().join(&golden));
    let differing = got
        .chunks(3)
        .zip(want.chunks(3))
        .enumerate()
        .filter(|(i, (a, b))| a != b && !text_rows.contains(&(i / 256)))
        .count();
    assert_eq!(
        differing, 0,
        "{name}'s frame 600 differs from {golden} outside the text"
    );
}

// Fennel: compiled by Cartbox's own compiler inside the runner, then played on its Lua
// runtime (`tests/golden/fennel/`, made with `tic80run-all`, TIC-80 running Fennel's own
// compiler).

#[test]
fn fennel_evaluates_what_fennels_own_compiler_evaluates() {
    assert_traces_as_tic80(
        "tests/carts/fennel/lang_trace.fnl",
        "tests/golden/fennel/lang_trace.txt",
    );
}

#[test]
fn fennel_draws_what_tic80_draws_as_text_tic_and_png() {
    let cart = "tests/carts/fennel/api_draw.fnl";
    let golden = "tests/golden/fennel/api_draw.png";
    let (got, _) = play_headless(cart, 1);
    assert_same_pixels(&got, golden, cart);
    let dir = scratch("languages-fennel-export");
    for ext in ["tic", "png"] {
        let out = dir.join(format!("api_draw.{ext}"));
        run_expect(&["export", cart, out.to_str().unwrap()], 0);
        let (got, _) = play_headless(out.to_str().unwrap(), 1);
        assert_same_pixels(&got, golden, &format!("{cart} exported to .{ext}"));
    }
    // A .fnl without a `script:` tag stays Fennel in a .tic (its LANG chunk).
    let untagged = dir.join("untagged.fnl");
    std::fs::write(&untagged, "(fn _G.TIC [] (cls 2))\n").unwrap();
    let tic = dir.join("untagged.tic");
    run_expect(
        &["export", untagged.to_str().unwrap(), tic.to_str().unwrap()],
        0,
    );
    let (got, _) = play_headless(tic.to_str().unwrap(), 1);
    let centre = (72 * 256 + 128) * 3;
    assert_eq!(
        &got[centre..centre + 3],
        [0xb1, 0x3e, 0x53],
        "untagged.tic plays as Fennel"
    );
}

#[test]
fn fennel_errors_and_hangs_name_the_carts_own_line() {
    let run = |cart: &str, extra: &[&str]| failing_run("fennel", cart, extra);
    assert_contains(
        &run("runtime_error.fnl", &[]),
        &[
            "error: tests/carts/fennel/runtime_error.fnl:3: attempt to index a nil value (field 'missing')",
            "in TIC",
        ],
    );
    // Strict globals, as TIC-80 plays `;; strict: true`: checked at compile time.
    assert_contains(
        &run("compile_error.fnl", &[]),
        &[
            "syntax error: tests/carts/fennel/compile_error.fnl:5:8: unknown identifier: zz",
            "in top-level code",
        ],
    );
    assert_contains(
        &run(
            "loop_tic.fnl",
            &["--budget-ms", "150", "--grace-ms", "1000"],
        ),
        &[
            "tests/carts/fennel/loop_tic.fnl:3: ran past its budget of 150 ms",
            "and was stopped (in TIC())",
        ],
    );
}

#[test]
fn tic80_fennel_demo_plays_600_frames_as_tic80_draws_it() {
    assert_demo_frame_600("fennel", "fenneldemo.fnl", 88..95);
}

// MoonScript: compiled by Cartbox's own compiler inside the runner, then played on its Lua
// runtime (`tests/golden/moon/`, made with `tic80run-all`, TIC-80 running MoonScript's own
// compiler).

#[test]
fn moonscript_evaluates_what_moonscripts_own_compiler_evaluates() {
    assert_traces_as_tic80(
        "tests/carts/moon/lang_trace.moon",
        "tests/golden/moon/lang_trace.txt",
    );
    // Exported to .tic and .png (a LANG chunk names the language) it traces the same.
    let dir = scratch("languages-moon-export");
    for ext in ["tic", "png"] {
        let out = dir.join(format!("lang_trace.{ext}"));
        run_expect(
            &[
                "export",
                "tests/carts/moon/lang_trace.moon",
                out.to_str().unwrap(),
            ],
            0,
        );
        assert_traces_as_tic80(out.to_str().unwrap(), "tests/golden/moon/lang_trace.txt");
    }
}

#[test]
fn moonscript_errors_and_hangs_name_the_carts_own_line() {
    let run = |cart: &str, extra: &[&str]| failing_run("moon", cart, extra);
    assert_contains(
        &run("runtime_error.moon", &[]),
        &[
            "error: tests/carts/moon/runtime_error.moon:3: attempt to index a nil value (field 'missing')",
            "in TIC",
        ],
    );
    assert_contains(
        &run("syntax_error.moon", &[]),
        &["syntax error: tests/carts/moon/syntax_error.moon:4: unclosed '('"],
    );
    assert_contains(
        &run(
            "loop_tic.moon",
            &["--budget-ms", "150", "--grace-ms", "1000"],
        ),
        &[
            "tests/carts/moon/loop_tic.moon:3: ran past its budget of 150 ms",
            "and was stopped (in TIC())",
        ],
    );
}

#[test]
fn tic80_moonscript_demos_play_600_frames_as_tic80_draws_them() {
    assert_demo_frame_600("moon", "moondemo.moon", 88..95);
    assert_demo_frame_600("moon", "moonmark.moon", 4..11);
}
