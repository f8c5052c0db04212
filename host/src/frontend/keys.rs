//! Keyboard state as TIC-80 sees it: key codes 1..=94, the four-key buffer that `key()`
//! and `keyp()` read, and the keys that press gamepad buttons (configurable).
//!
//! Nothing here depends on the window library: the window translates its key events into
//! TIC-80 codes (`frontend::window`), and everything after that is plain data, tested
//! without a display.

use cartbox_protocol::ram::DEFAULT_BUTTON_MAPPING as DEFAULT_MAPPING;

/// Number of key codes (`tic_keys_count`); code 0 is "no key".
pub use cartbox_protocol::ram::KEY_COUNT;

/// TIC-80's key names, by code (index 0 is unused). The names are the ones TIC-80 prints
/// in its keyboard settings.
pub const KEY_NAMES: [&str; KEY_COUNT] = [
    "",
    "a",
    "b",
    "c",
    "d",
    "e",
    "f",
    "g",
    "h",
    "i",
    "j",
    "k",
    "l",
    "m",
    "n",
    "o",
    "p",
    "q",
    "r",
    "s",
    "t",
    "u",
    "v",
    "w",
    "x",
    "y",
    "z",
    "0",
    "1",
    "2",
    "3",
    "4",
    "5",
    "6",
    "7",
    "8",
    "9",
    "minus",
    "equals",
    "leftbracket",
    "rightbracket",
    "backslash",
    "semicolon",
    "apostrophe",
    "grave",
    "comma",
    "period",
    "slash",
    "space",
    "tab",
    "return",
    "backspace",
    "delete",
    "insert",
    "pageup",
    "pagedown",
    "home",
    "end",
    "up",
    "down",
    "left",
    "right",
    "capslock",
    "ctrl",
    "shift",
    "alt",
    "escape",
    "f1",
    "f2",
    "f3",
    "f4",
    "f5",
    "f6",
    "f7",
    "f8",
    "f9",
    "f10",
    "f11",
    "f12",
    "num0",
    "num1",
    "num2",
    "num3",
    "num4",
    "num5",
    "num6",
    "num7",
    "num8",
    "num9",
    "numplus",
    "numminus",
    "nummultiply",
    "numdivide",
    "numenter",
    "numperiod",
];

/// The code of a key name (as in [`KEY_NAMES`], case-insensitive).
pub fn key_code(name: &str) -> Option<u8> {
    let name = name.trim().to_ascii_lowercase();
    KEY_NAMES
        .iter()
        .position(|n| !n.is_empty() && *n == name)
        .map(|i| i as u8)
}

/// Gamepad button names in bit order.
pub const BUTTON_NAMES: [&str; 8] = ["up", "down", "left", "right", "a", "b", "x", "y"];

/// Which key presses which gamepad button: 8 buttons for each of 4 players, one key code
/// each (0: none), laid out as TIC-80's mapping in RAM.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyMap(pub [u8; 32]);

impl Default for KeyMap {
    /// TIC-80's default: player 1 on the arrows, Z, X, A and S.
    fn default() -> Self {
        KeyMap(DEFAULT_MAPPING)
    }
}

impl KeyMap {
    /// Parses a mapping such as `up=w,down=s,left=a,right=d,a=j,b=k` or
    /// `p2.a=f,p2.b=g`: comma-separated `[pN.]BUTTON=KEY` pairs, changing the default
    /// (player 1 when no `pN.` is given). `BUTTON=none` unbinds a button.
    pub fn parse(spec: &str) -> Result<KeyMap, String> {
        let mut map = KeyMap::default();
        for item in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let (target, key) = item
                .split_once('=')
                .ok_or_else(|| format!("'{item}': expected BUTTON=KEY, such as a=j"))?;
            let target = target.trim().to_ascii_lowercase();
            let (player, button) = match target.split_once('.') {
                Some((p, b)) => {
                    let n = p
                        .strip_prefix('p')
                        .and_then(|n| n.parse::<usize>().ok())
                        .filter(|n| (1..=4).contains(n))
                        .ok_or_else(|| format!("'{item}': players are p1 to p4"))?;
                    (n - 1, b.to_owned())
                }
                None => (0, target),
            };
            let b = BUTTON_NAMES
                .iter()
                .position(|n| *n == button)
                .ok_or_else(|| {
                    format!(
                        "'{item}': unknown button '{button}' (buttons: {})",
                        BUTTON_NAMES.join(", ")
                    )
                })?;
            let code = if key.trim().eq_ignore_ascii_case("none") {
                0
            } else {
                key_code(key).ok_or_else(|| {
                    format!(
                        "'{item}': unknown key '{}' (see README.md for names)",
                        key.trim()
                    )
                })?
            };
            map.0[player * 8 + b] = code;
        }
        Ok(map)
    }
}

