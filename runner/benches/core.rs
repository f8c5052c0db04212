//! In-process costs of the runner core, without any process boundary: one frame of an
//! empty TIC through the Lua runtime, the blit alone, and a busy Lua loop with and without
//! the soft-stop guard armed.
//!
//! Run with `cargo bench -p cartbox-runner --bench core`.

use std::time::{Duration, Instant};

use cartbox_protocol::cart::{CartImage, Section};
use cartbox_protocol::ram;
use cartbox_runner::lua::LuaCart;
use cartbox_runner::machine::Machine;
use cartbox_runner::runtime::stop as guard;
use cartbox_runner::shm::SharedMemory;

fn machine() -> Machine {
    let mut image = CartImage::default();
    image.banks[0].section_mut(Section::Palette)[..48].copy_from_slice(&ram::SWEETIE16);
    Machine::new(SharedMemory::anonymous().expect("mapping"), &image)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn time(n: usize, mut f: impl FnMut()) -> Duration {
    for _ in 0..n / 10 {
        f();
    }
    median(
        (0..n)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed()
            })
            .collect(),
    )
}

/// For an exact comparison of the guard's cost, count instructions instead of time:
/// `CARTBOX_ICOUNT=plain valgrind --tool=callgrind target/release/deps/core-*` and the same
/// with `CARTBOX_ICOUNT=guarded`; each runs 5 frames of the busy loop and nothing else.
fn icount(mode: &str) {
    let busy = "function TIC() local x = 0 for i = 1, 3e5 do x = x + i % 7 end end";
    let mut cart = LuaCart::new(machine(), "busy.lua", 64 << 20).expect("vm");
    cart.boot(busy, 1).expect("boot");
    if mode == "guarded" {
        guard::install_handler().expect("handler");
        cart.attach_guard(1000);
    }
    for seq in 2..7 {
        cart.frame(seq, Some(0.0), false).expect("frame");
    }
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    if let Ok(mode) = std::env::var("CARTBOX_ICOUNT") {
        icount(&mode);
        return;
    }
    let code = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../carts/hello.lua"))
        .expect("hello");
    let bpf = time(200, || {
        let _ = cartbox_runner::seccomp::compile(cartbox_runner::seccomp::Profile::Lua)
            .expect("filter");
    });
    println!(
        "seccomp filter compile                  p50 {:>8.2} us",
        bpf.as_secs_f64() * 1e6
    );
    let mk = time(200, || {
        let _ = machine();
    });
    println!(
        "machine (RAM reset, fonts)              p50 {:>8.2} us",
        mk.as_secs_f64() * 1e6
    );
    let vm = time(200, || {
        let _c = LuaCart::new(machine(), "hello.lua", 64 << 20).expect("vm");
    });
    println!(
        "new VM (incl. machine)                  p50 {:>8.2} us",
        vm.as_secs_f64() * 1e6
    );
    let boot = time(200, || {
        let mut c = LuaCart::new(machine(), "hello.lua", 64 << 20).expect("vm");
        c.boot(&code, 1).expect("boot");
    });
    println!(
        "new VM + boot hello.lua                 p50 {:>8.2} us",
        boot.as_secs_f64() * 1e6
    );
    let mut m = machine();
    let blit = time(20_000, || m.blit());
    println!(
        "blit (256x144, no callbacks)            p50 {:>8.2} us",
        blit.as_secs_f64() * 1e6
    );

    let mut cart = LuaCart::new(machine(), "empty.lua", 64 << 20).expect("vm");
    cart.boot("function TIC() end", 1).expect("boot");
    let mut seq = 2;
    let frame = time(20_000, || {
        seq += 1;
        cart.frame(seq, Some(0.0), true).expect("frame");
    });
    println!(
        "frame, empty TIC, in-process            p50 {:>8.2} us",
        frame.as_secs_f64() * 1e6
    );

    let busy = "function TIC() local x = 0 for i = 1, 3e6 do x = x + i % 7 end end";
    let mut plain = LuaCart::new(machine(), "busy.lua", 64 << 20).expect("vm");
    plain.boot(busy, 1).expect("boot");
    let unguarded = time(20, || {
        seq += 1;
        plain.frame(seq, Some(0.0), true).expect("frame");
    });
    let mut guarded = LuaCart::new(machine(), "busy.lua", 64 << 20).expect("vm");
    guarded.boot(busy, 1).expect("boot");
    guard::install_handler().expect("handler");
    guarded.attach_guard(1000);
    let armed = time(20, || {
        seq += 1;
        guarded.frame(seq, Some(0.0), true).expect("frame");
    });
    println!(
        "busy loop, guard not installed          p50 {:>8.2} ms",
        unguarded.as_secs_f64() * 1e3
    );
    println!(
        "busy loop, guard installed and armed    p50 {:>8.2} ms",
        armed.as_secs_f64() * 1e3
    );
    println!(
        "  -> guard cost: {:+.2} %",
        (armed.as_secs_f64() / unguarded.as_secs_f64() - 1.0) * 100.0
    );
    js_stop_cost();
}

/// The soft stop's cost in JavaScript: the same busy loop in QuickJS with no interrupt
/// handler, and with the one a JavaScript cart runs under (it polls the soft stop's flag),
/// the two taking turns.
fn js_stop_cost() {
    use rquickjs::{Context, Runtime};
    let busy = "var x = 0; for (var i = 0; i < 3e6; i++) { x = x + i % 7 }";
    let vm = |handler: bool| {
        let rt = Runtime::new().expect("runtime");
        if handler {
            rt.set_interrupt_handler(Some(Box::new(guard::stopping)));
        }
        let ctx = Context::full(&rt).expect("context");
        (rt, ctx)
    };
    let (_rt_plain, plain) = vm(false);
    let (_rt_guarded, guarded) = vm(true);
    let run = |ctx: &Context| {
        let t = Instant::now();
        ctx.with(|c| c.eval::<(), _>(busy)).expect("loop");
        t.elapsed()
    };
    let (mut without, mut with) = (Vec::new(), Vec::new());
    for _ in 0..21 {
        without.push(run(&plain));
        with.push(run(&guarded));
    }
    without.sort();
    with.sort();
    let (a, b) = (without[10], with[10]);
    println!(
        "JS busy loop, no interrupt handler      p50 {:>8.2} ms",
        a.as_secs_f64() * 1e3
    );
    println!(
        "JS busy loop, the soft stop's handler   p50 {:>8.2} ms",
        b.as_secs_f64() * 1e3
    );
    println!(
        "  -> soft stop's cost in JavaScript: {:+.2} %",
        (b.as_secs_f64() / a.as_secs_f64() - 1.0) * 100.0
    );
}
