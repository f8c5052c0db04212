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
