//! Drawing primitives. All of them draw into the mapped VRAM bank's screen through the clip
//! rectangle; colours go through the palette map, except where noted.

use cartbox_protocol::ram::{self, HEIGHT, SCREEN_SIZE, WIDTH};

use super::{Clip, Machine};

const W: i32 = WIDTH as i32;
const H: i32 = HEIGHT as i32;

impl Machine {
    /// Colour `color` through the palette map (low 4 bits only).
    #[inline]
    pub fn map_color(&mut self, color: i32) -> u8 {
        let c = (color & 0x0f) as usize;
        let b = self.ram()[ram::PALETTE_MAP + (c >> 1)];
        if c & 1 == 0 { b & 0x0f } else { b >> 4 }
    }

    /// Sets a pixel that is known to be on screen, with an already mapped colour.
    #[inline]
    fn put(&mut self, x: i32, y: i32, color: u8) {
        self.poke4(y * W + x, color);
    }

    /// Sets a pixel if it is inside the clip rectangle (colour already mapped).
    #[inline]
    pub(super) fn set_pixel(&mut self, x: i32, y: i32, color: u8) {
        let c = self.clip;
        if x < c.l || y < c.t || x >= c.r || y >= c.b {
            return;
        }
        self.put(x, y, color);
    }

    /// Horizontal run from x for `width` pixels, clipped (colour already mapped).
    pub(super) fn hline(&mut self, x: i32, y: i32, width: i32, color: u8) {
        let c = self.clip;
        if y < c.t || y >= c.b {
            return;
        }
        let xl = x.max(c.l);
        let xr = x.saturating_add(width).min(c.r);
        let row = (y * W) as usize;
        let (mut i, end) = (row + xl.max(0) as usize, row + xr.max(0) as usize);
        let screen = &mut self.ram()[..SCREEN_SIZE];
        // Odd start pixel, then whole bytes, then an odd end pixel.
        if i < end && i & 1 == 1 {
            screen[i >> 1] = (screen[i >> 1] & 0x0f) | (color << 4);
            i += 1;
        }
        let full = color | (color << 4);
        while i + 1 < end {
            screen[i >> 1] = full;
            i += 2;
        }
        if i < end {
            screen[i >> 1] = (screen[i >> 1] & 0xf0) | color;
        }
    }

    /// Filled rectangle with an already mapped colour.
    pub(super) fn fill_rect(&mut self, x: i32, y: i32, w: i32, h: i32, color: u8) {
        let c = self.clip;
        if w <= 0 || h <= 0 {
            return;
        }
        let y0 = y.max(c.t);
        let y1 = y.saturating_add(h).min(c.b);
        for yy in y0..y1 {
            self.hline(x, yy, w, color);
        }
    }

    /// `clip(x, y, w, h)`.
    pub fn clip(&mut self, x: i32, y: i32, w: i32, h: i32) {
        self.clip = Clip {
            l: x.max(0),
            t: y.max(0),
            r: x.saturating_add(w).min(W),
            b: y.saturating_add(h).min(H),
        };
    }

    /// `clip()`: the whole screen.
    pub fn clip_reset(&mut self) {
        self.clip = Clip::FULL;
    }

    /// `cls(color)`: fills the clip rectangle with the mapped colour.
    pub fn cls(&mut self, color: i32) {
        self.clear_depth();
        let mapped = self.map_color(color);
        if self.clip == Clip::FULL {
            self.ram()[..SCREEN_SIZE].fill(mapped | (mapped << 4));
        } else {
            let c = self.clip;
            self.fill_rect(c.l, c.t, c.r - c.l, c.b - c.t, mapped);
        }
    }

    /// `pix(x, y)`: the raw pixel value, 0 off screen; ignores the clip rectangle.
    pub fn pix_get(&mut self, x: i32, y: i32) -> u8 {
        if !(0..W).contains(&x) || !(0..H).contains(&y) {
            return 0;
        }
        self.peek4(y * W + x)
    }

