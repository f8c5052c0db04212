//! Tile sheets as the blit segment selects them (1, 2 or 4 bits per pixel), and the
//! functions drawing from them: `spr`, `map`, `mget`, `mset`, `fget`, `fset`.

use cartbox_protocol::ram::{self, MAP_HEIGHT, MAP_WIDTH, WIDTH};

use super::Machine;

/// A view of tile memory with one layout (TIC-80's `tic_blit_segment`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Segment {
    /// Where the sheet starts in RAM: the fonts for segments 0 and 1, tiles otherwise.
    base: usize,
    bpp: u8,
    bank: u32,
    page: u32,
    pages: u32,
    bank_size: u32,
    /// Tiles per sheet row.
    pub sheet_width: u32,
    /// Pixels per row of one slot.
    tile_width: u32,
    bytes_per_slot: u32,
}

impl Segment {
    /// The layout of blit segment `seg` (low nibble of 0x3FFC).
    pub(crate) fn of(seg: u8) -> Segment {
        let seg = u32::from(seg & 0x0f);
        let (bpp, pages) = match seg {
            0..=3 => (if seg < 2 { 1 } else { 4 }, 1),
            4..=7 => (2, 2),
            _ => (1, 4),
        };
        let (bank, page) = match seg {
            0..=2 => (0, 0),
            3 => (1, 0),
            4..=7 => ((seg - 4) / 2, (seg - 4) % 2),
            _ => ((seg - 8) / 4, (seg - 8) % 4),
        };
        if seg < 2 {
            return Segment {
                base: ram::FONT,
                bpp: 1,
                bank: 0,
                page: 0,
                pages: 1,
                bank_size: 256,
                sheet_width: 16,
                tile_width: 8,
                bytes_per_slot: 8,
            };
        }
        Segment {
            base: ram::TILES,
            bpp,
            bank,
            page,
            pages,
            bank_size: 256 * pages,
            sheet_width: 16 * pages,
            tile_width: 8 * pages,
            bytes_per_slot: 32,
        }
    }

    /// Tile `index` of the sheet: `local` addressing (map, font, print) stays in this
    /// segment's bank and page; `spr` addressing runs on through banks and pages.
    pub(crate) fn tile(&self, index: i32, local: bool) -> Tile {
        let (bank, page, ix, iy);
        if local {
            let index = (index & 255) as u32;
            bank = self.bank;
            page = self.page;
            iy = index / 16;
            ix = index % 16;
        } else {
            let index = index.max(0) as u32;
            bank = (index / self.bank_size + self.bank) % 2;
            let r1 = index % self.bank_size;
            iy = (r1 / self.sheet_width) % 16;
            let r2 = r1 % self.sheet_width;
            page = (r2 / 16 + self.page) % self.pages;
            ix = r2 % 16;
        }
        let slot = (bank * 16 + iy) * 16 + page * 16 / self.pages + ix / self.pages;
        Tile {
            at: self.base + (slot * self.bytes_per_slot) as usize,
            offset: (ix % self.pages) * 8,
            bpp: self.bpp,
            tile_width: self.tile_width,
        }
    }

    /// Pixel (x, y) of the sheet seen as one image (`ttri` texture source 0).
    pub(crate) fn sheet_pixel(&self, ram: &[u8], x: u32, y: u32) -> u8 {
        let slot = (y >> 3) * 16 + x / self.tile_width;
        let at = self.base + (slot * self.bytes_per_slot) as usize;
        element(
            ram,
            at,
            (x & (self.tile_width - 1)) + (y & 7) * self.tile_width,
            self.bpp,
        )
    }
}

/// One 8x8 tile in RAM.
#[derive(Debug, Clone, Copy)]
pub(super) struct Tile {
    at: usize,
    offset: u32,
    bpp: u8,
    tile_width: u32,
}

impl Tile {
    /// The tile's 8 rows, each as 8 colour nibbles (pixel k in bits 4k..4k+4).
    #[inline]
    pub(crate) fn rows(&self, ram: &[u8]) -> [u32; 8] {
        let mut out = [0u32; 8];
        if self.bpp == 4
            && self.offset == 0
            && self.tile_width == 8
            && let Some(bytes) = ram.get(self.at..self.at + 32)
        {
            for (r, b) in out.iter_mut().zip(bytes.chunks_exact(4)) {
                *r = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
            }
            return out;
        }
        for (y, r) in out.iter_mut().enumerate() {
            for x in 0..8 {
                *r |= u32::from(self.pixel(ram, x, y as u32)) << (4 * x);
            }
        }
        out
    }

