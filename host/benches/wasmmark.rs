//! Wasmmark: TIC-80's WebAssembly bunnymark (`wasmmark`, hold UP to add five bunnies a
//! frame) against its Lua twin (`luamark.lua`), each played by a real runner, and the cost
//! of the wasm soft stop (epoch checks compiled into the cart) measured in-process.
//!
//! wasmmark keeps at most 1,200 bunnies, so both carts are measured at 200..1,200 bunnies:
//! frame times side by side, the cost per bunny (a straight-line fit of the median frame
//! time), and what the fits put at 16.67 ms; TIC-80's own wasm runtime (wasm3, in
//! `tic80run-all`) at the cap, when its tools are here; then the soft stop's cost, CPU time
//! per frame in interleaved batches, on wasmmark and on a tight loop: compiled as carts are
//! (epoch checks, small loops unrolled) against the same without the checks (what the
//! checks alone cost) and against the module compiled as given (what it all comes to).
//!
//! Run with `cargo bench -p cartbox-host --bench wasmmark`. The carts come from
//! `../shared/tic80-demos/`, or from the directory in `CARTBOX_TIC80_DEMOS`.

mod common;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use cartbox_host::zygote::ZygoteCommand;
use cartbox_host::{Cart, Console, ConsoleConfig, Input};
use cartbox_protocol::ram;
use cartbox_runner::cart as parsed;
use cartbox_runner::machine::Machine;
use cartbox_runner::shm::SharedMemory;
use cartbox_runner::wasm::{self, WasmCart};
use common::{ms, percentile, thread_cpu};

/// Frames measured at each bunny count.
const FRAMES: usize = 60;
/// Frames per side for the guard's cost, and the batch each side runs before the other.
const GUARD_FRAMES: usize = 600;
const BATCH: usize = 10;
/// Bunnies on screen while the guard's cost is measured.
const GUARD_BUNNIES: usize = 1_200;
const FRAME_BUDGET: Duration = Duration::from_micros(16_667);
const UP: u8 = 1;

fn demos() -> PathBuf {
    match std::env::var("CARTBOX_TIC80_DEMOS") {
        Ok(p) => p.into(),
        Err(_) => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/tic80-demos"),
    }
}

fn load(path: &std::path::Path) -> Cart {
    match Cart::load(path) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("wasmmark: {e}\n(set CARTBOX_TIC80_DEMOS to TIC-80's demo directory)");
            std::process::exit(66);
        }
    }
}

/// Frame times of `cart` in a real runner at each bunny count of `levels`:
/// (bunnies, p50, p90).
fn levels(cart: Cart, levels: &[usize]) -> Vec<(usize, Duration, Duration)> {
    let mut console = Console::new(ConsoleConfig {
        virtual_time: true,
        zygote: Some(ZygoteCommand::binary(env!("CARGO_BIN_EXE_cartbox"))),
        ..ConsoleConfig::default()
    })
    .expect("console");
    console.load(cart).expect("load");
    let hold = Input {
        gamepads: [UP, 0, 0, 0],
        ..Input::default()
    };
    let idle = Input::default();
    let mut bunnies = 1usize;
    let mut out = Vec::new();
    for &target in levels {
        while bunnies < target {
            console.run_frame(&hold, false).expect("frame");
            bunnies += 5;
        }
        let mut times: Vec<Duration> = (0..FRAMES)
            .map(|_| {
                let t = Instant::now();
                console.frame(&idle).expect("frame");
                t.elapsed()
            })
            .collect();
        let (p50, p90) = (percentile(&mut times, 0.5), percentile(&mut times, 0.9));
        out.push((bunnies, p50, p90));
    }
    out
}

/// TIC-80's median frame time for wasmmark at its cap, from `tic80run-all --bunnymark`
/// (the median of its levels from 2,001, all at the cap).
fn tic80_at_cap(cart: &std::path::Path) -> Option<Duration> {
    let tools = std::env::var_os("CARTBOX_TIC80_TOOLS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/tools"));
    let out = std::process::Command::new(tools.join("tic80run-all"))
        .arg(cart)
        .arg("--bunnymark")
        .output()
        .ok()?;
    let mut at_cap: Vec<Duration> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let mut f = l.split_whitespace();
            let level: usize = f.next()?.parse().ok()?;
            let us: f64 = f.next()?.parse().ok()?;
            (level >= 2001).then(|| Duration::from_secs_f64(us / 1e6))
        })
        .collect();
    (!at_cap.is_empty()).then(|| percentile(&mut at_cap, 0.5))
}

