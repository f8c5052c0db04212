//! Real gamepads through gilrs (the `gamepad` feature), mapped as TIC-80 maps them: up to
//! four pads, one per player; a direction is the d-pad or the left stick past half way;
//! A, B, X, Y are the south, east, west and north buttons (the Xbox layout).

use gilrs::{Axis, Button, Gilrs};

/// Connected gamepads.
pub struct Gamepads {
    gilrs: Gilrs,
}

impl Gamepads {
    /// Starts gilrs; `None` (with a message) where gamepads cannot be read.
    pub fn new() -> Option<Gamepads> {
        match Gilrs::new() {
            Ok(gilrs) => Some(Gamepads { gilrs }),
            Err(e) => {
                errln!("cartbox: gamepads are not available: {e}");
                None
            }
        }
    }

    /// The gamepad bytes for players 1 to 4 now.
    pub fn poll(&mut self) -> [u8; 4] {
        while self.gilrs.next_event().is_some() {}
        let mut out = [0u8; 4];
        for (slot, (_, pad)) in out.iter_mut().zip(self.gilrs.gamepads()) {
            let axis = |a: Axis| pad.axis_data(a).map_or(0.0, |d| d.value());
            let (x, y) = (axis(Axis::LeftStickX), axis(Axis::LeftStickY));
            let pressed = [
                pad.is_pressed(Button::DPadUp) || y > 0.5,
                pad.is_pressed(Button::DPadDown) || y < -0.5,
                pad.is_pressed(Button::DPadLeft) || x < -0.5,
                pad.is_pressed(Button::DPadRight) || x > 0.5,
                pad.is_pressed(Button::South),
                pad.is_pressed(Button::East),
                pad.is_pressed(Button::West),
                pad.is_pressed(Button::North),
            ];
            *slot = pressed
                .iter()
                .enumerate()
                .fold(0, |acc, (bit, on)| acc | (u8::from(*on) << bit));
        }
        out
    }
}
