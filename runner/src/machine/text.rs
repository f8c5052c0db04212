//! `print` and `font`: text drawn from a tile sheet, glyph by glyph.

use cartbox_protocol::ram::{self, FONT_PARAMS};

use super::Machine;
use super::tiles::{ColorTable, Segment, TRANSPARENT, Tile, early_reject};

/// How a piece of text is laid out.
struct Layout {
    /// Advance of a blank glyph, and of every glyph when fixed.
    advance: i32,
    line_height: i32,
    fixed: bool,
    scale: i32,
    /// Second half of the sheet (glyphs 128..255): the small font for `print`.
    alt: bool,
}

impl Machine {
    /// `print(text, x, y, color, fixed, scale, small)`: the system font in RAM, the colour
    /// written as given (no palette map; 255, what TIC-80 makes of -1, draws nothing).
    /// Returns the width of the widest line.
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
        let mut table = [TRANSPARENT; 16];
        table[1] = color;
        let layout = Layout {
            // A glyph without pixels (space) advances two pixels less than the cell.
            advance: if fixed { cell_w } else { cell_w - 2 },
            line_height: cell_h,
            fixed,
            scale,
            alt: small,
        };
        self.draw_text(Segment::of(1), text, x, y, &table, &layout)
    }

    /// `font(text, x, y, colorkeys, w, h, fixed, scale, alt)`: glyphs are tiles of the
    /// other bank of the blit segment (the sprites by default), through the palette map.
    #[allow(clippy::too_many_arguments)] // TIC-80's own signature.
    pub fn font(
        &mut self,
        text: &[u8],
        x: i32,
        y: i32,
        keys: &[u8],
        w: i32,
        h: i32,
        fixed: bool,
        scale: i32,
        alt: bool,
    ) -> i32 {
        let seg = self.ram()[ram::BLIT_SEGMENT] & 0x0f;
        let mut s = seg >> 1;
        let mut flip = 1u8;
        loop {
            s >>= 1;
            if s == 0 {
                break;
            }
            flip <<= 1;
        }
        let table = self.color_table(keys);
        let layout = Layout {
            advance: w,
            line_height: h,
            fixed,
            scale,
            alt,
        };
        self.draw_text(Segment::of(seg ^ flip), text, x, y, &table, &layout)
    }

    fn draw_text(
        &mut self,
        seg: Segment,
        text: &[u8],
        x: i32,
        y: i32,
        table: &ColorTable,
        l: &Layout,
    ) -> i32 {
        let (mut pos, mut widest, mut y) = (x, x, y);
        for &byte in text {
            if byte == b'\n' {
                widest = widest.max(pos);
                pos = x;
                y = y.wrapping_add(l.line_height.wrapping_mul(l.scale));
                continue;
            }
            // TIC-80 indexes with a signed char: bytes past 127 land in the other half.
            let tile = seg.tile(i32::from(l.alt) * 128 + i32::from(byte as i8), true);
            let used = self.draw_glyph(tile, pos, y, table, l.scale, l.fixed);
            let advance = if !l.fixed && used > 0 {
                used + 1
            } else {
                l.advance
            };
            pos = pos.wrapping_add(advance.wrapping_mul(l.scale));
        }
        pos.max(widest).wrapping_sub(x)
    }

    /// Draws one glyph, trimmed to its visible columns unless `fixed`; returns its width.
    fn draw_glyph(
        &mut self,
        tile: Tile,
        x: i32,
        y: i32,
        table: &ColorTable,
        scale: i32,
        fixed: bool,
    ) -> i32 {
        let visible = |m: &mut Machine, col: u32| {
            (0..8).any(|row| table[usize::from(tile.pixel(m.ram(), col, row))] != TRANSPARENT)
        };
        let (mut start, mut end) = (0u32, 8u32);
        if !fixed {
            while start < 8 && !visible(self, start) {
                start += 1;
            }
            while end > start && !visible(self, end - 1) {
                end -= 1;
            }
        }
        let width = (end - start) as i32;
        let size = 8i32.saturating_mul(scale);
        if early_reject(self.clip, x, y, size, size) {
            return width;
        }
        for (i, col) in (start..end).enumerate() {
            let xs = x.saturating_add((i as i32).saturating_mul(scale));
            for row in 0..8u32 {
                let v = table[usize::from(tile.pixel(self.ram(), col, row))];
                if v != TRANSPARENT {
                    let ys = y.saturating_add((row as i32).saturating_mul(scale));
                    self.fill_rect(xs, ys, scale, scale, v & 0x0f);
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
        // With the colour transparent every glyph counts as blank, as in TIC-80.
        assert_eq!(m.print(b"abc", 0, 0, 255, false, 1, false), 12);
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
        m.font(
            b"\xff\x80abc",
            i32::MIN,
            3,
            &[0],
            i32::MAX,
            i32::MIN,
            false,
            i32::MAX,
            true,
        );
    }

    #[test]
    fn font_draws_sprites_as_glyphs() {
        let mut m = machine();
        // Sprite 65 ('A' in the sprite sheet, segment 2 flipped to 3): one pixel of colour 6
        // at column 1.
        m.poke4((0x6000 + 65 * 32) * 2 + 1, 6);
        let w = m.font(b"AA", 0, 0, &[0], 8, 8, false, 1, false);
        assert_eq!(w, 4);
        assert_eq!((m.pix_get(0, 0), m.pix_get(2, 0)), (6, 6));
        // Fixed: every glyph advances w and is drawn from its column 0.
        let w = m.font(b"AA", 0, 10, &[0], 8, 8, true, 1, false);
        assert_eq!(w, 16);
        assert_eq!((m.pix_get(1, 10), m.pix_get(9, 10)), (6, 6));
    }
}
