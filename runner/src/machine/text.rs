//! `print`: text from the fonts in RAM.

use cartbox_protocol::ram::{self, FONT_PARAMS};

use super::Machine;

impl Machine {
    /// One glyph of the RAM font, as 8 row bytes (bit x = column x).
    fn glyph(&mut self, index: i32) -> [u8; 8] {
        // The two fonts are one 1-bpp sheet of 256 glyphs: regular 0..127, small 128..255.
        let at = ram::FONT + ((index & 0xff) as usize) * 8;
        let mut g = [0u8; 8];
        g.copy_from_slice(&self.ram()[at..at + 8]);
        g
    }

    /// `print(text, x, y, color, fixed, scale, small)`: returns the width of the widest
    /// line in pixels. The colour is written as given, without the palette map; 255 (what
    /// TIC-80 makes of -1) draws nothing.
    #[allow(clippy::too_many_arguments)] // TIC-80's own signature.
    pub fn print(
        &mut self,
        text: &[u8],
        x: i32,
        y: i32,
        color: u8,
        fixed: bool,
        scale: i32,
        small: bool,
    ) -> i32 {
        let params = if small { ram::ALT_FONT } else { ram::FONT } + FONT_PARAMS;
        let cell_w = i32::from(self.ram()[params]);
        let cell_h = i32::from(self.ram()[params + 1]);
        // A glyph without pixels (space) advances two pixels less than the cell.
        let blank_advance = if fixed { cell_w } else { cell_w - 2 };
        let (mut pos, mut widest, mut y) = (x, x, y);
        for &byte in text {
            if byte == b'\n' {
                widest = widest.max(pos);
                pos = x;
                y = y.wrapping_add(cell_h.wrapping_mul(scale));
                continue;
            }
            let index = i32::from(small) * 128 + i32::from(byte as i8);
            let glyph = self.glyph(index);
            let used = self.draw_glyph(&glyph, pos, y, scale, fixed, color);
            let advance = if !fixed && used > 0 {
                used + 1
            } else {
                blank_advance
            };
            pos = pos.wrapping_add(advance.wrapping_mul(scale));
        }
        pos.max(widest).wrapping_sub(x)
    }

    /// Draws one glyph, trimmed to its used columns unless `fixed`; returns the drawn width.
    fn draw_glyph(
        &mut self,
        glyph: &[u8; 8],
        x: i32,
        y: i32,
        scale: i32,
        fixed: bool,
        color: u8,
    ) -> i32 {
        // 255 is transparent; anything else is written as its low nibble.
        let color = (color != 255).then_some(color & 0x0f);
        let (mut start, mut end) = (0, 8);
        if !fixed {
            let cols = glyph.iter().fold(0u8, |a, b| a | b);
            if cols == 0 {
                return 0;
            }
            start = cols.trailing_zeros() as i32;
            end = 8 - cols.leading_zeros() as i32;
        }
        let width = end - start;
        let size = 8i32.saturating_mul(scale);
        let c = self.clip;
        let Some(color) = color else { return width };
        // Early reject of the whole 8x8 cell, as TIC-80 does.
        if y.saturating_add(size) - 1 < c.t
            || x.saturating_add(size) - 1 < c.l
            || y >= c.b
            || x >= c.r
        {
            return width;
        }
        for i in 0..width {
            let col = start + i;
            let xs = x.saturating_add(i.saturating_mul(scale));
            for (row, bits) in glyph.iter().enumerate() {
                if bits >> col & 1 == 1 {
                    let ys = y.saturating_add((row as i32).saturating_mul(scale));
                    self.fill_rect(xs, ys, scale, scale, color);
                }
            }
        }
        width
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{machine, screen};

    #[test]
    fn widths_follow_tic80_metrics() {
        let mut m = machine();
        // Five-column glyphs advance 6, "i" (two columns) advances 3, space advances 4.
        assert_eq!(m.print(b"A", 0, 0, 12, false, 1, false), 6);
        assert_eq!(m.print(b"Hi", 0, 0, 12, false, 1, false), 9);
        assert_eq!(m.print(b"a b", 0, 0, 12, false, 1, false), 16);
        assert_eq!(m.print(b"Hi", 0, 0, 12, true, 1, false), 12);
        assert_eq!(m.print(b"ab\nabc", 0, 0, 12, false, 1, false), 18);
        assert_eq!(m.print(b"abc", 0, 0, 12, false, 2, false), 36);
        assert_eq!(m.print(b"abc", 0, 0, 12, false, 1, true), 12);
        assert_eq!(m.print(b"abc", 0, 0, 12, false, 0, false), 0);
        assert_eq!(m.print(b"", 0, 0, 12, false, 1, false), 0);
    }

    #[test]
    fn glyphs_are_drawn_trimmed_in_the_given_colour() {
        let mut m = machine();
        // "|" uses only column 2: drawn at x when trimmed, at x+2 when fixed.
        m.print(b"|", 0, 0, 0xfc, false, 1, false);
        m.print(b"|", 1, 0, 255, false, 1, false);
        m.print(b"|", 3, 0, 5, true, 1, false);
        assert_eq!(
            screen(&mut m, 7, 6),
            "c000050\nc000050\nc000050\nc000050\nc000050\n0000000\n"
        );
    }

    #[test]
    fn text_is_clipped_and_far_coordinates_are_safe() {
        let mut m = machine();
        m.clip(0, 0, 2, 2);
        m.print(b"H", 0, 0, 7, false, 1, false);
        assert_eq!(screen(&mut m, 3, 3), "700\n700\n000\n");
        m.clip_reset();
        m.print(b"HELLO", i32::MAX - 3, i32::MIN, 7, false, i32::MAX, false);
        m.print(b"\n\n\n", 0, i32::MAX, 7, false, i32::MAX, true);
    }
}
