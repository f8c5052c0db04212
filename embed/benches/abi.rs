//! Frame time through the C ABI against the Rust `Console` (goal: within 2 %), and the
//! libretro core's load to first frame in RetroArch.
//!
//! `cargo bench -p cartbox-embed --bench abi`. Both sides play the same demo carts for
//! 600 frames with the frame clock, in interleaved rounds; medians of the rounds' mean
//! frame times, and their ratio. RetroArch is measured only where it is installed (with
//! xvfb-run), from the core's own log line.

#[path = "../tests/common/mod.rs"]
mod common;

use std::ffi::CString;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use cartbox::capi::*;
use cartbox_host::zygote::ZygoteCommand;
use cartbox_host::{Cart, Console, ConsoleConfig, Input};
use cartbox_protocol::shm::FRAME_PIXELS;

const FRAMES: u32 = 600;
const ROUNDS: usize = 7;

fn demos() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/tic80-demos/carts")
}

/// Mean frame time of 600 frames with the Rust console (pixels copied out each frame).
fn console_round(runner: &Path, cart: &Path) -> Duration {
    let mut console = Console::new(ConsoleConfig {
        virtual_time: true,
        zygote: Some(ZygoteCommand::binary(runner)),
        ..ConsoleConfig::default()
    })
    .expect("console");
    console.load(Cart::load(cart).expect("cart")).expect("load");
    let mut pixels = Box::new([0u32; FRAME_PIXELS]);
    let started = Instant::now();
    for _ in 0..FRAMES {
        console.frame(&Input::default()).expect("frame");
        console.copy_frame(&mut pixels);
    }
    started.elapsed() / FRAMES
}

/// The same through the C ABI (waiting frames; each frame's pixels read where they are,
/// as `cartbox_screen` hands them out, summed so that the reading is not optimised away;
/// the Console side copies them out, which is what reading them costs it).
fn abi_round(runner: &CString, cart: &CString) -> Duration {
    let mut o = std::mem::MaybeUninit::<CartboxOptions>::uninit();
    // SAFETY: init fills the options.
    unsafe { cartbox_options_init(o.as_mut_ptr()) };
    // SAFETY: filled above.
    let mut o = unsafe { o.assume_init() };
    o.runner = runner.as_ptr();
    o.clock = CARTBOX_CLOCK_FRAMES;
    let mut h = 0;
    let mut screen: *const u32 = std::ptr::null();
    let mut sum = 0u32;
    // SAFETY: (all calls below) valid options, strings, handle and pointers; the screen is
    // read before the next call on the handle.
    unsafe {
        assert_eq!(cartbox_create(&o, &mut h), CARTBOX_OK);
        assert_eq!(cartbox_load_file(h, cart.as_ptr(), 0), CARTBOX_OK);
        let started = Instant::now();
        for _ in 0..FRAMES {
            assert_eq!(cartbox_frame(h, std::ptr::null(), 0), CARTBOX_OK);
            assert_eq!(cartbox_screen(h, &mut screen), CARTBOX_OK);
            sum = sum.wrapping_add(*screen.add(FRAME_PIXELS / 2));
        }
        let t = started.elapsed() / FRAMES;
        std::hint::black_box(sum);
        cartbox_destroy(h);
        t
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let target = common::build_products();
    let runner = target.join("cartbox");
    let runner_c = CString::new(runner.to_str().unwrap()).unwrap();
    println!(
        "frame time, C ABI against the Rust Console ({FRAMES} frames, {ROUNDS} interleaved \
         rounds, medians)"
    );
    println!(
        "{:<12} {:>10} {:>10} {:>8}",
        "cart", "Console", "C ABI", "ratio"
    );
    let mut ratios = Vec::new();
    for name in [
        "luademo.lua",
        "fire.lua",
        "p3d.lua",
        "tetris.lua",
        "font.lua",
    ] {
        let cart = demos().join(name);
        if !cart.exists() {
            println!("{name}: skipped ({} is missing)", cart.display());
            continue;
        }
        let cart_c = CString::new(cart.to_str().unwrap()).unwrap();
        let (mut rust, mut c) = (Vec::new(), Vec::new());
        for _ in 0..ROUNDS {
            rust.push(console_round(&runner, &cart));
            c.push(abi_round(&runner_c, &cart_c));
        }
        let (r, a) = (median(rust), median(c));
        let ratio = a.as_secs_f64() / r.as_secs_f64();
        ratios.push(ratio);
        println!(
            "{name:<12} {:>8.1}µs {:>8.1}µs {ratio:>8.3}",
            r.as_secs_f64() * 1e6,
            a.as_secs_f64() * 1e6
        );
    }
    if !ratios.is_empty() {
        ratios.sort_by(f64::total_cmp);
        println!(
            "median ratio C ABI / Console: {:.3} (goal <= 1.02)",
            ratios[ratios.len() / 2]
        );
    }
    retroarch_first_frame(&target);
}

/// RetroArch's load of the core and a cart to its first frame, from the core's log.
fn retroarch_first_frame(target: &Path) {
    let has = |p: &str| {
        std::process::Command::new("sh")
            .args(["-c", &format!("command -v {p}")])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if !has("retroarch") || !has("xvfb-run") {
        println!("retroarch: skipped (RetroArch or xvfb-run is not installed)");
        return;
    }
    let home = std::env::temp_dir().join(format!("cartbox-bench-ra-{}", std::process::id()));
    std::fs::create_dir_all(&home).unwrap();
    let cfg = home.join("retroarch.cfg");
    std::fs::write(
        &cfg,
        "audio_driver = \"null\"\ninput_driver = \"null\"\njoypad_driver = \"null\"\n\
         menu_driver = \"null\"\nvideo_vsync = \"false\"\nconfig_save_on_exit = \"false\"\n",
    )
    .unwrap();
    let cart = demos().join("luademo.lua");
    let (mut first, mut whole) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        let started = Instant::now();
        let out = std::process::Command::new("xvfb-run")
            .args(["-a", "retroarch", "-v", "-c"])
            .arg(&cfg)
            .arg("-L")
            .arg(target.join("libcartbox_libretro.so"))
            .arg(&cart)
            .arg("--max-frames=30")
            .env("HOME", &home)
            .output()
            .expect("retroarch");
        whole.push(started.elapsed());
        let log = String::from_utf8_lossy(&out.stderr).into_owned()
            + &String::from_utf8_lossy(&out.stdout);
        if let Some(ms) = log
            .lines()
            .find_map(|l| l.split("first frame ").nth(1))
            .and_then(|r| r.split(' ').next())
            .and_then(|v| v.parse::<f64>().ok())
        {
            first.push(Duration::from_secs_f64(ms / 1000.0));
        }
    }
    if first.is_empty() {
        println!("retroarch: the core logged no first frame");
    } else {
        let n = first.len();
        println!(
            "retroarch: core load to first frame {:.1} ms (median of {n}); a whole run of 30 \
             frames under xvfb-run {:.0} ms",
            median(first).as_secs_f64() * 1000.0,
            median(whole).as_secs_f64() * 1000.0
        );
    }
    let _ = std::fs::remove_dir_all(&home);
}