/// Least-squares line of p50 against bunnies: (seconds per bunny, fixed seconds).
fn fit(levels: &[(usize, Duration, Duration)]) -> (f64, f64) {
    let n = levels.len() as f64;
    let (mx, my) = levels.iter().fold((0.0, 0.0), |(x, y), l| {
        (x + l.0 as f64 / n, y + l.1.as_secs_f64() / n)
    });
    let (sxy, sxx) = levels.iter().fold((0.0, 0.0), |(sxy, sxx), l| {
        let dx = l.0 as f64 - mx;
        (sxy + dx * (l.1.as_secs_f64() - my), sxx + dx * dx)
    });
    let per = sxy / sxx;
    (per, my - per * mx)
}

/// How the in-process cart is compiled: as carts are (epoch checks, small loops
/// unrolled), the same without the checks, or the module as given without checks.
type Build = fn(u64) -> Result<wasm::CartEngine, wasm::WasmError>;

/// The three builds, in the order the guard's figures use them.
const BUILDS: [Build; 3] = [wasm::engine, wasm::engine_unguarded, wasm::engine_as_given];

/// wasmmark in this process, built one of the three ways.
struct InProcess {
    cart: WasmCart,
    seq: u64,
    frames: u64,
}

impl InProcess {
    fn new(cart: &Cart, build: Build) -> InProcess {
        // Parsed here as a runner parses it.
        let cart = parsed::parse(&cart.name, &cart.files).expect("the cart parses");
        Self::with_module(&cart, cart.module.as_deref().expect("a wasm cart"), build)
    }

    fn with_module(cart: &parsed::Cart, module: &[u8], build: Build) -> InProcess {
        let cap = 256 << 20;
        let engine = build(cap).expect("engine");
        let machine = Machine::new(SharedMemory::anonymous().expect("mapping"), &cart.image);
        let cart = WasmCart::load(&engine, machine, &cart.name, module, cap).expect("load");
        InProcess {
            cart,
            seq: 1,
            frames: 0,
        }
    }

    fn frame(&mut self, buttons: u8) {
        self.cart
            .machine()
            .write_shared_ram(ram::GAMEPADS, &[buttons, 0, 0, 0]);
        self.seq += 1;
        self.frames += 1;
        let time = (self.frames - 1) as f64 * 1000.0 / 60.0;
        self.cart
            .frame(self.seq, Some(time), true)
            .expect("in-process frame");
        let _ = self.cart.machine().take_trace();
    }
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let dir = demos();
    let wasmmark = load(&dir.join("wasm/wasmmark.wasmp"));
    let luamark = load(&dir.join("carts/luamark.lua"));
    println!("Wasmmark and luamark in real runners, one run; frame = TIC + sound + blit\n");
    // wasmmark keeps at most 1,200 bunnies (a fixed array in the demo): both carts are
    // measured at the same counts up to there.
    let counts: Vec<usize> = (1..=6).map(|k| k * 200).collect();
    let wasm = levels(wasmmark.clone(), &counts);
    let lua = levels(luamark, &counts);
    println!(
        "{:>8}  {:>10} {:>10}  {:>10} {:>10}  {:>8}",
        "bunnies", "wasm p50", "wasm p90", "lua p50", "lua p90", "lua/wasm"
    );
    for (w, l) in wasm.iter().zip(&lua) {
        println!(
            "{:>8}  {:>7.3} ms {:>7.3} ms  {:>7.3} ms {:>7.3} ms  {:>7.2}x",
            w.0,
            ms(w.1),
            ms(w.2),
            ms(l.1),
            ms(l.2),
            l.1.as_secs_f64() / w.1.as_secs_f64()
        );
    }
    let (w_per, w_fixed) = fit(&wasm);
    let (l_per, l_fixed) = fit(&lua);
    let capacity = |per: f64, fixed: f64| (FRAME_BUDGET.as_secs_f64() - fixed) / per;
    let last = wasm.last().expect("levels");
    println!(
        "\nper bunny (fit of p50): wasm {:.3} us, lua {:.3} us = lua/wasm {:.2}x; fixed cost per \
         frame wasm {:.3} ms, lua {:.3} ms",
        w_per * 1e6,
        l_per * 1e6,
        l_per / w_per,
        w_fixed * 1e3,
        l_fixed * 1e3
    );
    println!(
        "at 60 fps: wasmmark holds its maximum of {} bunnies with p90 {:.3} ms ({:.1} % of the \
         frame); by the fits a wasm cart without the cap would hold {:.0}, luamark {:.0} \
         ({:.2}x)\n",
        last.0,
        ms(last.2),
        last.2.as_secs_f64() / FRAME_BUDGET.as_secs_f64() * 100.0,
        capacity(w_per, w_fixed),
        capacity(l_per, l_fixed),
        capacity(w_per, w_fixed) / capacity(l_per, l_fixed)
    );

