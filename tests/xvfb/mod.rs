//! Helpers for tests and benchmarks in a real window: an Xvfb server of one's own, the
//! `cartbox` window found and captured with x11rb, keys typed with XTEST.
#![allow(dead_code)]

use std::io::Read;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use x11rb::connection::Connection;
use x11rb::protocol::xproto::{
    AtomEnum, ConnectionExt as _, ImageFormat, InputFocus, MapState, Window,
};
use x11rb::protocol::xtest::ConnectionExt as _;
pub use x11rb::rust_connection::RustConnection;

/// X keycodes (Linux evdev code + 8), which winit maps back to physical keys whatever the
/// keyboard layout.
pub mod keycode {
    pub const ESCAPE: u8 = 9;
    pub const F1: u8 = 67;
    pub const Q: u8 = 24;
    pub const D: u8 = 40;
    pub const R: u8 = 27;
    pub const F8: u8 = 74;
    pub const F9: u8 = 75;
    pub const RIGHT: u8 = 114;
    pub const UP: u8 = 111;
    pub const DOWN: u8 = 116;
    pub const RETURN: u8 = 36;
    pub const F5: u8 = 71;
    pub const F6: u8 = 72;
    pub const F7: u8 = 73;
}

/// An Xvfb server on a display of its own, stopped on drop.
pub struct Xvfb {
    child: Child,
    display: String,
}

impl Xvfb {
    /// Starts Xvfb, or `None` if it is not installed (and not required).
    pub fn start() -> Option<Xvfb> {
        Xvfb::start_with(&[])
    }

