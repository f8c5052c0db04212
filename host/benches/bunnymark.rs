//! Bunnymark: TIC-80's `luamark.lua` demo (hold UP to add five bunnies a frame), played by
//! a real runner (forked, seccomp-locked, frames over the channel, pixels through shared
//! memory) and by the same console code in this process with no isolation at all.
//!
//! It reports, at each bunny count, the wall time of a whole frame (TIC, sound tick, blit to
//! pixels) both ways and the runner's own CPU time per frame; the isolation overhead at
//! 4,000 bunnies; and the number of bunnies Cartbox sustains at 60 fps (the largest count
//! whose 90th-percentile frame fits in 16.67 ms, and the count a straight-line fit of frame
//! time against bunnies puts at 16.67 ms).
//!
//! Run with `cargo bench -p cartbox-host --bench bunnymark`. The cart comes from
//! `../shared/tic80-demos/carts/luamark.lua`, or from the path in `CARTBOX_BUNNYMARK`.

mod common;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use cartbox_host::zygote::ZygoteCommand;
use cartbox_host::{Cart, Console, ConsoleConfig, Input};
use cartbox_protocol::ram;
use cartbox_runner::lua::LuaCart;
use cartbox_runner::machine::Machine;
use cartbox_runner::shm::SharedMemory;
use common::{ms, percentile, thread_cpu};

/// Frames measured at each bunny count, per side.
const FRAMES: usize = 60;
/// Frames measured at 4,000 bunnies for the isolation overhead, per side.
const OVERHEAD_FRAMES: usize = 600;
/// Frames run back to back by one side before the other takes a turn.
const BATCH: usize = 10;
/// The frame time of 60 fps.
const FRAME_BUDGET: Duration = Duration::from_micros(16_667);
const UP: u8 = 1;

