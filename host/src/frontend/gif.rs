//! GIF recording of the output (256x144, border included, times a whole scale: 2 by
//! default, so that a shared GIF is not a postage stamp), as TIC-80 records: 50 frames
//! per second (delay 2 hundredths; one frame in six of the 60 is dropped) and an exact
//! palette per frame, since scanline callbacks and the OVR layer can show more than the
//! 16 colours of one palette.

use std::io::BufWriter;
use std::path::{Path, PathBuf};

use cartbox_protocol::ram::{FULL_HEIGHT, FULL_WIDTH};
use cartbox_protocol::shm::FRAME_PIXELS;

use crate::fsutil::AtomicFile;

/// A GIF being written.
pub struct GifRecorder {
    path: PathBuf,
    encoder: gif::Encoder<BufWriter<AtomicFile>>,
    /// Frames offered so far (at 60 per second).
    offered: u64,
    /// Frames written.
    written: u64,
    /// Each pixel is this many pixels wide and high.
    scale: usize,
}

/// The largest GIF scale (1,024x576).
pub const MAX_GIF_SCALE: u32 = 4;

impl std::fmt::Debug for GifRecorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GifRecorder")
            .field("path", &self.path)
            .field("written", &self.written)
            .finish_non_exhaustive()
    }
}

impl GifRecorder {
    /// Starts a GIF at `path` (created; an existing file is replaced only by
    /// [`GifRecorder::finish`]'s rename, so a failed recording loses nothing).
    /// Each output pixel is `scale` (1 to [`MAX_GIF_SCALE`]) pixels wide and high.
    pub fn create(path: &Path, scale: u32) -> std::io::Result<GifRecorder> {
        let scale = scale.clamp(1, MAX_GIF_SCALE) as usize;
        let file = AtomicFile::create(path)?;
        let mut encoder = gif::Encoder::new(
            BufWriter::new(file),
            (FULL_WIDTH * scale) as u16,
            (FULL_HEIGHT * scale) as u16,
            &[],
        )
        .map_err(std::io::Error::other)?;
        encoder
            .set_repeat(gif::Repeat::Infinite)
            .map_err(std::io::Error::other)?;
        Ok(GifRecorder {
            path: path.to_owned(),
            encoder,
            offered: 0,
            written: 0,
            scale,
        })
    }

    /// Where the GIF goes.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Frames written so far.
    pub fn frames(&self) -> u64 {
        self.written
    }

    /// Offers the next 60 Hz frame (pixels 0x00RRGGBB); five in six are written.
    pub fn offer(&mut self, pixels: &[u32; FRAME_PIXELS]) -> std::io::Result<()> {
        let n = self.offered;
        self.offered += 1;
        if n > 0 && n * 5 / 6 == (n - 1) * 5 / 6 {
            return Ok(());
        }
        let mut palette: Vec<u32> = Vec::with_capacity(32);
        let mut indices = vec![0u8; FRAME_PIXELS];
        let mut last = (u32::MAX, 0u8);
        for (i, &p) in pixels.iter().enumerate() {
            let p = p & 0xff_ffff;
            if p == last.0 {
                indices[i] = last.1;
                continue;
            }
            let index = match palette.iter().position(|&c| c == p) {
                Some(k) => k as u8,
                // More than 256 colours cannot be shown in one GIF frame; TIC-80 maps the
                // rest to the first colour too.
                None if palette.len() >= 256 => 0,
                None => {
                    palette.push(p);
                    (palette.len() - 1) as u8
                }
            };
            indices[i] = index;
            last = (p, index);
        }
        let rgb: Vec<u8> = palette
            .iter()
            .flat_map(|c| [(c >> 16) as u8, (c >> 8) as u8, *c as u8])
            .collect();
        let s = self.scale;
        let indices = if s == 1 {
            indices
        } else {
            let mut big = Vec::with_capacity(FRAME_PIXELS * s * s);
            for row in indices.chunks_exact(FULL_WIDTH) {
                let wide: Vec<u8> = row
                    .iter()
                    .flat_map(|&i| std::iter::repeat_n(i, s))
                    .collect();
                for _ in 0..s {
                    big.extend_from_slice(&wide);
                }
            }
            big
        };
        let mut frame = gif::Frame::from_palette_pixels(
            (FULL_WIDTH * s) as u16,
            (FULL_HEIGHT * s) as u16,
            indices,
            rgb,
            None,
        );
        frame.delay = 2;
        self.encoder
            .write_frame(&frame)
            .map_err(std::io::Error::other)?;
        self.written += 1;
        Ok(())
    }

    /// Writes the end of the GIF and moves it into place. Returns the frames written.
    pub fn finish(self) -> std::io::Result<u64> {
        let writer = self.encoder.into_inner().map_err(std::io::Error::other)?;
        writer.into_inner().map_err(|e| e.into_error())?.commit()?;
        Ok(self.written)
    }

    /// Gives up on the GIF: the temporary file goes, whatever was at the path stays.
    pub fn abandon(self) {
        if let Ok(Ok(file)) = self.encoder.into_inner().map(BufWriter::into_inner) {
            file.abandon();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fifty_frames_a_second_with_exact_colours() {
        let dir = std::env::temp_dir().join(format!("cartbox-gif-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("t.gif");
        let mut rec = GifRecorder::create(&path, 1).unwrap();
        let mut px = Box::new([0u32; FRAME_PIXELS]);
        for f in 0..60u32 {
            // 300 colours: the last 44 cannot be kept.
            for (i, p) in px.iter_mut().enumerate() {
                *p = (i as u32 % 300) * 0x010203 + f;
            }
            rec.offer(&px).unwrap();
        }
        assert!(!path.exists(), "the GIF appears only when finished");
        assert_eq!(rec.finish().unwrap(), 50);
        let mut opts = gif::DecodeOptions::new();
        opts.set_color_output(gif::ColorOutput::RGBA);
        let mut dec = opts.read_info(std::fs::File::open(&path).unwrap()).unwrap();
        // Frames 1, 7, 13, ... are the ones dropped.
        let sources: Vec<u32> = (0..60).filter(|s| s % 6 != 1).collect();
        let mut n = 0;
        while let Some(frame) = dec.read_next_frame().unwrap() {
            assert_eq!((frame.width, frame.height, frame.delay), (256, 144, 2));
            // Pixel 7 has colour 7 * 0x010203 + source frame.
            let source = sources[n];
            let p = &frame.buffer[7 * 4..7 * 4 + 3];
            let want = 7 * 0x010203 + source;
            assert_eq!(
                p,
                [(want >> 16) as u8, (want >> 8) as u8, want as u8],
                "frame {n}"
            );
            n += 1;
        }
        assert_eq!(n, 50);
        assert_eq!(
            crate::fsutil::next_free(&dir, "t", "gif"),
            dir.join("t-1.gif")
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
