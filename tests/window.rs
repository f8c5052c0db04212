//! The desktop window under Xvfb: the real `cartbox` binary opens a real X11 window; the
//! tests read its pixels back and type keys with XTEST (x11rb, pure Rust).
//!
//! Needs `Xvfb` (Debian package `xvfb`). Without it these tests say so and pass, unless
//! `CARTBOX_REQUIRE_XVFB` is set, as `.ci/run` sets it: there a missing Xvfb fails.

mod common;

use std::io::Read;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use x11rb::connection::Connection;
use x11rb::protocol::xproto::{
    AtomEnum, ConfigureWindowAux, ConnectionExt as _, ImageFormat, InputFocus, Window,
};
use x11rb::protocol::xtest::ConnectionExt as _;
use x11rb::rust_connection::RustConnection;

/// X keycodes (Linux evdev code + 8), which winit maps back to physical keys whatever the
/// keyboard layout.
mod keycode {
    pub const ESCAPE: u8 = 9;
    pub const Q: u8 = 24;
    pub const R: u8 = 27;
    pub const F8: u8 = 74;
    pub const F9: u8 = 75;
    pub const RIGHT: u8 = 114;
}

/// An Xvfb server on a display of its own, stopped on drop.
struct Xvfb {
    child: Child,
    display: String,
}