    /// Pixel (x, y), both 0..8.
    #[inline]
    pub(crate) fn pixel(&self, ram: &[u8], x: u32, y: u32) -> u8 {
        element(
            ram,
            self.at,
            self.offset + x + y * self.tile_width,
            self.bpp,
        )
    }
}

/// Element `i` of a packed array of `bpp`-bit values at `at` (lower bits first); 0 past RAM.
#[inline]
fn element(ram: &[u8], at: usize, i: u32, bpp: u8) -> u8 {
    let i = i as usize;
    match bpp {
        4 => ram
            .get(at + (i >> 1))
            .map_or(0, |b| (b >> ((i & 1) * 4)) & 0x0f),
        2 => ram
            .get(at + (i >> 2))
            .map_or(0, |b| (b >> ((i & 3) * 2)) & 0x03),
        _ => ram.get(at + (i >> 3)).map_or(0, |b| (b >> (i & 7)) & 0x01),
    }
}

/// For each orientation `o` (bit 0: flip x, bit 1: flip y, bit 2: swap axes, applied in
/// that order to the destination position), the source pixel each destination pixel takes.
const ORIENTATION: [[u8; 64]; 8] = {
    let mut t = [[0u8; 64]; 8];
    let mut o = 0;
    while o < 8 {
        let mut i = 0;
        while i < 64 {
            let (px, py) = (i % 8, i / 8);
            let mut ix = if o & 1 != 0 { 7 - px } else { px };
            let mut iy = if o & 2 != 0 { 7 - py } else { py };
            if o & 4 != 0 {
                let s = ix;
                ix = iy;
                iy = s;
            }
            t[o][i] = (iy * 8 + ix) as u8;
            i += 1;
        }
        o += 1;
    }
    t
};

/// Colours through the palette map, with colour keys marked transparent (255).
pub(super) type ColorTable = [u8; 16];

/// Marks transparency in a colour table.
pub(super) const TRANSPARENT: u8 = 255;

/// A colour table prepared for drawing tiles eight pixels at a time.
pub(super) struct Ink {
    table: ColorTable,
    /// Per source colour: 0xf if it is drawn, 0 if a colour key hides it.
    drawn: [u32; 16],
    /// The palette map leaves every drawn colour as it is (the usual case), so a tile row's
    /// nibbles are already screen colours.
    identity: bool,
    /// The hidden source colours, one bit each.
    hidden: u16,
}

impl Ink {
    pub(crate) fn new(table: &ColorTable) -> Ink {
        let mut ink = Ink {
            table: *table,
            drawn: [0; 16],
            identity: true,
            hidden: 0,
        };
        for (c, v) in table.iter().enumerate() {
            if *v == TRANSPARENT {
                ink.hidden |= 1 << c;
            } else {
                ink.drawn[c] = 0xf;
                ink.identity &= usize::from(*v) == c;
            }
        }
        ink
    }

    /// One tile row of 8 source colours (pixel k in bits 4k..4k+4) as screen colours and the
    /// mask of the pixels drawn.
    #[inline]
    fn row(&self, raw: u32) -> (u32, u32) {
        if self.identity {
            let mut mask = u32::MAX;
            let mut hidden = self.hidden;
            while hidden != 0 {
                let k = hidden.trailing_zeros();
                hidden &= hidden - 1;
                // Nibbles equal to k become 0; any nibble that is not 0 has a bit left.
                let x = raw ^ (k * 0x1111_1111);
                let nonzero = (x | (x >> 1) | (x >> 2) | (x >> 3)) & 0x1111_1111;
                mask &= nonzero * 0xf;
            }
            return (raw, mask);
        }
        let (mut val, mut mask) = (0u32, 0u32);
        for k in 0..8 {
            let c = ((raw >> (4 * k)) & 0xf) as usize;
            val |= (u32::from(self.table[c]) & 0xf) << (4 * k);
            mask |= self.drawn[c] << (4 * k);
        }
        (val, mask)
    }
}