fn cart_path() -> PathBuf {
    if let Ok(p) = std::env::var("CARTBOX_BUNNYMARK") {
        return p.into();
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/tic80-demos/carts/luamark.lua")
}

/// The cart played in this process: the runner's console code with no process, no sandbox
/// and no channel (what an unisolated console would do).
struct InProcess {
    cart: LuaCart,
    seq: u64,
    frames: u64,
}

impl InProcess {
    fn new(cart: &Cart) -> InProcess {
        // Parsed here as a runner parses it.
        let cart = cartbox_runner::cart::parse(&cart.name, &cart.files).expect("the cart parses");
        let machine = Machine::new(SharedMemory::anonymous().expect("mapping"), &cart.image);
        let mut lua = LuaCart::new(machine, &cart.name, 256 << 20).expect("vm");
        lua.boot(&cart.image.code, 1).expect("boot");
        InProcess {
            cart: lua,
            seq: 1,
            frames: 0,
        }
    }

    fn frame(&mut self, input: &Input) {
        let ram = self.cart.machine().ram();
        ram[ram::GAMEPADS..ram::GAMEPADS + 4].copy_from_slice(&input.gamepads);
        self.seq += 1;
        self.frames += 1;
        let time = (self.frames - 1) as f64 * 1000.0 / 60.0;
        self.cart
            .frame(self.seq, Some(time), true)
            .expect("in-process frame");
        let _ = self.cart.machine().take_trace();
    }
}

/// The CPU time a process has used, read from its CPU-time clock.
fn process_cpu(pid: i32) -> Duration {
    let clock = nix::time::clock_getcpuclockid(nix::unistd::Pid::from_raw(pid))
        .expect("the runner's CPU clock");
    Duration::from(nix::time::clock_gettime(clock).expect("clock_gettime"))
}

struct Level {
    bunnies: usize,
    runner_p50: Duration,
    runner_p90: Duration,
    runner_cpu: Duration,
    local_p50: Duration,
    local_cpu: Duration,
    /// Median over batch pairs of runner time / in-process time.
    pair_ratio: f64,
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let path = cart_path();
    let cart = match Cart::load(&path) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("bunnymark: {e}\n(set CARTBOX_BUNNYMARK to the path of luamark.lua)");
            std::process::exit(66);
        }
    };
    let mut console = Console::new(ConsoleConfig {
        virtual_time: true,
        zygote: Some(ZygoteCommand::binary(env!("CARGO_BIN_EXE_cartbox"))),
        ..ConsoleConfig::default()
    })
    .expect("console");
    console.load(cart.clone()).expect("load");
    let mut local = InProcess::new(&cart);
    let pid = console.runner_pid().expect("runner pid");

    println!(
        "Bunnymark ({}), one run; frame = TIC + sound + blit to pixels\n",
        path.display()
    );
    println!(
        "{:>8}  {:>12} {:>12} {:>12}  {:>12} {:>12}  {:>9}",
        "bunnies",
        "runner p50",
        "runner p90",
        "runner CPU",
        "in-proc p50",
        "in-proc CPU",
        "overhead"
    );

    let hold = Input {
        gamepads: [UP, 0, 0, 0],
        ..Input::default()
    };
    let idle = Input::default();
    let mut bunnies = 1usize;
    let mut levels: Vec<Level> = Vec::new();
    let mut overhead = None;
    for target in (1..).map(|k| k * 1000) {
        // Both play the same input, so both have the same number of bunnies.
        while bunnies < target {
            console.frame(&hold).expect("runner frame");
            local.frame(&hold);
            bunnies += 5;
        }
        for _ in 0..5 {
            console.frame(&idle).expect("runner frame");
            local.frame(&idle);
        }
        let level = measure(&mut console, &mut local, pid, bunnies, FRAMES);
        print_level(&level);
        if target == 4000 {
            overhead = Some(measure(
                &mut console,
                &mut local,
                pid,
                bunnies,
                OVERHEAD_FRAMES,
            ));
        }
        let over = level.runner_p90 > FRAME_BUDGET;
        levels.push(level);
        if over {
            break;
        }
    }

    let sustained = levels
        .iter()
        .filter(|l| l.runner_p90 <= FRAME_BUDGET)
        .map(|l| l.bunnies)
        .max()
        .unwrap_or(0);
    // Least-squares fit of the runner's median frame time against the bunny count.
    let n = levels.len() as f64;
    let (sx, sy) = levels.iter().fold((0.0, 0.0), |(sx, sy), l| {
        (sx + l.bunnies as f64, sy + l.runner_p50.as_secs_f64())
    });
    let (mx, my) = (sx / n, sy / n);
    let (sxy, sxx) = levels.iter().fold((0.0, 0.0), |(sxy, sxx), l| {
        let dx = l.bunnies as f64 - mx;
        (sxy + dx * (l.runner_p50.as_secs_f64() - my), sxx + dx * dx)
    });
    let per_bunny = sxy / sxx;
    let fixed = my - per_bunny * mx;
    let fit = (FRAME_BUDGET.as_secs_f64() - fixed) / per_bunny;
    println!(
        "\nper bunny {:.2} us, fixed cost {:.3} ms per frame (fit of runner p50)",
        per_bunny * 1e6,
        fixed * 1e3
    );
    println!(
        "sustained at 60 fps: {sustained} bunnies measured (p90 <= 16.67 ms), {fit:.0} by the fit"
    );
    // TIC-80 in the same run, by the same protocol (its harness's `--bunnymark`).
    match tic80_sustained() {
        Some((measured, by_fit)) => println!(
            "  -> TIC-80 in this run: {measured} measured, {by_fit:.0} by the fit; Cartbox / \
             TIC-80: {:.2}x measured, {:.2}x by the fit (goal >= 3x)",
            sustained as f64 / measured as f64,
            fit / by_fit
        ),
        None => println!("  -> TIC-80's tic80run is not here: no ratio (set CARTBOX_TIC80_TOOLS)"),
    }
    if let Some(l) = overhead {
        println!(
            "\nisolation overhead at {} bunnies ({OVERHEAD_FRAMES} frames each, in interleaved batches of {BATCH}):",
            l.bunnies
        );
        println!(
            "  wall p50: runner {:.3} ms / in-process {:.3} ms = {:.3}x ({:+.2} %); median of \
             batch ratios {:+.2} %",
            ms(l.runner_p50),
            ms(l.local_p50),
            l.runner_p50.as_secs_f64() / l.local_p50.as_secs_f64(),
            (l.runner_p50.as_secs_f64() / l.local_p50.as_secs_f64() - 1.0) * 100.0,
            (l.pair_ratio - 1.0) * 100.0
        );
        println!(
            "  CPU per frame: runner {:.3} ms / in-process {:.3} ms = {:.3}x ({:+.2} %) (goal <= 3 %)",
            ms(l.runner_cpu),
            ms(l.local_cpu),
            l.runner_cpu.as_secs_f64() / l.local_cpu.as_secs_f64(),
            (l.runner_cpu.as_secs_f64() / l.local_cpu.as_secs_f64() - 1.0) * 100.0,
        );
    }
}

