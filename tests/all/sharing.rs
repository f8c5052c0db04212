//! Sharing a cart: `cartbox export` to a PNG cart shows the cart's cover, or else the
//! screen at a frame (`--cover-frame N`, default 60), never a blank picture; the cover
//! goes into the cart itself (bank 0's SCREEN), as TIC-80's F7 puts it there. F7 in the
//! window is tested with the window (`window.rs`).

use crate::common::*;

/// The screen of a headless run at frame `n` (240x136), high nibbles only.
fn screen_at(cart: &str, n: u32, dir: &std::path::Path) -> Vec<u8> {
    let shot = dir.join(format!("frame-{n}.png"));
    let frames = n.to_string();
    let args = [
        "run",
        cart,
        "--headless",
        "--frames",
        &frames,
        "--screenshot",
    ];
    run_expect(&[&args[..], &[shot.to_str().unwrap()]].concat(), 0);
    let (w, h, rgb) = read_png(&shot);
    assert_eq!((w, h), (240, 136));
    rgb.iter().map(|b| b & 0xf0).collect()
}

#[test]
fn a_png_cart_without_a_cover_shows_a_frame_never_a_blank_picture() {
    let dir = scratch("export-cover");
    let cart = test_cart("cover.lua");
    let before = std::fs::read(root().join(&cart)).unwrap();
    let frame_5 = screen_at(&cart, 5, &dir);
    let frame_60 = screen_at(&cart, 60, &dir);
    assert_ne!(
        frame_5, frame_60,
        "the test cart must change between the frames"
    );

    // No cover in the cart: the screen at frame 60.
    let plain = dir.join("plain.png");
    run_expect(&["export", &cart, plain.to_str().unwrap()], 0);
    assert_eq!(png_cart_picture(&plain), frame_60);

    // --cover-frame 5: that frame's screen, and it goes into the cart as its cover ...
    let fifth = dir.join("fifth.tic");
    run_expect(
        &[
            "export",
            &cart,
            fifth.to_str().unwrap(),
            "--cover-frame",
            "5",
        ],
        0,
    );
    // ... so a PNG cart made from that .tic shows it, not its frame 60.
    let again = dir.join("again.png");
    run_expect(
        &["export", fifth.to_str().unwrap(), again.to_str().unwrap()],
        0,
    );
    assert_eq!(png_cart_picture(&again), frame_5);
    // A frame asked for replaces a cover the cart has.
    let replaced = dir.join("replaced.png");
    run_expect(
        &[
            "export",
            fifth.to_str().unwrap(),
            replaced.to_str().unwrap(),
            "--cover-frame",
            "60",
        ],
        0,
    );
    assert_eq!(png_cart_picture(&replaced), frame_60);
    // The cart played was not written.
    assert_eq!(std::fs::read(root().join(&cart)).unwrap(), before);
}

#[test]
fn a_cart_that_fails_before_its_cover_frame_is_not_exported() {
    let dir = scratch("export-cover-fails");
    let out = dir.join("broken.png");
    let (_, err) = run_expect(
        &[
            "export",
            &test_cart("runtime_error.lua"),
            out.to_str().unwrap(),
        ],
        1,
    );
    assert_contains(
        &err,
        &["no cover", "frame 1", "attempt to index a nil value"],
    );
    assert!(
        !out.exists(),
        "nothing is written for a cart that has no picture"
    );
}
