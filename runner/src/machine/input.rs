//! Gamepad input: `btn`, `btnp`, and the per-button hold counters behind `btnp`'s repeat.

use cartbox_protocol::ram::{self, RAM_SIZE};

use super::Machine;

/// Key codes that press each gamepad button by default: player 1 on the arrows, Z, X, A, S.
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

/// Input history: this frame's snapshot, the previous one, and hold counters.
#[derive(Debug, Default, Clone)]
pub struct Input {
    now: u32,
    prev: u32,
    hold: [u32; 32],
}

impl Input {
    /// Start of a tick: mapped keys press their buttons, then the snapshot and counters move.
    pub(super) fn begin_frame(&mut self, ram: &mut [u8; RAM_SIZE]) {
        let keys = &ram[ram::KEYBOARD..ram::KEYBOARD + 4];
        let mut pads = u32::from_le_bytes([
            ram[ram::GAMEPADS],
            ram[ram::GAMEPADS + 1],
            ram[ram::GAMEPADS + 2],
            ram[ram::GAMEPADS + 3],
        ]);
        for button in 0..32 {
            let code = ram[ram::BUTTON_MAPPING + button];
            if code != 0 && keys.contains(&code) {
                pads |= 1 << button;
            }
        }
        ram[ram::GAMEPADS..ram::GAMEPADS + 4].copy_from_slice(&pads.to_le_bytes());
        self.now = pads;
        for (i, h) in self.hold.iter_mut().enumerate() {
            let bit = 1 << i;
            *h = if self.now & self.prev & bit != 0 {
                h.saturating_add(1)
            } else {
                0
            };
        }
    }

    /// End of a tick: this frame becomes the previous one.
    pub(super) fn end_frame(&mut self) {
        self.prev = self.now;
    }

    /// Buttons pressed this frame that were up in the previous one.
    pub fn pressed_mask(&self) -> u32 {
        self.now & !self.prev
    }

    /// `btnp(id, hold, period)` for button `id` (0..32).
    pub fn btnp(&self, id: u32, hold: i32, period: i32) -> bool {
        let bit = 1u32 << (id & 31);
        if self.now & !self.prev & bit != 0 {
            return true;
        }
        if hold < 0 || self.now & self.prev & bit == 0 {
            return false;
        }
        let k = self.hold[(id & 31) as usize];
        k >= hold as u32 && (period <= 0 || k % period as u32 == 0)
    }
}

impl Machine {
    /// All 32 gamepad buttons held, as read from RAM.
    pub fn btn_mask(&mut self) -> u32 {
        let r = self.ram();
        u32::from_le_bytes([
            r[ram::GAMEPADS],
            r[ram::GAMEPADS + 1],
            r[ram::GAMEPADS + 2],
            r[ram::GAMEPADS + 3],
        ])
    }

    /// `btn(id)`.
    pub fn btn(&mut self, id: i32) -> bool {
        self.btn_mask() >> (id & 31) & 1 == 1
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
            if m.input().btnp(0, 3, 2) {
                fired.push(frame);
            }
            assert_eq!(m.btn(0), frame < 10);
            m.end_frame();
        }
        assert_eq!(fired, vec![0, 4, 6, 8]);
    }

    #[test]
    fn mapped_keys_press_buttons() {
        let mut m = machine();
        m.ram()[ram::KEYBOARD] = 26; // Z
        m.begin_frame(None);
        assert!(m.btn(4));
        assert!(m.input().btnp(4, -1, -1));
        assert_eq!(m.input().pressed_mask(), 1 << 4);
    }
}
