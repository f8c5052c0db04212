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

    /// `cls(color)`: fills the clip rectangle.
    pub fn cls(&mut self, color: i32) {
        if self.clip == Clip::FULL {
            // TIC-80 fills the whole screen with the colour as given (low nibble and the
            // byte's own high bits), not through the palette map.
            let c = color as u8;
            let byte = (c & 0x0f) | (c << 4);
            self.ram()[..SCREEN_SIZE].fill(byte);
        } else {
            let c = self.clip;
            let mapped = self.map_color(color);
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

#[cfg(test)]
mod tests {
    use super::super::testing::{machine, screen};

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
