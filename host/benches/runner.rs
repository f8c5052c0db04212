//! Benchmarks of the isolated runner core, printed as medians and ratios from one run:
//!
//! - frame round trip for an empty TIC, against a bare pipe round trip between two
//!   processes (the floor);
//! - kill -> fresh runner with the cart loaded, against a bare fork + exit + wait;
//! - the soft-stop guard's cost on a busy Lua loop, against the same loop with no guard
//!   and with a permanent count hook (what the guard avoids);
//! - cold start to the first frame, as a user runs `cartbox run`.
//!
//! Run with `cargo bench -p cartbox-host --bench runner`.

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::process::Command;
use std::time::{Duration, Instant};

use cartbox_host::zygote::ZygoteCommand;
use cartbox_host::{Cart, Console, ConsoleConfig, Input};

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_cartbox")
}

fn root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("root")
        .to_owned()
}

fn console() -> Console {
    Console::new(ConsoleConfig {
        virtual_time: true,
        zygote: Some(ZygoteCommand::binary(bin())),
        ..ConsoleConfig::default()
    })
    .expect("console")
}

/// Median, 90th and 99th percentile.
fn stats(mut v: Vec<Duration>) -> (Duration, Duration, Duration) {
    v.sort();
    let at = |q: f64| v[((v.len() - 1) as f64 * q) as usize];
    (at(0.5), at(0.9), at(0.99))
}

fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn report(name: &str, v: Vec<Duration>) -> Duration {
    let n = v.len();
    let (p50, p90, p99) = stats(v);
    println!(
        "{name:<46} p50 {:>9.1} us   p90 {:>9.1} us   p99 {:>9.1} us   (n={n})",
        us(p50),
        us(p90),
        us(p99)
    );
    p50
}

fn pipe_round_trip(n: usize) -> Vec<Duration> {
    let (mut a, mut b) = UnixStream::pair().expect("pair");
    let child = std::thread::spawn(move || {
        // A thread is enough for the cost of a wake-up across cores; the process version
        // below confirms it.
        let mut buf = [0u8; 16];
        for _ in 0..n {
            if b.read_exact(&mut buf).is_err() {
                return;
            }
            let _ = b.write_all(&buf);
        }
    });
    let mut out = Vec::with_capacity(n);
    let mut buf = [0u8; 16];
    for _ in 0..n {
        let t = Instant::now();
        a.write_all(&buf).expect("write");
        a.read_exact(&mut buf).expect("read");
        out.push(t.elapsed());
    }
    let _ = child.join();
    out
}

fn process_round_trip(n: usize) -> Vec<Duration> {
    // The same ping-pong with a child process on the other end (fork from a helper
    // binary would be cleaner; `cat` echoes through two pipes).
    let mut child = Command::new("cat")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("cat");
    let mut stdin = child.stdin.take().expect("stdin");
    let mut stdout = child.stdout.take().expect("stdout");
    let mut out = Vec::with_capacity(n);
    let mut buf = [0u8; 16];
    for _ in 0..n {
        let t = Instant::now();
        stdin.write_all(&buf).expect("write");
        stdout.read_exact(&mut buf).expect("read");
        out.push(t.elapsed());
    }
    drop(stdin);
    let _ = child.wait();
    out
}

/// A wasm cart with an empty TIC, made the way the host reads a `.wat` file.
fn empty_wasm() -> Cart {
    Cart::from_bytes(
        "empty.wat",
        br#"(module (import "env" "memory" (memory 4 4)) (func (export "TIC")))"#.to_vec(),
    )
}

fn frame_round_trip(cart: Cart, n: usize, pixels: bool) -> Vec<Duration> {
    frame_round_trip_with(console(), cart, n, pixels)
}

/// The same on one CPU: host thread and runner kept together (`colocate`), no spinning
/// (what `cartbox run --headless` does); also returns the host thread's CPU time per
/// frame.
fn colocated_round_trip(cart: Cart, n: usize) -> (Vec<Duration>, Duration) {
    let c = Console::new(ConsoleConfig {
        virtual_time: true,
        zygote: Some(ZygoteCommand::binary(bin())),
        spin: Duration::ZERO,
        colocate: true,
        ..ConsoleConfig::default()
    })
    .expect("console");
    let cpu0 = thread_cpu();
    let times = frame_round_trip_with(c, cart, n, false);
    let per_frame = (thread_cpu() - cpu0) / (n as u32 + 1000);
    (times, per_frame)
}

