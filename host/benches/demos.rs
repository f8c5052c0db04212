//! Headless throughput on TIC-80's demo carts, against TIC-80's own core in the same run:
//! `cartbox run CART --headless --frames 600` and `tic80run CART --frames 600`, whole
//! processes as a user runs them, interleaved (one of ours, one of theirs), unpinned and
//! pinned to one CPU (`taskset -c 0`).
//!
//! Prints per cart the median wall time of each and TIC-80's time over ours (above 1,
//! Cartbox is faster). Without `tic80run` only Cartbox's times are printed.
//!
//! Run with `cargo bench -p cartbox-host --bench demos [-- ROUNDS]` (default 7 rounds). The
//! carts come from `../shared/tic80-demos/carts` (or `CARTBOX_TIC80_DEMOS`), the tool from
//! `../shared/tools` (or `CARTBOX_TIC80_TOOLS`).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{ms, percentile};

const FRAMES: &str = "600";

fn shared(var: &str, tail: &str) -> PathBuf {
    std::env::var_os(var).map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../shared")
            .join(tail)
    })
}

/// The wall time of one run of `program args`, pinned to CPU 0 or not.
fn time(program: &Path, args: &[&str], pin: bool) -> Duration {
    let mut cmd = if pin {
        let mut c = Command::new("taskset");
        c.args(["-c", "0"]).arg(program);
        c
    } else {
        Command::new(program)
    };
    cmd.args(args).stdout(Stdio::null()).stderr(Stdio::null());
    let t = Instant::now();
    let status = cmd.status().expect("the program starts");
    let elapsed = t.elapsed();
    assert!(status.success(), "{} {args:?}: {status}", program.display());
    elapsed
}

fn main() {
    if common::listing() {
        return;
    }
    let rounds: usize = common::number_arg(7);
    let carts_dir = shared("CARTBOX_TIC80_DEMOS", "tic80-demos").join("carts");
    let tool = shared("CARTBOX_TIC80_TOOLS", "tools").join("tic80run");
    let tool = tool.is_file().then_some(tool);
    let ours = PathBuf::from(env!("CARGO_BIN_EXE_cartbox"));
    let Ok(entries) = std::fs::read_dir(&carts_dir) else {
        println!("{}: not here, nothing to measure", carts_dir.display());
        return;
    };
    let mut carts: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "lua"))
        .collect();
    carts.sort();
    let pinnable = Command::new("taskset").arg("-V").output().is_ok();
    println!(
        "demo carts, {FRAMES} frames headless: median wall time of {rounds} interleaved runs (ms)"
    );
    if tool.is_none() {
        println!("(TIC-80's tic80run is not here: no ratios; set CARTBOX_TIC80_TOOLS)");
    }
    for pin in [false, true] {
        if pin && !pinnable {
            println!("taskset is not here: no pinned runs");
            continue;
        }
        println!(
            "\n{}\n{:<12} {:>10} {:>10} {:>8}",
            if pin { "pinned to CPU 0" } else { "unpinned" },
            "cart",
            "Cartbox",
            "TIC-80",
            "ratio"
        );
        let mut ratios = Vec::new();
        for cart in &carts {
            let path = cart.to_str().expect("a UTF-8 path");
            let (mut a, mut b) = (Vec::new(), Vec::new());
            for _ in 0..rounds {
                a.push(time(
                    &ours,
                    &["run", path, "--headless", "--frames", FRAMES],
                    pin,
                ));
                if let Some(t) = &tool {
                    b.push(time(t, &[path, "--frames", FRAMES], pin));
                }
            }
            let name = cart.file_stem().and_then(|s| s.to_str()).unwrap_or("?");
            let ours = percentile(&mut a, 0.5);
            if b.is_empty() {
                println!("{name:<12} {:>10.1}", ms(ours));
                continue;
            }
            let theirs = percentile(&mut b, 0.5);
            let ratio = theirs.as_secs_f64() / ours.as_secs_f64();
            ratios.push(ratio);
            println!(
                "{name:<12} {:>10.1} {:>10.1} {:>7.2}x",
                ms(ours),
                ms(theirs),
                ratio
            );
        }
        if let Some(worst) = ratios.iter().copied().reduce(f64::min) {
            println!("  -> slowest against TIC-80: {worst:.2}x (goal >= 1x on every cart)");
        }
    }
    println!("(ratio: TIC-80's time / Cartbox's; above 1, Cartbox is faster)");
}
