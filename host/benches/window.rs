//! The window, measured under Xvfb (Debian package `xvfb`; without it this says so and
//! does nothing):
//!
//! 0. **Steady presentation.** `carts/hello.lua` for 600 frames: the intervals between
//!    presented frames, and how many of the cart's frames were never shown or shown twice
//!    (judder; the window presents each frame as the supervisor finishes it).
//! 1. **Presentation while carts hang.** `cartbox watch` plays a cart that draws 20 frames
//!    and then hangs in C, so the host kills it (budget 100 ms + grace 150 ms); a line on
//!    stdin restarts it, again and again. The window's own figures (`--stats`): the
//!    intervals between presented frames, median, 99th percentile and longest (goal: at
//!    most 25 ms: the window never waits on a runner).
//! 2. **Save to screen.** The cart file is replaced (write + rename, as editors save) with
//!    one that clears the screen to another colour; the time from the rename to that
//!    colour in the window's pixels (read back with GetImage), 25 times (goal: 100 ms).
//!
//! 3. **Key to screen.** A cart that clears the screen to another colour while A is
//!    held; the time from an XTEST key press to that colour in the window, 25 presses.
//!
//! Run with `cargo bench -p cartbox-host --bench window` (about 20 s; pass seconds for
//! part 1: `-- 30`).

mod common;
#[path = "../../tests/xvfb/mod.rs"]
mod xvfb;

use std::io::Write;
use std::time::{Duration, Instant};

use common::{ms, percentile};
use xvfb::*;

fn main() {
    if common::listing() {
        return;
    }
    let seconds: u64 = common::number_arg(10);
    let Some(x) = Xvfb::start() else {
        println!(
            "window benchmark: Xvfb is not installed (apt-get install xvfb); nothing measured"
        );
        return;
    };
    let dir = std::env::temp_dir().join(format!("cartbox-bench-window-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    steady(&x, &dir);
    hangs(&x, &dir, seconds);
    save_to_screen(&x, &dir);
    key_to_screen(&x, &dir);
    let _ = std::fs::remove_dir_all(&dir);
}

fn steady(x: &Xvfb, dir: &std::path::Path) {
    let cart = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../carts/hello.lua");
    let child = x.cartbox(
        dir,
        &[
            "run",
            &cart.display().to_string(),
            "--scale",
            "3",
            "--frames",
            "600",
            "--stats",
        ],
    );
    let (code, _out, err) = finish(child, Duration::from_secs(60));
    let stats = stats_line(&err).unwrap_or("no figures: the window did not print --stats");
    println!("window presentation of carts/hello.lua, 600 frames (exit code {code:?}):");
    println!("  {stats}");
}

fn hangs(x: &Xvfb, dir: &std::path::Path, seconds: u64) {
    std::fs::write(
        dir.join("hang.lua"),
        "n = 0 function TIC() n = n + 1 cls(n % 16) \
         if n > 20 then string.find(string.rep('a', 40), string.rep('a*', 40) .. 'b') end end",
    )
    .expect("write the cart");
    let mut child = x.cartbox(
        dir,
        &[
            "watch",
            "hang.lua",
            "--scale",
            "3",
            "--budget-ms",
            "100",
            "--grace-ms",
            "150",
            "--stats",
        ],
    );
    let conn = x.connect();
    let _w = find_window(&conn);
    let end = Instant::now() + Duration::from_secs(seconds);
    let mut restarts = 0;
    {
        let stdin = child.stdin.as_mut().expect("stdin");
        while Instant::now() < end {
            // 20 frames (333 ms) + killed at 250 ms, and a little slack.
            std::thread::sleep(Duration::from_millis(650));
            let _ = writeln!(stdin, "restart");
            let _ = stdin.flush();
            restarts += 1;
        }
        let _ = writeln!(stdin, "quit");
    }
    let (code, _out, err) = finish(child, Duration::from_secs(20));
    let kills = err.matches("not responding for").count();
    let stats = stats_line(&err).unwrap_or("no figures: the window did not print --stats");
    println!("window presentation while a cart hangs in C, is killed and restarted ({seconds} s):");
    println!("  {stats}");
    println!("  {kills} runners killed, {restarts} restarts asked for; exit code {code:?}");
}

fn save_to_screen(x: &Xvfb, dir: &std::path::Path) {
    let file = dir.join("live.lua");
    let save = |colour: u32| {
        let tmp = dir.join(".live.lua.tmp");
        std::fs::write(&tmp, format!("function TIC() cls({colour}) end\n")).expect("write");
        let t = Instant::now();
        std::fs::rename(&tmp, &file).expect("rename");
        t
    };
    // SWEETIE-16.
    const RGB: [u32; 16] = [
        0x1a1c2c, 0x5d275d, 0xb13e53, 0xef7d57, 0xffcd75, 0xa7f070, 0x38b764, 0x257179, 0x29366f,
        0x3b5dc9, 0x41a6f6, 0x73eff7, 0xf4f4f4, 0x94b0c2, 0x566c86, 0x333c57,
    ];
    save(1);
    let child = x.cartbox(dir, &["watch", "live.lua", "--scale", "3"]);
    let conn = x.connect();
    let w = find_window(&conn);
    let centre = |conn: &RustConnection| capture_pixel(conn, w, 3 * 128, 3 * 72);
    let start = Instant::now();
    while centre(&conn) != RGB[1] && start.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(5));
    }
    let mut latencies = Vec::new();
    let mut missed = 0;
    for trial in 0..25u32 {
        let colour = 2 + trial % 14;
        let t = save(colour);
        loop {
            if centre(&conn) == RGB[colour as usize] {
                latencies.push(t.elapsed());
                break;
            }
            if t.elapsed() > Duration::from_secs(5) {
                missed += 1;
                break;
            }
            std::thread::sleep(Duration::from_micros(500));
        }
        std::thread::sleep(Duration::from_millis(150));
    }
    {
        let mut child = child;
        if let Some(stdin) = child.stdin.as_mut() {
            let _ = writeln!(stdin, "quit");
        }
        let _ = finish(child, Duration::from_secs(10));
    }
    let n = latencies.len();
    if n == 0 {
        println!("save to screen: the window never showed a reloaded frame");
        return;
    }
    let p50 = percentile(&mut latencies, 0.5);
    let p90 = percentile(&mut latencies, 0.9);
    let max = percentile(&mut latencies, 1.0);
    println!("save (rename over the cart) to the reloaded frame in the window, {n} saves:");
    println!(
        "  median {:.1} ms, p90 {:.1} ms, longest {:.1} ms (goal: 100 ms); {missed} never shown",
        ms(p50),
        ms(p90),
        ms(max)
    );
}

