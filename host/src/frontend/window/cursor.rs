//! The mouse cursor over the picture, as the cart's cursor byte asks (bits 0-6 a sprite,
//! bit 7 a system cursor): the cart's own sprite drawn into the frame, or which system
//! cursor the window shows.

use cartbox_protocol::cart::CartInfo;
use cartbox_protocol::ram::{FULL_HEIGHT, FULL_WIDTH};
use cartbox_protocol::shm::FRAME_PIXELS;
use winit::window::CursorIcon;

/// Draws the cart's cursor sprite `n` (1..127) with its top-left corner at output pixel
/// `(x, y)`, as TIC-80 does: sprite 256 + n of the cart's own sprite sheet (bank 0, as the
/// cart file has it, not as the cart may have changed it in RAM), in the cart's bank-0
/// palette, colour 0 transparent. Both come from the runner that parsed the cart: any bytes
/// draw some 8x8 picture, and one of the wrong size draws nothing.
pub(super) fn draw_cursor(out: &mut [u32; FRAME_PIXELS], info: &CartInfo, n: u8, x: u8, y: u8) {
    let sprites = &info.cursor_sprites;
    let palette = &info.cursor_palette;
    let Some(tile) = sprites.get(usize::from(n & 0x7f) * 32..usize::from(n & 0x7f) * 32 + 32)
    else {
        return;
    };
    for row in 0..8 {
        for col in 0..8 {
            let byte = tile[row * 4 + col / 2];
            let index = usize::from(if col % 2 == 0 { byte & 0x0f } else { byte >> 4 });
            let (px, py) = (usize::from(x) + col, usize::from(y) + row);
            if index == 0 || px >= FULL_WIDTH || py >= FULL_HEIGHT {
                continue;
            }
            let rgb = palette.get(index * 3..index * 3 + 3).unwrap_or(&[0, 0, 0]);
            out[py * FULL_WIDTH + px] =
                u32::from(rgb[0]) << 16 | u32::from(rgb[1]) << 8 | u32::from(rgb[2]);
        }
    }
}

/// The system cursor the window shows for the cart's cursor byte: an arrow, a hand or an
/// I-beam, or none (`None`) while the cart draws its own (or hides it). Outside the picture
/// (`over_picture` false), or once the cart has stopped (`running` false), the usual arrow.
pub(super) fn os_cursor(byte: u8, over_picture: bool, running: bool) -> Option<CursorIcon> {
    if !over_picture || !running {
        Some(CursorIcon::Default)
    } else {
        match byte {
            0x81 => Some(CursorIcon::Pointer),
            0x82 => Some(CursorIcon::Text),
            c if c & 0x80 != 0 => Some(CursorIcon::Default),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn system_cursor_follows_the_cursor_byte_over_a_running_cart() {
        assert_eq!(os_cursor(0x80, true, true), Some(CursorIcon::Default));
        assert_eq!(os_cursor(0x81, true, true), Some(CursorIcon::Pointer));
        assert_eq!(os_cursor(0x82, true, true), Some(CursorIcon::Text));
        assert_eq!(os_cursor(0xff, true, true), Some(CursorIcon::Default));
        // A sprite (or 0, hidden): the cart draws it, the system cursor is hidden.
        assert_eq!(os_cursor(0, true, true), None);
        assert_eq!(os_cursor(5, true, true), None);
        // Outside the picture, or with the cart stopped: the arrow, whatever the byte.
        assert_eq!(os_cursor(5, false, true), Some(CursorIcon::Default));
        assert_eq!(os_cursor(0x81, true, false), Some(CursorIcon::Default));
    }
}
