//! Carts between host and runner: the files as the host read them ([`CartFiles`], never
//! parsed by the host), what the runner that parsed them tells the host ([`CartInfo`]), and
//! the parsed cart, source code plus up to eight banks of data ([`CartImage`]).
//!
//! A bank's byte layout is TIC-80's (what `sync` moves between cart and RAM), so one
//! [`Section`] table serves the parsers, the loader and `sync`.

use bincode::{Decode, Encode};
use std::ops::Range;
use std::sync::Arc;

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

    /// Position in [`Section::ALL`].
    pub const fn index(self) -> usize {
        self as usize
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

/// One bank of cart data, in TIC-80's layout, stored section by section: a section is
/// allocated only once something is written to it (most carts use a few sections of bank
/// 0, and a runner should not fault in 600 KiB of zeros).
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Bank {
    sections: [Option<Box<[u8]>>; Section::ALL.len()],
}

/// What an unallocated section reads as.
static ZEROS: [u8; Section::Map.size()] = [0; Section::Map.size()];

impl std::fmt::Debug for Bank {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let used: Vec<_> = Section::ALL
            .iter()
            .filter(|s| !self.section_is_empty(**s))
            .collect();
        f.debug_struct("Bank").field("non_empty", &used).finish()
    }
}

impl Bank {
    /// One section.
    pub fn section(&self, section: Section) -> &[u8] {
        match &self.sections[section.index()] {
            Some(data) => data,
            None => &ZEROS[..section.size()],
        }
    }

    /// One section, writable.
    pub fn section_mut(&mut self, section: Section) -> &mut [u8] {
        self.sections[section.index()]
            .get_or_insert_with(|| vec![0; section.size()].into_boxed_slice())
    }

    /// Whether a section is all zero.
    pub fn section_is_empty(&self, section: Section) -> bool {
        self.sections[section.index()]
            .as_ref()
            .is_none_or(|d| d.iter().all(|b| *b == 0))
    }

    /// Whether every byte is zero.
    pub fn is_empty(&self) -> bool {
        Section::ALL.iter().all(|s| self.section_is_empty(*s))
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

/// A cart as the host read it from disk, not parsed: the host only chooses which files to
/// read (by their names) and reads them with size limits; a runner parses them.
#[derive(Debug, Clone, PartialEq, Eq, Default, Encode, Decode)]
pub struct CartFiles {
    /// The cart file's extension, lower case (`lua`, `tic`, `png`, `wasm`, `wat`, `wasmp`,
    /// or a text extension of another language): how its bytes are to be read.
    pub extension: String,
    /// The cart file (shared: the host keeps it to restart the cart, and sends it as is).
    pub main: Arc<[u8]>,
    /// The file of the same name beside it that completes it, if there is one: for a
    /// `.wasmp` project its module (`wasm`, else `wat`), for a bare module its `.wasmp`.
    pub beside: Option<BesideFile>,
}

/// A file beside the cart file (see [`CartFiles::beside`]).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct BesideFile {
    /// Its extension, lower case.
    pub extension: String,
    /// Its bytes.
    pub bytes: Arc<[u8]>,
}

/// Most bytes of a cart's title the host is told.
pub const TITLE_LIMIT: usize = 128;
/// Most game-menu items of a cart the host is told.
pub const MENU_ITEMS_LIMIT: usize = 32;
/// Most bytes of one game-menu item.
pub const MENU_ITEM_LIMIT: usize = 64;
/// Sprites the cursor may use (the cursor byte's low seven bits).
pub const CURSOR_SPRITES: usize = 128;

/// What the host learns of a cart from the runner that parsed it: all it needs (which
/// runtime plays it, the window title, the game menu, where its persistent memory is kept,
/// the cart's own cursor sprites), each with a fixed limit. Like everything from a runner
/// it is a claim: checked against the limits, shown escaped, never trusted further.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct CartInfo {
    /// The runtime that plays it.
    pub language: Language,
    /// `-- title:`, at most [`TITLE_LIMIT`] bytes.
    pub title: Option<String>,
    /// `-- menu:` items, at most [`MENU_ITEMS_LIMIT`] of at most [`MENU_ITEM_LIMIT`] bytes.
    pub menu: Vec<String>,
    /// TIC-80's key for its persistent memory: the MD5 of its `-- saveid:`, or of its bank 0
    /// data; only when [`crate::message::CartSettings::pmem_key`] asked for it. (A cart
    /// chooses its save id freely, so claiming another key gives a runner no more than a
    /// cart author has.)
    pub pmem_key: Option<[u8; 16]>,
    /// Sprites 0..128 of bank 0's sprite sheet as the file has them (TIC-80 draws a cart's
    /// own cursor from the cart, not from RAM), 32 bytes each.
    pub cursor_sprites: Vec<u8>,
    /// Bank 0's palette as the file has it (48 bytes).
    pub cursor_palette: Vec<u8>,
    /// The cart has a cover: bank 0's screen is not all colour 0 (TIC-80 saves no SCREEN
    /// chunk for such a screen).
    pub has_cover: bool,
    /// The cart's language as TIC-80 names it (`lua`, `js`, `wasm`...), at most
    /// [`SCRIPT_LIMIT`] bytes.
    pub script: String,
}

