//! Gamepad input: `btn`, `btnp`, and the per-button hold counters behind `btnp`'s repeat.
//!
//! As in TIC-80, `btn` and `btnp` read the gamepad bytes in RAM as they are now, while the
//! "previous frame" state comes from a snapshot taken at the start of the last tick, so a
//! cart poking input RAM cannot fake a press edge.

use cartbox_protocol::ram::{self, RAM_SIZE};

use super::Machine;

/// Key codes that press each gamepad button by default (player 1 on the arrows, Z, X, A,
/// S), as TIC-80's studio does.
pub(crate) const DEFAULT_MAPPING: [u8; 32] = ram::DEFAULT_BUTTON_MAPPING;

pub use cartbox_protocol::ram::KEY_COUNT;

/// Input history: snapshots and hold counters.
#[derive(Debug, Clone)]
pub(crate) struct Input {
    now: u32,
    previous: u32,
    holds: [u32; 32],
    keys_now: [u8; 4],
    keys_previous: [u8; 4],
    key_holds: [u32; KEY_COUNT],
}

impl Default for Input {
    fn default() -> Self {
        Input {
            now: 0,
            previous: 0,
            holds: [0; 32],
            keys_now: [0; 4],
            keys_previous: [0; 4],
            key_holds: [0; KEY_COUNT],
        }
    }
}

/// What `mouse()` returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mouse {
    /// x in screen pixels (or the raw delta in relative mode).
    pub x: i32,
    /// y in screen pixels (or the raw delta in relative mode).
    pub y: i32,
    /// Left button.
    pub left: bool,
    /// Middle button.
    pub middle: bool,
    /// Right button.
    pub right: bool,
    /// Horizontal scroll, -32..31.
    pub scroll_x: i32,
    /// Vertical scroll, -32..31.
    pub scroll_y: i32,
}

fn pads(ram: &[u8; RAM_SIZE]) -> u32 {
    let g = ram::GAMEPADS;
    u32::from_le_bytes([ram[g], ram[g + 1], ram[g + 2], ram[g + 3]])
}

impl Input {
    /// Start of a tick: mapped keys press their buttons, the hold counters move, and the
    /// snapshot is taken. The mapping is the one in RAM, which the host writes before every
    /// frame (as TIC-80's studio writes its configured mapping), so a cart that pokes it
    /// changes nothing past the frame it pokes in.
    pub(super) fn begin_frame(&mut self, ram: &mut [u8; RAM_SIZE]) {
        let mut mapping = [0u8; 32];
        mapping.copy_from_slice(&ram[ram::BUTTON_MAPPING..ram::BUTTON_MAPPING + 32]);
        let mut now = pads(ram);
        let keys = [
            ram[ram::KEYBOARD],
            ram[ram::KEYBOARD + 1],
            ram[ram::KEYBOARD + 2],
            ram[ram::KEYBOARD + 3],
        ];
        for (button, code) in mapping.iter().enumerate() {
            if *code != 0 && keys.contains(code) {
                now |= 1 << button;
            }
        }
        ram[ram::GAMEPADS..ram::GAMEPADS + 4].copy_from_slice(&now.to_le_bytes());
        for (i, h) in self.holds.iter_mut().enumerate() {
            let bit = 1 << i;
            *h = if self.previous & bit != 0 && now & bit != 0 {
                h.wrapping_add(1)
            } else {
                0
            };
        }
        self.now = now;
        for (k, h) in self.key_holds.iter_mut().enumerate() {
            let k = k as u8;
            *h = if self.keys_previous.contains(&k) && keys.contains(&k) {
                h.wrapping_add(1)
            } else {
                0
            };
        }
        self.keys_now = keys;
    }

    /// End of a tick: this frame's snapshot becomes the previous one.
    pub(super) fn end_frame(&mut self) {
        self.previous = self.now;
        self.keys_previous = self.keys_now;
    }
}

impl Machine {
    /// `btn()`: all 32 buttons as held now.
    pub fn btn_mask(&mut self) -> u32 {
        pads(self.ram())
    }

    fn keys(&mut self) -> [u8; 4] {
        let r = self.ram();
        [
            r[ram::KEYBOARD],
            r[ram::KEYBOARD + 1],
            r[ram::KEYBOARD + 2],
            r[ram::KEYBOARD + 3],
        ]
    }

    /// `key()`: whether any key is held.
    pub fn key_any(&mut self) -> bool {
        self.keys() != [0; 4]
    }

    /// `key(code)` for a code below [`KEY_COUNT`]: whether it is held.
    pub fn key(&mut self, code: u8) -> bool {
        code != 0 && self.keys().contains(&code)
    }

    /// `keyp(code, hold, period)`: as `btnp`, for a key; code 0 (or no argument) means "a key
    /// went down this frame".
    pub fn keyp(&mut self, code: u8, hold: i32, period: i32) -> bool {
        let keys = self.keys();
        if code == 0 {
            return keys
                .iter()
                .any(|k| *k != 0 && !self.input.keys_previous.contains(k));
        }
        let was_down = self.input.keys_previous.contains(&code);
        let k = self
            .input
            .key_holds
            .get(usize::from(code))
            .copied()
            .unwrap_or(0);
        let prev_down = if hold >= 0 && period >= 0 && k >= hold as u32 {
            period != 0 && !k.is_multiple_of(period as u32) && was_down
        } else {
            was_down
        };
        !prev_down && keys.contains(&code)
    }