fn thread_cpu() -> Duration {
    let t = nix::time::clock_gettime(nix::time::ClockId::CLOCK_THREAD_CPUTIME_ID).expect("clock");
    Duration::new(t.tv_sec() as u64, t.tv_nsec() as u32)
}

fn frame_round_trip_with(mut c: Console, cart: Cart, n: usize, pixels: bool) -> Vec<Duration> {
    c.load(cart).expect("load");
    let input = Input::default();
    for _ in 0..1000 {
        c.run_frame(&input, pixels).expect("warm-up frame");
    }
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        c.run_frame(&input, pixels).expect("frame");
        out.push(t.elapsed());
    }
    out
}

/// Kill and restart `cart` (from the repository root) `n` times; with `first_frame`, the
/// time runs until the new runner's first frame is drawn.
fn respawn(cart: &str, n: usize, first_frame: bool) -> Vec<Duration> {
    let mut c = console();
    let cart = Cart::load(&root().join(cart)).expect("cart");
    c.load(cart).expect("load");
    let input = Input::default();
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        c.restart().expect("restart");
        if first_frame {
            c.frame(&input).expect("first frame");
        }
        out.push(t.elapsed());
    }
    out
}

fn bare_fork(n: usize) -> Vec<Duration> {
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        let status = Command::new("/bin/true").status().expect("true");
        assert!(status.success());
        out.push(t.elapsed());
    }
    out
}

const BUSY: &str = "local x = 0 for i = 1, 3e6 do x = x + i % 7 end return x";

/// The same busy loop three ways, measured in interleaved rounds so that drifts of the
/// machine (other load, clock changes) hit all three alike.
fn busy_loops(rounds: usize) -> (Vec<Duration>, Vec<Duration>, Vec<Duration>) {
    let mut c = console();
    let code = format!("function TIC() (function() {BUSY} end)() end");
    c.load(Cart::from_code("busy.lua", &code)).expect("load");
    c.run_frame(&Input::default(), false).expect("warm-up");

    let plain = mlua::Lua::new();
    let plain_f = plain.load(BUSY).into_function().expect("compile");
    let hooked = mlua::Lua::new();
    // What a permanent guard costs: a count hook every 1000 instructions checking a deadline.
    let deadline = Instant::now() + Duration::from_secs(3600);
    hooked
        .set_hook(
            mlua::HookTriggers::new().every_nth_instruction(1000),
            move |_lua, _debug| {
                if Instant::now() > deadline {
                    return Err(mlua::Error::runtime("budget"));
                }
                Ok(mlua::VmState::Continue)
            },
        )
        .expect("hook");
    let hooked_f = hooked.load(BUSY).into_function().expect("compile");
    let _: i64 = plain_f.call(()).expect("warm-up");
    let _: i64 = hooked_f.call(()).expect("warm-up");

    let (mut a, mut b, mut h) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..rounds {
        let t = Instant::now();
        let _: i64 = plain_f.call(()).expect("run");
        a.push(t.elapsed());
        let t = Instant::now();
        c.run_frame(&Input::default(), false).expect("frame");
        b.push(t.elapsed());
        let t = Instant::now();
        let _: i64 = hooked_f.call(()).expect("run");
        h.push(t.elapsed());
    }
    (a, b, h)
}