/// Reverses the order of the eight nibbles of a tile row (a horizontal flip).
#[inline]
fn flip_row(r: u32) -> u32 {
    let r = r.swap_bytes();
    ((r >> 4) & 0x0f0f_0f0f) | ((r & 0x0f0f_0f0f) << 4)
}

impl Machine {
    /// The palette map with `keys` made transparent (keys of 16 or more change nothing).
    pub(super) fn color_table(&mut self, keys: &[u8]) -> ColorTable {
        let mut t = [0u8; 16];
        for (i, c) in t.iter_mut().enumerate() {
            *c = self.map_color(i as i32);
        }
        for k in keys {
            if let Some(c) = t.get_mut(usize::from(*k)) {
                *c = TRANSPARENT;
            }
        }
        t
    }

    /// The segment the blit segment register selects.
    pub(super) fn segment(&mut self) -> Segment {
        Segment::of(self.ram()[ram::BLIT_SEGMENT])
    }

    /// Draws one tile with flip, rotation and scale.
    #[allow(clippy::too_many_arguments)] // TIC-80's own parameters.
    pub(super) fn draw_tile(
        &mut self,
        tile: Tile,
        x: i32,
        y: i32,
        ink: &Ink,
        scale: i32,
        flip: i32,
        rotate: i32,
    ) {
        let rotate = rotate & 3;
        let mut o = flip & 3;
        match rotate {
            1 => o ^= 1,
            2 => o ^= 3,
            3 => o ^= 2,
            _ => {}
        }
        if rotate == 1 || rotate == 3 {
            o |= 4;
        }
        let c = self.clip;
        if scale == 1 {
            let (px0, px1) = (c.l.saturating_sub(x).max(0), c.r.saturating_sub(x).min(8));
            let (py0, py1) = (c.t.saturating_sub(y).max(0), c.b.saturating_sub(y).min(8));
            if px0 >= px1 || py0 >= py1 {
                return;
            }
            // The tile as it lands, one u32 per row: colour nibbles (pixel k in bits 4k..4k+4)
            // and the mask of the nibbles drawn.
            let raw = tile.rows(self.ram());
            let mut rows = [(0u32, 0u32); 8];
            if o & 4 == 0 {
                for (py, r) in rows.iter_mut().enumerate() {
                    let src = raw[if o & 2 != 0 { 7 - py } else { py }];
                    *r = ink.row(if o & 1 != 0 { flip_row(src) } else { src });
                }
            } else {
                let order = &ORIENTATION[o as usize];
                for (py, r) in rows.iter_mut().enumerate() {
                    let mut src = 0u32;
                    for px in 0..8 {
                        let i = usize::from(order[py * 8 + px]);
                        src |= ((raw[i >> 3] >> (4 * (i & 7))) & 0xf) << (4 * px);
                    }
                    *r = ink.row(src);
                }
            }
            let columns = (u32::MAX >> (4 * (8 - (px1 - px0)))) << (4 * px0);
            // Each row is written as one masked store over the 4 or 5 screen bytes it covers.
            // The clip rectangle lies inside the screen, so these bytes are on it.
            let screen = &mut self.ram()[ram::SCREEN..ram::SCREEN + ram::SCREEN_SIZE];
            for py in py0..py1 {
                let (val, mask) = rows[py as usize];
                let mask = mask & columns;
                if mask == 0 {
                    continue;
                }
                let first = ((y + py) * WIDTH as i32 + x + px0) as usize;
                let last = first + (px1 - px0) as usize - 1;
                let shift = (first & 1) * 4;
                let val = u64::from(val >> (4 * px0)) << shift;
                let mask = u64::from(mask >> (4 * px0)) << shift;
                // Eight bytes at once where the screen has them (bytes past the row's own
                // are written back unchanged); the exact bytes at the very end of the screen.
                let at = first >> 1;
                if let Some(bytes) = screen.get_mut(at..at + 8) {
                    let mut word = [0u8; 8];
                    word.copy_from_slice(bytes);
                    let merged = (u64::from_le_bytes(word) & !mask) | (val & mask);
                    bytes.copy_from_slice(&merged.to_le_bytes());
                } else if let Some(bytes) = screen.get_mut(at..=last >> 1) {
                    let mut word = [0u8; 8];
                    word[..bytes.len()].copy_from_slice(bytes);
                    let merged = (u64::from_le_bytes(word) & !mask) | (val & mask);
                    let len = bytes.len();
                    bytes.copy_from_slice(&merged.to_le_bytes()[..len]);
                }
            }
            return;
        }
        let size = 8i32.saturating_mul(scale);
        if scale <= 0 || early_reject(c, x, y, size, size) {
            return;
        }
        let raw = tile.rows(self.ram());
        let order = &ORIENTATION[o as usize];
        for py in 0..8 {
            for px in 0..8 {
                let i = usize::from(order[(py * 8 + px) as usize]);
                let v = ink.table[((raw[i >> 3] >> (4 * (i & 7))) & 0xf) as usize];
                if v != TRANSPARENT {
                    let xs = x.saturating_add(px * scale);
                    let ys = y.saturating_add(py * scale);
                    self.fill_rect(xs, ys, scale, scale, v);
                }
            }
        }
    }

