//! Gamepad input: `btn`, `btnp`, and the per-button hold counters behind `btnp`'s repeat.
//!
//! As in TIC-80, `btn` and `btnp` read the gamepad bytes in RAM as they are now, while the
//! "previous frame" state comes from a snapshot taken at the start of the last tick, so a
//! cart poking input RAM cannot fake a press edge.

use cartbox_protocol::ram::{self, RAM_SIZE};

use super::Machine;

/// Key codes that press each gamepad button: player 1 on the arrows, Z, X, A, S. TIC-80's
/// studio writes its configured mapping into RAM every frame; this is its default.
pub const DEFAULT_MAPPING: [u8; 32] = {
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

/// Input history: snapshots and hold counters.
#[derive(Debug, Default, Clone)]
pub struct Input {
    now: u32,
    previous: u32,
    holds: [u32; 32],
}

fn pads(ram: &[u8; RAM_SIZE]) -> u32 {
    let g = ram::GAMEPADS;
    u32::from_le_bytes([ram[g], ram[g + 1], ram[g + 2], ram[g + 3]])
}

impl Input {
    /// Start of a tick: the mapping is restored, mapped keys press their buttons, the hold
    /// counters move, and the snapshot is taken.
    pub(super) fn begin_frame(&mut self, ram: &mut [u8; RAM_SIZE]) {
        ram[ram::BUTTON_MAPPING..ram::BUTTON_MAPPING + 32].copy_from_slice(&DEFAULT_MAPPING);
        let mut now = pads(ram);
        let keys = [
            ram[ram::KEYBOARD],
            ram[ram::KEYBOARD + 1],
            ram[ram::KEYBOARD + 2],
            ram[ram::KEYBOARD + 3],
        ];
        for (button, code) in DEFAULT_MAPPING.iter().enumerate() {
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
    }

    /// End of a tick: this frame's snapshot becomes the previous one.
    pub(super) fn end_frame(&mut self) {
        self.previous = self.now;
    }
}

impl Machine {
    /// `btn()`: all 32 buttons as held now.
    pub fn btn_mask(&mut self) -> u32 {
        pads(self.ram())
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
