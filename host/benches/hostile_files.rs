//! Hostile cart files against the real host: what each does to the `cartbox` process.
//!
//! Every case of `tests/hostile/mod.rs` (files that are not files, decoder and parser
//! bombs, zip bombs, chunk floods, bytes quoted back to the terminal) is written into a
//! scratch folder, and `cartbox run FILE --headless --frames 1` runs on it under a watchdog
//! (killed past the timeout or past 2 GiB of resident memory). One row per case: how it
//! ended, the wall time, the host's own peak RSS and how much above a good cart's that is,
//! `wait4`'s `ru_maxrss` (the host and every process it reaped, for comparison), the bytes
//! written to stdout and stderr, and the terminal controls among them. The goals are
//! printed above the figures; `tests/all/hostile_files.rs` asserts them.
//!
//! Then the cost of parsing in a runner for carts that are not hostile: the median wall
//! time of `cartbox run CART --headless --frames 1` for each of TIC-80's demo carts
//! (`../shared/tic80-demos/carts`, or the `carts` folder in `CARTBOX_TIC80_DEMOS`).
//!
//! With `CARTBOX_BEFORE=/path/to/cartbox`, an older build runs beside this one in the
//! same run (turn about, for the demo carts), each row once for each binary, with ratios:
//! how issue 12 changed the figures.
//!
//! Run with `cargo bench -p cartbox-host --bench hostile_files`; arguments: a number sets
//! the timeout in seconds (default 30), any other word keeps only the cases whose name
//! contains it (`-- png 10`).

mod common;
#[path = "../../tests/hostile/mod.rs"]
mod hostile;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use hostile::{Limits, Measure, mib};

/// One `cartbox` binary under test, and its idle peak RSS (KiB).
struct Build {
    label: &'static str,
    bin: PathBuf,
    idle: u64,
}

fn main() {
    if common::listing() {
        return;
    }
    let timeout = Duration::from_secs(common::number_arg(30u64));
    let filters: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--") && a.parse::<u64>().is_err())
        .collect();
    let limits = Limits::with_timeout(timeout);
    let scratch = hostile::Scratch::new("bench").expect("scratch folder");
    let dir = &scratch.0;

    let mut builds = vec![Build {
        label: "now",
        bin: PathBuf::from(env!("CARGO_BIN_EXE_cartbox")),
        idle: 0,
    }];
    if let Some(before) = std::env::var_os("CARTBOX_BEFORE") {
        builds.push(Build {
            label: "before",
            bin: PathBuf::from(before),
            idle: 0,
        });
    }

    let cases: Vec<hostile::Case> = hostile::cases()
        .into_iter()
        .filter(|c| filters.is_empty() || filters.iter().any(|f| c.name.contains(f.as_str())))
        .collect();
    let built = Instant::now();
    for c in &cases {
        (c.make)(&dir.join(c.file)).unwrap_or_else(|e| panic!("{}: {e}", c.name));
    }
    let built = built.elapsed();
    // A child's ru_maxrss starts from the harness's RSS at the fork.
    hostile::give_back_free_memory();

    println!("hostile cart files: cartbox run FILE --headless --frames 1");
    println!(
        "  watchdog: killed past {} s or past {} MiB of host RSS; {} cases written in {:.1} s",
        timeout.as_secs(),
        limits.max_rss_kib >> 10,
        cases.len(),
        built.as_secs_f64()
    );
    println!("  goals: {}", hostile::GOALS);
    for b in &mut builds {
        println!("  {}: {}", b.label, b.bin.display());
        let (idle, runs) = hostile::idle(&b.bin, dir, &limits).expect("run the good cart");
        for (i, m) in runs.iter().enumerate() {
            println!(
                "    idle run {}: good.lua: exit {}, {:.0} ms, host peak RSS {} MiB{}, \
                 ru_maxrss {} MiB",
                i + 1,
                m.end_text(&limits),
                m.wall.as_secs_f64() * 1e3,
                mib(m.host_peak_kib),
                if m.peak_at_exit { "" } else { " (polled)" },
                mib(m.tree_peak_kib),
            );
        }
        println!(
            "    idle peak RSS (largest of the three): {} MiB",
            mib(idle)
        );
        b.idle = idle;
    }
    println!();
    let head = [
        "case",
        "build",
        "file",
        "exit",
        "time",
        "host MiB",
        "+idle MiB",
        "ru_maxrss",
        "output B",
        "escapes",
        "goals",
    ];
    println!(
        "{:<24} {:<6} {:>22} {:>15} {:>8} {:>10} {:>10} {:>10} {:>10} {:<10} {}",
        head[0],
        head[1],
        head[2],
        head[3],
        head[4],
        head[5],
        head[6],
        head[7],
        head[8],
        head[9],
        head[10]
    );
    let mut failed = vec![0; builds.len()];
    let mut lines = Vec::new();
    for c in &cases {
        let size = hostile::describe_file(&dir.join(c.file));
        let mut firsts = Vec::new();
        for (k, b) in builds.iter().enumerate() {
            let m = hostile::measure(&b.bin, dir, c.file, &limits)
                .unwrap_or_else(|e| panic!("{}: cannot run: {e}", c.name));
            let missed = m.missed(b.idle, true);
            if !missed.is_empty() {
                failed[k] += 1;
            }
            println!(
                "{}",
                row(c.name, b.label, &size, &m, b.idle, &limits, &missed)
            );
            firsts.push((b.label, m.first_line(90)));
        }
        lines.push((c.name, c.what, firsts));
    }
    println!();
    for (b, failed) in builds.iter().zip(&failed) {
        println!(
            "{}: {failed} of {} cases miss a goal.",
            b.label,
            cases.len()
        );
    }
    println!(
        "(host MiB: the host's VmHWM at its exit, '>=' when it was killed first and this is \
         the watchdog's last reading; ru_maxrss: wait4's, the largest of the host, the zygote \
         and runners it reaped, and the harness at the fork)"
    );
    println!();
    println!("what each case is, and the first line it printed (escaped):");
    for (name, what, firsts) in lines {
        println!("  {name}: {what}");
        for (label, first) in firsts {
            println!("      {label:<6} {first}");
        }
    }
    if filters.is_empty() {
        demo_carts(&builds);
    }
}