/// TIC-80's sustained bunny counts (measured, by the fit) from `tic80run luamark.lua
/// --bunnymark`, when the tool is here.
fn tic80_sustained() -> Option<(usize, f64)> {
    let tools = std::env::var_os("CARTBOX_TIC80_TOOLS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/tools"));
    let out = std::process::Command::new(tools.join("tic80run"))
        .arg(cart_path())
        .arg("--bunnymark")
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    // "sustained at 60 fps: 4001 bunnies measured (p90 <= 16.67 ms), 6357 by the fit"
    let line = text
        .lines()
        .find(|l| l.starts_with("sustained at 60 fps:"))?;
    let mut words = line.split_whitespace();
    let measured = words.nth(4)?.parse().ok()?;
    let by_fit = line
        .rsplit_once(", ")?
        .1
        .split_whitespace()
        .next()?
        .parse()
        .ok()?;
    Some((measured, by_fit))
}

fn print_level(level: &Level) {
    println!(
        "{:>8}  {:>9.3} ms {:>9.3} ms {:>9.3} ms  {:>9.3} ms {:>9.3} ms  {:>+8.2}%",
        level.bunnies,
        ms(level.runner_p50),
        ms(level.runner_p90),
        ms(level.runner_cpu),
        ms(level.local_p50),
        ms(level.local_cpu),
        (level.runner_p50.as_secs_f64() / level.local_p50.as_secs_f64() - 1.0) * 100.0
    );
}

/// `frames` frames each way, in interleaved batches of [`BATCH`] so that drifts of the
/// machine hit both alike while each side still runs frames back to back, as a real run
/// does (a runner answering one frame is still briefly watching for the next).
fn measure(
    console: &mut Console,
    local: &mut InProcess,
    pid: i32,
    bunnies: usize,
    frames: usize,
) -> Level {
    let idle = Input::default();
    let (mut rw, mut lw, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    let mut lcpu = Duration::ZERO;
    // The runner uses no CPU between frames (it waits in a blocking read), so its CPU time
    // over the whole loop is its frames' CPU time. It is read once at each end because a
    // process that has only just stopped running may not have its last slice counted yet.
    let runner_start = process_cpu(pid);
    for _ in 0..frames.div_ceil(BATCH) {
        let mut batch = Duration::ZERO;
        for _ in 0..BATCH {
            let t = Instant::now();
            console.frame(&idle).expect("runner frame");
            let r = t.elapsed();
            batch += r;
            rw.push(r);
        }
        let c0 = thread_cpu();
        let mut local_batch = Duration::ZERO;
        for _ in 0..BATCH {
            let t = Instant::now();
            local.frame(&idle);
            let l = t.elapsed();
            local_batch += l;
            lw.push(l);
        }
        lcpu += thread_cpu() - c0;
        ratios.push(batch.as_secs_f64() / local_batch.as_secs_f64());
    }
    std::thread::sleep(Duration::from_millis(20));
    let n = rw.len() as u32;
    let rcpu = process_cpu(pid) - runner_start;
    ratios.sort_by(f64::total_cmp);
    Level {
        bunnies,
        runner_p50: percentile(&mut rw, 0.5),
        runner_p90: percentile(&mut rw, 0.9),
        runner_cpu: rcpu / n,
        local_p50: percentile(&mut lw, 0.5),
        local_cpu: lcpu / n,
        pair_ratio: ratios[ratios.len() / 2],
    }
}
