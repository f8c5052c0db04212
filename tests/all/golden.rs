//! Reviewed frames: each cart in `tests/carts/golden/` exercises one area of the drawing API
//! (or of what the blitter reads from RAM), and its first frame, border included, must match
//! `tests/golden/<name>.png` pixel for pixel. The pictures were looked at and checked against
//! TIC-80's documented behaviour when they were made; a change here is a change users see.
//!
//! To review a deliberate change, render the cart again:
//! `cartbox run tests/carts/golden/NAME.lua --headless --frames 1 --border --screenshot OUT.png`.

use crate::common::*;

fn check(name: &str) -> Vec<u8> {
    let (got, _) = play_headless(&format!("tests/carts/golden/{name}.lua"), 1);
    assert_same_pixels(&got, &format!("tests/golden/{name}.png"), name);
    got
}

#[test]
fn shapes() {
    let got = check("shapes");
    assert_eq!(screen_at(&got, 4, 3), SWEETIE[0], "pix colour 0");
    assert_eq!(screen_at(&got, 34, 3), SWEETIE[15], "pix colour 15");
    assert_eq!(screen_at(&got, 80, 10), SWEETIE[2], "inside rect");
    assert_eq!(
        screen_at(&got, 190, 54),
        SWEETIE[9],
        "colour 2 drawn through the palette map"
    );
    assert_eq!(
        screen_at(&got, 150, 54),
        SWEETIE[14],
        "circle inside the clip window"
    );
    assert_eq!(
        screen_at(&got, 131, 45),
        SWEETIE[13],
        "cls inside the clip window"
    );
    assert_eq!(
        screen_at(&got, 129, 45),
        SWEETIE[1],
        "outside the clip window"
    );
}

#[test]
fn sprites() {
    check("sprites");
}

#[test]
fn print_and_font() {
    let got = check("text");
    assert_eq!(
        screen_at(&got, 4, 11),
        SWEETIE[2],
        "the underline print measured"
    );
    assert_eq!(
        screen_at(&got, 0, 66),
        SWEETIE[0],
        "colour -1 draws nothing"
    );
    assert!(
        (0..240).all(|x| (66..72).all(|y| screen_at(&got, x, y) == SWEETIE[0] || x >= 200)),
        "colour -1 draws nothing"
    );
}

#[test]
fn ttri() {
    let got = check("ttri");
    // The triangle at z=2 (x 20..110) shows in front of the floor above the row where the
    // floor passes z=2 (y = 83) and is hidden below it. Its copy 120 to the right has nothing
    // in front of it, so it shows which pixels are the triangle's.
    let rows = |ys: std::ops::Range<usize>| {
        let (mut drawn, mut shown) = (0, 0);
        for y in ys {
            for x in 20..111 {
                if screen_at(&got, x + 120, y) != SWEETIE[0] {
                    drawn += 1;
                    shown += usize::from(screen_at(&got, x, y) == screen_at(&got, x + 120, y));
                }
            }
        }
        (drawn, shown)
    };
    let (drawn, shown) = rows(62..82);
    assert!(
        drawn > 1000 && shown == drawn,
        "in front: {shown} of {drawn} pixels show"
    );
    let (drawn, shown) = rows(85..100);
    assert!(
        drawn > 300 && shown * 4 < drawn,
        "behind: {shown} of {drawn} pixels show"
    );
}

#[test]
fn effects() {
    let got = check("effects");
    let border = |x: usize, y: usize| {
        let i = (y * 256 + x) * 3;
        [got[i], got[i + 1], got[i + 2]]
    };
    // Screen offset (4, 2): pixel (x + 4, y + 2) shows at (x, y), as in TIC-80 since #2028,
    // so stripe 1 (x 15..30) now covers x 11..26.
    assert_eq!(
        screen_at(&got, 20, 100),
        [255, 0, 0],
        "colour 1 swapped to red"
    );
    assert_eq!(
        screen_at(&got, 11, 100),
        [255, 0, 0],
        "stripe 1, moved 4 left"
    );
    assert_eq!(
        screen_at(&got, 10, 100),
        SWEETIE[0],
        "stripe 0, moved 4 left"
    );
    assert_eq!(
        screen_at(&got, 236, 100),
        SWEETIE[0],
        "stripe 0 wrapped round to the right"
    );
    assert_eq!(
        screen_at(&got, 235, 100),
        SWEETIE[15],
        "stripe 15 ends 4 early"
    );
    // BDR: colour 2 is (row, 255 - row, ...) on each output row; screen row y is output row
    // y + 4, and BDR runs before the row it names.
    let c2 = screen_at(&got, 40, 100);
    assert_eq!(
        (c2[0], c2[1]),
        (104, 151),
        "colour 2 set by BDR for its row"
    );
    assert_eq!(
        border(0, 4 + 100),
        SWEETIE[104 / 9],
        "border colour set by BDR"
    );
    // Bank 1's box covers bank 0, except where it is colour 0.
    assert_eq!(
        screen_at(&got, 45, 45),
        SWEETIE[12],
        "bank 1 drawn over bank 0"
    );
    assert_eq!(
        screen_at(&got, 70, 60),
        screen_at(&got, 70, 100),
        "the hole shows bank 0"
    );
}