    /// `spr(id, x, y, colorkey, scale, flip, rotate, w, h)`.
    #[allow(clippy::too_many_arguments)] // TIC-80's own signature.
    pub fn spr(
        &mut self,
        id: i32,
        x: i32,
        y: i32,
        keys: &[u8],
        scale: i32,
        flip: i32,
        rotate: i32,
        w: i32,
        h: i32,
    ) {
        if id < 0 {
            return;
        }
        let (rotate, flip) = (rotate & 3, flip & 3);
        let seg = self.segment();
        let ink = Ink::new(&self.color_table(keys));
        if w == 1 && h == 1 {
            self.draw_tile(seg.tile(id, false), x, y, &ink, scale, flip, rotate);
            return;
        }
        let step = 8i32.saturating_mul(scale);
        let cols = seg.sheet_width as i32;
        if w <= 0
            || h <= 0
            || early_reject(
                self.clip,
                x,
                y,
                w.saturating_mul(step),
                h.saturating_mul(step),
            )
        {
            return;
        }
        // A composite of w x h tiles; a cart asking for a huge one gets the tiles that fit
        // the 240x136 screen's worth of positions, as any more are off screen.
        let (w, h) = (w.min(2 * 512), h.min(2 * 512));
        for i in 0..w {
            for j in 0..h {
                let (mut mx, mut my) = (i, j);
                if flip & 1 != 0 {
                    mx = w - 1 - i;
                }
                if flip & 2 != 0 {
                    my = h - 1 - j;
                }
                match rotate {
                    2 => {
                        mx = w - 1 - mx;
                        my = h - 1 - my;
                    }
                    1 if flip == 0 || flip == 3 => my = h - 1 - my,
                    1 => mx = w - 1 - mx,
                    3 if flip == 0 || flip == 3 => mx = w - 1 - mx,
                    3 => my = h - 1 - my,
                    _ => {}
                }
                let tile = seg.tile(
                    id.saturating_add(mx)
                        .saturating_add(my.saturating_mul(cols)),
                    false,
                );
                let (tx, ty) = if rotate == 0 || rotate == 2 {
                    (i, j)
                } else {
                    (j, i)
                };
                let (dx, dy) = (
                    x.saturating_add(tx.saturating_mul(step)),
                    y.saturating_add(ty.saturating_mul(step)),
                );
                self.draw_tile(tile, dx, dy, &ink, scale, flip, rotate);
            }
        }
    }

    /// `mget(x, y)`: 0 outside the map.
    pub fn mget(&mut self, x: i32, y: i32) -> u8 {
        if !(0..MAP_WIDTH as i32).contains(&x) || !(0..MAP_HEIGHT as i32).contains(&y) {
            return 0;
        }
        self.ram()[ram::MAP + y as usize * MAP_WIDTH + x as usize]
    }

    /// `mset(x, y, tile)`: ignored outside the map.
    pub fn mset(&mut self, x: i32, y: i32, tile: u8) {
        if (0..MAP_WIDTH as i32).contains(&x) && (0..MAP_HEIGHT as i32).contains(&y) {
            self.ram()[ram::MAP + y as usize * MAP_WIDTH + x as usize] = tile;
        }
    }

