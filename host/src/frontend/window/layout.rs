//! Where the 256x144 picture sits in the window, and drawing it there: the largest integer
//! scale that fits, centred, with the border continued into the margins.

use cartbox_protocol::ram::{FULL_HEIGHT, FULL_WIDTH};
use cartbox_protocol::shm::FRAME_PIXELS;

/// Where the 256x144 picture sits in a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Layout {
    /// Integer scale (at least 1).
    pub(super) scale: usize,
    /// Left edge of the picture (negative when the window is narrower than one scale).
    pub(super) x0: isize,
    /// Top edge of the picture.
    pub(super) y0: isize,
}

impl Layout {
    /// The largest integer scale that fits, centred.
    pub(super) fn fit(width: usize, height: usize) -> Layout {
        let scale = (width / FULL_WIDTH).min(height / FULL_HEIGHT).max(1);
        Layout {
            scale,
            x0: (width as isize - (FULL_WIDTH * scale) as isize) / 2,
            y0: (height as isize - (FULL_HEIGHT * scale) as isize) / 2,
        }
    }

    /// Whether a window position is over the picture.
    pub(super) fn contains(&self, x: f64, y: f64) -> bool {
        let s = self.scale as f64;
        let (x, y) = ((x - self.x0 as f64) / s, (y - self.y0 as f64) / s);
        (0.0..FULL_WIDTH as f64).contains(&x) && (0.0..FULL_HEIGHT as f64).contains(&y)
    }

    /// The output pixel under a window position, clamped to the picture.
    pub(super) fn to_output(self, x: f64, y: f64) -> (u8, u8) {
        let s = self.scale as f64;
        let ox = ((x - self.x0 as f64) / s)
            .floor()
            .clamp(0.0, (FULL_WIDTH - 1) as f64);
        let oy = ((y - self.y0 as f64) / s)
            .floor()
            .clamp(0.0, (FULL_HEIGHT - 1) as f64);
        (ox as u8, oy as u8)
    }
}

/// Draws the 256x144 picture into a `width` x `height` window buffer, scaled by an
/// integer and centred. The margins continue the border: each row's edge colours to the
/// sides, the top and bottom rows above and below (as TIC-80 stretches its border).
pub(super) fn blit(frame: &[u32; FRAME_PIXELS], out: &mut [u32], width: usize, height: usize) {
    let l = Layout::fit(width, height);
    let mut row = vec![0u32; width];
    let mut last_source = usize::MAX;
    for y in 0..height {
        let source = ((y as isize - l.y0).div_euclid(l.scale as isize))
            .clamp(0, FULL_HEIGHT as isize - 1) as usize;
        if source != last_source {
            let src = &frame[source * FULL_WIDTH..(source + 1) * FULL_WIDTH];
            for (x, px) in row.iter_mut().enumerate() {
                let sx = ((x as isize - l.x0).div_euclid(l.scale as isize))
                    .clamp(0, FULL_WIDTH as isize - 1) as usize;
                // The runner wrote these: only the colour bits reach the window system.
                *px = src[sx] & 0x00ff_ffff;
            }
            last_source = source;
        }
        if let Some(dst) = out.get_mut(y * width..(y + 1) * width) {
            dst.copy_from_slice(&row);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_scale_centred_with_the_border_continued() {
        let mut frame = Box::new([0u32; FRAME_PIXELS]);
        for (i, p) in frame.iter_mut().enumerate() {
            *p = i as u32;
        }
        // 600x300: scale 2 (512x288), x0 = 44, y0 = 6.
        let (w, h) = (600, 300);
        assert_eq!(
            Layout::fit(w, h),
            Layout {
                scale: 2,
                x0: 44,
                y0: 6
            }
        );
        let mut out = vec![0u32; w * h];
        blit(&frame, &mut out, w, h);
        let at = |x: usize, y: usize| out[y * w + x];
        assert_eq!(at(44, 6), 0);
        assert_eq!(at(45, 7), 0);
        assert_eq!(at(46, 6), 1);
        assert_eq!(at(44 + 511, 6 + 287), (FRAME_PIXELS - 1) as u32);
        // Margins: left of row 10 is that row's first pixel; above is row 0; below row 143.
        assert_eq!(at(0, 6 + 20), 10 * 256);
        assert_eq!(at(599, 6 + 20), 10 * 256 + 255);
        assert_eq!(at(100, 0), (100 - 44) / 2);
        assert_eq!(at(100, 299), 143 * 256 + (100 - 44) / 2);
        // Too small a window: scale 1, cropped around the centre.
        assert_eq!(Layout::fit(200, 100).scale, 1);
        let l = Layout::fit(1920, 1080);
        assert_eq!(
            (l.scale, l.x0, l.y0),
            (7, (1920 - 1792) / 2, (1080 - 1008) / 2)
        );
        assert_eq!(
            l.to_output(f64::from(l.x0 as i32) + 7.0 * 10.5, 0.0),
            (10, 0)
        );
        assert_eq!(l.to_output(5000.0, 5000.0), (255, 143));
    }
}
