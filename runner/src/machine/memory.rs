//! `peek`, `poke`, `memcpy`, `memset` and `vbank`: RAM access with TIC-80's bounds rules.

use cartbox_protocol::ram::{RAM_SIZE, VRAM_SIZE};

use super::Machine;

impl Machine {
    /// Reads screen-style nibble `index` (even = low nibble); 0 outside RAM.
    #[inline]
    pub fn peek4(&mut self, index: i32) -> u8 {
        let Ok(i) = usize::try_from(index) else {
            return 0;
        };
        match self.ram().get(i >> 1) {
            Some(b) if i & 1 == 0 => b & 0x0f,
            Some(b) => b >> 4,
            None => 0,
        }
    }

    /// Writes nibble `index`; ignored outside RAM.
    #[inline]
    pub fn poke4(&mut self, index: i32, value: u8) {
        let Ok(i) = usize::try_from(index) else {
            return;
        };
        if let Some(b) = self.ram().get_mut(i >> 1) {
            *b = if i & 1 == 0 {
                (*b & 0xf0) | (value & 0x0f)
            } else {
                (*b & 0x0f) | (value << 4)
            };
        }
    }

    /// `peek(addr, bits)`: `addr` counts units of `bits` (1, 2, 4 or 8). Anything out of
    /// range, or another width, reads 0.
    pub fn peek(&mut self, addr: i32, bits: i32) -> u8 {
        let Ok(a) = usize::try_from(addr) else {
            return 0;
        };
        let ram = self.ram();
        match bits {
            8 => ram.get(a).copied().unwrap_or(0),
            4 => ram.get(a >> 1).map_or(0, |b| (b >> ((a & 1) * 4)) & 0x0f),
            2 => ram.get(a >> 2).map_or(0, |b| (b >> ((a & 3) * 2)) & 0x03),
            1 => ram.get(a >> 3).map_or(0, |b| (b >> (a & 7)) & 0x01),
            _ => 0,
        }
    }

    /// `poke(addr, value, bits)`: the value is truncated to a byte, then masked to `bits`.
    pub fn poke(&mut self, addr: i32, value: i32, bits: i32) {
        let Ok(a) = usize::try_from(addr) else { return };
        let v = value as u8;
        let ram = self.ram();
        let (index, shift, mask) = match bits {
            8 => (a, 0, 0xff),
            4 => (a >> 1, (a & 1) * 4, 0x0f),
            2 => (a >> 2, (a & 3) * 2, 0x03),
            1 => (a >> 3, a & 7, 0x01),
            _ => return,
        };
        if let Some(b) = ram.get_mut(index) {
            *b = (*b & !(mask << shift)) | ((v & mask) << shift);
        }
    }

    /// `memcpy(dst, src, size)`: a no-op unless both ranges lie inside RAM.
    pub fn memcpy(&mut self, dst: i32, src: i32, size: i32) {
        if let Some((d, s, n)) = ranges(dst, src, size) {
            self.ram().copy_within(s..s + n, d);
        }
    }

    /// `memset(dst, value, size)`: a no-op unless the range lies inside RAM.
    pub fn memset(&mut self, dst: i32, value: i32, size: i32) {
        if let Some((d, _, n)) = ranges(dst, 0, size) {
            self.ram()[d..d + n].fill(value as u8);
        }
    }

    /// `vbank(id)`: maps VRAM bank 0 or 1 at 0x0000 and returns the previous id; any other
    /// id changes nothing.
    pub fn vbank(&mut self, id: i32) -> u8 {
        let prev = self.vbank;
        if (id == 0 || id == 1) && id as u8 != prev {
            let other = &mut self.other_vram;
            self.mem.ram_mut()[..VRAM_SIZE].swap_with_slice(&mut other[..]);
            self.vbank = id as u8;
            if id == 1 {
                self.vbank1_used = true;
            }
        }
        prev
    }

    /// The VRAM bank currently mapped.
    pub fn current_vbank(&self) -> u8 {
        self.vbank
    }
}

/// Checked ranges for `memcpy`/`memset`, as TIC-80 checks them.
fn ranges(dst: i32, src: i32, size: i32) -> Option<(usize, usize, usize)> {
    let (d, s, n) = (
        usize::try_from(dst).ok()?,
        usize::try_from(src).ok()?,
        usize::try_from(size).ok()?,
    );
    (n <= RAM_SIZE && d <= RAM_SIZE - n && s <= RAM_SIZE - n).then_some((d, s, n))
}

#[cfg(test)]
mod tests {
    use super::super::testing::machine;

    #[test]
    fn peek_and_poke_address_in_units_of_bits() {
        let mut m = machine();
        m.poke(0x4000, 0x1234, 8);
        assert_eq!(m.peek(0x4000, 8), 0x34);
        m.poke(0x8001 * 2 + 1, 0xab, 4);
        assert_eq!(m.peek(0x8001, 8), 0xb0);
        assert_eq!(m.peek(0x8001 * 2 + 1, 4), 0xb);
        m.poke(0x9000 * 4 + 3, 3, 2);
        assert_eq!(m.peek(0x9000, 8), 0xc0);
        m.poke(0x9001 * 8 + 7, 1, 1);
        assert_eq!(m.peek(0x9001, 8), 0x80);
        assert_eq!(m.peek(0x9001 * 8 + 7, 1), 1);
    }

    #[test]
    fn out_of_range_and_bad_widths_do_nothing() {
        let mut m = machine();
        assert_eq!(m.peek(-1, 8), 0);
        assert_eq!(m.peek(0x18000, 8), 0);
        assert_eq!(m.peek(0x18000 * 2, 4), 0);
        assert_eq!(m.peek(0x4000, 3), 0);
        m.poke(0x18000, 1, 8);
        m.poke(-5, 1, 8);
        m.poke(0x4000, 1, 16);
        assert_eq!(m.peek(0x4000, 8), 0);
    }

    #[test]
    fn memcpy_and_memset_check_bounds() {
        let mut m = machine();
        m.memset(0x4000, 0x1ff, 4);
        assert_eq!(m.peek(0x4003, 8), 0xff);
        assert_eq!(m.peek(0x4004, 8), 0);
        m.memcpy(0x5000, 0x4000, 4);
        assert_eq!(m.peek(0x5003, 8), 0xff);
        // Ranges reaching past the end are refused entirely.
        m.memset(0x17ffe, 7, 4);
        assert_eq!(m.peek(0x17ffe, 8), 0);
        m.memset(0x4000, 0, -1);
        assert_eq!(m.peek(0x4000, 8), 0xff);
        m.memcpy(0x17fff, 0x4000, 2);
        assert_eq!(m.peek(0x17fff, 8), 0);
    }
}
