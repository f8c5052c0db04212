//! A cart as the runner receives it: source code plus up to eight banks of data.
//!
//! The host reads cart files (text, `.tic`, `.png`) and turns them into a [`CartImage`]; the
//! runner never sees a file. A bank's byte layout is TIC-80's (what `sync` moves between cart
//! and RAM), so one [`Section`] table serves the parsers, the loader and `sync`.

use bincode::{Decode, Encode};
use std::ops::Range;

/// Number of banks in a cart.
pub const BANKS: usize = 8;

/// A section of a bank.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Section {
    /// Cover screen, 4 bpp.
    Screen,
    /// Background tiles.
    Tiles,
    /// Foreground sprites.
    Sprites,
    /// Map cells.
    Map,
    /// Waveforms.
    Waveforms,
    /// Sfx samples.
    Sfx,
    /// Music patterns.
    Patterns,
    /// Music tracks.
    Tracks,
    /// Sprite flags.
    Flags,
    /// Palettes of VRAM bank 0 then VRAM bank 1 (48 bytes each).
    Palette,
}

impl Section {
    /// Every section, in bank order.
    pub const ALL: [Section; 10] = [
        Section::Screen,
        Section::Tiles,
        Section::Sprites,
        Section::Map,
        Section::Waveforms,
        Section::Sfx,
        Section::Patterns,
        Section::Tracks,
        Section::Flags,
        Section::Palette,
    ];

    /// Where the section lies inside a bank.
    pub const fn range(self) -> Range<usize> {
        let (start, len) = match self {
            Section::Screen => (0, 16320),
            Section::Tiles => (16320, 8192),
            Section::Sprites => (24512, 8192),
            Section::Map => (32704, 32640),
            Section::Waveforms => (65344, 256),
            Section::Sfx => (65600, 4224),
            Section::Patterns => (69824, 11520),
            Section::Tracks => (81344, 408),
            Section::Flags => (81752, 512),
            Section::Palette => (82264, 96),
        };
        start..start + len
    }

    /// Size of the section in bytes.
    pub const fn size(self) -> usize {
        let r = self.range();
        r.end - r.start
    }

    /// Where the section is copied to in RAM. The palette's second half belongs to VRAM bank
    /// 1 and has no RAM address of its own; this gives the first half's.
    pub const fn ram_address(self) -> usize {
        use crate::ram;
        match self {
            Section::Screen => ram::SCREEN,
            Section::Tiles => ram::TILES,
            Section::Sprites => ram::SPRITES,
            Section::Map => ram::MAP,
            Section::Waveforms => ram::WAVEFORMS,
            Section::Sfx => ram::SFX,
            Section::Patterns => ram::MUSIC_PATTERNS,
            Section::Tracks => ram::MUSIC_TRACKS,
            Section::Flags => ram::SPRITE_FLAGS,
            Section::Palette => ram::PALETTE,
        }
    }
}

/// Size of one bank in bytes.
pub const BANK_SIZE: usize = Section::Palette.range().end;

/// One bank of cart data, always [`BANK_SIZE`] bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct Bank {
    data: Box<[u8]>,
}

impl std::fmt::Debug for Bank {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let used: Vec<_> = Section::ALL
            .iter()
            .filter(|s| self.section(**s).iter().any(|b| *b != 0))
            .collect();
        f.debug_struct("Bank").field("non_empty", &used).finish()
    }
}

impl Default for Bank {
    fn default() -> Self {
        Bank {
            data: vec![0; BANK_SIZE].into_boxed_slice(),
        }
    }
}

impl Bank {
    /// Wraps raw bank bytes; `None` unless exactly [`BANK_SIZE`] long.
    pub fn from_bytes(bytes: Vec<u8>) -> Option<Bank> {
        (bytes.len() == BANK_SIZE).then(|| Bank {
            data: bytes.into_boxed_slice(),
        })
    }

    /// The whole bank.
    pub fn bytes(&self) -> &[u8] {
        &self.data
    }

    /// One section.
    pub fn section(&self, section: Section) -> &[u8] {
        &self.data[section.range()]
    }

    /// One section, writable.
    pub fn section_mut(&mut self, section: Section) -> &mut [u8] {
        &mut self.data[section.range()]
    }

    /// Whether every byte is zero.
    pub fn is_empty(&self) -> bool {
        self.data.iter().all(|b| *b == 0)
    }
}

/// Script language of a cart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Encode, Decode)]
pub enum Language {
    /// Lua 5.3.
    Lua,
    /// WebAssembly (the module travels in `binary`).
    Wasm,
}

/// What a runner is given to play.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CartImage {
    /// Source code (Lua).
    pub code: String,
    /// The eight banks; bank 0 is what RAM is loaded from.
    pub banks: [Bank; BANKS],
}

/// Wire form of one non-empty bank.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct BankImage {
    /// Bank number, 0..8.
    pub index: u8,
    /// [`BANK_SIZE`] bytes.
    pub data: Vec<u8>,
}

impl CartImage {
    /// The non-empty banks, as sent over the wire.
    pub fn wire_banks(&self) -> Vec<BankImage> {
        self.banks
            .iter()
            .enumerate()
            .filter(|(_, b)| !b.is_empty())
            .map(|(i, b)| BankImage {
                index: i as u8,
                data: b.bytes().to_vec(),
            })
            .collect()
    }

    /// Rebuilds the banks from their wire form; `None` if a bank number or size is wrong.
    pub fn banks_from_wire(wire: Vec<BankImage>) -> Option<[Bank; BANKS]> {
        let mut banks: [Bank; BANKS] = Default::default();
        for b in wire {
            let slot = banks.get_mut(usize::from(b.index))?;
            *slot = Bank::from_bytes(b.data)?;
        }
        Some(banks)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_tile_the_bank() {
        let mut end = 0;
        for s in Section::ALL {
            assert_eq!(s.range().start, end, "{s:?}");
            end = s.range().end;
        }
        assert_eq!(BANK_SIZE, 82360);
    }

    #[test]
    fn wire_round_trip_keeps_only_used_banks() {
        let mut cart = CartImage::default();
        cart.banks[3].section_mut(Section::Map)[5] = 7;
        let wire = cart.wire_banks();
        assert_eq!(wire.len(), 1);
        assert_eq!(wire[0].index, 3);
        let banks = CartImage::banks_from_wire(wire).unwrap();
        assert_eq!(banks[3].section(Section::Map)[5], 7);
        assert!(
            CartImage::banks_from_wire(vec![BankImage {
                index: 8,
                data: vec![0; BANK_SIZE]
            }])
            .is_none()
        );
        assert!(
            CartImage::banks_from_wire(vec![BankImage {
                index: 0,
                data: vec![0; 3]
            }])
            .is_none()
        );
    }
}
