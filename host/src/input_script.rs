//! Scripted input for headless runs (`--input FILE`).
//!
//! One line per frame range, `#` starts a comment:
//!
//! ```text
//! # frames   buttons held
//! 1-30       right
//! 31         right a
//! 40-        p2:left        # from frame 40 to the end
//! ```
//!
//! Frames count from 1 (frame 1 is the first TIC). Buttons are `up down left right a b x
//! y`, for player 1 unless prefixed with `p1:` to `p4:`. Ranges may overlap; their buttons
//! add up.

use std::io::Read;
use std::path::{Path, PathBuf};

use cartbox_protocol::ram::button;

/// Largest input script read (a script is a few lines; a larger file is not one).
const MAX_SCRIPT: u64 = 1 << 20;

/// An input script that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// The file could not be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A line is not a frame range with buttons.
    #[error("{}:{line}: {message}", path.display())]
    Malformed {
        /// The file.
        path: PathBuf,
        /// The line, from 1.
        line: usize,
        /// What is wrong.
        message: String,
    },
}

/// A parsed input script.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InputScript {
    ranges: Vec<(u64, Option<u64>, [u8; 4])>,
}

impl InputScript {
    /// Reads and parses `path`. Errors name the file and line.
    pub fn load(path: &Path) -> Result<InputScript, InputError> {
        let io = |source| InputError::Io {
            path: path.to_owned(),
            source,
        };
        let mut bytes = Vec::new();
        std::fs::File::open(path)
            .and_then(|f| f.take(MAX_SCRIPT + 1).read_to_end(&mut bytes))
            .map_err(io)?;
        let malformed = |line, message| InputError::Malformed {
            path: path.to_owned(),
            line,
            message,
        };
        if bytes.len() as u64 > MAX_SCRIPT {
            return Err(malformed(0, format!("larger than {MAX_SCRIPT} bytes")));
        }
        let text = String::from_utf8(bytes).map_err(|_| malformed(0, "not UTF-8 text".into()))?;
        InputScript::parse(&text).map_err(|(line, message)| malformed(line, message))
    }

    /// Parses script text; errors carry the line number.
    pub fn parse(text: &str) -> Result<InputScript, (usize, String)> {
        let mut ranges = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let line = raw.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let err = |m: String| (i + 1, m);
            let mut words = line.split_whitespace();
            let range = words.next().unwrap_or_default();
            let (from, to) = match range.split_once('-') {
                Some((a, "")) => (frame(a).map_err(err)?, None),
                Some((a, b)) => (frame(a).map_err(err)?, Some(frame(b).map_err(err)?)),
                None => {
                    let f = frame(range).map_err(err)?;
                    (f, Some(f))
                }
            };
            if to.is_some_and(|t| t < from) {
                return Err(err(format!("range {range} ends before it starts")));
            }
            let mut pads = [0u8; 4];
            let mut any = false;
            for w in words {
                let (player, name) = match w.split_once(':') {
                    Some((p, n)) => {
                        let p = p
                            .strip_prefix('p')
                            .and_then(|d| d.parse::<usize>().ok())
                            .filter(|d| (1..=4).contains(d))
                            .ok_or_else(|| err(format!("'{p}' is not a player (p1 to p4)")))?;
                        (p - 1, n)
                    }
                    None => (0, w),
                };
                let bit = button::NAMES
                    .iter()
                    .position(|b| b.eq_ignore_ascii_case(name))
                    .ok_or_else(|| {
                        err(format!(
                            "unknown button '{name}' (expected one of {})",
                            button::NAMES.join(" ")
                        ))
                    })?;
                pads[player] |= 1 << bit;
                any = true;
            }
            if !any {
                return Err(err(format!("frames {range} name no button")));
            }
            ranges.push((from, to, pads));
        }
        Ok(InputScript { ranges })
    }

    /// Gamepad bytes held during frame `n` (1-based).
    pub fn gamepads(&self, n: u64) -> [u8; 4] {
        let mut pads = [0u8; 4];
        for (from, to, p) in &self.ranges {
            if n >= *from && to.is_none_or(|t| n <= t) {
                for (a, b) in pads.iter_mut().zip(p) {
                    *a |= b;
                }
            }
        }
        pads
    }
}

fn frame(s: &str) -> Result<u64, String> {
    match s.parse::<u64>() {
        Ok(0) => Err("frames count from 1".into()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("'{s}' is not a frame number")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_and_players() {
        let s = InputScript::parse("# demo\n1-3 right a\n2 p2:up\n5- left # rest\n").unwrap();
        assert_eq!(s.gamepads(1), [button::RIGHT | button::A, 0, 0, 0]);
        assert_eq!(s.gamepads(2), [button::RIGHT | button::A, button::UP, 0, 0]);
        assert_eq!(s.gamepads(4), [0; 4]);
        assert_eq!(s.gamepads(1000), [button::LEFT, 0, 0, 0]);
    }

    #[test]
    fn errors_name_the_line() {
        assert_eq!(InputScript::parse("1 up\n2 jump").unwrap_err().0, 2);
        assert!(
            InputScript::parse("x up")
                .unwrap_err()
                .1
                .contains("not a frame number")
        );
        assert!(
            InputScript::parse("5-2 up")
                .unwrap_err()
                .1
                .contains("ends before")
        );
        assert!(
            InputScript::parse("0 up")
                .unwrap_err()
                .1
                .contains("count from 1")
        );
        assert!(
            InputScript::parse("3 p5:up")
                .unwrap_err()
                .1
                .contains("not a player")
        );
        assert!(InputScript::parse("3").unwrap_err().1.contains("no button"));
    }
}