    /// `mouse()`.
    pub fn mouse(&mut self) -> Mouse {
        let r = self.ram();
        let (mx, my) = (r[ram::MOUSE], r[ram::MOUSE + 1]);
        let bits = u16::from_le_bytes([r[ram::MOUSE + 2], r[ram::MOUSE + 3]]);
        let six = |v: u16| {
            let v = (v & 0x3f) as i32;
            if v >= 32 { v - 64 } else { v }
        };
        let relative = bits & 0x8000 != 0;
        let (x, y) = if relative {
            (i32::from(mx as i8), i32::from(my as i8))
        } else {
            (
                i32::from(mx) - ram::BORDER_LEFT as i32,
                i32::from(my) - ram::BORDER_TOP as i32,
            )
        };
        Mouse {
            x,
            y,
            left: bits & 1 != 0,
            middle: bits & 2 != 0,
            right: bits & 4 != 0,
            scroll_x: six(bits >> 3),
            scroll_y: six(bits >> 9),
        }
    }

    /// `btn(id)`.
    pub fn btn(&mut self, id: i32) -> bool {
        self.btn_mask() >> (id & 31) & 1 == 1
    }

    /// `btnp()`: buttons down now that were up in the previous frame.
    pub fn btnp_mask(&mut self) -> u32 {
        !self.input.previous & self.btn_mask()
    }

    /// `btnp(id, hold, period)`: true on the press, then, once held for `hold` frames, every
    /// `period` frames (every frame for period 0). Negative hold or period: press only.
    pub fn btnp(&mut self, id: i32, hold: i32, period: i32) -> bool {
        let i = (id & 31) as usize;
        let mut prev = self.input.previous;
        if hold >= 0 && period >= 0 {
            let k = self.input.holds[i];
            if k >= hold as u32 {
                prev = if period != 0 && !k.is_multiple_of(period as u32) {
                    self.input.previous
                } else {
                    0
                };
            }
        }
        (!prev & self.btn_mask()) >> i & 1 == 1
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::machine;
    use cartbox_protocol::ram;

    #[test]
    fn btnp_fires_on_press_then_repeats_after_hold() {
        let mut m = machine();
        let mut fired = Vec::new();
        for frame in 0..12 {
            m.ram()[ram::GAMEPADS] = if frame < 10 { 1 } else { 0 };
            m.begin_frame(None);
            if m.btnp(0, 3, 2) {
                fired.push(frame);
            }
            assert_eq!(m.btn(0), frame < 10);
            assert_eq!(m.btnp(0, -1, -1), frame == 0);
            m.end_frame();
        }
        assert_eq!(fired, vec![0, 4, 6, 8]);
    }

    #[test]
    fn mapped_keys_press_buttons_and_pokes_cannot_fake_edges() {
        let mut m = machine();
        m.ram()[ram::KEYBOARD] = 26; // Z
        m.begin_frame(None);
        assert!(m.btn(4));
        assert_eq!(m.btnp_mask(), 1 << 4);
        m.end_frame();
        m.begin_frame(None);
        // Clearing the bit in RAM does not make the next press look new.
        m.ram()[ram::GAMEPADS] = 0;
        assert!(!m.btnp(4, -1, -1));
        m.ram()[ram::GAMEPADS] = 1 << 4;
        assert!(!m.btnp(4, -1, -1));
    }
}

#[cfg(test)]
mod key_tests {
    use super::super::testing::machine;
    use cartbox_protocol::ram;

    #[test]
    fn keys_and_keyp_repeat() {
        let mut m = machine();
        let mut fired = Vec::new();
        for frame in 0..8 {
            m.ram()[ram::KEYBOARD] = if frame < 7 { 48 } else { 0 }; // space
            m.begin_frame(None);
            assert_eq!(m.key(48), frame < 7);
            assert_eq!(m.key_any(), frame < 7);
            if m.keyp(48, 2, 2) {
                fired.push(frame);
            }
            if frame == 0 {
                assert!(m.keyp(0, -1, -1));
            }
            m.end_frame();
        }
        assert_eq!(fired, vec![0, 2, 4, 6]);
    }

    #[test]
    fn mouse_in_screen_coordinates_and_relative_mode() {
        let mut m = machine();
        m.ram()[ram::MOUSE..ram::MOUSE + 4].copy_from_slice(&[
            20,
            10,
            0b0000_0101 | (3 << 3),
            0x7a,
        ]);
        let p = m.mouse();
        assert_eq!(
            (p.x, p.y, p.left, p.middle, p.right),
            (12, 6, true, false, true)
        );
        // scroll x = 3; scroll y = bits 9..14 = 0b111101 = -3
        assert_eq!((p.scroll_x, p.scroll_y), (3, -3));
        m.ram()[ram::MOUSE..ram::MOUSE + 4].copy_from_slice(&[0xfe, 5, 0, 0x80]);
        let p = m.mouse();
        assert_eq!((p.x, p.y), (-2, 5));
    }
}
