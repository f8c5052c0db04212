//! Layout of the shared memory region between the host and one runner.
//!
//! One memfd per runner, created and sealed against resizing by the host, mapped by both:
//!
//! | offset         | size            | content                                         |
//! |----------------|-----------------|-------------------------------------------------|
//! | 0              | [`HEADER_SIZE`] | header: magic, version, offsets (written once); |
//! |                |                 | the syscall a dying runner was denied; the      |
//! |                |                 | sound the last frame left ([`SOUND_OFFSET`])    |
//! | [`RAM_OFFSET`] | 96 KiB          | the TIC-80 RAM map ([`crate::ram`])             |
//! | [`FRAME_OFFSET`]| 256x144x4      | the finished frame, border included             |
//!
//! Ownership follows the frame protocol: the host writes the input registers into RAM and
//! then sends `Frame`; from then until `FrameDone` only the runner touches the region. The
//! host reads it (copying out, never trusting lengths or indices in it) only between
//! `FrameDone` and the next request.

use crate::ram::{FULL_HEIGHT, FULL_WIDTH, RAM_SIZE};

/// Size of the header page.
pub const HEADER_SIZE: usize = 4096;
/// Offset of the console RAM.
pub const RAM_OFFSET: usize = HEADER_SIZE;
/// Offset of the output frame.
pub const FRAME_OFFSET: usize = RAM_OFFSET + RAM_SIZE;
/// Pixels in the output frame (256x144).
pub const FRAME_PIXELS: usize = FULL_WIDTH * FULL_HEIGHT;
/// Size of the output frame in bytes. Pixels are native-endian `u32` `0x00RRGGBB`.
pub const FRAME_SIZE: usize = FRAME_PIXELS * 4;
/// Total size of the region.
pub const SHM_SIZE: usize = FRAME_OFFSET + FRAME_SIZE;

/// Where in the header a runner stopped by its seccomp filter leaves the number of the
/// system call it was denied, plus one (a little-endian `u32`; 0: none), just before it
/// dies. The host reads it after the runner is gone, to name the call; like everything a
/// runner writes, it is only a claim, used for the message and nothing else.
pub const BLOCKED_SYSCALL_OFFSET: usize = 64;

/// Where in the header a runner leaves what the synthesiser plays for the frame it just
/// finished: the four sound registers (72 bytes, as at [`crate::ram::SOUND_REGISTERS`])
/// then the four stereo volume bytes (as at [`crate::ram::STEREO_VOLUME`]), copied at the
/// end of `TIC` (and `OVR`), before the scanline and border callbacks run: TIC-80 takes
/// its snapshot for the synthesiser at that point, so pokes from `SCN`/`BDR` are not
/// heard. The host reads it after `FrameDone` and treats every byte as hostile.
pub const SOUND_OFFSET: usize = 128;
/// Size of the sound snapshot at [`SOUND_OFFSET`].
pub const SOUND_SIZE: usize = crate::ram::SOUND_REGISTERS_SIZE + crate::ram::STEREO_VOLUME_SIZE;

/// Magic bytes at the start of the header.
pub const MAGIC: [u8; 8] = *b"CARTBOX\0";
/// Layout version; bumped whenever anything in this module changes.
pub const VERSION: u32 = 2;

/// The header the host writes at offset 0, as bytes.
pub fn header() -> [u8; 24] {
    let mut h = [0u8; 24];
    h[..8].copy_from_slice(&MAGIC);
    h[8..12].copy_from_slice(&VERSION.to_le_bytes());
    h[12..16].copy_from_slice(&(RAM_OFFSET as u32).to_le_bytes());
    h[16..20].copy_from_slice(&(FRAME_OFFSET as u32).to_le_bytes());
    h[20..24].copy_from_slice(&(SHM_SIZE as u32).to_le_bytes());
    h
}

/// Whether `bytes` (the start of a region) carry the header of this layout.
pub fn header_matches(bytes: &[u8]) -> bool {
    bytes.len() >= 24 && bytes[..24] == header()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_are_page_aligned_and_disjoint() {
        assert_eq!(RAM_OFFSET % 4096, 0);
        assert_eq!(FRAME_OFFSET % 4096, 0);
        assert_eq!(SHM_SIZE % 4096, 0);
        assert!(header_matches(&header()));
        const { assert!(BLOCKED_SYSCALL_OFFSET + 4 <= SOUND_OFFSET) };
        const { assert!(SOUND_OFFSET + SOUND_SIZE <= HEADER_SIZE) };
        let mut wrong = header();
        wrong[9] ^= 1;
        assert!(!header_matches(&wrong));
    }
}
