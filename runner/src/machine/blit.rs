//! The blit: VRAM banks, palettes, border and screen offset turned into the 256x144 output
//! frame of 32-bit pixels (`0x00RRGGBB`).

use cartbox_protocol::ram::{self, FULL_HEIGHT, FULL_WIDTH, HEIGHT, VRAM_SIZE, WIDTH};

use super::Machine;

/// Colours of one palette, resolved to output pixels.
type Colors = [u32; 16];

fn colors(vram: &[u8]) -> Colors {
    let mut c = [0u32; 16];
    for (i, rgb) in vram[ram::PALETTE..ram::PALETTE + 48]
        .chunks_exact(3)
        .enumerate()
    {
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
    /// Two output pixels per screen byte, for the common unshifted single-bank case.
    pairs: Option<Box<[[u32; 2]; 256]>>,
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

    fn registers(&mut self, with_pairs: bool) -> Registers {
        let use1 = self.vbank1_used;
        let (v0, v1, _) = self.vram_banks();
        let pal0 = colors(v0);
        let offset = |v: &[u8]| {
            (
                i32::from(v[ram::SCREEN_OFFSET] as i8),
                i32::from(v[ram::SCREEN_OFFSET + 1] as i8),
            )
        };
        let regs = Registers {
            pal0,
            pal1: colors(v1),
            border: pal0[usize::from(v0[ram::BORDER_COLOR] & 0x0f)],
            offset0: offset(v0),
            offset1: offset(v1),
            clear1: v1[ram::BORDER_COLOR] & 0x0f,
            pairs: None,
        };
        let simple = !use1 && regs.offset0 == (0, 0);
        if with_pairs && simple {
            let mut pairs = Box::new([[0u32; 2]; 256]);
            for (b, p) in pairs.iter_mut().enumerate() {
                *p = [pal0[b & 0x0f], pal0[b >> 4]];
            }
            return Registers {
                pairs: Some(pairs),
                ..regs
            };
        }
        regs
    }

    /// Blits the whole frame at once (no scanline callback).
    pub fn blit(&mut self) {
        let regs = self.registers(true);
        for row in 0..FULL_HEIGHT {
            self.blit_line(row, &regs);
        }
    }

    /// Blits output row `row` (0..144), reading the registers afresh, for carts whose
    /// scanline callback changes them between rows.
    pub fn blit_row(&mut self, row: usize) {
        let regs = self.registers(false);
        self.blit_line(row, &regs);
    }

    fn blit_line(&mut self, row: usize, regs: &Registers) {
        let use1 = self.vbank1_used;
        let (v0, v1, frame) = self.vram_banks();
        let out = &mut frame[row * FULL_WIDTH..(row + 1) * FULL_WIDTH];
        out.fill(regs.border);
        if !(ram::BORDER_TOP..ram::BORDER_TOP + HEIGHT).contains(&row) {
            return;
        }
        let y = (row - ram::BORDER_TOP) as i32;
        let screen = &mut out[ram::BORDER_LEFT..ram::BORDER_LEFT + WIDTH];
        if let Some(pairs) = &regs.pairs {
            let bytes = &v0[y as usize * WIDTH / 2..(y as usize + 1) * WIDTH / 2];
            for (px, b) in screen.chunks_exact_mut(2).zip(bytes) {
                px.copy_from_slice(&pairs[usize::from(*b)]);
            }
            return;
        }
        // An offset moves the picture right and down, wrapping around.
        let nibble = |v: &[u8], x: i32, y: i32, (ox, oy): (i32, i32)| {
            let sx = (x - ox).rem_euclid(WIDTH as i32) as usize;
            let sy = (y - oy).rem_euclid(HEIGHT as i32) as usize;
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
    fn screen_offset_moves_the_picture_right_and_down() {
        let mut m = machine();
        m.pix_set(0, 0, 12);
        m.ram()[ram::SCREEN_OFFSET] = 2;
        m.ram()[ram::SCREEN_OFFSET + 1] = 1;
        m.blit();
        assert_eq!(m.frame()[(4 + 1) * 256 + 8 + 2], SWEETIE_12);
        m.ram()[ram::SCREEN_OFFSET] = (-1i8) as u8;
        m.ram()[ram::SCREEN_OFFSET + 1] = 0;
        m.blit();
        // Wraps: pixel 0 shows in the last column.
        assert_eq!(m.frame()[4 * 256 + 8 + 239], SWEETIE_12);
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
