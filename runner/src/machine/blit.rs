//! The blit: VRAM banks, palettes, border and screen offset turned into the 256x144 output
//! frame of 32-bit pixels (`0x00RRGGBB`).

use cartbox_protocol::ram::{self, FULL_HEIGHT, FULL_WIDTH, HEIGHT, VRAM_SIZE, WIDTH};

use super::Machine;

/// Colours of one palette, resolved to output pixels.
type Colors = [u32; 16];

fn colors(vram: &[u8]) -> Colors {
    colors_of(&vram[ram::PALETTE..ram::PALETTE + 48])
}

fn colors_of(palette: &[u8]) -> Colors {
    let mut c = [0u32; 16];
    for (i, rgb) in palette.chunks_exact(3).enumerate() {
        c[i] = u32::from(rgb[0]) << 16 | u32::from(rgb[1]) << 8 | u32::from(rgb[2]);
    }
    c
}

/// What the blit needs from the VRAM registers, read once per frame or per scanline.
struct Registers {
    pal0: Colors,
    pal1: Colors,
    border: u32,
    offset0: (i32, i32),
    offset1: (i32, i32),
    clear1: u8,
    /// Whether the fast path applies: no offset, VRAM bank 1 never used.
    simple: bool,
}

/// Two output pixels per screen byte for one palette, kept while the palette is unchanged.
#[derive(Debug)]
pub(super) struct PairCache {
    palette: [u8; 48],
    pairs: Box<[[u32; 2]; 256]>,
}

impl Default for PairCache {
    fn default() -> Self {
        // A palette no cart can have (it is never compared equal before the first fill).
        let mut c = PairCache {
            palette: [0; 48],
            pairs: Box::new([[0; 2]; 256]),
        };
        c.fill(&[0; 48]);
        c
    }
}

impl PairCache {
    fn fill(&mut self, palette: &[u8]) {
        self.palette.copy_from_slice(palette);
        let pal = colors_of(palette);
        for (b, p) in self.pairs.iter_mut().enumerate() {
            *p = [pal[b & 0x0f], pal[b >> 4]];
        }
    }
}

impl Machine {
    /// VRAM bank 0 and bank 1, wherever each is currently mapped.
    fn vram_banks(&mut self) -> (&[u8], &[u8], &mut [u32]) {
        let (ram, frame) = self.mem.parts_mut();
        let mapped = &ram[..VRAM_SIZE];
        let other = &self.other_vram[..];
        if self.vbank == 0 {
            (mapped, other, frame)
        } else {
            (other, mapped, frame)
        }
    }

    fn registers(&mut self) -> Registers {
        let use1 = self.vbank1_used;
        let (v0, v1, _) = self.vram_banks();
        let pal0 = colors(v0);
        let offset = |v: &[u8]| {
            (
                i32::from(v[ram::SCREEN_OFFSET] as i8),
                i32::from(v[ram::SCREEN_OFFSET + 1] as i8),
            )
        };
        let offset0 = offset(v0);
        Registers {
            pal0,
            pal1: colors(v1),
            border: pal0[usize::from(v0[ram::BORDER_COLOR] & 0x0f)],
            offset0,
            offset1: offset(v1),
            clear1: v1[ram::BORDER_COLOR] & 0x0f,
            simple: !use1 && offset0 == (0, 0),
        }
    }

    /// Blits the whole frame at once (no scanline callback).
    pub fn blit(&mut self) {
        let regs = self.registers();
        if regs.simple {
            self.refresh_pairs();
        }
        for row in 0..FULL_HEIGHT {
            self.blit_line(row, &regs);
        }
    }

    /// Makes the pair table match VRAM bank 0's palette.
    fn refresh_pairs(&mut self) {
        let (v0, _, _) = self.vram_banks();
        let mut pal = [0u8; 48];
        pal.copy_from_slice(&v0[ram::PALETTE..ram::PALETTE + 48]);
        if self.pairs.palette != pal {
            self.pairs.fill(&pal);
        }
    }

    /// Blits output row `row` (0..144), reading the registers afresh, for carts whose
    /// scanline callback changes them between rows.
    pub fn blit_row(&mut self, row: usize) {
        let regs = self.registers();
        if regs.simple {
            self.refresh_pairs();
        }
        self.blit_line(row, &regs);
    }

    fn blit_line(&mut self, row: usize, regs: &Registers) {
        let use1 = self.vbank1_used;
        let pairs = &self.pairs.pairs;
        let (ram, frame) = self.mem.parts_mut();
        let (mapped, other) = (&ram[..VRAM_SIZE], &self.other_vram[..]);
        let (v0, v1) = if self.vbank == 0 {
            (mapped, other)
        } else {
            (other, mapped)
        };
        let out = &mut frame[row * FULL_WIDTH..(row + 1) * FULL_WIDTH];
        if !(ram::BORDER_TOP..ram::BORDER_TOP + HEIGHT).contains(&row) {
            out.fill(regs.border);
            return;
        }
        out[..ram::BORDER_LEFT].fill(regs.border);
        out[ram::BORDER_LEFT + WIDTH..].fill(regs.border);
        let y = (row - ram::BORDER_TOP) as i32;
        let screen = &mut out[ram::BORDER_LEFT..ram::BORDER_LEFT + WIDTH];
        if regs.simple {
            let bytes = &v0[y as usize * WIDTH / 2..(y as usize + 1) * WIDTH / 2];
            for (px, b) in screen.chunks_exact_mut(2).zip(bytes) {
                px.copy_from_slice(&pairs[usize::from(*b)]);
            }
            return;
        }
        // Screen pixel (x + ox, y + oy) shows at (x, y), wrapping around: a positive offset
        // moves the picture left and up. TIC-80 1.0 had it the other way; its "screen offset
        // backward compatibility" fix (#2028) brought back this, 0.x's, direction, which
        // every 1.1 has and carts' shakes and per-row scrollers (offsets set in BDR or SCN)
        // are written for.
        let nibble = |v: &[u8], x: i32, y: i32, (ox, oy): (i32, i32)| {
            let sx = (x + ox).rem_euclid(WIDTH as i32) as usize;
            let sy = (y + oy).rem_euclid(HEIGHT as i32) as usize;
            let i = sy * WIDTH + sx;
            (v[i >> 1] >> ((i & 1) * 4)) & 0x0f
        };
        for (x, px) in screen.iter_mut().enumerate() {
            let x = x as i32;
            if use1 {
                let p1 = nibble(v1, x, y, regs.offset1);
                if p1 != regs.clear1 {
                    *px = regs.pal1[usize::from(p1)];
                    continue;
                }
            }
            *px = regs.pal0[usize::from(nibble(v0, x, y, regs.offset0))];
        }
    }

