//! Conformance against TIC-80 itself: plays the demo carts that ship with TIC-80 and
//! compares the frames Cartbox renders with frames TIC-80's own core rendered.
//!
//! The reference folder (`tic80-demos/`) holds `carts/*.lua` and `frames/<cart>_<N>_full.png`
//! (the 256x144 output after frame N, no input, virtual time). Every cart runs 600 frames;
//! frames with a reference are compared pixel by pixel. Its `audio/<cart>.wav` is the sound
//! TIC-80 made for a cart with UP held during frame 1; the sound Cartbox makes for the same
//! input is compared with it ([`sound_all`]).

use std::path::{Path, PathBuf};
use std::time::Duration;

use cartbox_protocol::ram::{FULL_HEIGHT, FULL_WIDTH};

use crate::audio::compare::{Comparison, compare};
use crate::audio::{FRAME_VALUES, Stream};
use crate::cart::Cart;
use crate::console::{Console, ConsoleConfig, Input, Stop};
use crate::zygote::ZygoteCommand;

/// Frames each cart runs.
pub const FRAMES: u64 = 600;

/// One compared frame.
#[derive(Debug, Clone, PartialEq)]
pub struct FrameMatch {
    /// Frame number.
    pub frame: u64,
    /// Pixels equal to the reference.
    pub equal: usize,
    /// Pixels compared.
    pub total: usize,
}

impl FrameMatch {
    /// Share of equal pixels, 0..=1.
    pub fn share(&self) -> f64 {
        self.equal as f64 / self.total.max(1) as f64
    }
}

/// What happened to one cart.
#[derive(Debug, Clone, PartialEq)]
pub struct CartResult {
    /// Cart name (file stem).
    pub name: String,
    /// Frames it ran.
    pub frames: u64,
    /// Why it stopped early, if it did (described).
    pub error: Option<String>,
    /// The compared frames.
    pub matches: Vec<FrameMatch>,
}

/// Reference frames available for `name`: (frame number, path of the 256x144 image).
fn references(dir: &Path, name: &str) -> Vec<(u64, PathBuf)> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir.join("frames")) else {
        return out;
    };
    for e in entries.flatten() {
        let file = e.file_name().to_string_lossy().into_owned();
        if let Some(n) = file
            .strip_prefix(&format!("{name}_"))
            .and_then(|r| r.strip_suffix("_full.png"))
            && let Ok(n) = n.parse()
        {
            out.push((n, e.path()));
        }
    }
    out.sort();
    out
}

/// Decodes a PNG into 0x00RRGGBB pixels.
pub fn read_png_pixels(path: &Path) -> Result<(u32, u32, Vec<u32>), String> {
    let file = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut decoder = png::Decoder::new(std::io::BufReader::new(file));
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder
        .read_info()
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let size = reader
        .output_buffer_size()
        .ok_or_else(|| format!("{}: image too large", path.display()))?;
    let mut buf = vec![0; size];
    let info = reader
        .next_frame(&mut buf)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let channels = info.color_type.samples();
    let px = buf[..info.buffer_size()]
        .chunks_exact(channels)
        .map(|p| match channels {
            1 | 2 => u32::from(p[0]) * 0x010101,
            _ => u32::from(p[0]) << 16 | u32::from(p[1]) << 8 | u32::from(p[2]),
        })
        .collect();
    Ok((info.width, info.height, px))
}

/// A console with `cart_path` loaded, on the virtual clock; the error says why not.
fn start(cart_path: &Path, zygote: Option<ZygoteCommand>) -> Result<(Cart, Console), String> {
    let cart = Cart::load(cart_path).map_err(|e| e.to_string())?;
    let mut console = Console::new(ConsoleConfig {
        virtual_time: true,
        budget: Duration::from_secs(5),
        zygote,
        ..ConsoleConfig::default()
    })
    .map_err(|e| e.to_string())?;
    console
        .load(cart.clone())
        .map_err(|s| s.describe(&cart.name))?;
    Ok((cart, console))
}

