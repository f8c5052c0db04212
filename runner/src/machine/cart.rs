//! The cart in the machine: `sync` between cart banks and RAM, persistent memory, and
//! the reload that `reset()` asks for.

use cartbox_protocol::cart::{BANKS, Section};
use cartbox_protocol::ram::{self, SCREEN_SIZE};

use super::Machine;
use cartbox_protocol::font;

/// `sync` mask bits, in TIC-80's order.
const SYNC_SECTIONS: [(u32, &[Section]); 8] = [
    (1, &[Section::Tiles]),
    (2, &[Section::Sprites]),
    (4, &[Section::Map]),
    (8, &[Section::Waveforms, Section::Sfx]),
    (16, &[Section::Patterns, Section::Tracks]),
    (32, &[Section::Palette]),
    (64, &[Section::Flags]),
    (128, &[Section::Screen]),
];

/// `sync` was called with a bank outside 0..8.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BadBank;

impl Machine {
    /// `sync(mask, bank, tocart)`: copies the sections in `mask` (0: all) between cart bank
    /// `bank` and RAM; with `to_cart` from RAM into the (runner's copy of the) cart. Each
    /// section moves at most once per frame.
    pub fn sync(&mut self, mask: u32, bank: i32, to_cart: bool) -> Result<(), BadBank> {
        let bank = usize::try_from(bank)
            .ok()
            .filter(|b| *b < BANKS)
            .ok_or(BadBank)?;
        let mut mask = if mask == 0 { 0xff } else { mask & 0xff };
        mask &= !self.synced;
        self.synced |= mask;
        for (bit, sections) in SYNC_SECTIONS {
            if mask & bit == 0 {
                continue;
            }
            for s in sections {
                self.sync_section(*s, bank, to_cart);
            }
        }
        Ok(())
    }

    fn sync_section(&mut self, s: Section, bank: usize, to_cart: bool) {
        // The palette and the screen belong to whichever VRAM bank is mapped; the palette
        // moves as the bank's first (VRAM bank 0) palette.
        let (at, len) = match s {
            Section::Palette => (ram::PALETTE, ram::PALETTE_SIZE),
            Section::Screen => (ram::SCREEN, SCREEN_SIZE),
            other => (other.ram_address(), other.size()),
        };
        let cart = &mut self.cart[bank];
        let ram = self.mem.ram_mut();
        if to_cart {
            cart.section_mut(s)[..len].copy_from_slice(&ram[at..at + len]);
        } else {
            ram[at..at + len].copy_from_slice(&cart.section(s)[..len]);
        }
    }

    /// Reloads what TIC-80 reloads when a cart restarts itself with `reset()`: the fonts and
    /// every section of bank 0 (the screen only if the cart has one). Clip, VRAM bank and
    /// VRAM registers stay as they are.
    pub fn reload_cart(&mut self) {
        let ram = self.mem.ram_mut();
        ram[ram::FONT..ram::FONT + ram::FONT_SIZE].copy_from_slice(font::regular());
        ram[ram::ALT_FONT..ram::ALT_FONT + ram::FONT_SIZE].copy_from_slice(font::small());
        self.synced = 0;
        let mask = if self.cart[0].section_is_empty(Section::Screen) {
            0x7f
        } else {
            0xff
        };
        let _ = self.sync(mask, 0, false);
        self.synced = 0;
    }

    /// `pmem(index)` and `pmem(index, value)`: returns the value before; `None` for an
    /// index outside 0..256.
    pub fn pmem(&mut self, index: u32, value: Option<u32>) -> Option<u32> {
        if index >= 256 {
            return None;
        }
        let at = ram::PMEM + index as usize * 4;
        let ram = self.ram();
        let old = u32::from_le_bytes([ram[at], ram[at + 1], ram[at + 2], ram[at + 3]]);
        if let Some(v) = value {
            ram[at..at + 4].copy_from_slice(&v.to_le_bytes());
        }
        Some(old)
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::machine;
    use super::*;

    #[test]
    fn sync_moves_sections_once_per_frame() {
        let mut m = machine();
        m.ram()[ram::MAP] = 9;
        m.sync(4, 3, true).unwrap();
        m.ram()[ram::MAP] = 1;
        // Already synced this frame: ignored.
        m.sync(4, 3, false).unwrap();
        assert_eq!(m.ram()[ram::MAP], 1);
        m.begin_frame(None);
        m.sync(4, 3, false).unwrap();
        assert_eq!(m.ram()[ram::MAP], 9);
        assert_eq!(m.sync(0, 8, false), Err(BadBank));
        assert_eq!(m.sync(0, -1, false), Err(BadBank));
    }

    #[test]
    fn pmem_returns_the_old_value() {
        let mut m = machine();
        assert_eq!(m.pmem(3, Some(0xdead_beef)), Some(0));
        assert_eq!(m.pmem(3, None), Some(0xdead_beef));
        assert_eq!(m.ram()[ram::PMEM + 12], 0xef);
        assert_eq!(m.pmem(256, None), None);
    }
}
