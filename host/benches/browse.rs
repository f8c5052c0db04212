//! Many carts side by side (issue 17): how many live tiles two cores sustain, what an idle
//! runner costs in memory, and `cartbox check`'s throughput with one and two jobs.
//!
//! `cargo bench -p cartbox-host --bench browse`:
//! - tiles: K supervisors playing TIC-80's luademo at 20 frames a second each with the
//!   browser's share of the CPUs (`tile_rate`), for 4 s; the median tile's frames a
//!   second, for K from 1 to 32 (sustained: at least 19);
//! - PSS of idle runners (a Lua cart and a wasm cart paused after their first frames),
//!   from /proc/PID/smaps_rollup of each runner process;
//! - the browser's window under Xvfb with 16 demo tiles for 5 s (`--stats`): how regularly
//!   it presented (goal: intervals <= 25 ms);
//! - `cartbox check` on the 13 demo carts for 600 frames, --jobs 1 against --jobs 2
//!   (median of 3 runs each, interleaved).

#[path = "../../tests/xvfb/mod.rs"]
mod xvfb;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use cartbox_host::frontend::window::tile_rate;
use cartbox_host::supervisor::Supervisor;
use cartbox_host::zygote::ZygoteCommand;
use cartbox_host::{Cart, ConsoleConfig};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

fn config() -> ConsoleConfig {
    ConsoleConfig {
        zygote: Some(ZygoteCommand::binary(env!("CARGO_BIN_EXE_cartbox"))),
        ..ConsoleConfig::default()
    }
}

/// K tiles of `cart` for `secs`: each tile's frames a second, sorted.
fn tiles(cart: &Cart, k: usize, secs: u64) -> Vec<f64> {
    let rate = tile_rate(k);
    let sups: Vec<Supervisor> = (0..k)
        .map(|_| {
            let s = Supervisor::start(config()).expect("supervisor");
            s.set_rate(rate);
            s.load(cart.clone());
            s
        })
        .collect();
    // Let them start (zygotes, loads) before counting.
    std::thread::sleep(Duration::from_millis(500));
    let mut px = Box::new([0u32; cartbox_protocol::shm::FRAME_PIXELS]);
    let before: Vec<u64> = sups
        .iter()
        .map(|s| s.latest_frame(u64::MAX, &mut px))
        .collect();
    let started = Instant::now();
    std::thread::sleep(Duration::from_secs(secs));
    let took = started.elapsed().as_secs_f64();
    let mut fps: Vec<f64> = sups
        .iter()
        .zip(before)
        .map(|(s, b)| (s.latest_frame(u64::MAX, &mut px) - b) as f64 / took)
        .collect();
    fps.sort_by(f64::total_cmp);
    fps
}

/// The pids of our grandchildren: the runners (children of the zygotes, our children).
fn runners() -> Vec<i32> {
    let me = std::process::id() as i32;
    let parent_of = |pid: i32| -> Option<i32> {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        let after = stat.rsplit_once(')')?.1;
        after.split_whitespace().nth(1)?.parse().ok()
    };
    let pids: Vec<i32> = std::fs::read_dir("/proc")
        .map(|d| {
            d.filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
                .collect()
        })
        .unwrap_or_default();
    pids.iter()
        .copied()
        .filter(|p| parent_of(*p).and_then(parent_of) == Some(me))
        .collect()
}