    /// The map cells `map()` will draw, wrapped, in drawing order (rows outer), with the
    /// tile each holds: what a remap callback is asked about.
    pub fn map_cells(&mut self, x: i32, y: i32, w: i32, h: i32) -> Vec<(i32, i32, u8)> {
        let (w, h) = map_extent(w, h);
        let mut out = Vec::with_capacity((w * h) as usize);
        for j in 0..h {
            for i in 0..w {
                let mi = x.wrapping_add(i).rem_euclid(MAP_WIDTH as i32);
                let mj = y.wrapping_add(j).rem_euclid(MAP_HEIGHT as i32);
                let t = self.ram()[ram::MAP + mj as usize * MAP_WIDTH + mi as usize];
                out.push((mi, mj, t));
            }
        }
        out
    }

    /// `map(x, y, w, h, sx, sy, colorkey, scale)`, drawing `cells` (from [`Machine::map_cells`],
    /// each with the tile, flip and rotation to use after any remap).
    #[allow(clippy::too_many_arguments)] // TIC-80's own signature.
    pub fn map_draw(
        &mut self,
        w: i32,
        sx: i32,
        sy: i32,
        keys: &[u8],
        scale: i32,
        cells: &[(u8, i32, i32)],
    ) {
        let seg = self.segment();
        let ink = Ink::new(&self.color_table(keys));
        let size = 8i32.saturating_mul(scale);
        let w = w.max(1);
        for (n, (tile, flip, rotate)) in cells.iter().enumerate() {
            let (i, j) = ((n as i32) % w, (n as i32) / w);
            let ii = sx.saturating_add(i.saturating_mul(size));
            let jj = sy.saturating_add(j.saturating_mul(size));
            self.draw_tile(
                seg.tile(i32::from(*tile), true),
                ii,
                jj,
                &ink,
                scale,
                *flip,
                *rotate,
            );
        }
    }

    /// `map(...)` without a remap callback.
    #[allow(clippy::too_many_arguments)] // TIC-80's own signature.
    pub fn map(
        &mut self,
        x: i32,
        y: i32,
        w: i32,
        h: i32,
        sx: i32,
        sy: i32,
        keys: &[u8],
        scale: i32,
    ) {
        let cells: Vec<(u8, i32, i32)> = self
            .map_cells(x, y, w, h)
            .into_iter()
            .map(|(_, _, t)| (t, 0, 0))
            .collect();
        self.map_draw(map_extent(w, h).0, sx, sy, keys, scale, &cells);
    }

    /// `fget(sprite, flag)`.
    pub fn fget(&mut self, sprite: i32, flag: i32) -> bool {
        if !(0..512).contains(&sprite) || !(0..8).contains(&flag) {
            return false;
        }
        self.ram()[ram::SPRITE_FLAGS + sprite as usize] >> flag & 1 == 1
    }

    /// `fset(sprite, flag, value)`.
    pub fn fset(&mut self, sprite: i32, flag: i32, value: bool) {
        if (0..512).contains(&sprite) && (0..8).contains(&flag) {
            let b = &mut self.ram()[ram::SPRITE_FLAGS + sprite as usize];
            if value {
                *b |= 1 << flag;
            } else {
                *b &= !(1 << flag);
            }
        }
    }
}

/// The cells a `map` call visits: TIC-80 visits w x h of them however many there are;
/// past a million (four thousand screens' worth) a cart is not drawing, it is stalling.
pub fn map_extent(w: i32, h: i32) -> (i32, i32) {
    const MOST: i64 = 1 << 20;
    let w = w.clamp(0, 1 << 16);
    let h = i64::from(h.clamp(0, 1 << 16)).min(MOST / i64::from(w.max(1))) as i32;
    (w, h)
}

/// Whether a w x h box at (x, y) misses the clip rectangle entirely.
pub(super) fn early_reject(c: super::Clip, x: i32, y: i32, w: i32, h: i32) -> bool {
    y.saturating_add(h) - 1 < c.t || x.saturating_add(w) - 1 < c.l || y >= c.b || x >= c.r
}

#[cfg(test)]
mod tests {
    use super::super::testing::{machine, screen};
    use super::*;

