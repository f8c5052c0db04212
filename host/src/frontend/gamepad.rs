//! Real gamepads, read through the kernel's evdev interface (`/dev/input/event*`, with the
//! pure-Rust `evdev` crate: no system library at build or run time), mapped as TIC-80 maps
//! them: up to four pads, one per player, in the order they were found; a direction is the
//! d-pad (buttons or hat) or the left stick past half way; A, B, X, Y are `BTN_A`, `BTN_B`,
//! `BTN_X`, `BTN_Y` (the Xbox layout: A south, B east, X west, Y north, as the kernel's
//! xpad driver reports them and SDL maps them for TIC-80). Start, Select and the guide
//! button open the game menu.
//!
//! Hot-plug: the folder is looked at again every second; a pad that goes away (an ioctl
//! fails) is let go and its player slot freed. Reading never blocks: devices are opened
//! non-blocking, their queued events drained and dropped, and each look reads the state of
//! the buttons and axes with two ioctls.

use std::collections::{BTreeMap, BTreeSet};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use evdev::raw_stream::RawDevice;
use evdev::{AbsoluteAxisCode, AttributeSet, KeyCode};

/// Most pads: one per player.
const PLAYERS: usize = 4;

/// How often the device folder is looked at for pads plugged in.
const RESCAN_EVERY: Duration = Duration::from_secs(1);

/// What the pads say now.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pads {
    /// The gamepad bytes of players 1 to 4 (TIC-80's bit order: up, down, left, right,
    /// A, B, X, Y).
    pub buttons: [u8; 4],
    /// Start, Select or the guide button is held on some pad (the game menu).
    pub menu: bool,
}

/// One open pad.
struct Pad {
    device: RawDevice,
    keys: AttributeSet<KeyCode>,
    /// Each axis's range, for "past half way".
    ranges: Vec<(AbsoluteAxisCode, i32, i32)>,
}

/// The gamepads in a device folder (`/dev/input`).
pub struct Gamepads {
    folder: PathBuf,
    /// Open pads by path, with the player slot each has.
    pads: BTreeMap<PathBuf, (usize, Pad)>,
    /// Device nodes looked at that are not pads (or could not be opened): not opened again
    /// until they leave the folder.
    passed: BTreeSet<PathBuf>,
    next_scan: Instant,
}

impl Default for Gamepads {
    /// The pads in `/dev/input`, now and as they are plugged in.
    fn default() -> Gamepads {
        Gamepads::in_folder(Path::new("/dev/input"))
    }
}

impl Gamepads {
    /// The pads in `folder` (tests use a folder of their own).
    pub fn in_folder(folder: &Path) -> Gamepads {
        Gamepads {
            folder: folder.to_owned(),
            pads: BTreeMap::new(),
            passed: BTreeSet::new(),
            next_scan: Instant::now(),
        }
    }

    /// How many pads are open.
    pub fn count(&self) -> usize {
        self.pads.len()
    }

    /// The buttons of players 1 to 4 now. Never blocks.
    pub fn poll(&mut self) -> Pads {
        if Instant::now() >= self.next_scan {
            self.scan();
            self.next_scan = Instant::now() + RESCAN_EVERY;
        }
        let mut out = Pads::default();
        let mut gone = Vec::new();
        for (path, (slot, pad)) in &mut self.pads {
            match pad.read() {
                Ok((byte, menu)) => {
                    out.buttons[*slot] = byte;
                    out.menu |= menu;
                }
                Err(_) => gone.push(path.clone()),
            }
        }
        for path in gone {
            self.pads.remove(&path);
        }
        out
    }