/// Held keys and keys pressed since the last frame, folded into TIC-80's four-key buffer
/// once per frame.
#[derive(Debug, Clone)]
pub struct KeyState {
    held: [bool; KEY_COUNT],
    tapped: [bool; KEY_COUNT],
}

impl Default for KeyState {
    fn default() -> Self {
        KeyState {
            held: [false; KEY_COUNT],
            tapped: [false; KEY_COUNT],
        }
    }
}

impl KeyState {
    /// A key went down (`true`) or up.
    pub fn set(&mut self, code: u8, down: bool) {
        let Some(h) = self.held.get_mut(code as usize) else {
            return;
        };
        if code == 0 {
            return;
        }
        *h = down;
        if down {
            self.tapped[code as usize] = true;
        }
    }

    /// Whether a key is held now.
    pub fn held(&self, code: u8) -> bool {
        self.held.get(code as usize).copied().unwrap_or(false)
    }

    /// Lets go of every key (the window lost focus: no key stays stuck).
    pub fn clear(&mut self) {
        *self = KeyState::default();
    }

    /// The four-key buffer for the next frame, as TIC-80 fills it: the lowest codes that
    /// are held or were tapped since the last call (a tap shorter than a frame is not
    /// lost). Forgets the taps.
    pub fn take_frame(&mut self) -> [u8; 4] {
        let mut out = [0u8; 4];
        let mut n = 0;
        for code in 1..KEY_COUNT {
            if n < 4 && (self.held[code] || self.tapped[code]) {
                out[n] = code as u8;
                n += 1;
            }
        }
        self.tapped = [false; KEY_COUNT];
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_codes() {
        assert_eq!(key_code("a"), Some(1));
        assert_eq!(key_code("Z"), Some(26));
        assert_eq!(key_code("0"), Some(27));
        assert_eq!(key_code("up"), Some(58));
        assert_eq!(key_code("escape"), Some(66));
        assert_eq!(key_code("f12"), Some(78));
        assert_eq!(key_code("numperiod"), Some(94));
        assert_eq!(key_code(""), None);
        assert_eq!(key_code("hyper"), None);
    }

    #[test]
    fn keymap_changes_the_default() {
        let m = KeyMap::parse("up=w, down=s ,a=j,p2.b=g,y=none").unwrap();
        assert_eq!(m.0[0], key_code("w").unwrap());
        assert_eq!(m.0[1], key_code("s").unwrap());
        assert_eq!(m.0[2], 60, "left stays on the arrow");
        assert_eq!(m.0[4], key_code("j").unwrap());
        assert_eq!(m.0[7], 0);
        assert_eq!(m.0[8 + 5], key_code("g").unwrap());
        assert_eq!(KeyMap::parse("").unwrap(), KeyMap::default());
        for bad in ["up", "jump=w", "up=hyper", "p5.a=j", "px.a=j"] {
            assert!(
                KeyMap::parse(bad)
                    .unwrap_err()
                    .contains(bad.split('=').next().unwrap())
            );
        }
    }

    #[test]
    fn four_lowest_held_or_tapped_keys() {
        let mut k = KeyState::default();
        for code in [61, 1, 26, 24, 2] {
            k.set(code, true);
        }
        assert_eq!(k.take_frame(), [1, 2, 24, 26], "the arrow loses to letters");
        k.set(1, false);
        k.set(2, false);
        assert_eq!(k.take_frame(), [24, 26, 61, 0]);
        // A tap between two frames still shows for one frame.
        k.set(50, true);
        k.set(50, false);
        assert_eq!(k.take_frame(), [24, 26, 50, 61]);
        assert_eq!(k.take_frame(), [24, 26, 61, 0]);
        k.clear();
        assert_eq!(k.take_frame(), [0; 4]);
        k.set(0, true);
        k.set(200, true);
        assert_eq!(k.take_frame(), [0; 4]);
    }
}
