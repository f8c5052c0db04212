//! Helpers shared by the end-to-end tests: the real `cartbox` binary, cart paths, PNG
//! reading, and checks that nothing is left behind.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use cartbox_host::zygote::ZygoteCommand;
use cartbox_host::{Cart, Console, ConsoleConfig};

/// The `cartbox` binary under test.
pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_cartbox")
}

/// The repository root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_owned()
}

/// A test cart's path, relative to the repository root (as a user would type it).
pub fn test_cart(name: &str) -> String {
    format!("tests/carts/{name}")
}

/// Runs `cartbox` with `args` from the repository root.
pub fn cartbox(args: &[&str]) -> Output {
    Command::new(bin())
        .args(args)
        .current_dir(root())
        .output()
        .expect("run cartbox")
}

/// Runs `cartbox ARGS` from the repository root and checks that it exits with `code`;
/// returns its stdout and stderr (both shown, with the arguments, if the code differs).
pub fn run_expect(args: &[&str], code: i32) -> (String, String) {
    let out = cartbox(args);
    let (stdout, stderr) = text(&out);
    assert_eq!(
        out.status.code(),
        Some(code),
        "cartbox {}\nstdout: {stdout}\nstderr: {stderr}",
        args.join(" ")
    );
    (stdout, stderr)
}

/// Asserts that `text` contains every one of `parts`, showing `text` if not.
pub fn assert_contains(text: &str, parts: &[&str]) {
    for part in parts {
        assert!(text.contains(part), "expected {part:?} in:\n{text}");
    }
}

/// Stdout and stderr as text.
pub fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A console on the real zygote with short deadlines for tests.
pub fn console(budget_ms: u64, grace_ms: u64) -> Console {
    Console::new(ConsoleConfig {
        budget: Duration::from_millis(budget_ms),
        grace: Duration::from_millis(grace_ms),
        virtual_time: true,
        zygote: Some(ZygoteCommand::binary(bin())),
        ..ConsoleConfig::default()
    })
    .expect("start a console")
}

/// Loads a test cart file.
pub fn load(name: &str) -> Cart {
    let path = root().join(test_cart(name));
    let mut cart = Cart::load(&path).expect("test cart loads");
    cart.name = test_cart(name);
    cart
}

/// Decodes a PNG into (width, height, RGB bytes).
pub fn read_png(path: &Path) -> (u32, u32, Vec<u8>) {
    let decoder = png::Decoder::new(std::io::BufReader::new(
        std::fs::File::open(path).expect("open png"),
    ));
    let mut reader = decoder.read_info().expect("png header");
    let mut buf = vec![0; reader.output_buffer_size().expect("png size")];
    let info = reader.next_frame(&mut buf).expect("png frame");
    buf.truncate(info.buffer_size());
    let rgb = match info.color_type {
        png::ColorType::Rgb => buf,
        png::ColorType::Rgba => buf
            .chunks_exact(4)
            .flat_map(|p| [p[0], p[1], p[2]])
            .collect(),
        other => panic!("unexpected PNG colour type {other:?}"),
    };
    (info.width, info.height, rgb)
}

/// A fresh scratch directory for one test, removed when the value is dropped.
pub struct Scratch(PathBuf);

impl std::ops::Deref for Scratch {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl AsRef<Path> for Scratch {
    fn as_ref(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A fresh scratch directory for one test.
pub fn scratch(name: &str) -> Scratch {
    let dir = std::env::temp_dir().join(format!("cartbox-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    Scratch(dir)
}

/// Open descriptors of this process.
pub fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .map(|d| d.count())
        .unwrap_or(0)
}

/// Whether a process exists (zombies count).
pub fn process_exists(pid: i32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

/// Plays `cart` headless for `frames` frames from the repository root (`--trace --border
/// --screenshot`), expecting exit code 0; returns the 256x144 RGB output and the trace.
pub fn play_headless(cart: &str, frames: u32) -> (Vec<u8>, String) {
    let name = cart.rsplit('/').next().unwrap_or(cart);
    let dir = scratch(&format!("play-{name}"));
    let shot = dir.join("shot.png");
    let (stdout, _) = run_expect(
        &[
            "run",
            cart,
            "--headless",
            "--frames",
            &frames.to_string(),
            "--trace",
            "--border",
            "--screenshot",
            shot.to_str().unwrap(),
        ],
        0,
    );
    let (w, h, rgb) = read_png(&shot);
    assert_eq!((w, h), (256, 144), "{cart}: a border screenshot is 256x144");
    (rgb, stdout)
}

/// Asserts that the 256x144 output `got` equals the PNG `golden` (relative to the
/// repository root) pixel for pixel, naming the first differences.
pub fn assert_same_pixels(got: &[u8], golden: &str, what: &str) {
    let (_, _, want) = read_png(&root().join(golden));
    let differing: Vec<(usize, usize)> = got
        .chunks(3)
        .zip(want.chunks(3))
        .enumerate()
        .filter(|(_, (a, b))| a != b)
        .map(|(i, _)| (i % 256, i / 256))
        .collect();
    assert!(
        differing.is_empty(),
        "{what}: {} pixels differ from {golden}, first at (x, y) {:?} of the 256x144 output",
        differing.len(),
        &differing[..differing.len().min(5)]
    );
}

/// Frame 1 of `tests/carts/community/NAME.lua`, checked to equal TIC-80's own
/// (`tests/golden/community/NAME.png`); returns its RGB pixels.
pub fn same_as_tic80(name: &str) -> Vec<u8> {
    let (got, _) = play_headless(&format!("tests/carts/community/{name}.lua"), 1);
    let golden = format!("tests/golden/community/{name}.png");
    assert_same_pixels(&got, &golden, &format!("{name} (TIC-80's frame)"));
    got
}

/// The colour at screen (x, y) of a border screenshot (the screen starts at (8, 4)).
pub fn screen_at(rgb: &[u8], x: usize, y: usize) -> [u8; 3] {
    let i = ((y + 4) * 256 + x + 8) * 3;
    [rgb[i], rgb[i + 1], rgb[i + 2]]
}

/// SWEETIE-16, TIC-80's default palette (what the test carts set), as RGB triples.
pub const SWEETIE: [[u8; 3]; 16] = {
    let p = cartbox_protocol::ram::SWEETIE16;
    let mut out = [[0u8; 3]; 16];
    let mut i = 0;
    while i < 16 {
        out[i] = [p[3 * i], p[3 * i + 1], p[3 * i + 2]];
        i += 1;
    }
    out
};

/// The 240x136 picture of a PNG cart (at (8, 8) of its 256x256 image), each channel's
/// high nibble only: the cart's bytes are hidden in the low bits of the pixels.
pub fn png_cart_picture(png_cart: &std::path::Path) -> Vec<u8> {
    let (w, h, rgb) = read_png(png_cart);
    assert_eq!((w, h), (256, 256), "{}", png_cart.display());
    let mut out = Vec::with_capacity(240 * 136 * 3);
    for y in 8..8 + 136 {
        let row = &rgb[(y * 256 + 8) * 3..(y * 256 + 8 + 240) * 3];
        out.extend(row.iter().map(|b| b & 0xf0));
    }
    out
}