    /// Opens the pads that appeared; forgets nodes that left.
    fn scan(&mut self) {
        let Ok(entries) = std::fs::read_dir(&self.folder) else {
            return;
        };
        let present: BTreeSet<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("event"))
            })
            .collect();
        self.passed.retain(|p| present.contains(p));
        self.pads.retain(|p, _| present.contains(p));
        for path in present {
            if self.pads.len() == PLAYERS {
                break;
            }
            if self.pads.contains_key(&path) || self.passed.contains(&path) {
                continue;
            }
            match Pad::open(&path) {
                Some(pad) => {
                    let used: BTreeSet<usize> = self.pads.values().map(|(s, _)| *s).collect();
                    let slot = (0..PLAYERS).find(|s| !used.contains(s)).unwrap_or(0);
                    self.pads.insert(path, (slot, pad));
                }
                None => {
                    self.passed.insert(path);
                }
            }
        }
    }
}

impl Pad {
    /// Opens `path` if it is a gamepad (it has a south button).
    fn open(path: &Path) -> Option<Pad> {
        let file = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(path)
            .ok()?;
        let device = RawDevice::from_fd(file.into()).ok()?;
        if !device
            .supported_keys()
            .is_some_and(|k| k.contains(KeyCode::BTN_SOUTH))
        {
            return None;
        }
        let ranges = device
            .get_absinfo()
            .ok()?
            .map(|(axis, info)| (axis, info.minimum(), info.maximum()))
            .collect();
        Some(Pad {
            device,
            keys: AttributeSet::new(),
            ranges,
        })
    }