    /// Starts Xvfb with `extra` arguments (`-extension MIT-SHM` turns shared memory off).
    pub fn start_with(extra: &[&str]) -> Option<Xvfb> {
        let required = std::env::var_os("CARTBOX_REQUIRE_XVFB").is_some();
        // Display numbers are spread over 100..5100: an Xvfb killed outright (a test that
        // panicked) leaves its lock and socket behind, and those numbers stay taken.
        for attempt in 0..200 {
            let n = 100 + (std::process::id() as usize * 7 + attempt * 13 + unique()) % 5000;
            if Path::new(&format!("/tmp/.X11-unix/X{n}")).exists()
                || Path::new(&format!("/tmp/.X{n}-lock")).exists()
            {
                continue;
            }
            let display = format!(":{n}");
            let child = match Command::new("Xvfb")
                .args([
                    &display,
                    "-screen",
                    "0",
                    "1024x768x24",
                    "-nolisten",
                    "tcp",
                    "-noreset",
                ])
                .args(extra)
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

    pub fn connect(&self) -> RustConnection {
        x11rb::connect(Some(&self.display))
            .expect("connect to Xvfb")
            .0
    }

    /// Starts `cartbox ARGS` on this display, in `dir`.
    pub fn cartbox(&self, dir: &Path, args: &[&str]) -> Child {
        self.cartbox_with(dir, args, &[])
    }

    /// Starts `cartbox ARGS` on this display, in `dir`, with more environment variables.
    pub fn cartbox_with(&self, dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Child {
        Command::new(env!("CARGO_BIN_EXE_cartbox"))
            .args(args)
            .current_dir(dir)
            .envs(env.iter().copied())
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
        // SIGTERM first: Xvfb then removes its lock file and socket, so the display number
        // is free again; SIGKILL if it does not end soon.
        let pid = nix::unistd::Pid::from_raw(self.child.id() as i32);
        let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
        let end = Instant::now() + Duration::from_secs(2);
        while Instant::now() < end {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn unique() -> usize {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    N.fetch_add(1, Ordering::Relaxed) * 101
}

/// Waits for the window titled `Cartbox...` to be on screen (mapped: before that, reading
/// its pixels is an X error) and returns it.
pub fn find_window(conn: &RustConnection) -> Window {
    let root = conn.setup().roots[0].root;
    let end = Instant::now() + Duration::from_secs(20);
    while Instant::now() < end {
        if let Ok(tree) = conn.query_tree(root).expect("query_tree").reply() {
            for w in tree.children {
                let name = conn
                    .get_property(false, w, AtomEnum::WM_NAME, AtomEnum::STRING, 0, 64)
                    .ok()
                    .and_then(|c| c.reply().ok());
                let viewable = || {
                    conn.get_window_attributes(w)
                        .ok()
                        .and_then(|c| c.reply().ok())
                        .is_some_and(|a| a.map_state == MapState::VIEWABLE)
                };
                if name.is_some_and(|p| p.value.starts_with(b"Cartbox")) && viewable() {
                    return w;
                }
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("no Cartbox window appeared");
}

/// The window's pixels as 0xRRGGBB, with its size.
pub fn capture(conn: &RustConnection, w: Window) -> (usize, usize, Vec<u32>) {
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

/// Writes a captured picture as PNG in the temporary folder, for a failing test's message.
fn save_capture(width: usize, height: usize, px: &[u32]) -> String {
    let path = std::env::temp_dir().join(format!("cartbox-capture-{}.png", unique()));
    let file = match std::fs::File::create(&path) {
        Ok(f) => f,
        Err(e) => return format!("not saved: {e}"),
    };
    let mut enc = png::Encoder::new(std::io::BufWriter::new(file), width as u32, height as u32);
    enc.set_color(png::ColorType::Rgb);
    let rgb: Vec<u8> = px
        .iter()
        .flat_map(|p| [(p >> 16) as u8, (p >> 8) as u8, *p as u8])
        .collect();
    match enc
        .write_header()
        .and_then(|mut w| w.write_image_data(&rgb))
    {
        Ok(()) => path.display().to_string(),
        Err(e) => format!("not saved: {e}"),
    }
}

/// Captures until `ok` accepts the picture, or panics with the last one saved.
pub fn capture_until(
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
            let saved = save_capture(width, height, &px);
            panic!("the window never showed {what} (the last picture: {saved})");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The 256x144 output inside a capture at integer `scale`, centred; `None` unless every
/// scale x scale block is one colour and the picture fits.
pub fn downscale(width: usize, height: usize, px: &[u32], scale: usize) -> Option<Vec<u32>> {
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

pub fn key(conn: &RustConnection, w: Window, code: u8, down: bool) {
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
pub fn tap(conn: &RustConnection, w: Window, code: u8) {
    key(conn, w, code, true);
    std::thread::sleep(Duration::from_millis(60));
    key(conn, w, code, false);
}

/// Quits as a player does: Esc opens the game menu, Up goes round to its last item (quit),
/// Enter picks it.
pub fn quit_from_menu(conn: &RustConnection, w: Window) {
    for k in [keycode::ESCAPE, keycode::UP, keycode::RETURN] {
        tap(conn, w, k);
    }
}

/// Waits for the process to end (killing it after `timeout`) and returns its exit code,
/// stdout and stderr.
pub fn finish(mut child: Child, timeout: Duration) -> (Option<i32>, String, String) {
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

/// Moves the pointer to `(x, y)` inside window `w`.
pub fn pointer(conn: &RustConnection, w: Window, x: i16, y: i16) {
    let root = conn.setup().roots[0].root;
    let at = conn
        .translate_coordinates(w, root, x, y)
        .expect("translate")
        .reply()
        .expect("translate");
    conn.xtest_fake_input(
        x11rb::protocol::xproto::MOTION_NOTIFY_EVENT,
        0,
        x11rb::CURRENT_TIME,
        root,
        at.dst_x,
        at.dst_y,
        0,
    )
    .expect("xtest motion");
    conn.flush().expect("flush");
}

/// Presses (or releases) pointer button `n` (1 left, 2 middle, 3 right, 4/5 wheel up/down).
pub fn button(conn: &RustConnection, n: u8, down: bool) {
    let kind = if down {
        x11rb::protocol::xproto::BUTTON_PRESS_EVENT
    } else {
        x11rb::protocol::xproto::BUTTON_RELEASE_EVENT
    };
    conn.xtest_fake_input(kind, n, x11rb::CURRENT_TIME, x11rb::NONE, 0, 0, 0)
        .expect("xtest button");
    conn.flush().expect("flush");
}

/// One pixel of window `w` as 0xRRGGBB.
pub fn capture_pixel(conn: &RustConnection, w: Window, x: i16, y: i16) -> u32 {
    let img = conn
        .get_image(ImageFormat::Z_PIXMAP, w, x, y, 1, 1, !0)
        .expect("get_image")
        .reply()
        .expect("get_image");
    let p = &img.data[..4];
    u32::from(p[2]) << 16 | u32::from(p[1]) << 8 | u32::from(p[0])
}

/// Waits up to 10 s for a file to appear (written by the window's own threads).
pub fn wait_for_file(path: &Path) -> bool {
    let end = Instant::now() + Duration::from_secs(10);
    while !path.exists() && Instant::now() < end {
        std::thread::sleep(Duration::from_millis(10));
    }
    path.exists()
}

/// The line `--stats` prints when the window closes.
pub fn stats_line(stderr: &str) -> Option<&str> {
    stderr.lines().find(|l| l.starts_with("presented "))
}

/// The longest interval between two presented frames, in ms, from `--stats`.
pub fn longest_gap(stderr: &str) -> f64 {
    stats_line(stderr)
        .and_then(|l| l.split("longest ").nth(1))
        .and_then(|v| v.split(" ms").next())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no --stats figures in {stderr}"))
}