impl Xvfb {
    /// Starts Xvfb, or `None` if it is not installed (and not required).
    fn start() -> Option<Xvfb> {
        let required = std::env::var_os("CARTBOX_REQUIRE_XVFB").is_some();
        for attempt in 0..20 {
            let n = 100 + (std::process::id() as usize * 7 + attempt * 13 + unique()) % 800;
            if Path::new(&format!("/tmp/.X11-unix/X{n}")).exists() {
                continue;
            }
            let display = format!(":{n}");
            let child = match Command::new("Xvfb")
                .args([&display, "-screen", "0", "1024x768x24", "-nolisten", "tcp"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
            {
                Ok(c) => c,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => {
                    eprintln!("skipped: Xvfb is not installed (apt-get install xvfb)");
                    return None;
                }
                Err(e) => panic!("cannot start Xvfb: {e}"),
            };
            let mut x = Xvfb { child, display };
            let end = Instant::now() + Duration::from_secs(10);
            while Instant::now() < end {
                if let Ok(Some(_)) = x.child.try_wait() {
                    break; // the display was taken after all: try another
                }
                if x11rb::connect(Some(&x.display)).is_ok() {
                    return Some(x);
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        panic!("Xvfb did not start");
    }

    fn connect(&self) -> RustConnection {
        x11rb::connect(Some(&self.display))
            .expect("connect to Xvfb")
            .0
    }

    /// Starts `cartbox ARGS` on this display, in `dir`.
    fn cartbox(&self, dir: &Path, args: &[&str]) -> Child {
        Command::new(bin())
            .args(args)
            .current_dir(dir)
            .env("DISPLAY", &self.display)
            .env_remove("WAYLAND_DISPLAY")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start cartbox")
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn unique() -> usize {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    N.fetch_add(1, Ordering::Relaxed) * 101
}

/// The cart under test (as an absolute path, since cartbox runs in a scratch folder).
fn cart(name: &str) -> String {
    root().join(test_cart(name)).display().to_string()
}

/// Waits for the window titled `Cartbox - ...` and returns it.
fn find_window(conn: &RustConnection) -> Window {
    let root = conn.setup().roots[0].root;
    let end = Instant::now() + Duration::from_secs(20);
    while Instant::now() < end {
        if let Ok(tree) = conn.query_tree(root).expect("query_tree").reply() {
            for w in tree.children {
                let name = conn
                    .get_property(false, w, AtomEnum::WM_NAME, AtomEnum::STRING, 0, 64)
                    .ok()
                    .and_then(|c| c.reply().ok());
                if name.is_some_and(|p| p.value.starts_with(b"Cartbox")) {
                    return w;
                }
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("no Cartbox window appeared");
}

/// The window's pixels as 0xRRGGBB, with its size.
fn capture(conn: &RustConnection, w: Window) -> (usize, usize, Vec<u32>) {
    let g = conn
        .get_geometry(w)
        .expect("geometry")
        .reply()
        .expect("geometry");
    let img = conn
        .get_image(ImageFormat::Z_PIXMAP, w, 0, 0, g.width, g.height, !0)
        .expect("get_image")
        .reply()
        .expect("get_image");
    let px = img
        .data
        .chunks_exact(4)
        .map(|p| u32::from(p[2]) << 16 | u32::from(p[1]) << 8 | u32::from(p[0]))
        .collect();
    (g.width as usize, g.height as usize, px)
}

/// Captures until `ok` accepts the picture, or panics with the last one saved.
fn capture_until(
    conn: &RustConnection,
    w: Window,
    what: &str,
    ok: impl Fn(usize, usize, &[u32]) -> bool,
) -> (usize, usize, Vec<u32>) {
    let end = Instant::now() + Duration::from_secs(20);
    loop {
        let (width, height, px) = capture(conn, w);
        if ok(width, height, &px) {
            return (width, height, px);
        }
        if Instant::now() > end {
            panic!("the window never showed {what}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The 256x144 output inside a capture at integer `scale`, centred; `None` unless every
/// scale x scale block is one colour and the picture fits.
fn downscale(width: usize, height: usize, px: &[u32], scale: usize) -> Option<Vec<u32>> {
    if width < 256 * scale || height < 144 * scale || px.len() < width * height {
        return None;
    }
    let (x0, y0) = ((width - 256 * scale) / 2, (height - 144 * scale) / 2);
    let mut out = Vec::with_capacity(256 * 144);
    for y in 0..144 {
        for x in 0..256 {
            let at = |dx: usize, dy: usize| px[(y0 + y * scale + dy) * width + x0 + x * scale + dx];
            let c = at(0, 0);
            if (0..scale).any(|dy| (0..scale).any(|dx| at(dx, dy) != c)) {
                return None;
            }
            out.push(c);
        }
    }
    Some(out)
}

/// The headless frame: `cartbox run --headless --frames N --screenshot --border`, as
/// 0xRRGGBB.
fn headless_frame(dir: &Path, cart_path: &str, frames: u32, input: Option<&str>) -> Vec<u32> {
    let shot = dir.join(format!("headless-{frames}.png"));
    let mut args = vec![
        "run".to_owned(),
        cart_path.to_owned(),
        "--headless".into(),
        "--frames".into(),
        frames.to_string(),
        "--screenshot".into(),
        shot.display().to_string(),
        "--border".into(),
    ];
    if let Some(script) = input {
        let file = dir.join("input.txt");
        std::fs::write(&file, script).unwrap();
        args.extend(["--input".into(), file.display().to_string()]);
    }
    let out = Command::new(bin())
        .args(&args)
        .output()
        .expect("headless run");
    assert!(out.status.success(), "{:?}", text(&out));
    let (w, h, rgb) = read_png(&shot);
    assert_eq!((w, h), (256, 144));
    rgb.chunks_exact(3)
        .map(|p| u32::from(p[0]) << 16 | u32::from(p[1]) << 8 | u32::from(p[2]))
        .collect()
}

fn key(conn: &RustConnection, w: Window, code: u8, down: bool) {
    conn.set_input_focus(InputFocus::PARENT, w, x11rb::CURRENT_TIME)
        .expect("focus");
    let kind = if down {
        x11rb::protocol::xproto::KEY_PRESS_EVENT
    } else {
        x11rb::protocol::xproto::KEY_RELEASE_EVENT
    };
    conn.xtest_fake_input(kind, code, x11rb::CURRENT_TIME, x11rb::NONE, 0, 0, 0)
        .expect("xtest");
    conn.flush().expect("flush");
}

/// A key pressed and released a few frames later.
fn tap(conn: &RustConnection, w: Window, code: u8) {
    key(conn, w, code, true);
    std::thread::sleep(Duration::from_millis(60));
    key(conn, w, code, false);
}

/// Waits for the process to end (killing it after `timeout`) and returns its exit code,
/// stdout and stderr.
fn finish(mut child: Child, timeout: Duration) -> (Option<i32>, String, String) {
    let end = Instant::now() + timeout;
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break Some(s);
        }
        if Instant::now() > end {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut out = String::new();
    let mut err = String::new();
    if let Some(mut s) = child.stdout.take() {
        let _ = s.read_to_string(&mut out);
    }
    if let Some(mut s) = child.stderr.take() {
        let _ = s.read_to_string(&mut err);
    }
    assert!(
        status.is_some(),
        "cartbox did not end in time\n{out}\n{err}"
    );
    (status.and_then(|s| s.code()), out, err)
}

const BACKGROUND: u32 = 0x5d275d; // colour 1

#[test]
fn the_window_shows_the_headless_frame_scaled_and_keys_move_the_sprite() {
    let Some(x) = Xvfb::start() else { return };
    let dir = scratch("window-parity");
    let cart_path = cart("window.lua");
    let child = x.cartbox(&dir, &["run", &cart_path, "--scale", "2"]);
    let conn = x.connect();
    let w = find_window(&conn);
    // 512x288: scale 2 exactly. The cart's picture is static until a key is pressed.
    let (width, height, px) = capture_until(&conn, w, "the cart", |w, h, px| {
        (w, h) == (512, 288) && px[(4 + 60) * 2 * 512 + 2 * 128] == BACKGROUND
    });
    let shown = downscale(width, height, &px, 2).expect("whole 2x2 blocks");
    assert!(
        shown == headless_frame(&dir, &cart_path, 5, None),
        "the window does not show the headless frame"
    );

    // Right once: one step, as a headless run whose script presses right once.
    tap(&conn, w, keycode::RIGHT);
    let moved = headless_frame(&dir, &cart_path, 10, Some("3 right\n"));
    capture_until(&conn, w, "the moved square", |w, h, px| {
        downscale(w, h, px, 2).as_ref() == Some(&moved)
    });

    // Q held: key(17) draws the marker at (200, 100) of the screen.
    let marker = |px: &[u32], width: usize, scale: usize, x0: usize, y0: usize| {
        px[(y0 + (4 + 104) * scale) * width + x0 + (8 + 204) * scale]
    };
    key(&conn, w, keycode::Q, true);
    capture_until(&conn, w, "the Q marker", |w, _, px| {
        marker(px, w, 2, 0, 0) == 0x38b764
    });
    key(&conn, w, keycode::Q, false);
    capture_until(&conn, w, "the marker gone", |w, _, px| {
        marker(px, w, 2, 0, 0) == BACKGROUND
    });

    // A bigger window: scale 3, centred; the margins continue the border colour.
    conn.configure_window(w, &ConfigureWindowAux::new().width(800).height(450))
        .expect("resize");
    conn.flush().unwrap();
    // Scale 3 is 768x432 at (16, 9); the margins continue the border colour.
    let border = moved[0];
    let (_, _, px) = capture_until(&conn, w, "the same picture at scale 3", |w, h, px| {
        (w, h) == (800, 450)
            && px[449 * 800 + 799] == border
            && downscale(w, h, px, 3).as_ref() == Some(&moved)
    });
    assert_eq!(px[0], border, "top-left margin");
    assert_eq!(px[449 * 800 + 799], border, "bottom-right margin");

    // F9 records a GIF until F9 again.
    tap(&conn, w, keycode::F9);
    std::thread::sleep(Duration::from_millis(500));
    tap(&conn, w, keycode::F9);
    let gif = dir.join("window-1.gif");
    let end = Instant::now() + Duration::from_secs(10);
    while !gif.exists() && Instant::now() < end {
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut frames = 0;
    let mut decoder = gif::DecodeOptions::new()
        .read_info(std::fs::File::open(&gif).expect("the GIF"))
        .expect("a GIF");
    while let Some(f) = decoder.read_next_frame().expect("a frame") {
        assert_eq!((f.width, f.height, f.delay), (256, 144, 2));
        frames += 1;
    }
    assert!(
        frames >= 10,
        "{frames} frames in half a second of recording"
    );

    tap(&conn, w, keycode::ESCAPE);
    let (code, out, err) = finish(child, Duration::from_secs(10));
    assert_eq!(code, Some(0), "{err}");
    assert!(
        out.contains("window cart booted"),
        "trace goes to stdout: {out}"
    );
}

#[test]
fn a_hung_cart_is_killed_while_the_window_keeps_presenting() {
    let Some(x) = Xvfb::start() else { return };
    let dir = scratch("window-hang");
    let child = x.cartbox(
        &dir,
        &[
            "run",
            &cart("pattern.lua"),
            "--scale",
            "1",
            "--budget-ms",
            "300",
            "--grace-ms",
            "700",
            "--stats",
        ],
    );
    let conn = x.connect();
    let w = find_window(&conn);
    // The countdown bar (its panel colour across the top row of text), then the error.
    let panel = 0x1a1c2c;
    capture_until(&conn, w, "the not-responding bar", |_, _, px| {
        px[2 * 256 + 128] == panel && px[20 * 256 + 128] != panel
    });
    // The red heading of the error panel.
    capture_until(&conn, w, "the stop reason", |_, _, px| {
        (0..256).any(|x| px[(16 + 5) * 256 + x] == 0xb13e53)
    });
    // R restarts it in a fresh runner: it hangs again.
    tap(&conn, w, keycode::R);
    capture_until(&conn, w, "the not-responding bar again", |_, _, px| {
        px[2 * 256 + 128] == panel && px[20 * 256 + 128] != panel
    });
    capture_until(&conn, w, "the stop reason again", |_, _, px| {
        (0..256).any(|x| px[(16 + 5) * 256 + x] == 0xb13e53)
    });
    // Host keys work after the kill: F8 writes a screenshot, Esc quits.
    tap(&conn, w, keycode::F8);
    let shot = dir.join("pattern-1.png");
    let end = Instant::now() + Duration::from_secs(10);
    while !shot.exists() && Instant::now() < end {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(
        read_png(&shot).0,
        256,
        "the screenshot is the 256x144 output"
    );
    tap(&conn, w, keycode::ESCAPE);
    let (code, _out, err) = finish(child, Duration::from_secs(10));
    assert_eq!(code, Some(2), "killed runner: exit code 2\n{err}");
    assert!(err.contains("not responding"), "{err}");
    // The window presented all along: no gap near the 1 s the runner was stuck.
    let longest: f64 = err
        .lines()
        .find_map(|l| l.split("longest ").nth(1))
        .and_then(|v| v.trim_end_matches(" ms").parse().ok())
        .unwrap_or_else(|| panic!("no stats in {err}"));
    assert!(
        longest < 250.0,
        "a {longest} ms gap between presented frames\n{err}"
    );
}

#[test]
fn watch_reloads_on_save_shows_errors_and_restarts_on_request() {
    let Some(x) = Xvfb::start() else { return };
    let dir = scratch("window-watch");
    let file = dir.join("live.lua");
    let write = |body: &str| {
        // As editors that save by rename do.
        let tmp = dir.join(".live.lua.swp");
        std::fs::write(&tmp, body).unwrap();
        std::fs::rename(&tmp, &file).unwrap();
    };
    let colour_cart =
        |c: u32| format!("function BOOT() trace('boot {c}') end\nfunction TIC() cls({c}) end\n");
    write(&colour_cart(2));
    let mut child = x.cartbox(&dir, &["watch", "live.lua", "--scale", "1"]);
    let conn = x.connect();
    let w = find_window(&conn);
    let centre = |px: &[u32]| px[72 * 256 + 128];
    capture_until(&conn, w, "colour 2", |_, _, px| centre(px) == 0xb13e53);
    write(&colour_cart(5));
    capture_until(&conn, w, "colour 5 after the save", |_, _, px| {
        centre(px) == 0xa7f070
    });
    // A syntax error: the last good frame stays, with the error over it.
    write("function TIC()\n  cls(\nend\n");
    capture_until(&conn, w, "the syntax error", |_, _, px| {
        (0..256).any(|x| px[(16 + 5) * 256 + x] == 0xb13e53) && px[140 * 256 + 128] != 0
    });
    write(&colour_cart(6));
    capture_until(&conn, w, "colour 6 after the fix", |_, _, px| {
        centre(px) == 0x38b764
    });
    // Restart requests: SIGUSR1, then a line on stdin.
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGUSR1,
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    {
        use std::io::Write;
        let stdin = child.stdin.as_mut().unwrap();
        writeln!(stdin, "restart").unwrap();
        stdin.flush().unwrap();
        std::thread::sleep(Duration::from_millis(500));
        writeln!(stdin, "quit").unwrap();
    }
    let (code, out, err) = finish(child, Duration::from_secs(10));
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(
        out.matches("boot 6").count(),
        3,
        "loaded, SIGUSR1, stdin\n{out}"
    );
    assert!(out.contains("boot 2") && out.contains("boot 5"), "{out}");
    assert!(
        err.contains("live.lua:3"),
        "the error names file and line: {err}"
    );
}

#[test]
fn no_display_is_a_clear_error() {
    let out = Command::new(bin())
        .args(["run", &cart("window.lua")])
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(69));
    assert!(text(&out).1.contains("--headless"), "{:?}", text(&out));
}
