//! The headless front-end: run frames with scripted input, print trace output, write a
//! screenshot, a GIF, the sound as WAV. Tests, CI and batch jobs see carts this way.

use std::io::Write;
use std::path::{Path, PathBuf};

use cartbox_protocol::shm::FRAME_PIXELS;

use super::gif::GifRecorder;
use crate::audio::wav::WavWriter;
use crate::audio::{FRAME_VALUES, Stream};
use crate::console::{Console, Input, Stop};
use crate::input_script::InputScript;
use crate::runner::TraceLine;

/// What to do.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Frames to run; `None` runs until the cart calls `exit()`.
    pub frames: Option<u64>,
    /// Where to write the last frame as PNG.
    pub screenshot: Option<PathBuf>,
    /// Include the border in the screenshot (256x144 instead of 240x136).
    pub border: bool,
    /// Print trace output to stdout.
    pub trace: bool,
    /// Buttons per frame.
    pub input: InputScript,
    /// Record every frame to this GIF.
    pub gif: Option<PathBuf>,
    /// The GIF's scale (each output pixel this many pixels wide and high).
    pub gif_scale: u32,
    /// Write the sound to this WAV file.
    pub wav: Option<PathBuf>,
    /// TIC-80's volume setting for the WAV, 0..15.
    pub volume: u8,
}

/// How a headless run ended.
#[derive(Debug)]
pub enum Outcome {
    /// All frames ran, or the cart called `exit()`.
    Finished {
        /// Frames run.
        frames: u64,
    },
    /// The cart stopped.
    Stopped(Stop),
    /// The screenshot could not be written.
    Screenshot(std::io::Error),
    /// The GIF could not be written.
    Gif(std::io::Error),
    /// The WAV file could not be written.
    Wav(std::io::Error),
    /// All frames ran, but persistent memory the cart wrote could not be saved.
    SavesLost(String),
}

/// Runs a loaded console.
pub fn run(console: &mut Console, opts: &Options) -> Outcome {
    let mut out = std::io::stdout().lock();
    let mut n = 0;
    let mut gif = match &opts.gif {
        Some(path) => match GifRecorder::create(path, opts.gif_scale) {
            Ok(g) => Some(g),
            Err(e) => return Outcome::Gif(e),
        },
        None => None,
    };
    let mut sound = match &opts.wav {
        Some(path) => match WavWriter::create(path) {
            Ok(w) => Some((w, Stream::new(opts.volume), Box::new([0i16; FRAME_VALUES]))),
            Err(e) => return Outcome::Wav(e),
        },
        None => None,
    };
    let mut pixels_out = Box::new([0u32; FRAME_PIXELS]);
    loop {
        if opts.frames.is_some_and(|f| n >= f) {
            break;
        }
        n += 1;
        let input = Input {
            gamepads: opts.input.gamepads(n),
            ..Input::default()
        };
        // Pixels are only converted for the frame the screenshot shows (and the frame in
        // which the cart exits, which the runner always converts).
        let pixels = gif.is_some() || (opts.screenshot.is_some() && opts.frames == Some(n));
        let result = console.run_frame(&input, pixels);
        print_trace(&mut out, console.take_trace(), opts.trace);
        say_save_notices(console);
        if let Some((wav, stream, buf)) = sound.as_mut() {
            // A frame that did not finish leaves silence to be heard after it.
            let regs = console.take_sound().unwrap_or_default();
            stream.frame(&regs, buf);
            if let Err(e) = wav.write(&buf[..]) {
                return Outcome::Wav(e);
            }
        }
        if let Some(g) = gif.as_mut()
            && result.is_ok()
            && console.copy_frame(&mut pixels_out)
            && let Err(e) = g.offer(&pixels_out)
        {
            return Outcome::Gif(e);
        }
        match result {
            Ok(false) => {}
            Ok(true) => break,
            Err(stop) => {
                // The stop is what is reported; a lost save is said besides it.
                if let Err(e) = console.save_now() {
                    errln!("cartbox: {}", super::terminal_safe(&e));
                }
                if let Some(g) = gif.take() {
                    let _ = g.finish();
                }
                if let Some((w, ..)) = sound.take() {
                    let _ = w.finish();
                }
                return Outcome::Stopped(stop);
            }
        }
    }
    if let Some((w, ..)) = sound.take()
        && let Err(e) = w.finish()
    {
        return Outcome::Wav(e);
    }
    if let Some(g) = gif.take()
        && let Err(e) = g.finish()
    {
        return Outcome::Gif(e);
    }
    if let Some(path) = &opts.screenshot
        && let Some((w, h, rgb)) = console.screenshot(opts.border)
        && let Err(e) = write_png(path, w, h, &rgb)
    {
        return Outcome::Screenshot(e);
    }
    if let Err(e) = console.save_now() {
        return Outcome::SavesLost(e);
    }
    Outcome::Finished { frames: n }
}

/// Says on stderr, at once, that saving persistent memory failed (or works again).
fn say_save_notices(console: &mut Console) {
    for n in console.take_save_notices() {
        errln!("cartbox: {}", super::terminal_safe(&n));
    }
}

/// Prints trace lines made safe for a terminal.
pub fn print_trace(out: &mut impl Write, lines: Vec<TraceLine>, enabled: bool) {
    if !enabled {
        return;
    }
    for line in lines {
        let _ = writeln!(out, "{}", super::terminal_safe(&line.text));
    }
    let _ = out.flush();
}

/// Writes an RGB image as PNG, atomically (see [`crate::fsutil::write_atomically`]).
pub fn write_png(path: &Path, width: u32, height: u32, rgb: &[u8]) -> std::io::Result<()> {
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, width, height);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    let mut w = enc.write_header().map_err(std::io::Error::other)?;
    w.write_image_data(rgb).map_err(std::io::Error::other)?;
    w.finish().map_err(std::io::Error::other)?;
    crate::fsutil::write_atomically(path, &out)
}

#[cfg(test)]
mod tests {
    use super::super::terminal_safe;

    #[test]
    fn escapes_are_shown_not_sent() {
        assert_eq!(
            terminal_safe("a\u{1b}[2Jb\tc\nd\u{7}"),
            "a\\u{1b}[2Jb\tc\nd\\u{7}"
        );
    }
}