    #[test]
    fn segment_layouts() {
        let s2 = Segment::of(2);
        assert_eq!(s2.tile(0, false).at, ram::TILES);
        assert_eq!(s2.tile(256, false).at, ram::SPRITES);
        assert_eq!(s2.tile(300, true).at, ram::TILES + 44 * 32);
        assert_eq!(Segment::of(3).tile(0, true).at, ram::SPRITES);
        // 2 bpp: two tiles side by side in a 32-byte slot.
        let s4 = Segment::of(4);
        let (a, b) = (s4.tile(0, true), s4.tile(1, true));
        assert_eq!(
            (a.at, a.offset, b.at, b.offset),
            (ram::TILES, 0, ram::TILES, 8)
        );
        // 1 bpp font segment: glyph c at FONT + 8c.
        assert_eq!(Segment::of(1).tile(65, true).at, ram::FONT + 65 * 8);
    }

    fn put_tile(m: &mut Machine, n: usize, rows: [u32; 8]) {
        for (y, row) in rows.iter().enumerate() {
            // 8 hex digits, pixel 0 first.
            for x in 0..8 {
                let v = (row >> (28 - 4 * x)) & 0xf;
                m.poke4(((ram::TILES + n * 32) * 2 + y * 8 + x) as i32, v as u8);
            }
        }
    }

    #[test]
    fn tiles_far_off_screen_draw_nothing_and_do_not_overflow() {
        // Found by tests/all/attacks.rs: spr at x = i32::MIN overflowed the clip arithmetic.
        let mut m = machine();
        for (x, y) in [
            (i32::MIN, i32::MIN),
            (i32::MAX, i32::MAX),
            (i32::MIN, 0),
            (0, i32::MAX),
        ] {
            for scale in [1, 2, i32::MAX] {
                m.spr(1, x, y, &[], scale, 0, 0, 4, 4);
                m.spr(1, x, y, &[], scale, 3, 1, 1, 1);
            }
        }
        assert!((0..136).all(|y| (0..240).all(|x| m.pix_get(x, y) == 0)));
    }

    #[test]
    fn spr_flips_rotates_keys_and_scales() {
        let mut m = machine();
        put_tile(&mut m, 1, [0x1200_0000, 0x3000_0000, 0, 0, 0, 0, 0, 0]);
        m.spr(1, 0, 0, &[], 1, 0, 0, 1, 1);
        m.spr(1, 8, 0, &[], 1, 1, 0, 1, 1); // flipped horizontally
        m.spr(1, 16, 0, &[], 1, 0, 1, 1, 1); // rotated 90 degrees clockwise
        m.spr(1, 24, 0, &[1], 1, 0, 0, 1, 1); // colour 1 transparent
        let px = |m: &mut Machine, pts: &[(i32, i32)]| {
            pts.iter()
                .map(|&(x, y)| m.pix_get(x, y))
                .collect::<Vec<_>>()
        };
        assert_eq!(px(&mut m, &[(0, 0), (1, 0), (0, 1)]), [1, 2, 3]);
        assert_eq!(px(&mut m, &[(15, 0), (14, 0), (15, 1)]), [1, 2, 3]);
        assert_eq!(px(&mut m, &[(23, 0), (22, 0), (23, 1)]), [1, 3, 2]);
        assert_eq!(px(&mut m, &[(24, 0), (25, 0), (24, 1)]), [0, 2, 3]);
        let mut m = machine();
        put_tile(&mut m, 1, [0x1000_0000, 0, 0, 0, 0, 0, 0, 0]);
        m.spr(1, 0, 0, &[], 2, 0, 0, 1, 1);
        assert_eq!(screen(&mut m, 3, 3), "110\n110\n000\n");
    }