fn key_to_screen(x: &Xvfb, dir: &std::path::Path) {
    std::fs::write(
        dir.join("key.lua"),
        "function TIC() cls(key(1) and 5 or 1) end\n",
    )
    .expect("write the cart");
    let child = x.cartbox(dir, &["run", "key.lua", "--scale", "3"]);
    let conn = x.connect();
    let w = find_window(&conn);
    let centre = |conn: &RustConnection| capture_pixel(conn, w, 3 * 128, 3 * 72);
    let start = Instant::now();
    while centre(&conn) != 0x5d275d && start.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(5));
    }
    const A: u8 = 38; // X keycode of A (evdev 30 + 8)
    let mut latencies = Vec::new();
    for trial in 0..25u64 {
        // The last release showed just after a frame: wait a different part of a frame
        // each time, so that presses fall all over the frame.
        std::thread::sleep(Duration::from_micros(90_000 + trial * 6_911 % 16_667));
        let t = Instant::now();
        key(&conn, w, A, true);
        while centre(&conn) != 0xa7f070 && t.elapsed() < Duration::from_secs(5) {
            std::thread::sleep(Duration::from_micros(300));
        }
        latencies.push(t.elapsed());
        key(&conn, w, A, false);
        while centre(&conn) != 0x5d275d && t.elapsed() < Duration::from_secs(10) {
            std::thread::sleep(Duration::from_micros(300));
        }
    }
    quit_from_menu(&conn, w);
    let _ = finish(child, Duration::from_secs(10));
    let p50 = percentile(&mut latencies, 0.5);
    let p90 = percentile(&mut latencies, 0.9);
    let max = percentile(&mut latencies, 1.0);
    println!("key press (XTEST) to the frame that shows it, in the window, 25 presses:");
    println!(
        "  median {:.1} ms, p90 {:.1} ms, longest {:.1} ms",
        ms(p50),
        ms(p90),
        ms(max)
    );
}