    // TIC-80 (wasm3, in tic80run-all) in the same run, at the cap of 1,200 bunnies: its
    // harness counts five more a held frame, so every level from 2,001 is the cap.
    match tic80_at_cap(&dir.join("wasm/wasmmark.wasmp")) {
        Some(theirs) => println!(
            "TIC-80 (wasm3) at {} bunnies: p50 {:.3} ms; Cartbox {:.3} ms = {:.2}x TIC-80's speed\n",
            last.0,
            ms(theirs),
            ms(last.1),
            theirs.as_secs_f64() / last.1.as_secs_f64()
        ),
        None => println!("TIC-80's tic80run-all is not here: no ratio (set CARTBOX_TIC80_TOOLS)\n"),
    }

    // The soft stop's cost: the same cart compiled as carts are, without the checks, and
    // as given; the same input, CPU time per frame over interleaved batches.
    let mut carts = BUILDS.map(|b| InProcess::new(&wasmmark, b));
    let mut bunnies = 1;
    while bunnies < GUARD_BUNNIES {
        for c in &mut carts {
            c.frame(UP);
        }
        bunnies += 5;
    }
    let mut cpu = [Duration::ZERO; 3];
    let mut batches = [Vec::new(), Vec::new(), Vec::new()];
    for _ in 0..GUARD_FRAMES / BATCH {
        for (i, c) in carts.iter_mut().enumerate() {
            let t = thread_cpu();
            for _ in 0..BATCH {
                c.frame(0);
            }
            let d = thread_cpu() - t;
            cpu[i] += d;
            batches[i].push(d);
        }
    }
    report_guard(
        &format!(
            "at {bunnies} bunnies ({GUARD_FRAMES} frames each, interleaved batches of {BATCH}, in-process)"
        ),
        cpu,
        &batches,
        GUARD_FRAMES as u32,
    );

    // The worst case for the checks: a cart that only loops (one check per iteration, as
    // given).
    let spin = parsed::Cart::from_code("spin.wat", "");
    let module = br#"(module (import "env" "memory" (memory 4 4))
        (func (export "TIC") (local $i i32) (local $s i32)
          (loop $l
            (local.set $s (i32.add (local.get $s) (i32.mul (local.get $i) (local.get $i))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br_if $l (i32.lt_u (local.get $i) (i32.const 20000000))))
          (i32.store (i32.const 0x14E04) (local.get $s))))"#;
    let mut carts = BUILDS.map(|b| InProcess::with_module(&spin, module, b));
    let mut cpu = [Duration::ZERO; 3];
    let mut frames = [Vec::new(), Vec::new(), Vec::new()];
    for _ in 0..20 {
        for (i, c) in carts.iter_mut().enumerate() {
            let t = thread_cpu();
            c.frame(0);
            let d = thread_cpu() - t;
            cpu[i] += d;
            frames[i].push(d);
        }
    }
    report_guard(
        "on a tight loop of 20 million iterations per frame (20 frames each, alternating)",
        cpu,
        &frames,
        20,
    );
}

/// Prints the guard's cost from CPU time per build (`BUILDS` order) over `n` frames, with
/// the median of the per-batch ratios: the checks alone (guarded against the same code
/// unguarded), and in all (against the module compiled as given).
fn report_guard(what: &str, cpu: [Duration; 3], batches: &[Vec<Duration>; 3], n: u32) {
    let median_ratio = |a: &[Duration], b: &[Duration]| {
        let mut r: Vec<f64> = a
            .iter()
            .zip(b)
            .map(|(x, y)| x.as_secs_f64() / y.as_secs_f64())
            .collect();
        r.sort_by(f64::total_cmp);
        r[r.len() / 2]
    };
    let pct = |r: f64| (r - 1.0) * 100.0;
    println!("soft-stop guard {what}:");
    println!(
        "  CPU per frame: as carts are {:.3} ms; without the checks {:.3} ms; as given, no checks {:.3} ms",
        ms(cpu[0] / n),
        ms(cpu[1] / n),
        ms(cpu[2] / n)
    );
    println!(
        "  -> the checks alone {:+.2} % (median of batch ratios {:+.2} %; goal <= 5 %); in all, \
         against the module as given {:+.2} % (median {:+.2} %)",
        pct(cpu[0].as_secs_f64() / cpu[1].as_secs_f64()),
        pct(median_ratio(&batches[0], &batches[1])),
        pct(cpu[0].as_secs_f64() / cpu[2].as_secs_f64()),
        pct(median_ratio(&batches[0], &batches[2]))
    );
}
