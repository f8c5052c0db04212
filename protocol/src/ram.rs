//! TIC-80's 96 KiB RAM map (TIC-80 1.1), as addresses and sizes.
//!
//! The whole RAM lives in the shared memory region, so both the runner (which draws into it)
//! and the host (which writes input registers and reads persistent memory) use these.

/// Size of the console RAM.
pub const RAM_SIZE: usize = 0x18000;

/// Visible screen width in pixels.
pub const WIDTH: usize = 240;
/// Visible screen height in pixels.
pub const HEIGHT: usize = 136;
/// Output width including the border.
pub const FULL_WIDTH: usize = 256;
/// Output height including the border.
pub const FULL_HEIGHT: usize = 144;
/// Border columns left (and right) of the screen in the output frame.
pub const BORDER_LEFT: usize = 8;
/// Border rows above (and below) the screen in the output frame.
pub const BORDER_TOP: usize = 4;

/// Screen, 4 bits per pixel, even pixels in the low nibble.
pub const SCREEN: usize = 0x00000;
/// Size of the screen in bytes.
pub const SCREEN_SIZE: usize = WIDTH * HEIGHT / 2;
/// Palette: 16 RGB triples.
pub const PALETTE: usize = 0x03FC0;
/// Size of one palette.
pub const PALETTE_SIZE: usize = 48;
/// Palette map: 16 nibbles, applied at draw time.
pub const PALETTE_MAP: usize = 0x03FF0;
/// Border colour (low nibble); in VRAM bank 1 the transparent colour.
pub const BORDER_COLOR: usize = 0x03FF8;
/// Screen offset x (signed byte); y follows.
pub const SCREEN_OFFSET: usize = 0x03FF9;
/// Mouse cursor: bits 0-6 sprite, bit 7 system cursor.
pub const MOUSE_CURSOR: usize = 0x03FFB;
/// Blit segment (low nibble).
pub const BLIT_SEGMENT: usize = 0x03FFC;
/// One VRAM bank: screen, palette, palette map and the registers after it.
pub const VRAM_SIZE: usize = 0x4000;
/// Background tiles, 256 x 32 bytes.
pub const TILES: usize = 0x04000;
/// Foreground sprites, 256 x 32 bytes.
pub const SPRITES: usize = 0x06000;
/// Size of one sprite sheet.
pub const SHEET_SIZE: usize = 0x2000;
/// Map, 240 x 136 cells of one byte.
pub const MAP: usize = 0x08000;
/// Map width in cells.
pub const MAP_WIDTH: usize = 240;
/// Map height in cells.
pub const MAP_HEIGHT: usize = 136;
/// Size of the map.
pub const MAP_SIZE: usize = MAP_WIDTH * MAP_HEIGHT;
/// Gamepads: one byte per player (up, down, left, right, A, B, X, Y from bit 0).
pub const GAMEPADS: usize = 0x0FF80;
/// Mouse: x, y, then a 16-bit word of buttons and scroll.
pub const MOUSE: usize = 0x0FF84;
/// Keyboard: up to four held key codes.
pub const KEYBOARD: usize = 0x0FF88;
/// Sfx positions per channel.
pub const SFX_STATE: usize = 0x0FF8C;
/// Sound registers, 4 x 18 bytes: per channel the frequency (12 bits) and volume (4 bits)
/// in two bytes, then the waveform (32 samples of 4 bits).
pub const SOUND_REGISTERS: usize = 0x0FF9C;
/// Size of the four sound registers.
pub const SOUND_REGISTERS_SIZE: usize = 72;
/// Waveforms, 16 x 16 bytes.
pub const WAVEFORMS: usize = 0x0FFE4;
/// Sfx samples, 64 x 66 bytes.
pub const SFX: usize = 0x100E4;
/// Music patterns, 60 x 192 bytes.
pub const MUSIC_PATTERNS: usize = 0x11164;
/// Music tracks, 8 x 51 bytes.
pub const MUSIC_TRACKS: usize = 0x13E64;
/// Music state.
pub const MUSIC_STATE: usize = 0x13FFC;
/// Stereo volume, one byte per channel: left volume in the low nibble, right in the high.
pub const STEREO_VOLUME: usize = 0x14000;
/// Size of the stereo volume bytes.
pub const STEREO_VOLUME_SIZE: usize = 4;
/// Persistent memory: 256 little-endian u32.
pub const PMEM: usize = 0x14004;
/// Size of persistent memory in bytes.
pub const PMEM_SIZE: usize = 1024;
/// Sprite flags, one byte per sprite 0..511.
pub const SPRITE_FLAGS: usize = 0x14404;
/// System font: 8 bytes per character, then params (width, height).
pub const FONT: usize = 0x14604;
/// Small font.
pub const ALT_FONT: usize = 0x14A04;
/// Size of one font including its params.
pub const FONT_SIZE: usize = 0x400;
/// Offset of the width/height params inside a font.
pub const FONT_PARAMS: usize = 0x3F8;
/// Key code for each of the 32 gamepad buttons.
pub const BUTTON_MAPPING: usize = 0x14E04;
/// TIC-80's key codes are 1..=94 (0 is no key): arrays indexed by key code have this many
/// entries.
pub const KEY_COUNT: usize = 95;