    /// `pix(x, y, color)`.
    pub fn pix_set(&mut self, x: i32, y: i32, color: i32) {
        let c = self.map_color(color);
        self.set_pixel(x, y, c);
    }

    /// `rect(x, y, w, h, color)`.
    pub fn rect(&mut self, x: i32, y: i32, w: i32, h: i32, color: i32) {
        let c = self.map_color(color);
        self.fill_rect(x, y, w, h, c);
    }

    /// `rectb(x, y, w, h, color)`: top and bottom rows, left and right columns.
    pub fn rectb(&mut self, x: i32, y: i32, w: i32, h: i32, color: i32) {
        let c = self.map_color(color);
        self.hline(x, y, w, c);
        self.hline(x, y.saturating_add(h).saturating_sub(1), w, c);
        self.vline(x, y, h, c);
        self.vline(x.saturating_add(w).saturating_sub(1), y, h, c);
    }

    /// `line(x0, y0, x1, y1, color)`: float coordinates, stepped one pixel at a time along
    /// the longer axis; every point truncated toward zero; the end point always drawn.
    pub fn line(&mut self, x0: f32, y0: f32, x1: f32, y1: f32, color: i32) {
        let c = self.map_color(color);
        self.draw_line(x0, y0, x1, y1, c);
    }

    pub(super) fn draw_line(&mut self, mut x0: f32, mut y0: f32, mut x1: f32, mut y1: f32, c: u8) {
        let clip = self.clip;
        // In each loop the stepping coordinate is in 0..240 (init_line clips it there, and
        // a NaN never enters the loop), so it converts exactly with `as`. Both coordinates
        // only move one way: once past the clip rectangle's far side, no later point of the
        // loop is drawn (the end point still is).
        if (x0 - x1).abs() < (y0 - y1).abs() {
            let t = init_line(&mut x0, &mut x1, &mut y0, &mut y1);
            // |t| <= 1 and at most 240 steps: a start well inside the i32 range stays
            // there, and converts exactly with `as` too.
            let minor = if x0.abs() < 1e9 && t.abs() <= 1.0 {
                fast
            } else {
                trunc
            };
            while y0 < y1 {
                let (px, py) = (minor(x0), y0 as i32);
                if py >= clip.b || gone(px, t, clip.l, clip.r) {
                    break;
                }
                self.set_pixel(px, py, c);
                y0 += 1.0;
                x0 += t;
            }
        } else {
            let t = init_line(&mut y0, &mut y1, &mut x0, &mut x1);
            let minor = if y0.abs() < 1e9 && t.abs() <= 1.0 {
                fast
            } else {
                trunc
            };
            while x0 < x1 {
                let (px, py) = (x0 as i32, minor(y0));
                if px >= clip.r || gone(py, t, clip.t, clip.b) {
                    break;
                }
                self.set_pixel(px, py, c);
                x0 += 1.0;
                y0 += t;
            }
        }
        self.set_pixel(trunc(x1), trunc(y1), c);
    }

    /// `circb(x, y, r, color)`: the outline of the circle of diameter 2r+1.
    pub fn circb(&mut self, x: i32, y: i32, r: i32, color: i32) {
        self.ellib(x, y, r, r, color);
    }

    /// `circ(x, y, r, color)`: the filled circle.
    pub fn circ(&mut self, x: i32, y: i32, r: i32, color: i32) {
        self.elli(x, y, r, r, color);
    }

    /// `ellib(x, y, a, b, color)`: the outline of the ellipse in the box (x-a, y-b)-(x+a, y+b).
    pub fn ellib(&mut self, x: i32, y: i32, a: i32, b: i32, color: i32) {
        let c = self.map_color(color);
        let (x, y, a, b) = (i64::from(x), i64::from(y), i64::from(a), i64::from(b));
        ellipse_points(x - a, y - b, x + a, y + b, |px, py| {
            if let (Ok(px), Ok(py)) = (i32::try_from(px), i32::try_from(py)) {
                self.set_pixel(px, py, c);
            }
        });
    }

