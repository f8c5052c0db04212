//! What the window's input events become: keys go to the host (its keys, which the cart
//! never sees) or to the cart as TIC-80 codes; the mouse is seen in screen pixels, with
//! its buttons and wheel; the held input goes to the supervisor when it changes.

use winit::event::{ElementState, KeyEvent, MouseButton, MouseScrollDelta, WindowEvent};
use winit::event_loop::ActiveEventLoop;
use winit::keyboard::{KeyCode, PhysicalKey};

use super::App;
use super::keycodes::tic_key;
use crate::console::Input;

/// The mouse as the cart sees it.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct MouseState {
    pub(super) x: u8,
    pub(super) y: u8,
    /// Whether the pointer is over the picture.
    pub(super) inside: bool,
    pub(super) buttons: u16,
    /// Wheel movement not yet sent (fractions of a notch from touchpads).
    scroll_x: f64,
    scroll_y: f64,
}

/// The key of a keyboard event and whether it went down; `None` for a key winit cannot
/// place, and for a synthetic press: when the window gains focus, winit reports the keys
/// held at that moment as presses, and a key pressed just as the focus came would be seen
/// twice (Esc would open the menu and close it again). A key held before the focus came
/// counts once it is pressed again.
pub(super) fn key_of(event: &KeyEvent, is_synthetic: bool) -> Option<(KeyCode, bool)> {
    let PhysicalKey::Code(code) = event.physical_key else {
        return None;
    };
    let down = event.state == ElementState::Pressed;
    (!(down && is_synthetic)).then_some((code, down))
}

impl App {
    /// The keyboard, mouse and focus events of the window.
    pub(super) fn input_event(&mut self, event: WindowEvent, el: &ActiveEventLoop) {
        match event {
            WindowEvent::Focused(false) => {
                self.supervisor.release_keys();
                self.mouse.buttons = 0;
                self.send_input();
            }
            WindowEvent::ModifiersChanged(m) => self.modifiers = m.state(),
            WindowEvent::KeyboardInput {
                event,
                is_synthetic,
                ..
            } => {
                let Some((code, down)) = key_of(&event, is_synthetic) else {
                    return;
                };
                if down && !event.repeat && self.host_key(code, el) {
                    return;
                }
                if let Some(tic) = tic_key(code)
                    && !(down && event.repeat)
                {
                    self.supervisor.key(tic, down);
                }
            }
            WindowEvent::CursorMoved { position, .. } => {
                let (x, y) = self.layout.to_output(position.x, position.y);
                self.mouse.x = x;
                self.mouse.y = y;
                self.mouse.inside = self.layout.contains(position.x, position.y);
                self.send_input();
            }
            WindowEvent::CursorLeft { .. } => self.mouse.inside = false,
            WindowEvent::MouseInput { state, button, .. } => {
                let bit = match button {
                    MouseButton::Left => 1,
                    MouseButton::Middle => 2,
                    MouseButton::Right => 4,
                    _ => 0,
                };
                if state == ElementState::Pressed {
                    self.mouse.buttons |= bit;
                } else {
                    self.mouse.buttons &= !bit;
                }
                self.send_input();
            }
            WindowEvent::MouseWheel { delta, .. } => {
                // SDL (and so TIC-80) has wheel-up y = +1 and right x = +1; winit's X11
                // backend reports right as x = -1.
                let (x, y) = match delta {
                    MouseScrollDelta::LineDelta(x, y) => (f64::from(x), f64::from(y)),
                    MouseScrollDelta::PixelDelta(p) => (p.x / 20.0, p.y / 20.0),
                };
                self.mouse.scroll_x -= x;
                self.mouse.scroll_y += y;
                let (sx, sy) = (self.mouse.scroll_x.trunc(), self.mouse.scroll_y.trunc());
                if sx != 0.0 || sy != 0.0 {
                    self.supervisor.scroll(sx as i32, sy as i32);
                    self.mouse.scroll_x -= sx;
                    self.mouse.scroll_y -= sy;
                }
            }
            _ => {}
        }
    }

    /// The held input (gamepads, mouse position and buttons) to the supervisor. Keys and
    /// the wheel go as events of their own, the moment they happen.
    pub(super) fn send_input(&mut self) {
        let input = Input {
            gamepads: self.gamepad_bytes,
            mouse: [
                self.mouse.x,
                self.mouse.y,
                self.mouse.buttons as u8,
                (self.mouse.buttons >> 8) as u8,
            ],
            keyboard: [0; 4],
        };
        if self.sent_input != Some(input) {
            self.supervisor.set_input(input);
            self.sent_input = Some(input);
        }
    }
}