/// Key codes that press each gamepad button: player 1 on the arrows, Z, X, A, S. TIC-80's
/// studio writes its configured mapping into RAM every frame; this is its default.
pub const DEFAULT_BUTTON_MAPPING: [u8; 32] = {
    let mut m = [0u8; 32];
    m[0] = 58; // up
    m[1] = 59; // down
    m[2] = 60; // left
    m[3] = 61; // right
    m[4] = 26; // A: Z
    m[5] = 24; // B: X
    m[6] = 1; // X: A
    m[7] = 19; // Y: S
    m
};

/// The SWEETIE-16 palette, TIC-80's default.
pub const SWEETIE16: [u8; PALETTE_SIZE] = [
    0x1a, 0x1c, 0x2c, 0x5d, 0x27, 0x5d, 0xb1, 0x3e, 0x53, 0xef, 0x7d, 0x57, 0xff, 0xcd, 0x75, 0xa7,
    0xf0, 0x70, 0x38, 0xb7, 0x64, 0x25, 0x71, 0x79, 0x29, 0x36, 0x6f, 0x3b, 0x5d, 0xc9, 0x41, 0xa6,
    0xf6, 0x73, 0xef, 0xf7, 0xf4, 0xf4, 0xf4, 0x94, 0xb0, 0xc2, 0x56, 0x6c, 0x86, 0x33, 0x3c, 0x57,
];

/// The DB16 palette, which TIC-80 substitutes for an all-zero palette.
pub const DB16: [u8; PALETTE_SIZE] = [
    0x14, 0x0c, 0x1c, 0x44, 0x24, 0x34, 0x30, 0x34, 0x6d, 0x4e, 0x4a, 0x4e, 0x85, 0x4c, 0x30, 0x34,
    0x65, 0x24, 0xd0, 0x46, 0x48, 0x75, 0x71, 0x61, 0x59, 0x7d, 0xce, 0xd2, 0x7d, 0x2c, 0x85, 0x95,
    0xa1, 0x6d, 0xaa, 0x2c, 0xd2, 0xaa, 0x99, 0x6d, 0xc2, 0xca, 0xda, 0xd4, 0x5e, 0xde, 0xee, 0xd6,
];

/// Gamepad button bits, in TIC-80's order.
pub mod button {
    /// Up.
    pub const UP: u8 = 1 << 0;
    /// Down.
    pub const DOWN: u8 = 1 << 1;
    /// Left.
    pub const LEFT: u8 = 1 << 2;
    /// Right.
    pub const RIGHT: u8 = 1 << 3;
    /// A.
    pub const A: u8 = 1 << 4;
    /// B.
    pub const B: u8 = 1 << 5;
    /// X.
    pub const X: u8 = 1 << 6;
    /// Y.
    pub const Y: u8 = 1 << 7;
    /// Names in bit order, as used by input scripts and messages.
    pub const NAMES: [&str; 8] = ["up", "down", "left", "right", "a", "b", "x", "y"];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_matches_tic80_layout() {
        assert_eq!(SCREEN + SCREEN_SIZE, PALETTE);
        assert_eq!(PALETTE + PALETTE_SIZE, PALETTE_MAP);
        assert_eq!(MAP + MAP_SIZE, GAMEPADS);
        assert_eq!(SFX + 64 * 66, MUSIC_PATTERNS);
        assert_eq!(MUSIC_PATTERNS + 60 * 192, MUSIC_TRACKS);
        assert_eq!(MUSIC_TRACKS + 8 * 51, MUSIC_STATE);
        assert_eq!(PMEM + PMEM_SIZE, SPRITE_FLAGS);
        assert_eq!(SPRITE_FLAGS + 512, FONT);
        assert_eq!(FONT + FONT_SIZE, ALT_FONT);
        assert_eq!(ALT_FONT + FONT_SIZE, BUTTON_MAPPING);
    }
}