/// Plays one cart and compares its frames.
pub fn run_cart(dir: &Path, cart_path: &Path, zygote: Option<ZygoteCommand>) -> CartResult {
    let name = cart_path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut result = CartResult {
        name: name.clone(),
        frames: 0,
        error: None,
        matches: Vec::new(),
    };
    let refs = references(dir, &name);
    let (cart, mut console) = match start(cart_path, zygote) {
        Ok(c) => c,
        Err(e) => {
            result.error = Some(e);
            return result;
        }
    };
    let describe = |s: &Stop| s.describe(&cart.name);
    let mut frame = Box::new([0u32; FULL_WIDTH * FULL_HEIGHT]);
    for n in 1..=FRAMES {
        let reference = refs.iter().find(|(k, _)| *k == n);
        match console.run_frame(&Input::default(), reference.is_some()) {
            Ok(exit) => {
                result.frames = n;
                if exit {
                    break;
                }
            }
            Err(s) => {
                result.error = Some(describe(&s));
                break;
            }
        }
        let _ = console.take_trace();
        if let Some((_, path)) = reference {
            console.copy_frame(&mut frame);
            match read_png_pixels(path) {
                Ok((w, h, want)) if w as usize == FULL_WIDTH && h as usize == FULL_HEIGHT => {
                    let equal = want
                        .iter()
                        .zip(frame.iter())
                        .filter(|(a, b)| a == b)
                        .count();
                    result.matches.push(FrameMatch {
                        frame: n,
                        equal,
                        total: want.len(),
                    });
                }
                Ok((w, h, _)) => {
                    result.error = Some(format!("{}: {w}x{h}, expected 256x144", path.display()))
                }
                Err(e) => result.error = Some(e),
            }
        }
    }
    result
}

/// Plays every cart in `dir/carts`.
pub fn run_all(dir: &Path, zygote: Option<ZygoteCommand>) -> Result<Vec<CartResult>, String> {
    let carts_dir = dir.join("carts");
    let mut carts: Vec<PathBuf> = std::fs::read_dir(&carts_dir)
        .map_err(|e| format!("{}: {e}", carts_dir.display()))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "lua"))
        .collect();
    carts.sort();
    Ok(carts
        .iter()
        .map(|c| run_cart(dir, c, zygote.clone()))
        .collect())
}

/// One cart's sound compared with TIC-80's.
#[derive(Debug, Clone, PartialEq)]
pub struct SoundResult {
    /// Cart name (file stem).
    pub name: String,
    /// How close Cartbox's sound is to TIC-80's, when the cart ran.
    pub comparison: Option<Comparison>,
    /// Whether every sample is equal.
    pub identical: bool,
    /// Why the comparison could not be made.
    pub error: Option<String>,
}

/// Plays `cart_path` headless for as many frames as the `reference` recording holds, with UP
/// held on gamepad 1 during the first `up_frames` frames, and compares its sound (the
/// `--wav` path: one [`Stream`]) with the reference.
pub fn sound_cart(
    cart_path: &Path,
    reference: &Path,
    up_frames: u64,
    zygote: Option<ZygoteCommand>,
) -> SoundResult {
    let name = cart_path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut result = SoundResult {
        name,
        comparison: None,
        identical: false,
        error: None,
    };
    let want = match crate::audio::wav::read(reference) {
        Ok(w) => w,
        Err(e) => {
            result.error = Some(e);
            return result;
        }
    };
    let frames = (want.len() / FRAME_VALUES) as u64;
    let (cart, mut console) = match start(cart_path, zygote) {
        Ok(c) => c,
        Err(e) => {
            result.error = Some(e);
            return result;
        }
    };
    let mut stream = Stream::new(15);
    let mut got = Vec::with_capacity(want.len());
    let mut buf = [0i16; FRAME_VALUES];
    for n in 1..=frames {
        let mut input = Input::default();
        if n <= up_frames {
            input.gamepads[0] = cartbox_protocol::ram::button::UP;
        }
        let ran = console.run_frame(&input, false);
        let _ = console.take_trace();
        stream.frame(&console.take_sound().unwrap_or_default(), &mut buf);
        got.extend_from_slice(&buf);
        match ran {
            Ok(false) => {}
            Ok(true) => break,
            Err(s) => {
                result.error = Some(s.describe(&cart.name));
                break;
            }
        }
    }
    result.identical = got == want;
    result.comparison = Some(compare(&want, &got));
    result
}

/// Compares the sound of every cart in `dir/carts` that has a recording in `dir/audio`.
pub fn sound_all(dir: &Path, zygote: Option<ZygoteCommand>) -> Result<Vec<SoundResult>, String> {
    let audio = dir.join("audio");
    let mut refs: Vec<PathBuf> = std::fs::read_dir(&audio)
        .map_err(|e| format!("{}: {e}", audio.display()))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "wav"))
        .collect();
    refs.sort();
    Ok(refs
        .iter()
        .filter_map(|r| {
            let stem = r.file_stem()?;
            let cart = dir.join("carts").join(stem).with_extension("lua");
            Some(sound_cart(&cart, r, 1, zygote.clone()))
        })
        .collect())
}