/// Most bytes of [`CartInfo::script`].
pub const SCRIPT_LIMIT: usize = 16;

impl CartInfo {
    /// Whether every field keeps within its limit.
    pub fn within_limits(&self) -> bool {
        self.title.as_ref().is_none_or(|t| t.len() <= TITLE_LIMIT)
            && self.menu.len() <= MENU_ITEMS_LIMIT
            && self.menu.iter().all(|m| m.len() <= MENU_ITEM_LIMIT)
            && self.cursor_sprites.len() == CURSOR_SPRITES * 32
            && self.cursor_palette.len() == 48
            && self.script.len() <= SCRIPT_LIMIT
    }
}

/// What a runner is given to play.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CartImage {
    /// Source code (Lua).
    pub code: String,
    /// The eight banks; bank 0 is what RAM is loaded from.
    pub banks: [Bank; BANKS],
}

/// Wire form of one non-empty section: trailing zeros are not sent (as in TIC-80's own
/// chunks), so a cart with a palette and a few tiles costs a few hundred bytes.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct SectionImage {
    /// Bank number, 0..8.
    pub bank: u8,
    /// Index of the section in [`Section::ALL`].
    pub section: u8,
    /// The section's bytes, at most its size, trailing zeros trimmed.
    pub data: Vec<u8>,
}

impl CartImage {
    /// The non-empty sections, as sent over the wire.
    pub fn wire_sections(&self) -> Vec<SectionImage> {
        let mut out = Vec::new();
        for (b, bank) in self.banks.iter().enumerate() {
            for s in Section::ALL {
                let data = bank.section(s);
                let used = data.iter().rposition(|x| *x != 0).map_or(0, |i| i + 1);
                if used > 0 {
                    out.push(SectionImage {
                        bank: b as u8,
                        section: s.index() as u8,
                        data: data[..used].to_vec(),
                    });
                }
            }
        }
        out
    }

    /// Rebuilds the banks from their wire form; `None` if a bank, section or size is wrong.
    pub fn banks_from_wire(wire: &[SectionImage]) -> Option<[Bank; BANKS]> {
        let mut banks: [Bank; BANKS] = Default::default();
        for w in wire {
            let bank = banks.get_mut(usize::from(w.bank))?;
            let section = *Section::ALL.get(usize::from(w.section))?;
            if w.data.len() > section.size() {
                return None;
            }
            bank.section_mut(section)[..w.data.len()].copy_from_slice(&w.data);
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
    fn wire_round_trip_keeps_only_used_sections() {
        let mut cart = CartImage::default();
        cart.banks[3].section_mut(Section::Map)[5] = 7;
        cart.banks[0].section_mut(Section::Palette)[0] = 1;
        let wire = cart.wire_sections();
        assert_eq!(wire.len(), 2);
        assert_eq!((wire[1].bank, wire[1].data.len()), (3, 6));
        let banks = CartImage::banks_from_wire(&wire).unwrap();
        assert_eq!(banks[3].section(Section::Map)[5], 7);
        assert_eq!(banks, cart.banks);
        let bad = |bank, section, len| {
            CartImage::banks_from_wire(&[SectionImage {
                bank,
                section,
                data: vec![1; len],
            }])
            .is_none()
        };
        assert!(bad(8, 0, 1));
        assert!(bad(0, 10, 1));
        assert!(bad(0, 9, 97));
    }
}
