//! Issue 13 (community carts): community_api. API functions real community carts call that
//! Cartbox lacked, and WebAssembly carts that import what it does not provide.
//!
//! - `paint` (a flood fill) and `fft`/`ffts` (Byte Jam carts call `fft` every frame) are in
//!   TIC-80's current Lua API. `paint`'s frames must equal, pixel for pixel, what TIC-80 drew
//!   (`tests/golden/community/api_*.png`, made with `tic80run` from TIC-80's core at commit
//!   9b79d496f0e3, see the README there); what `fft` returns is compared through `trace()`
//!   with what TIC-80 traced for the same cart (`api_fft.txt`).
//! - A wasm cart importing a function Cartbox does not provide (WASI's `proc_exit` in a panic
//!   path) loads and plays, as in TIC-80; calling such an import traps, naming it. An import
//!   of one of Cartbox's own functions with the wrong type is still refused at load.

use crate::common::*;

/// Item 5: `paint` is TIC-80's 4-connected span fill: the seed's colour or up to a border,
/// clipped, through the palette map, floats truncated and colours as bytes, on either bank.
#[test]
fn paint_fills_as_tic80_does() {
    let got = same_as_tic80("api_paint");
    // What the frame pins, spelled out (screen coordinates; see the cart).
    let cases = [
        (
            (30, 30),
            2,
            "inside a circle outline: its diagonal steps hold the fill in",
        ),
        ((8, 8), 0, "outside that circle"),
        ((150, 10), 10, "the seed's colour only..."),
        ((145, 25), 7, "...so a box of another colour inside stays"),
        (
            (205, 25),
            9,
            "with a border: the box of another colour is filled too",
        ),
        ((22, 70), 11, "inside the clip rectangle"),
        ((12, 70), 0, "the same region outside the clip rectangle"),
        (
            (100, 80),
            14,
            "fill 3 drawn as 14 through the palette map, over a box of 6",
        ),
        (
            (140, 70),
            1,
            "colour 17.6 is 1 (a byte, then the low nibble)",
        ),
        ((180, 70), 8, "border -1 is no border"),
        ((60, 118), 4, "bank 1's fill shows over bank 0"),
        ((220, 110), 5, "bank 1, left of the clip edge"),
        (
            (230, 110),
            0,
            "bank 1, right of the clip edge: transparent, bank 0 shows",
        ),
    ];
    for ((x, y), colour, what) in cases {
        assert_eq!(screen_at(&got, x, y), SWEETIE[colour], "({x}, {y}): {what}");
    }
}

/// Item 5: a ragged region (noise of three colours), where the fill's spans leak round
/// corners and turn back: the same pixels as TIC-80, with and without a border and clipped.
#[test]
fn paint_over_noise_reaches_what_tic80_reaches() {
    same_as_tic80("api_paint_noise");
}

/// Item 5: with no audio input (TIC-80 without `--fft`), `fft` and `ffts` return the float 0.0
/// for any arguments and raise TIC-80's errors without one: every line the cart traces in
/// two frames equals TIC-80's.
#[test]
fn fft_and_ffts_trace_what_tic80_traces() {
    let (_, traced) = play_headless("tests/carts/community/api_fft.lua", 2);
    let golden = "tests/golden/community/api_fft.txt";
    let want = std::fs::read_to_string(root().join(golden)).expect("golden trace");
    assert_eq!(
        traced, want,
        "the cart's trace differs from TIC-80's {golden}"
    );
    assert_contains(
        &traced,
        &[
            "fft(0) -> 0.0 float\n",
            "ffts(0,1023) -> 0.0 float\n",
            "fft() error: invalid params, fft(start_freq, end_freq=-1)\\n\n",
        ],
    );
}

/// Item 8: a cart importing WASI's `proc_exit` and `env.reset`, which Cartbox does not
/// provide, loads and plays while it does not call them.
#[test]
fn a_wasm_cart_importing_what_we_lack_loads_and_plays() {
    let (got, traced) = play_headless("tests/carts/wasm/api_imports.wat", 3);
    assert_eq!(traced, "frame\nframe\nframe\n");
    assert_eq!(screen_at(&got, 0, 0), SWEETIE[1], "cls(1)");
    assert_eq!(screen_at(&got, 10, 10), SWEETIE[12], "the box's border");
    assert_eq!(screen_at(&got, 20, 20), SWEETIE[6], "inside the box");
}

/// Item 8: calling an import Cartbox does not provide traps there, naming it (module and
/// name), with the wasm call stack; the frames before it played.
#[test]
fn calling_a_missing_import_traps_naming_it() {
    let cart = "tests/carts/wasm/api_stub_call.wat";
    run_expect(&["run", cart, "--headless", "--frames", "1"], 0);
    let (_, stderr) = run_expect(&["run", cart, "--headless", "--frames", "3"], 1);
    assert_contains(
        &stderr,
        &[
            "tests/carts/wasm/api_stub_call.wat: the cart called wasi_snapshot_preview1.proc_exit, \
             which Cartbox does not provide",
            "in TIC",
            "in function panic",
            "in function check",
            "in function tic",
        ],
    );
}

/// Item 8: an import of one of Cartbox's functions with another type is the cart's bug:
/// refused at load, naming the import and both types, even beside imports that get stubs.
#[test]
fn a_console_function_of_the_wrong_type_is_refused_at_load() {
    let (stdout, stderr) = run_expect(
        &[
            "run",
            "tests/carts/wasm/api_wrong_type.wat",
            "--headless",
            "--frames",
            "1",
        ],
        1,
    );
    assert_eq!(stdout, "");
    assert_contains(
        &stderr,
        &[
            "tests/carts/wasm/api_wrong_type.wat: the cart imports env.paint as (func (param i32 \
           i32 i32) (result i32)), but TIC-80's paint is (func (param i32 i32 i32 i32)) \
           (function signature mismatch)",
        ],
    );
}