/// Rounds of each demo cart per build.
const DEMO_ROUNDS: usize = 15;

/// The median wall time of `cartbox run CART --headless --frames 1` for each demo cart,
/// the builds taking turns.
fn demo_carts(builds: &[Build]) {
    let folder = std::env::var_os("CARTBOX_TIC80_DEMOS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/tic80-demos")
        })
        .join("carts");
    let Ok(entries) = std::fs::read_dir(&folder) else {
        println!();
        println!("demo carts: {} not found, skipped", folder.display());
        return;
    };
    let mut carts: Vec<PathBuf> = entries.filter_map(|e| Some(e.ok()?.path())).collect();
    carts.sort();
    println!();
    println!(
        "demo carts ({}): median wall time of cartbox run CART --headless --frames 1, \
         {DEMO_ROUNDS} runs each, the builds taking turns",
        folder.display()
    );
    let labels: Vec<String> = builds.iter().map(|b| format!("{} ms", b.label)).collect();
    print!("{:<16}", "cart");
    for l in &labels {
        print!(" {l:>12}");
    }
    if builds.len() == 2 {
        print!(" {:>12} {:>8}", "now-before", "ratio");
    }
    println!();
    let mut diffs = Vec::new();
    for cart in &carts {
        let mut times: Vec<Vec<Duration>> = vec![Vec::new(); builds.len()];
        for _ in 0..DEMO_ROUNDS {
            for (b, t) in builds.iter().zip(&mut times) {
                t.push(play_once(&b.bin, cart));
            }
        }
        let medians: Vec<f64> = times
            .iter_mut()
            .map(|t| common::ms(common::percentile(t, 0.5)))
            .collect();
        let name = cart.file_name().map(|n| n.to_string_lossy().into_owned());
        print!("{:<16}", name.unwrap_or_default());
        for m in &medians {
            print!(" {m:>12.1}");
        }
        if let [now, before] = medians[..] {
            print!(" {:>+12.1} {:>8.3}", now - before, now / before);
            diffs.push(now - before);
        }
        println!();
    }
    if !diffs.is_empty() {
        diffs.sort_by(f64::total_cmp);
        println!(
            "median of the per-cart differences (now - before): {:+.2} ms",
            diffs[diffs.len() / 2]
        );
    }
}

/// One headless run of one frame, its wall time; a run that fails is a failed bench.
fn play_once(bin: &Path, cart: &Path) -> Duration {
    let start = Instant::now();
    let status = Command::new(bin)
        .arg("run")
        .arg(cart)
        .args(["--headless", "--frames", "1"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("run cartbox");
    let wall = start.elapsed();
    assert!(
        status.success(),
        "{} failed on {}",
        bin.display(),
        cart.display()
    );
    wall
}

fn row(
    name: &str,
    label: &str,
    size: &str,
    m: &Measure,
    idle: u64,
    limits: &Limits,
    missed: &[String],
) -> String {
    let escapes = m.escapes();
    format!(
        "{:<24} {:<6} {:>22} {:>15} {:>7.2}s {:>10} {:>10} {:>10} {:>10} {:<10} {}",
        name,
        label,
        size,
        m.end_text(limits),
        m.wall.as_secs_f64(),
        format!(
            "{}{}",
            if m.peak_at_exit { "" } else { ">=" },
            mib(m.host_peak_kib)
        ),
        format!("{:+.1}", (m.host_peak_kib as f64 - idle as f64) / 1024.0),
        mib(m.tree_peak_kib),
        m.output_bytes,
        if escapes.is_empty() {
            "-".to_string()
        } else {
            escapes.join(",")
        },
        if missed.is_empty() {
            "met".to_string()
        } else {
            format!("MISSED: {}", missed.join("; "))
        }
    )
}
