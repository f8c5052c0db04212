//! The core in real RetroArch (Debian's `retroarch`), under Xvfb (`xvfb-run`): it loads a
//! cart and its screenshot at the end of `--max-frames` is the cart's frame, as `cartbox
//! run --headless` draws it; a cart that hangs is stopped, its reason is on screen, and
//! RetroArch exits normally at N frames.
//!
//! Without RetroArch or xvfb-run these tests say so and pass, unless
//! `CARTBOX_REQUIRE_RETROARCH` is set, as `.ci/run` sets it.

#[path = "../../embed/tests/common/mod.rs"]
mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

fn available() -> bool {
    let found = |p: &str| {
        Command::new("sh")
            .args(["-c", &format!("command -v {p}")])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if found("retroarch") && found("xvfb-run") {
        return true;
    }
    assert!(
        std::env::var_os("CARTBOX_REQUIRE_RETROARCH").is_none(),
        "retroarch and xvfb-run are required (apt-get install retroarch xvfb)"
    );
    eprintln!("skipped: RetroArch or xvfb-run is not installed (apt-get install retroarch xvfb)");
    false
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

/// A home of its own for RetroArch: a config with null audio and input, no menu, its
/// own timer at the core's 60 frames a second, and the core's options.
fn home(name: &str, options: &[(&str, &str)]) -> PathBuf {
    let home = std::env::temp_dir().join(format!("cartbox-ra-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&home);
    let core_opts = home.join(".config/retroarch/config/Cartbox");
    std::fs::create_dir_all(&core_opts).unwrap();
    std::fs::create_dir_all(home.join("saves")).unwrap();
    std::fs::create_dir_all(home.join("states")).unwrap();
    std::fs::write(
        home.join("retroarch.cfg"),
        format!(
            "audio_driver = \"null\"\nvideo_driver = \"gl\"\ninput_driver = \"null\"\n\
             joypad_driver = \"null\"\nmenu_driver = \"null\"\nvideo_vsync = \"false\"\n\
             vrr_runloop_enable = \"true\"\nconfig_save_on_exit = \"false\"\n\
             video_gpu_screenshot = \"false\"\nbuiltin_imageviewer_enable = \"false\"\n\
             savefile_directory = \"{0}/saves\"\n\
             savestate_directory = \"{0}/states\"\nsystem_directory = \"{0}\"\n",
            home.display()
        ),
    )
    .unwrap();
    let opts: String = options
        .iter()
        .map(|(k, v)| format!("{k} = \"{v}\"\n"))
        .collect();
    std::fs::write(core_opts.join("Cartbox.opt"), opts).unwrap();
    home
}

/// Runs RetroArch with the core on `cart` for `frames` frames; returns its exit code,
/// its log, the screenshot's path and how long it ran.
fn retroarch(home: &Path, cart: &Path, frames: u32) -> (Option<i32>, String, PathBuf, Duration) {
    let target = common::build_products();
    let shot = home.join("shot.png");
    let started = Instant::now();
    let out = Command::new("timeout")
        .args(["120", "xvfb-run", "-a", "retroarch", "-v", "-c"])
        .arg(home.join("retroarch.cfg"))
        .arg("-L")
        .arg(target.join("libcartbox_libretro.so"))
        .arg(cart)
        .arg(format!("--max-frames={frames}"))
        .arg("--max-frames-ss")
        .arg(format!("--max-frames-ss-path={}", shot.display()))
        .env("HOME", home)
        .env_remove("CARTBOX_RUNNER")
        .output()
        .expect("run retroarch");
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code(), log, shot, started.elapsed())
}

#[test]
fn retroarch_plays_a_cart_with_the_pixels_cartbox_run_draws() {
    if !available() {
        return;
    }
    // A cart whose picture is still after its first frames (no clock in it).
    let cart = root().join("tests/carts/window.lua");
    let home = home("plays", &[]);
    let (code, log, shot, _) = retroarch(&home, &cart, 30);
    assert_eq!(code, Some(0), "{log}");
    assert!(log.contains("[cartbox] playing"), "{log}");
    let target = common::build_products();
    let headless = home.join("headless.png");
    let ran = Command::new(target.join("cartbox"))
        .args([
            "run",
            cart.to_str().unwrap(),
            "--headless",
            "--frames",
            "5",
            "--border",
        ])
        .arg("--screenshot")
        .arg(&headless)
        .output()
        .unwrap();
    assert!(ran.status.success());
    let (w, h, got) = common::rgb(&shot);
    assert_eq!((w, h), (256, 144), "{log}");
    assert!(
        got == common::rgb(&headless).2,
        "RetroArch's screenshot differs from the headless frame"
    );

    // Without the border: 240x136, the screen alone.
    let home = home_without_border();
    let (code, log, shot, _) = retroarch(&home, &cart, 30);
    assert_eq!(code, Some(0), "{log}");
    let (w, h, screen) = common::rgb(&shot);
    assert_eq!((w, h), (240, 136));
    let full = common::rgb(&headless).2;
    for y in 0..136 {
        let row = &full[((y + 4) * 256 + 8) * 3..((y + 4) * 256 + 248) * 3];
        assert_eq!(&screen[y * 240 * 3..(y + 1) * 240 * 3], row, "row {y}");
    }
    let _ = std::fs::remove_dir_all(&home);
}

fn home_without_border() -> PathBuf {
    home("no-border", &[("cartbox_border", "disabled")])
}

#[test]
fn retroarch_plays_every_cart_format() {
    if !available() {
        return;
    }
    // The example cart as a .tic, a PNG cart and a WebAssembly project: each plays (the
    // core logs its first frame) and shows its title bar (colour 1 of its palette).
    for cart in ["carts/hello.tic", "carts/hello.png", "carts/hello.wasmp"] {
        let home = home(&cart.replace(['/', '.'], "-"), &[]);
        let (code, log, shot, _) = retroarch(&home, &root().join(cart), 30);
        assert_eq!(code, Some(0), "{cart}: {log}");
        assert!(log.contains("first frame"), "{cart}: {log}");
        let (_, _, px) = common::rgb(&shot);
        assert!(
            px.chunks_exact(3).any(|p| p == [0x5d, 0x27, 0x5d]),
            "{cart}: no title bar in the screenshot"
        );
        let _ = std::fs::remove_dir_all(&home);
    }
}

#[test]
fn a_hung_cart_is_stopped_on_screen_while_retroarch_runs_to_its_last_frame() {
    if !available() {
        return;
    }
    let cart = root().join("tests/carts/pattern.lua");
    let home = home("hung", &[("cartbox_budget_ms", "250")]);
    // 240 frames at 60 a second: 4 s, past the kill (250 ms budget + 1 s grace).
    let (code, log, shot, took) = retroarch(&home, &cart, 240);
    assert_eq!(code, Some(0), "RetroArch ended normally: {log}");
    assert!(log.contains("not responding"), "{log}");
    assert!(took < Duration::from_secs(60), "{took:?}");
    // The stop panel's red heading is in the picture.
    let (_, _, px) = common::rgb(&shot);
    assert!(
        px.chunks_exact(3).any(|p| p == [0xb1, 0x3e, 0x53]),
        "no stop reason on screen: {log}"
    );
    let _ = std::fs::remove_dir_all(&home);
}

#[test]
fn persistent_memory_is_retroarchs_save_ram() {
    if !available() {
        return;
    }
    // The cart counts its runs in pmem(0).
    let cart = root().join("tests/carts/pmem_counter.lua");
    let home = home("sram", &[]);
    let srm = home.join("saves/pmem_counter.srm");
    for run in 1u32..=2 {
        let (code, log, _, _) = retroarch(&home, &cart, 20);
        assert_eq!(code, Some(0), "{log}");
        let saved = std::fs::read(&srm).unwrap_or_else(|e| panic!("{}: {e}\n{log}", srm.display()));
        assert_eq!(saved.len(), 1024);
        assert_eq!(
            u32::from_le_bytes(saved[..4].try_into().unwrap()),
            run,
            "run {run}"
        );
    }
    let _ = std::fs::remove_dir_all(&home);
}