    /// `elli(x, y, a, b, color)`: the filled ellipse, drawn as one span per row covering the
    /// outline and everything between.
    pub fn elli(&mut self, x: i32, y: i32, a: i32, b: i32, color: i32) {
        let (x, y, a, b) = (i64::from(x), i64::from(y), i64::from(a), i64::from(b));
        // Spans per screen row; TIC-80 keeps them as 16-bit values.
        let mut left = [WIDTH as i16; HEIGHT];
        let mut right = [-1i16; HEIGHT];
        ellipse_points(x - a, y - b, x + a, y + b, |px, py| {
            if (0..H as i64).contains(&py) {
                let (l, r) = (&mut left[py as usize], &mut right[py as usize]);
                *l = (*l).min(px as i16);
                *r = (*r).max(px as i16);
            }
        });
        let c = self.map_color(color);
        let clip = self.clip;
        let top = (y - b).max(i64::from(clip.t)).max(0);
        let bottom = (y + b + 2).min(i64::from(clip.b)).min(H as i64);
        for row in top..bottom {
            let (l, r) = (left[row as usize], right[row as usize]);
            let xl = i32::from(l).max(clip.l);
            let xr = (i32::from(r) + 1).min(clip.r);
            if xl < xr {
                self.hline(xl, row as i32, xr - xl, c);
            }
        }
    }

    /// Vertical run, clipped (colour already mapped).
    fn vline(&mut self, x: i32, y: i32, height: i32, color: u8) {
        let c = self.clip;
        if x < c.l || x >= c.r {
            return;
        }
        let y0 = y.max(c.t);
        let y1 = y.saturating_add(height).min(c.b);
        for yy in y0..y1 {
            self.put(x, yy, color);
        }
    }
}

/// A float coordinate to a pixel: truncation toward zero, as C converts; NaN and values
/// beyond `i32` land far off screen.
#[inline]
/// Whether a coordinate `v` that moves by `step` each point (and so only one way) has left
/// the range `lo..hi` for good.
fn gone(v: i32, step: f32, lo: i32, hi: i32) -> bool {
    (step <= 0.0 && v < lo) || (step >= 0.0 && v >= hi)
}

/// `trunc` for a value known to be inside the i32 range.
fn fast(v: f32) -> i32 {
    v as i32
}

pub(super) fn trunc(v: f32) -> i32 {
    if v.is_nan() || !(-2_147_483_648.0..2_147_483_648.0).contains(&v) {
        i32::MIN
    } else {
        v as i32
    }
}

/// Orders a line by its stepping axis `b` and clips its start to 0 and its end to 240.
fn init_line(a0: &mut f32, a1: &mut f32, b0: &mut f32, b1: &mut f32) -> f32 {
    if *b0 > *b1 {
        std::mem::swap(a0, a1);
        std::mem::swap(b0, b1);
    }
    let t = (*a1 - *a0) / (*b1 - *b0);
    if *b0 < 0.0 {
        *a0 -= *b0 * t;
        *b0 = 0.0;
    }
    if *b1 > W as f32 {
        // TIC-80 uses the width for both axes here; the end pixel is off screen either way.
        *a1 += (W as f32 - *b0) * t;
        *b1 = W as f32;
    }
    t
}

/// Largest semi-axis drawn. Past it TIC-80's 64-bit error terms overflow; nothing is drawn.
const MAX_AXIS: i64 = 1 << 20;

