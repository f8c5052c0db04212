//! `cartbox browse`: a folder as a grid of live tiles, each cart in its own runner. The
//! grid drawn headless (tile by tile: the cart's frame at half size, a failure's reason,
//! a folder), and the real window under Xvfb: 16 tiles, one of them a hanging cart that is
//! stopped in its tile while the others go on; Enter plays a cart full-size, Esc goes
//! back, Esc again quits.

use std::time::Duration;

use cartbox_host::browse::{CELL_H, CELL_W, GAP, HEADER, HEIGHT, TILE_H, TILE_W, WIDTH};

use crate::common::*;
use crate::xvfb::*;

/// The picture of tile `i` (the first page) in a grid picture `width` wide.
fn tile(px: &[u32], width: usize, i: usize) -> Vec<u32> {
    let (x, y) = (GAP + (i % 4) * CELL_W, HEADER + (i / 4) * CELL_H);
    (0..TILE_H)
        .flat_map(|ty| px[(y + ty) * width + x..][..TILE_W].to_vec())
        .collect()
}

fn rgb_to_u32(rgb: &[u8]) -> Vec<u32> {
    rgb.chunks_exact(3)
        .map(|p| u32::from(p[0]) << 16 | u32::from(p[1]) << 8 | u32::from(p[2]))
        .collect()
}

#[test]
fn the_grid_drawn_headless_shows_each_cart_at_half_size_and_why_one_failed() {
    let dir = scratch("browse-headless");
    let carts = dir.join("carts");
    std::fs::create_dir_all(carts.join("sub")).unwrap();
    for name in ["window.lua", "runtime_error.lua"] {
        std::fs::copy(root().join(test_cart(name)), carts.join(name)).unwrap();
    }
    let shot = dir.join("grid.png");
    run_expect(
        &[
            "browse",
            carts.to_str().unwrap(),
            "--headless",
            "--frames",
            "5",
            "--screenshot",
            shot.to_str().unwrap(),
        ],
        0,
    );
    let (w, h, rgb) = read_png(&shot);
    assert_eq!((w as usize, h as usize), (WIDTH, HEIGHT));
    let px = rgb_to_u32(&rgb);
    // Entries: the folder first, then the carts by name.
    let folder = tile(&px, WIDTH, 0);
    assert!(folder.contains(&0x94b0c2), "the folder tile");
    let failed = tile(&px, WIDTH, 1);
    assert!(failed.contains(&0xb13e53), "the failed cart's STOPPED");
    // The window cart's tile is its frame 5, every other pixel of every other row.
    let (_, _, full) = read_png(&{
        let p = dir.join("full.png");
        let cart = carts.join("window.lua");
        run_expect(
            &[
                "run",
                cart.to_str().unwrap(),
                "--headless",
                "--frames",
                "5",
                "--border",
                "--screenshot",
                p.to_str().unwrap(),
            ],
            0,
        );
        p
    });
    let full = rgb_to_u32(&full);
    let half: Vec<u32> = (0..TILE_H)
        .flat_map(|y| (0..TILE_W).map(move |x| (y, x)))
        .map(|(y, x)| full[y * 2 * 256 + x * 2])
        .collect();
    assert!(
        tile(&px, WIDTH, 2) == half,
        "the cart's tile is not its frame at half size"
    );
}

#[test]
fn sixteen_live_tiles_one_hung_enter_plays_full_size_and_esc_comes_back() {
    let Some(x) = Xvfb::start() else { return };
    let dir = scratch("browse-window");
    let carts = dir.join("carts");
    std::fs::create_dir_all(&carts).unwrap();
    for i in 0..15 {
        std::fs::copy(
            root().join(test_cart("cover.lua")),
            carts.join(format!("a{i:02}.lua")),
        )
        .unwrap();
    }
    std::fs::copy(
        root().join(test_cart("pattern.lua")),
        carts.join("z_hang.lua"),
    )
    .unwrap();
    let args = [
        "browse",
        carts.to_str().unwrap(),
        "--scale",
        "1",
        "--budget-ms",
        "200",
        "--grace-ms",
        "200",
    ];
    let child = x.cartbox(&dir, &args);
    let conn = x.connect();
    let w = find_window(&conn);
    // cover.lua's screens: colours 1 to 8.
    const COLOURS: [u32; 8] = [
        0x5d275d, 0xb13e53, 0xef7d57, 0xffcd75, 0xa7f070, 0x38b764, 0x257179, 0x29366f,
    ];
    let playing = |px: &[u32], width: usize, i: usize| {
        let t = tile(px, width, i);
        COLOURS.contains(&t[TILE_W * 40 + 100])
    };
    // Every tile plays, and the hung cart's tile says it was stopped.
    let (width, _, first) = capture_until(
        &conn,
        w,
        "15 playing tiles and a stopped one",
        |width, h, px| {
            (width, h) == (WIDTH, HEIGHT)
                && (0..15).all(|i| playing(px, width, i))
                && tile(px, width, 15).contains(&0xb13e53)
        },
    );
    // The others go on: a tile's picture changes (its frame count and colour move).
    std::thread::sleep(Duration::from_millis(700));
    capture_until(&conn, w, "tiles that moved on", |_, _, px| {
        (0..15).all(|i| playing(px, width, i)) && tile(px, width, 3) != tile(&first, width, 3)
    });
    // Enter plays the first cart full-size: one colour across the middle of the window.
    tap(&conn, w, keycode::RETURN);
    capture_until(&conn, w, "the cart full-size", |width, h, px| {
        let (a, b) = (
            px[(h / 2) * width + width / 2],
            px[(h / 2) * width + width / 2 - 150],
        );
        a == b && COLOURS.contains(&a)
    });
    // Esc: the grid again, that tile paused (its picture still).
    tap(&conn, w, keycode::ESCAPE);
    let (_, _, paused) = capture_until(&conn, w, "the grid again", |width, h, px| {
        (width, h) == (WIDTH, HEIGHT) && tile(px, width, 15).contains(&0xb13e53)
    });
    std::thread::sleep(Duration::from_millis(600));
    let (_, _, later) = capture(&conn, w);
    assert!(
        tile(&later, width, 0) == tile(&paused, width, 0),
        "the paused tile moved"
    );
    // Esc in the grid quits.
    tap(&conn, w, keycode::ESCAPE);
    let (code, _, err) = finish(child, Duration::from_secs(20));
    assert_eq!(code, Some(0), "{err}");
}
