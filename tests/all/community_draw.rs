//! Issue 13 (community carts): community_draw. Drawing differences from TIC-80 that real
//! community carts showed, each pinned by a small cart in `tests/carts/community/` whose first
//! frame (border included) must equal, pixel for pixel, what TIC-80 itself drew for it:
//! `tests/golden/community/<name>.png`, made with `tic80run` from TIC-80's core at commit
//! 9b79d496f0e3 (see the README there). Unlike `golden.rs`, these frames are TIC-80's own, so
//! a difference here is a difference from TIC-80.

use crate::common::*;

/// Item 1: a positive screen offset moves the picture left and up, wrapping (TIC-80 #2028),
/// in each VRAM bank by its own offset.
#[test]
fn screen_offset_moves_the_picture_left_and_up() {
    let got = same_as_tic80("offset");
    // Issue 13's repro: the red square at (0, 0), offset (4, 5), wraps to (236, 131).
    for (x, y) in [(236, 131), (239, 131), (236, 134), (239, 134)] {
        assert_eq!(
            screen_at(&got, x, y),
            SWEETIE[2],
            "the red square at ({x}, {y})"
        );
    }
    assert_eq!(
        screen_at(&got, 4, 5),
        SWEETIE[0],
        "not moved right and down"
    );
    assert_eq!(
        screen_at(&got, 235, 131),
        SWEETIE[0],
        "the square ends at 236"
    );
    // Bank 1's offset (-20, -9) moves its box (60, 50) right and down, to (80, 59).
    assert_eq!(
        screen_at(&got, 80, 59),
        SWEETIE[12],
        "bank 1's box at (80, 59)"
    );
    assert_eq!(
        screen_at(&got, 79, 59),
        SWEETIE[5],
        "left of the box: bank 0's stripe 5, moved by bank 0's offset"
    );
}

/// Item 1, per row: offsets set in BDR (bank 0) and SCN (bank 1) apply to the row they are
/// set for, as in scanline scrollers.
#[test]
fn screen_offset_changes_per_row() {
    same_as_tic80("offset_rows");
}

/// Item 2: `ttri` keeps each vertex's texture coordinates in both windings. Issue 13's repro
/// (negative area, so TIC-80 rasterises it with vertices 2 and 3 swapped) maps uv = xy and must
/// copy the sheet exactly, as must the same triangle in the other winding.
#[test]
fn ttri_keeps_texture_coordinates_in_both_windings() {
    let got = same_as_tic80("ttri_winding");
    // The sheet (tiles 0..255) holds colour (x + y) % 15 + 1 at (x, y).
    for (x0, shift) in [(20, 0), (120, 100)] {
        let mut drawn = 0;
        for y in 10..41 {
            for x in x0..x0 + 81 {
                let c = screen_at(&got, x, y);
                if c != SWEETIE[0] {
                    drawn += 1;
                    assert_eq!(
                        c,
                        SWEETIE[(x - shift + y) % 15 + 1],
                        "the triangle at x {x0}: pixel ({x}, {y}) is the sheet's ({}, {y})",
                        x - shift
                    );
                }
            }
        }
        assert!(drawn > 1000, "the triangle at x {x0}: {drawn} pixels drawn");
    }
    // Tiny triangles: area -0.2 is drawn (one pixel; its centre's uv is about (9.75, 9.75),
    // the sheet's (9, 9)), area 0.2 is not.
    assert_eq!(screen_at(&got, 140, 120), SWEETIE[4], "area -0.2: drawn");
    assert_eq!(screen_at(&got, 130, 120), SWEETIE[0], "area 0.2: skipped");
}

/// Item 2 with depth: the z of each vertex stays with it in both windings (perspective and
/// the depth test), a z below FLT_EPSILON turns depth off, and a NaN z hides the triangle.
#[test]
fn ttri_keeps_depth_in_both_windings() {
    let got = same_as_tic80("ttri_depth");
    for y in 90..131 {
        for x in 130..239 {
            assert_eq!(
                screen_at(&got, x, y),
                SWEETIE[0],
                "a triangle with a NaN z draws nothing, but ({x}, {y}) is drawn"
            );
        }
    }
}

/// `textri` (TIC-80's deprecated span rasteriser) draws the same in both windings; it never
/// shared `ttri`'s vertex swap.
#[test]
fn textri_in_both_windings() {
    same_as_tic80("textri_winding");
}