    /// The finished frame (for in-process use and tests).
    pub fn frame(&mut self) -> &[u32] {
        self.mem.parts_mut().1
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::machine;
    use cartbox_protocol::ram;

    const SWEETIE_0: u32 = 0x1a1c2c;
    const SWEETIE_12: u32 = 0xf4f4f4;
    const SWEETIE_2: u32 = 0xb13e53;

    #[test]
    fn border_and_screen_land_in_place() {
        let mut m = machine();
        m.ram()[ram::BORDER_COLOR] = 2;
        m.pix_set(0, 0, 12);
        m.pix_set(239, 135, 12);
        m.blit();
        let f = m.frame();
        assert_eq!(f[0], SWEETIE_2);
        assert_eq!(f[4 * 256 + 7], SWEETIE_2);
        assert_eq!(f[4 * 256 + 8], SWEETIE_12);
        assert_eq!(f[4 * 256 + 9], SWEETIE_0);
        assert_eq!(f[139 * 256 + 247], SWEETIE_12);
        assert_eq!(f[139 * 256 + 248], SWEETIE_2);
        assert_eq!(f[143 * 256 + 255], SWEETIE_2);
    }

    #[test]
    fn per_row_blit_matches_whole_frame() {
        let mut a = machine();
        let mut b = machine();
        for m in [&mut a, &mut b] {
            m.rect(10, 10, 50, 30, 5);
            m.print(b"Hello", 3, 60, 12, false, 2, false);
            m.ram()[ram::SCREEN_OFFSET] = 3;
            m.ram()[ram::SCREEN_OFFSET + 1] = (-2i8) as u8;
        }
        a.blit();
        for row in 0..144 {
            b.blit_row(row);
        }
        assert_eq!(a.frame(), b.frame());
        // Without offset, the fast path agrees with the general one.
        let mut c = machine();
        c.rect(10, 10, 50, 30, 5);
        c.blit();
        let mut d = machine();
        d.rect(10, 10, 50, 30, 5);
        d.vbank(1);
        d.vbank(0);
        d.blit();
        assert_eq!(c.frame(), d.frame());
    }

    #[test]
    fn screen_offset_moves_the_picture_left_and_up() {
        let mut m = machine();
        m.pix_set(2, 1, 12);
        m.ram()[ram::SCREEN_OFFSET] = 2;
        m.ram()[ram::SCREEN_OFFSET + 1] = 1;
        m.blit();
        // Screen pixel (x + 2, y + 1) shows at (x, y).
        assert_eq!(m.frame()[4 * 256 + 8], SWEETIE_12);
        m.cls(0);
        m.pix_set(0, 0, 12);
        m.blit();
        // Wraps: pixel (0, 0) shows in the last two columns' bottom row.
        assert_eq!(m.frame()[(4 + 135) * 256 + 8 + 238], SWEETIE_12);
        m.ram()[ram::SCREEN_OFFSET] = (-1i8) as u8;
        m.ram()[ram::SCREEN_OFFSET + 1] = (-128i8) as u8;
        m.blit();
        // A negative offset moves it right and down: (0, 0) shows at (1, 128).
        assert_eq!(m.frame()[(4 + 128) * 256 + 8 + 1], SWEETIE_12);
        assert_eq!(m.frame()[4 * 256 + 8], SWEETIE_0);
    }

    #[test]
    fn vbank1_has_its_own_offset() {
        let mut m = machine();
        m.vbank(1);
        m.pix_set(10, 10, 2);
        m.ram()[ram::SCREEN_OFFSET] = 5;
        m.vbank(0);
        m.pix_set(10, 10, 12);
        m.blit();
        let f = m.frame();
        // Bank 0's pixel stays; bank 1's moves 5 left.
        assert_eq!(f[(4 + 10) * 256 + 8 + 10], SWEETIE_12);
        assert_eq!(f[(4 + 10) * 256 + 8 + 5], SWEETIE_2);
    }

    #[test]
    fn vbank1_overlays_bank0_except_its_clear_colour() {
        let mut m = machine();
        m.cls(12);
        m.vbank(1);
        m.pix_set(5, 5, 2);
        m.vbank(0);
        m.blit();
        let f = m.frame();
        assert_eq!(f[(4 + 5) * 256 + 8 + 5], SWEETIE_2);
        assert_eq!(f[(4 + 5) * 256 + 8 + 6], SWEETIE_12);
    }
}