/// The points of the ellipse inscribed in the box (x0, y0)-(x1, y1), in the order of
/// A. Zingl's rectangle-bounded midpoint algorithm, which TIC-80 uses.
fn ellipse_points(
    mut x0: i64,
    mut y0: i64,
    mut x1: i64,
    mut y1: i64,
    mut plot: impl FnMut(i64, i64),
) {
    if x0 > x1 || y0 > y1 {
        return;
    }
    let a = x1 - x0;
    let b = y1 - y0;
    if a > 2 * MAX_AXIS || b > 2 * MAX_AXIS {
        return;
    }
    let b1 = b & 1;
    let mut dx = 4 * (1 - a) * b * b;
    let mut dy = 4 * (b1 + 1) * a * a;
    let mut err = dx + dy + b1 * a * a;
    y0 += (b + 1) / 2;
    y1 = y0 - b1;
    let big_a = 8 * a * a;
    let big_b = 8 * b * b;
    loop {
        plot(x1, y0);
        plot(x0, y0);
        plot(x0, y1);
        plot(x1, y1);
        let e2 = 2 * err;
        if e2 <= dy {
            y0 += 1;
            y1 -= 1;
            dy += big_a;
            err += dy;
        }
        if e2 >= dx || 2 * err > dy {
            x0 += 1;
            x1 -= 1;
            dx += big_b;
            err += dx;
        }
        if x0 > x1 {
            break;
        }
    }
    while y0 - y1 < b {
        plot(x0 - 1, y0);
        plot(x1 + 1, y0);
        y0 += 1;
        plot(x0 - 1, y1);
        plot(x1 + 1, y1);
        y1 -= 1;
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{machine, screen};
    use super::{init_line, trunc};

    /// TIC-80's line loop as it is, every point through the clip test.
    fn line_every_point(
        m: &mut super::super::Machine,
        mut x0: f32,
        mut y0: f32,
        mut x1: f32,
        mut y1: f32,
        c: u8,
    ) {
        if (x0 - x1).abs() < (y0 - y1).abs() {
            let t = init_line(&mut x0, &mut x1, &mut y0, &mut y1);
            while y0 < y1 {
                m.set_pixel(trunc(x0), trunc(y0), c);
                y0 += 1.0;
                x0 += t;
            }
        } else {
            let t = init_line(&mut y0, &mut y1, &mut x0, &mut x1);
            while x0 < x1 {
                m.set_pixel(trunc(x0), trunc(y0), c);
                x0 += 1.0;
                y0 += t;
            }
        }
        m.set_pixel(trunc(x1), trunc(y1), c);
    }

    #[test]
    fn lines_stop_where_they_leave_the_clip_and_draw_the_same() {
        let (mut a, mut b) = (machine(), machine());
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = |range: f32| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % 10_000) as f32 / 10_000.0 * range * 2.0 - range * 0.5
        };
        for i in 0..6_000 {
            if i % 50 == 0 {
                let (cx, cy, cw, ch) = (next(200.0), next(120.0), next(260.0), next(160.0));
                for m in [&mut a, &mut b] {
                    m.clip(cx as i32, cy as i32, cw as i32, ch as i32);
                }
            }
            let (x0, y0, x1, y1) = match i % 100 {
                // Far outside the i32 range, infinite, not a number.
                97 => (-3e9, next(200.0), 2e9, next(200.0)),
                98 => (next(300.0), f32::INFINITY, next(300.0), -1e30),
                99 => (f32::NAN, next(200.0), next(300.0), f32::NEG_INFINITY),
                _ => (next(300.0), next(200.0), next(300.0), next(200.0)),
            };
            let c = (i % 15 + 1) as u8;
            a.draw_line(x0, y0, x1, y1, c);
            line_every_point(&mut b, x0, y0, x1, y1, c);
            assert_eq!(
                screen(&mut a, 240, 136),
                screen(&mut b, 240, 136),
                "line {i}: ({x0}, {y0}) - ({x1}, {y1})"
            );
        }
    }

    #[test]
    fn rect_and_rectb_cover_their_pixels() {
        let mut m = machine();
        m.rect(1, 1, 3, 2, 5);
        m.rectb(5, 0, 4, 4, 12);
        assert_eq!(
            screen(&mut m, 10, 5),
            "00000cccc0\n05550c00c0\n05550c00c0\n00000cccc0\n0000000000\n"
        );
    }

    #[test]
    fn clip_limits_drawing_and_cls() {
        let mut m = machine();
        m.clip(2, 1, 3, 2);
        m.cls(9);
        m.rect(0, 0, 10, 10, 3);
        m.pix_set(0, 0, 7);
        assert_eq!(screen(&mut m, 6, 4), "000000\n003330\n003330\n000000\n");
        m.clip_reset();
        m.pix_set(0, 0, 7);
        assert_eq!(m.pix_get(0, 0), 7);
        assert_eq!(m.pix_get(-1, 0), 0);
        assert_eq!(m.pix_get(0, 136), 0);
    }

    #[test]
    fn palette_map_applies_to_drawing() {
        let mut m = machine();
        // Map colour 2 to 11.
        m.poke4(0x3ff0 * 2 + 2, 11);
        m.rect(0, 0, 2, 1, 2);
        m.pix_set(2, 0, 0x12);
        assert_eq!(screen(&mut m, 4, 1), "bbb0\n");
    }

    #[test]
    fn line_steps_along_the_longer_axis_and_truncates() {
        let mut m = machine();
        m.line(0.0, 0.0, 10.0, 5.0, 1);
        assert_eq!(
            screen(&mut m, 11, 6),
            "11000000000\n00110000000\n00001100000\n00000011000\n00000000110\n00000000001\n"
        );
        let mut m = machine();
        m.line(3.0, 3.0, 3.0, 3.0, 2);
        m.line(-0.5, 0.0, -0.5, 2.0, 3);
        assert_eq!(screen(&mut m, 4, 4), "3000\n3000\n3000\n0002\n");
        // Far and odd coordinates finish and draw only what is on screen.
        m.line(-1e30, 5.0, 1e30, 5.0, 4);
        m.line(f32::NAN, 0.0, 5.0, f32::INFINITY, 4);
        assert_eq!(m.pix_get(239, 5), 4);
    }

    #[test]
    fn circles_match_tic80_shapes() {
        let mut m = machine();
        m.circb(2, 2, 2, 1);
        m.circ(8, 2, 2, 2);
        m.circb(13, 0, 0, 3);
        m.circ(13, 2, -1, 3);
        assert_eq!(
            screen(&mut m, 14, 5),
            "01110002220003\n10001022222000\n10001022222000\n10001022222000\n01110002220000\n"
        );
        let mut m = machine();
        m.ellib(5, 2, 5, 2, 1);
        assert_eq!(
            screen(&mut m, 11, 5),
            "00111111100\n01000000010\n10000000001\n01000000010\n00111111100\n"
        );
        // An ellipse with a = 0 loses its tips, as in TIC-80.
        let mut m = machine();
        m.ellib(0, 3, 0, 3, 1);
        assert_eq!(screen(&mut m, 1, 7), "0\n1\n1\n1\n1\n1\n0\n");
    }

    #[test]
    fn huge_circles_are_refused_quickly_and_clipped_ones_drawn() {
        let mut m = machine();
        m.circ(120, 68, i32::MAX, 1);
        m.circb(i32::MIN, i32::MAX, 5, 1);
        m.circ(120, 100_068, 100_000, 5);
        assert_eq!(m.pix_get(120, 135), 5);
        assert_eq!(m.pix_get(120, 60), 0);
    }

    #[test]
    fn huge_and_negative_sizes_are_safe() {
        let mut m = machine();
        m.rect(i32::MIN, i32::MIN, i32::MAX, i32::MAX, 1);
        m.rect(i32::MAX, i32::MAX, i32::MAX, i32::MAX, 1);
        m.rectb(-5, -5, i32::MAX, 3, 2);
        m.rect(0, 0, -3, 5, 4);
        m.clip(i32::MIN, i32::MIN, i32::MAX, i32::MAX);
        m.clip(i32::MAX, 0, 5, 5);
        m.cls(3);
    }
}