/// How long `program args` takes from start to exit, run `pin`ned to CPU 0 or not.
fn time_command(program: &str, args: &[&str], pin: bool) -> Duration {
    let mut cmd = if pin {
        let mut c = Command::new("taskset");
        c.args(["-c", "0", program]);
        c
    } else {
        Command::new(program)
    };
    let t = Instant::now();
    let out = cmd.args(args).current_dir(root()).output().expect(program);
    let elapsed = t.elapsed();
    assert!(
        out.status.success(),
        "{program}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    elapsed
}

/// Cold start to the first frame of `carts/hello.lua`, as a user runs it, interleaved with
/// TIC-80's own core doing the same (`tic80run`, when it is here), unpinned and pinned to
/// one CPU.
fn cold_starts() {
    let tools = std::env::var_os("CARTBOX_TIC80_TOOLS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| root().join("../shared/tools"));
    let tic80 = tools.join("tic80run");
    let tic80 = tic80.is_file().then(|| tic80.display().to_string());
    let pinnable = Command::new("taskset").arg("-V").output().is_ok();
    for pin in [false, true] {
        if pin && !pinnable {
            println!("taskset is not here: no pinned cold start");
            continue;
        }
        let (mut ours, mut theirs) = (Vec::new(), Vec::new());
        for _ in 0..40 {
            ours.push(time_command(
                bin(),
                &["run", "carts/hello.lua", "--headless", "--frames", "1"],
                pin,
            ));
            if let Some(t) = &tic80 {
                theirs.push(time_command(t, &["carts/hello.lua", "--frames", "1"], pin));
            }
        }
        let how = if pin { "pinned to CPU 0" } else { "unpinned" };
        let ours = report(&format!("cold start, Cartbox, {how}"), ours);
        if theirs.is_empty() {
            println!("  -> TIC-80's tic80run is not here: no ratio (set CARTBOX_TIC80_TOOLS)");
            continue;
        }
        let theirs = report(&format!("cold start, TIC-80, {how}"), theirs);
        println!(
            "  -> Cartbox / TIC-80: {:.2}x (goal <= 1x)\n",
            us(ours) / us(theirs)
        );
    }
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` would pass nothing useful.
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    println!("Cartbox runner core benchmarks (one run; medians and ratios)\n");
    // `-- respawn` (or round-trip, guard, cold) runs only that part.
    let only: Option<String> = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let want = |part: &str| only.as_deref().is_none_or(|o| o == part);

    if want("round-trip") {
        round_trips();
    }
    if want("respawn") {
        respawns();
    }
    if want("guard") {
        let (a, b, h) = busy_loops(40);
        let plain = report("busy Lua loop, plain mlua in-process, no guard", a);
        let runner = report("busy Lua loop, real runner, guard armed", b);
        let hooked = report("busy Lua loop, plain mlua, permanent count hook", h);
        println!(
            "  -> guarded runner / no guard: {:.3}x ({:+.1} %)   permanent hook / no guard: \
             {:.2}x\n",
            us(runner) / us(plain),
            (us(runner) / us(plain) - 1.0) * 100.0,
            us(hooked) / us(plain)
        );
    }
    if want("cold") {
        cold_starts();
    }
}

fn round_trips() {
    report(
        "pipe round trip, thread <-> thread",
        pipe_round_trip(20_000),
    );
    let proc_pipe = report(
        "pipe round trip, process <-> process (cat)",
        process_round_trip(20_000),
    );
    let empty_lua = || Cart::from_code("empty.lua", "function TIC() end");
    let bare = report(
        "frame round trip, empty TIC, no pixels",
        frame_round_trip(empty_lua(), 20_000, false),
    );
    let frame = report(
        "frame round trip, empty TIC, blitted",
        frame_round_trip(empty_lua(), 20_000, true),
    );
    println!(
        "  -> no pixels / process pipe: {:.2}x   blitted / process pipe: {:.2}x",
        us(bare) / us(proc_pipe),
        us(frame) / us(proc_pipe)
    );
    let (times, cpu) = colocated_round_trip(empty_lua(), 20_000);
    report("frame round trip, empty TIC, colocated, no spin", times);
    println!(
        "  -> host thread CPU per frame, colocated: {:.1} us (goal: p50 <= 10 us, no spinning)",
        us(cpu)
    );
    let wasm_bare = report(
        "wasm frame round trip, empty TIC, no pixels",
        frame_round_trip(empty_wasm(), 20_000, false),
    );
    let wasm_frame = report(
        "wasm frame round trip, empty TIC, blitted",
        frame_round_trip(empty_wasm(), 20_000, true),
    );
    println!(
        "  -> wasm / Lua: no pixels {:.2}x, blitted {:.2}x\n",
        us(wasm_bare) / us(bare),
        us(wasm_frame) / us(frame)
    );
}

fn respawns() {
    let fork = report("bare fork+exec+wait (/bin/true)", bare_fork(200));
    let restart = report(
        "kill -> fresh runner with hello.lua loaded",
        respawn("carts/hello.lua", 300, false),
    );
    println!(
        "  -> respawn / bare process: {:.2}x",
        us(restart) / us(fork)
    );
    let lua_first = report(
        "kill -> first frame of hello.lua",
        respawn("carts/hello.lua", 300, true),
    );
    let wasm_first = report(
        "kill -> first frame of hello.wat (compiled in the runner)",
        respawn("carts/hello.wat", 300, true),
    );
    println!(
        "  -> wasm / Lua: {:.2}x (goal for wasm: <= 5 ms)\n",
        us(wasm_first) / us(lua_first)
    );
}