    /// The row-at-a-time drawing of scale-1 tiles against a pixel-at-a-time reference, over
    /// random tiles, positions (on and off every edge, odd and even), orientations, colour
    /// keys, palette maps, clip rectangles and blit segments.
    #[test]
    fn tiles_land_as_pixel_by_pixel_drawing_would() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut rand = |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n) as i32
        };
        let mut m = machine();
        for i in 0..0x4000 {
            m.ram()[ram::TILES + i] = rand(256) as u8;
        }
        for round in 0..3000 {
            m.ram()[..ram::SCREEN_SIZE].fill(0x5a);
            for i in 0..8 {
                m.ram()[ram::PALETTE_MAP + i] = if round % 3 == 0 {
                    rand(256) as u8
                } else {
                    (2 * i as u8) | ((2 * i as u8 + 1) << 4)
                };
            }
            m.ram()[ram::BLIT_SEGMENT] = [2, 3, 4, 7, 8, 15][rand(6) as usize];
            if round % 4 == 0 {
                m.clip(rand(250) - 5, rand(146) - 5, rand(120), rand(80));
            } else {
                m.clip_reset();
            }
            let keys: Vec<u8> = (0..rand(3)).map(|_| rand(17) as u8).collect();
            let (id, x, y) = (rand(600), rand(260) - 10, rand(156) - 10);
            let (flip, rotate) = (rand(4), rand(4));
            let mut want = m.ram()[..ram::SCREEN_SIZE].to_vec();
            // The reference: every pixel through Tile::pixel and the rules of TIC-80.
            let seg = m.segment();
            let table = m.color_table(&keys);
            let tile = seg.tile(id, false);
            let mut o = flip;
            o ^= [0, 1, 3, 2][rotate as usize];
            if rotate & 1 != 0 {
                o |= 4;
            }
            let c = m.clip;
            for py in 0..8 {
                for px in 0..8 {
                    let (mut ix, mut iy) = (px, py);
                    if o & 1 != 0 {
                        ix = 7 - ix;
                    }
                    if o & 2 != 0 {
                        iy = 7 - iy;
                    }
                    if o & 4 != 0 {
                        std::mem::swap(&mut ix, &mut iy);
                    }
                    let v = table[usize::from(tile.pixel(m.ram(), ix as u32, iy as u32))];
                    let (sx, sy) = (x + px, y + py);
                    if v != TRANSPARENT && sx >= c.l && sx < c.r && sy >= c.t && sy < c.b {
                        let i = (sy * WIDTH as i32 + sx) as usize;
                        let b = &mut want[i >> 1];
                        *b = if i & 1 == 0 {
                            (*b & 0xf0) | v
                        } else {
                            (*b & 0x0f) | (v << 4)
                        };
                    }
                }
            }
            m.spr(id, x, y, &keys, 1, flip, rotate, 1, 1);
            let segment = m.ram()[ram::BLIT_SEGMENT];
            assert!(
                m.ram()[..ram::SCREEN_SIZE] == want[..],
                "round {round}: spr({id}, {x}, {y}, {keys:?}, 1, {flip}, {rotate}) segment {segment} \
                 clip {c:?}"
            );
        }
    }

    #[test]
    fn composite_sprites_use_the_sheet_width() {
        let mut m = machine();
        put_tile(&mut m, 0, [0x1000_0000, 0, 0, 0, 0, 0, 0, 0]);
        put_tile(&mut m, 1, [0x2000_0000, 0, 0, 0, 0, 0, 0, 0]);
        put_tile(&mut m, 16, [0x3000_0000, 0, 0, 0, 0, 0, 0, 0]);
        m.spr(0, 0, 0, &[0], 1, 0, 0, 2, 2);
        assert_eq!(
            (m.pix_get(0, 0), m.pix_get(8, 0), m.pix_get(0, 8)),
            (1, 2, 3)
        );
        let mut m2 = machine();
        for (n, v) in [(0, 1u32), (1, 2), (16, 3)] {
            put_tile(&mut m2, n, [v << 28, 0, 0, 0, 0, 0, 0, 0]);
        }
        // Flipped horizontally: tile 1 on the left, mirrored.
        m2.spr(0, 0, 0, &[0], 1, 1, 0, 2, 2);
        assert_eq!(
            (m2.pix_get(7, 0), m2.pix_get(15, 0), m2.pix_get(15, 8)),
            (2, 1, 3)
        );
    }

    #[test]
    fn map_wraps_and_mset_mget_bound() {
        let mut m = machine();
        put_tile(&mut m, 5, [0x4000_0000; 8]);
        m.mset(239, 0, 5);
        m.mset(240, 0, 5);
        assert_eq!((m.mget(239, 0), m.mget(240, 0), m.mget(-1, 0)), (5, 0, 0));
        m.map(-1, 0, 2, 1, 0, 0, &[], 1);
        assert_eq!((m.pix_get(0, 0), m.pix_get(8, 0)), (4, 0));
    }

    #[test]
    fn flags() {
        let mut m = machine();
        m.fset(3, 2, true);
        assert!(m.fget(3, 2));
        assert!(!m.fget(3, 1));
        assert!(!m.fget(512, 2));
        assert!(!m.fget(-1, 2));
        m.fset(3, 2, false);
        assert!(!m.fget(3, 2));
    }
}
