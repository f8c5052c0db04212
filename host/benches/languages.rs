//! Bunnymark per language: TIC-80's `luamark.lua`, `jsmark.js` and `moonmark.moon`, and our
//! `carts/fennelmark.fnl` (TIC-80 has no Fennel bunnymark; ours follows the same protocol:
//! hold UP to add five bunnies a frame), each played by a real runner (forked, seccomp-locked, frames over the
//! channel), and, in the same run, by TIC-80's own core (`tic80run` and `tic80run-all
//! --bunnymark`, the same protocol) where its tools are here.
//!
//! At 1,001 to 4,001 bunnies: the median frame time of each language, its ratio to Lua's,
//! and each one's ratio to TIC-80's for the same cart (MoonScript and Fennel: TIC-80
//! compiling them with their own compilers). (The soft stop's cost in
//! JavaScript is `cargo bench -p cartbox-runner --bench core`.)
//!
//! Run with `cargo bench -p cartbox-host --bench languages`. The carts and tools come from
//! `../shared` (or the folders in `CARTBOX_TIC80_DEMOS` and `CARTBOX_TIC80_TOOLS`).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use cartbox_host::zygote::ZygoteCommand;
use cartbox_host::{Cart, Console, ConsoleConfig, Input};
use common::{ms, percentile};

/// Frames measured at each level.
const FRAMES: usize = 60;
/// The bunny counts measured (TIC-80's harness prints these).
const LEVELS: [usize; 4] = [1001, 2001, 3001, 4001];
const UP: u8 = 1;

fn shared(var: &str, tail: &str) -> PathBuf {
    std::env::var_os(var).map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../shared")
            .join(tail)
    })
}

/// Median frame times at each level, through a real runner.
fn cartbox(cart: &Path) -> Vec<Duration> {
    let mut console = Console::new(ConsoleConfig {
        virtual_time: true,
        zygote: Some(ZygoteCommand::binary(env!("CARGO_BIN_EXE_cartbox"))),
        ..ConsoleConfig::default()
    })
    .expect("console");
    console
        .load(Cart::load(cart).expect("the cart reads"))
        .expect("the cart loads");
    let mut up = Input::default();
    up.gamepads[0] = UP;
    let idle = Input::default();
    let mut bunnies = 1;
    let mut out = Vec::new();
    for level in LEVELS {
        while bunnies < level {
            console.run_frame(&up, false).expect("frame");
            bunnies += 5;
        }
        let mut times = Vec::with_capacity(FRAMES);
        for _ in 0..FRAMES {
            let t = Instant::now();
            console.frame(&idle).expect("frame");
            times.push(t.elapsed());
        }
        out.push(percentile(&mut times, 0.5));
    }
    out
}

/// TIC-80's medians at the same levels, from its harness's `--bunnymark` table.
fn tic80(tool: &Path, cart: &Path) -> Option<Vec<Duration>> {
    let out = Command::new(tool)
        .arg(cart)
        .arg("--bunnymark")
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    LEVELS
        .iter()
        .map(|level| {
            text.lines().find_map(|l| {
                let mut f = l.split_whitespace();
                (f.next()?.parse::<usize>().ok()? == *level)
                    .then(|| f.next()?.parse::<f64>().ok())
                    .flatten()
                    .map(|us| Duration::from_secs_f64(us / 1e6))
            })
        })
        .collect()
}

fn main() {
    if common::listing() {
        return;
    }
    let demos = shared("CARTBOX_TIC80_DEMOS", "tic80-demos");
    let tools = shared("CARTBOX_TIC80_TOOLS", "tools");
    let langs = [
        (
            "Lua",
            demos.join("carts/luamark.lua"),
            tools.join("tic80run"),
        ),
        (
            "JavaScript",
            demos.join("languages/jsmark.js"),
            tools.join("tic80run-all"),
        ),
        (
            "MoonScript",
            demos.join("languages/moonmark.moon"),
            tools.join("tic80run-all"),
        ),
        (
            "Fennel",
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../carts/fennelmark.fnl"),
            tools.join("tic80run-all"),
        ),
    ];
    println!(
        "bunnymark per language: median frame time (ms), one run, one language after the other"
    );
    println!(
        "{:<12} {:>8} {:>12} {:>12} {:>10}",
        "language", "bunnies", "Cartbox", "TIC-80", "ratio"
    );
    let mut medians = Vec::new();
    for (name, cart, tool) in &langs {
        if !cart.is_file() {
            println!("{name}: {} not found, skipped", cart.display());
            continue;
        }
        let ours = cartbox(cart);
        let theirs = tic80(tool, cart);
        for (i, level) in LEVELS.iter().enumerate() {
            let t = theirs.as_ref().map(|t| t[i]);
            println!(
                "{:<12} {:>8} {:>12.3} {:>12} {:>10}",
                name,
                level,
                ms(ours[i]),
                t.map_or("-".into(), |t| format!("{:.3}", ms(t))),
                t.map_or("-".into(), |t| format!(
                    "{:.2}x",
                    t.as_secs_f64() / ours[i].as_secs_f64()
                )),
            );
        }
        medians.push((*name, ours));
    }
    if let Some((_, lua)) = medians.iter().find(|(n, _)| *n == "Lua") {
        for (name, other) in medians.iter().filter(|(n, _)| *n != "Lua") {
            println!();
            println!("{name} against Lua in Cartbox (frame time ratio, {name} / Lua):");
            for (i, level) in LEVELS.iter().enumerate() {
                println!(
                    "  {level:>5} bunnies: {:.2}",
                    other[i].as_secs_f64() / lua[i].as_secs_f64()
                );
            }
        }
    }
    println!("(ratio: TIC-80's frame time / Cartbox's; above 1, Cartbox is faster)");
}
