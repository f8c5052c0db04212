//! Soak: thousands of kill-and-respawn cycles on one console, watching the host for leaks.
//!
//! Each cycle kills the running runner and starts the cart again in a fresh one, then
//! runs a frame; the carts alternate between Lua and WebAssembly, and every tenth cycle
//! plays a cart that fails at once (a runner that ends by itself). Before, during and
//! after, it reports the host's open descriptors, the zombie processes under the host and
//! its zygote, and the resident memory of both. Goal: flat.
//!
//! Run with `cargo bench -p cartbox-host --bench soak` (10,000 cycles), or pass a count:
//! `cargo bench -p cartbox-host --bench soak -- 1000`.

mod common;

use std::path::PathBuf;
use std::time::Instant;

use cartbox_host::zygote::ZygoteCommand;
use cartbox_host::{Cart, Console, ConsoleConfig, Input};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// One process's pid, parent and state from `/proc/PID/stat`.
fn stat(pid: &str) -> Option<(i32, char)> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may hold spaces and parentheses: fields follow the last ')'.
    let rest = &s[s.rfind(')')? + 2..];
    let mut f = rest.split(' ');
    let state = f.next()?.chars().next()?;
    let ppid = f.next()?.parse().ok()?;
    Some((ppid, state))
}

/// Resident memory of a process in KiB.
fn rss_kib(pid: i32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

/// The zygote: the host's child that is not a runner (runners are the zygote's children).
fn zygote_pid(host: i32) -> Option<i32> {
    std::fs::read_dir("/proc").ok()?.flatten().find_map(|e| {
        let name = e.file_name().into_string().ok()?;
        let pid: i32 = name.parse().ok()?;
        (stat(&name)?.0 == host).then_some(pid)
    })
}

struct Sample {
    fds: usize,
    zombies: usize,
    host_rss: u64,
    zygote_rss: u64,
    processes: usize,
}

fn sample(host: i32) -> Sample {
    // A runner that just failed is reaped by the zygote a moment later.
    std::thread::sleep(std::time::Duration::from_millis(20));
    let zygote = zygote_pid(host);
    let (mut zombies, mut processes) = (0, 0);
    for e in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let name = e.file_name().into_string().unwrap_or_default();
        if let Some((ppid, state)) = stat(&name)
            && (ppid == host || Some(ppid) == zygote)
        {
            processes += 1;
            if state == 'Z' {
                zombies += 1;
            }
        }
    }
    Sample {
        fds: std::fs::read_dir("/proc/self/fd").map_or(0, |d| d.count()),
        zombies,
        host_rss: rss_kib(host),
        zygote_rss: zygote.map_or(0, rss_kib),
        processes,
    }
}

fn print(cycle: usize, s: &Sample) {
    println!(
        "{cycle:>7}  {:>5}  {:>7}  {:>9}  {:>10} KiB  {:>10} KiB",
        s.fds, s.zombies, s.processes, s.host_rss, s.zygote_rss
    );
}

fn main() {
    if common::listing() {
        return;
    }
    let cycles: usize = common::number_arg(10_000);
    let mut console = Console::new(ConsoleConfig {
        virtual_time: true,
        zygote: Some(ZygoteCommand::binary(env!("CARGO_BIN_EXE_cartbox"))),
        ..ConsoleConfig::default()
    })
    .expect("console");
    let carts = [
        Cart::load(&root().join("carts/hello.lua")).expect("hello.lua"),
        Cart::load(&root().join("carts/hello.wat")).expect("hello.wat"),
    ];
    let failing = Cart::from_code("fails.lua", "function TIC() error('on purpose') end");
    let host = std::process::id() as i32;
    let input = Input::default();

    // Warm up: the first runners of each kind, so the baseline includes what is kept.
    for cart in &carts {
        console.load(cart.clone()).expect("load");
        console.frame(&input).expect("frame");
    }
    // Samples are taken after a failing cycle (every tenth), when no runner is alive, so
    // that every sample sees the same state.
    console.load(failing.clone()).expect("load");
    let _ = console.frame(&input);
    println!(
        "Soak: {cycles} kill-and-respawn cycles (Lua and wasm alternating, every tenth a failing cart)\n"
    );
    println!(
        "{:>7}  {:>5}  {:>7}  {:>9}  {:>14}  {:>14}",
        "cycle", "fds", "zombies", "processes", "host RSS", "zygote RSS"
    );
    let start = sample(host);
    print(0, &start);
    let t = Instant::now();
    let (mut failed, mut errors) = (0usize, 0usize);
    for cycle in 1..=cycles {
        if cycle % 10 == 0 {
            console.load(failing.clone()).expect("load");
            if console.frame(&input).is_err() {
                failed += 1;
            }
        } else {
            console
                .load(carts[cycle % 2].clone())
                .unwrap_or_else(|s| panic!("cycle {cycle}: {s:?}"));
            if console.frame(&input).is_err() {
                errors += 1;
            }
        }
        let _ = console.take_trace();
        if cycle % ((cycles / 50).max(1) * 10) == 0 {
            print(cycle, &sample(host));
        }
    }
    let end = sample(host);
    let elapsed = t.elapsed();
    println!(
        "\n{cycles} cycles in {:.1} s ({:.2} ms each); {failed} failing carts stopped as expected, \
         {errors} unexpected errors",
        elapsed.as_secs_f64(),
        elapsed.as_secs_f64() * 1e3 / cycles as f64
    );
    let (alive, exits, forgotten) = console.zygote().bookkeeping();
    println!(
        "host's records of runners at the end: {alive} alive, {exits} exit reports kept, \
         {forgotten} forgotten"
    );
    println!(
        "start -> end: fds {} -> {}, zombies {} -> {}, processes {} -> {}, host RSS {} -> {} \
         KiB ({:+}), zygote RSS {} -> {} KiB ({:+})",
        start.fds,
        end.fds,
        start.zombies,
        end.zombies,
        start.processes,
        end.processes,
        start.host_rss,
        end.host_rss,
        end.host_rss as i64 - start.host_rss as i64,
        start.zygote_rss,
        end.zygote_rss,
        end.zygote_rss as i64 - start.zygote_rss as i64,
    );
}
