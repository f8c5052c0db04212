//! Physical keys to TIC-80 key codes: the one table between the window library's key names
//! and TIC-80's numbers. What the codes do after that (the four-key buffer, the keys that
//! press buttons) is `frontend::keys`, which knows nothing of the window library.

use winit::keyboard::KeyCode;

/// The TIC-80 key code of a physical key (`tic_keycode`), if it has one.
pub(super) fn tic_key(code: KeyCode) -> Option<u8> {
    use KeyCode::*;
    let letters = [
        KeyA, KeyB, KeyC, KeyD, KeyE, KeyF, KeyG, KeyH, KeyI, KeyJ, KeyK, KeyL, KeyM, KeyN, KeyO,
        KeyP, KeyQ, KeyR, KeyS, KeyT, KeyU, KeyV, KeyW, KeyX, KeyY, KeyZ,
    ];
    let digits = [
        Digit0, Digit1, Digit2, Digit3, Digit4, Digit5, Digit6, Digit7, Digit8, Digit9,
    ];
    let rest = [
        Minus,
        Equal,
        BracketLeft,
        BracketRight,
        Backslash,
        Semicolon,
        Quote,
        Backquote,
        Comma,
        Period,
        Slash,
        Space,
        Tab,
        Enter,
        Backspace,
        Delete,
        Insert,
        PageUp,
        PageDown,
        Home,
        End,
        ArrowUp,
        ArrowDown,
        ArrowLeft,
        ArrowRight,
        CapsLock,
    ];
    let fkeys = [F1, F2, F3, F4, F5, F6, F7, F8, F9, F10, F11, F12];
    let numpad = [
        Numpad0,
        Numpad1,
        Numpad2,
        Numpad3,
        Numpad4,
        Numpad5,
        Numpad6,
        Numpad7,
        Numpad8,
        Numpad9,
        NumpadAdd,
        NumpadSubtract,
        NumpadMultiply,
        NumpadDivide,
        NumpadEnter,
        NumpadDecimal,
    ];
    let find = |table: &[KeyCode], first: u8| {
        table
            .iter()
            .position(|k| *k == code)
            .map(|i| first + i as u8)
    };
    find(&letters, 1)
        .or(find(&digits, 27))
        .or(find(&rest, 37))
        .or(match code {
            ControlLeft | ControlRight => Some(63),
            ShiftLeft | ShiftRight => Some(64),
            AltLeft | AltRight => Some(65),
            Escape => Some(66),
            _ => None,
        })
        .or(find(&fkeys, 67))
        .or(find(&numpad, 79))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frontend::keys::key_code;

    #[test]
    fn key_codes_follow_tic80() {
        assert_eq!(tic_key(KeyCode::KeyA), Some(1));
        assert_eq!(tic_key(KeyCode::KeyZ), Some(26));
        assert_eq!(tic_key(KeyCode::Digit0), Some(27));
        assert_eq!(tic_key(KeyCode::Minus), key_code("minus"));
        assert_eq!(tic_key(KeyCode::Space), key_code("space"));
        assert_eq!(tic_key(KeyCode::End), key_code("end"));
        assert_eq!(tic_key(KeyCode::ArrowUp), Some(58));
        assert_eq!(tic_key(KeyCode::ArrowRight), Some(61));
        assert_eq!(tic_key(KeyCode::CapsLock), Some(62));
        assert_eq!(tic_key(KeyCode::ControlRight), Some(63));
        assert_eq!(tic_key(KeyCode::Escape), Some(66));
        assert_eq!(tic_key(KeyCode::F1), Some(67));
        assert_eq!(tic_key(KeyCode::F12), Some(78));
        assert_eq!(tic_key(KeyCode::Numpad0), Some(79));
        assert_eq!(tic_key(KeyCode::NumpadDecimal), Some(94));
        assert_eq!(tic_key(KeyCode::MediaPlayPause), None);
    }
}
