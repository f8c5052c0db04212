//! The parts of the libretro API (version 1) the core uses: its types, as laid out in
//! `libretro.h`, and the numbers of its environment commands, devices and buttons.

use std::ffi::{c_char, c_uint, c_void};

pub const API_VERSION: c_uint = 1;

pub const DEVICE_JOYPAD: c_uint = 1;
pub const DEVICE_MOUSE: c_uint = 2;
pub const DEVICE_KEYBOARD: c_uint = 3;
pub const DEVICE_POINTER: c_uint = 6;

pub const JOYPAD_B: c_uint = 0;
pub const JOYPAD_Y: c_uint = 1;
pub const JOYPAD_UP: c_uint = 4;
pub const JOYPAD_DOWN: c_uint = 5;
pub const JOYPAD_LEFT: c_uint = 6;
pub const JOYPAD_RIGHT: c_uint = 7;
pub const JOYPAD_A: c_uint = 8;
pub const JOYPAD_X: c_uint = 9;

pub const MOUSE_LEFT: c_uint = 2;
pub const MOUSE_RIGHT: c_uint = 3;
pub const MOUSE_WHEELUP: c_uint = 4;
pub const MOUSE_WHEELDOWN: c_uint = 5;
pub const MOUSE_MIDDLE: c_uint = 6;

pub const POINTER_X: c_uint = 0;
pub const POINTER_Y: c_uint = 1;

pub const MEMORY_SAVE_RAM: c_uint = 0;
pub const REGION_NTSC: c_uint = 0;

pub const ENVIRONMENT_SET_PIXEL_FORMAT: c_uint = 10;
pub const ENVIRONMENT_SET_INPUT_DESCRIPTORS: c_uint = 11;
pub const ENVIRONMENT_GET_VARIABLE: c_uint = 15;
pub const ENVIRONMENT_SET_VARIABLES: c_uint = 16;
pub const ENVIRONMENT_GET_VARIABLE_UPDATE: c_uint = 17;
pub const ENVIRONMENT_GET_LOG_INTERFACE: c_uint = 27;
pub const PIXEL_FORMAT_XRGB8888: c_uint = 1;

pub const LOG_INFO: c_uint = 1;
pub const LOG_ERROR: c_uint = 3;

#[repr(C)]
pub struct SystemInfo {
    pub library_name: *const c_char,
    pub library_version: *const c_char,
    pub valid_extensions: *const c_char,
    pub need_fullpath: bool,
    pub block_extract: bool,
}

#[repr(C)]
pub struct GameGeometry {
    pub base_width: c_uint,
    pub base_height: c_uint,
    pub max_width: c_uint,
    pub max_height: c_uint,
    pub aspect_ratio: f32,
}

#[repr(C)]
pub struct SystemTiming {
    pub fps: f64,
    pub sample_rate: f64,
}

#[repr(C)]
pub struct SystemAvInfo {
    pub geometry: GameGeometry,
    pub timing: SystemTiming,
}

#[repr(C)]
pub struct GameInfo {
    pub path: *const c_char,
    pub data: *const c_void,
    pub size: usize,
    pub meta: *const c_char,
}

#[repr(C)]
pub struct Variable {
    pub key: *const c_char,
    pub value: *const c_char,
}

#[repr(C)]
pub struct InputDescriptor {
    pub port: c_uint,
    pub device: c_uint,
    pub index: c_uint,
    pub id: c_uint,
    pub description: *const c_char,
}

/// `retro_log_callback`: a printf-like function; the core only passes `"%s"` and a string.
#[repr(C)]
pub struct LogCallback {
    pub log: Option<unsafe extern "C" fn(level: c_uint, fmt: *const c_char, ...)>,
}

pub type EnvironmentFn = unsafe extern "C" fn(cmd: c_uint, data: *mut c_void) -> bool;
pub type VideoRefreshFn =
    unsafe extern "C" fn(data: *const c_void, width: c_uint, height: c_uint, pitch: usize);
pub type AudioSampleFn = unsafe extern "C" fn(left: i16, right: i16);
pub type AudioSampleBatchFn = unsafe extern "C" fn(data: *const i16, frames: usize) -> usize;
pub type InputPollFn = unsafe extern "C" fn();
pub type InputStateFn =
    unsafe extern "C" fn(port: c_uint, device: c_uint, index: c_uint, id: c_uint) -> i16;

/// libretro's key codes (`RETROK_*`) of the keys TIC-80 has, with TIC-80's codes.
pub const KEYS: &[(c_uint, u8)] = &[
    // a..z
    (97, 1),
    (98, 2),
    (99, 3),
    (100, 4),
    (101, 5),
    (102, 6),
    (103, 7),
    (104, 8),
    (105, 9),
    (106, 10),
    (107, 11),
    (108, 12),
    (109, 13),
    (110, 14),
    (111, 15),
    (112, 16),
    (113, 17),
    (114, 18),
    (115, 19),
    (116, 20),
    (117, 21),
    (118, 22),
    (119, 23),
    (120, 24),
    (121, 25),
    (122, 26),
    // 0..9
    (48, 27),
    (49, 28),
    (50, 29),
    (51, 30),
    (52, 31),
    (53, 32),
    (54, 33),
    (55, 34),
    (56, 35),
    (57, 36),
    // minus equals [ ] \ ; ' ` , . /
    (45, 37),
    (61, 38),
    (91, 39),
    (93, 40),
    (92, 41),
    (59, 42),
    (39, 43),
    (96, 44),
    (44, 45),
    (46, 46),
    (47, 47),
    // space tab return backspace delete insert pageup pagedown home end
    (32, 48),
    (9, 49),
    (13, 50),
    (8, 51),
    (127, 52),
    (277, 53),
    (280, 54),
    (281, 55),
    (278, 56),
    (279, 57),
    // up down left right capslock
    (273, 58),
    (274, 59),
    (276, 60),
    (275, 61),
    (301, 62),
    // ctrl, shift, alt (either side)
    (306, 63),
    (305, 63),
    (304, 64),
    (303, 64),
    (308, 65),
    (307, 65),
];