    /// The pad's byte and whether a menu button is held; an error once the pad is gone.
    fn read(&mut self) -> std::io::Result<(u8, bool)> {
        // Events are not used (the state is read directly), but are drained so that the
        // kernel's queue does not overflow.
        loop {
            match self.device.fetch_events() {
                Ok(events) => {
                    if events.count() == 0 {
                        break;
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                Err(e) => return Err(e),
            }
        }
        self.device.update_key_state(&mut self.keys)?;
        let abs = self.device.get_abs_state()?;
        let axis = |code: AbsoluteAxisCode| -> i32 {
            let Some(&(_, min, max)) = self.ranges.iter().find(|(a, _, _)| *a == code) else {
                return 0;
            };
            direction(abs[usize::from(code.0)].value, min, max)
        };
        Ok(state_byte(
            |k| self.keys.contains(k),
            axis(AbsoluteAxisCode::ABS_X),
            axis(AbsoluteAxisCode::ABS_Y),
            axis(AbsoluteAxisCode::ABS_HAT0X),
            axis(AbsoluteAxisCode::ABS_HAT0Y),
        ))
    }
}

/// -1, 0 or 1: where `value` is in `min..=max`, past half way from the middle to either end
/// (a hat, with a range of -1..=1, is past half way at either end).
fn direction(value: i32, min: i32, max: i32) -> i32 {
    let (value, min, max) = (i64::from(value), i64::from(min), i64::from(max));
    if max <= min {
        return 0;
    }
    let middle2 = min + max; // twice the middle
    let half2 = (max - min) / 2; // half the way from the middle to an end, doubled
    let offset2 = 2 * value - middle2;
    if offset2 >= half2.max(1) {
        1
    } else if offset2 <= -half2.max(1) {
        -1
    } else {
        0
    }
}

/// TIC-80's gamepad byte from a pad's buttons and its stick and hat directions (x: -1 left,
/// y: -1 up, as evdev reports them), and whether a menu button is held.
fn state_byte(
    held: impl Fn(KeyCode) -> bool,
    x: i32,
    y: i32,
    hat_x: i32,
    hat_y: i32,
) -> (u8, bool) {
    let bits = [
        held(KeyCode::BTN_DPAD_UP) || y < 0 || hat_y < 0,
        held(KeyCode::BTN_DPAD_DOWN) || y > 0 || hat_y > 0,
        held(KeyCode::BTN_DPAD_LEFT) || x < 0 || hat_x < 0,
        held(KeyCode::BTN_DPAD_RIGHT) || x > 0 || hat_x > 0,
        held(KeyCode::BTN_SOUTH),
        held(KeyCode::BTN_EAST),
        // BTN_X and BTN_Y by their names (evdev also calls them BTN_NORTH and BTN_WEST).
        held(KeyCode::BTN_NORTH),
        held(KeyCode::BTN_WEST),
    ];
    let byte = bits
        .iter()
        .enumerate()
        .fold(0u8, |acc, (bit, on)| acc | (u8::from(*on) << bit));
    let menu = held(KeyCode::BTN_START) || held(KeyCode::BTN_SELECT) || held(KeyCode::BTN_MODE);
    (byte, menu)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stick_counts_past_half_way() {
        // An Xbox pad's stick: -32768..=32767.
        assert_eq!(direction(0, -32768, 32767), 0);
        assert_eq!(direction(16000, -32768, 32767), 0);
        assert_eq!(direction(17000, -32768, 32767), 1);
        assert_eq!(direction(-17000, -32768, 32767), -1);
        // A stick of 0..=255 resting at 128.
        assert_eq!(direction(128, 0, 255), 0);
        assert_eq!(direction(250, 0, 255), 1);
        assert_eq!(direction(3, 0, 255), -1);
        // A hat: -1..=1.
        assert_eq!(direction(-1, -1, 1), -1);
        assert_eq!(direction(0, -1, 1), 0);
        assert_eq!(direction(1, -1, 1), 1);
        // A broken range says nothing.
        assert_eq!(direction(5, 3, 3), 0);
        assert_eq!(direction(i32::MAX, i32::MIN, i32::MAX), 1);
    }

    #[test]
    fn buttons_map_as_tic80_maps_them() {
        let only = |key: KeyCode| move |k: KeyCode| k == key;
        let byte = |key| state_byte(only(key), 0, 0, 0, 0);
        assert_eq!(byte(KeyCode::BTN_DPAD_UP), (0b0000_0001, false));
        assert_eq!(byte(KeyCode::BTN_DPAD_DOWN), (0b0000_0010, false));
        assert_eq!(byte(KeyCode::BTN_DPAD_LEFT), (0b0000_0100, false));
        assert_eq!(byte(KeyCode::BTN_DPAD_RIGHT), (0b0000_1000, false));
        assert_eq!(byte(KeyCode::BTN_SOUTH), (0b0001_0000, false));
        assert_eq!(byte(KeyCode::BTN_EAST), (0b0010_0000, false));
        // BTN_X (0x133) and BTN_Y (0x134), which the crate names by their other names.
        assert_eq!(byte(KeyCode(0x133)), (0b0100_0000, false));
        assert_eq!(byte(KeyCode(0x134)), (0b1000_0000, false));
        assert_eq!(byte(KeyCode::BTN_START), (0, true));
        assert_eq!(byte(KeyCode::BTN_SELECT), (0, true));
        // The stick and the hat: y up is negative in evdev.
        let none = |_: KeyCode| false;
        assert_eq!(state_byte(none, -1, 0, 0, 0).0, 0b0100);
        assert_eq!(state_byte(none, 0, 1, 0, 0).0, 0b0010);
        assert_eq!(state_byte(none, 0, 0, 1, -1).0, 0b1001);
    }

    #[test]
    fn a_folder_without_pads_gives_nothing_and_never_blocks() {
        // Plain files named like device nodes are not input devices: passed over.
        let dir = std::env::temp_dir().join(format!("cartbox-pads-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("event0"), b"not a device").unwrap();
        let mut pads = Gamepads::in_folder(&dir);
        assert_eq!(pads.poll(), Pads::default());
        assert_eq!(pads.count(), 0);
        assert!(pads.passed.contains(&dir.join("event0")));
        // Gone from the folder: forgotten.
        std::fs::remove_file(dir.join("event0")).unwrap();
        pads.scan();
        assert!(pads.passed.is_empty());
        let _ = std::fs::remove_dir(&dir);
        // No folder at all: nothing either.
        assert_eq!(Gamepads::in_folder(&dir).poll(), Pads::default());
    }
}