fn pss_kib(pid: i32) -> Option<u64> {
    let rollup = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok()?;
    rollup
        .lines()
        .find(|l| l.starts_with("Pss:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// Median PSS of the runners of `n` idle carts (paused after 30 frames), in KiB.
fn idle_pss(cart: &Cart, n: usize) -> Option<u64> {
    let sups: Vec<Supervisor> = (0..n)
        .map(|_| {
            let s = Supervisor::start(config()).expect("supervisor");
            s.load(cart.clone());
            s
        })
        .collect();
    std::thread::sleep(Duration::from_millis(800));
    for s in &sups {
        s.pause(true);
    }
    std::thread::sleep(Duration::from_millis(200));
    // The zygote keeps one runner forked ahead: count only runners that have a cart (the
    // larger ones), as many as there are tiles.
    let mut pss: Vec<u64> = runners().into_iter().filter_map(pss_kib).collect();
    pss.sort_unstable();
    pss.reverse();
    pss.truncate(n);
    pss.sort_unstable();
    drop(sups);
    pss.get(pss.len() / 2).copied()
}

fn check_time(jobs: &str, carts: &[PathBuf]) -> Duration {
    let started = Instant::now();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_cartbox"))
        .arg("check")
        .args(carts)
        .args(["--frames", "600", "--jobs", jobs])
        .output()
        .expect("cartbox check");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    started.elapsed()
}

fn main() {
    let demos = root().join("../shared/tic80-demos/carts");
    let luademo = demos.join("luademo.lua");
    if !luademo.exists() {
        println!("skipped: {} is not here", demos.display());
        return;
    }
    let cart = Cart::load(&luademo).expect("luademo");
    println!("tiles of luademo at 20 fps, each with the browser's share of the CPUs (4 s):");
    println!(
        "{:>6} {:>12} {:>12} {:>10}",
        "tiles", "median fps", "slowest fps", "sustained"
    );
    for k in [1, 2, 4, 8, 12, 16, 24, 32] {
        let fps = tiles(&cart, k, 4);
        let median = fps[fps.len() / 2];
        println!(
            "{k:>6} {median:>12.1} {:>12.1} {:>10}",
            fps[0],
            if median >= 19.0 { "yes" } else { "no" }
        );
    }
    window(&demos);
    let lua = Cart::from_code("idle.lua", "function TIC() cls(1) end");
    let wasm = root().join("carts/hello.wasmp");
    println!("idle runners' PSS (median of 8, paused after their first frames):");
    if let Some(kib) = idle_pss(&lua, 8) {
        println!("  Lua:  {:.2} MiB (goal <= 4 MiB)", kib as f64 / 1024.0);
    }
    if let Some(kib) = Cart::load(&wasm).ok().and_then(|c| idle_pss(&c, 8)) {
        println!("  wasm: {:.2} MiB", kib as f64 / 1024.0);
    }
    let mut carts: Vec<PathBuf> = std::fs::read_dir(&demos)
        .expect("demos")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "lua"))
        .collect();
    carts.sort();
    let (mut one, mut two) = (Vec::new(), Vec::new());
    for _ in 0..3 {
        one.push(check_time("1", &carts));
        two.push(check_time("2", &carts));
    }
    one.sort();
    two.sort();
    let (a, b) = (one[1], two[1]);
    println!(
        "check, {} demo carts x 600 frames: --jobs 1 {:.2} s, --jobs 2 {:.2} s: {:.2}x (2.00 is linear)",
        carts.len(),
        a.as_secs_f64(),
        b.as_secs_f64(),
        a.as_secs_f64() / b.as_secs_f64()
    );
}

/// The browser's window with 16 demo tiles for 5 s, under Xvfb: its `--stats` line.
fn window(demos: &Path) {
    let Some(x) = xvfb::Xvfb::start() else {
        println!("window: skipped (no Xvfb)");
        return;
    };
    let dir = std::env::temp_dir().join(format!("cartbox-bench-browse-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut names: Vec<PathBuf> = std::fs::read_dir(demos)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "lua"))
        .collect();
    names.sort();
    for i in 0..16 {
        let src = &names[i % names.len()];
        std::fs::copy(
            src,
            dir.join(format!(
                "{i:02}-{}",
                src.file_name().unwrap().to_string_lossy()
            )),
        )
        .unwrap();
    }
    let child = x.cartbox(
        &dir,
        &["browse", dir.to_str().unwrap(), "--stats", "--scale", "1"],
    );
    let conn = x.connect();
    let w = xvfb::find_window(&conn);
    std::thread::sleep(Duration::from_secs(5));
    xvfb::tap(&conn, w, xvfb::keycode::ESCAPE);
    let (_, _, err) = xvfb::finish(child, Duration::from_secs(20));
    println!(
        "window with 16 demo tiles, 5 s: {}",
        xvfb::stats_line(&err).unwrap_or("no --stats line")
    );
    let _ = std::fs::remove_dir_all(&dir);
}
