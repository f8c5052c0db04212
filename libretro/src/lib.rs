//! `cartbox_libretro`: Cartbox as a libretro core, for RetroArch and the frontends that
//! load libretro cores.
//!
//! Built on libcartbox's [`Player`]: every frame is asked for without waiting, so a cart
//! that hangs never holds the frontend; the last picture stays (with silence) until the
//! runner answers or is killed, and then the picture shows why the cart stopped, until the
//! frontend's reset starts it again. Video is 256x144 with TIC-80's border (240x136
//! without it: the `cartbox_border` option), XRGB8888; sound 735 stereo samples a frame
//! at 44,100 Hz; four RetroPads as TIC-80's four gamepads (B, A, Y, X are TIC-80's A, B,
//! X, Y: the same places), the keyboard and the mouse (or a pointer); persistent memory is
//! libretro's save RAM (1 KiB).
//!
//! The runner executable is found as libcartbox finds it ([`find_runner`]): the
//! `CARTBOX_RUNNER` variable, `cartbox` beside this core, or on `PATH`.
//!
//! The unsafe code here calls the frontend's callbacks and reads what it hands over (game
//! info, variables), as the libretro API defines them.

#![allow(clippy::missing_safety_doc)]

use std::ffi::{CStr, c_char, c_uint, c_void};
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use cartbox::player::{Options, Outcome, Player, find_runner};
use cartbox_host::frontend::overlay::{self, COLUMNS, Canvas, colour};
use cartbox_host::{Cart, Input};
use cartbox_protocol::ram::{BORDER_LEFT, BORDER_TOP, FULL_HEIGHT, FULL_WIDTH, HEIGHT, WIDTH};
use cartbox_protocol::shm::FRAME_PIXELS;

mod libretro;
use libretro as rt;

/// The frontend's callbacks.
#[derive(Clone, Copy)]
struct Callbacks {
    environment: Option<rt::EnvironmentFn>,
    video: Option<rt::VideoRefreshFn>,
    audio_batch: Option<rt::AudioSampleBatchFn>,
    input_poll: Option<rt::InputPollFn>,
    input_state: Option<rt::InputStateFn>,
}

static CALLBACKS: Mutex<Callbacks> = Mutex::new(Callbacks {
    environment: None,
    video: None,
    audio_batch: None,
    input_poll: None,
    input_state: None,
});

/// The loaded game.
struct Core {
    player: Option<Player>,
    cart: Cart,
    started: bool,
    /// Libretro's save RAM: the cart's persistent memory, which the frontend loads into it
    /// after `retro_load_game` (so the cart starts at the first `retro_run`) and saves
    /// from it.
    sram: Box<[u8; 1024]>,
    border: bool,
    budget: Duration,
    /// What is shown: the newest frame, with the stop panel over it once the cart stopped.
    picture: Box<[u32; FRAME_PIXELS]>,
    /// The picture as sent (cropped without the border).
    video: Vec<u32>,
    silence: Vec<i16>,
    /// The panel lines for a stopped cart.
    panel: Option<Vec<(String, u32)>>,
    /// Why the console could not be made (the runner executable...), shown on screen.
    failure: Option<String>,
    /// When the game was loaded, until its first frame is logged.
    loaded_at: Option<std::time::Instant>,
}

static CORE: Mutex<Option<Core>> = Mutex::new(None);

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn callbacks() -> Callbacks {
    *lock(&CALLBACKS)
}

/// Says `text` through the frontend's log (or stderr without one).
fn log(level: c_uint, text: &str) {
    let mut cb = rt::LogCallback { log: None };
    let env = callbacks().environment;
    // SAFETY: GET_LOG_INTERFACE writes a retro_log_callback into the struct we pass.
    let got = env.is_some_and(|e| unsafe {
        e(
            rt::ENVIRONMENT_GET_LOG_INTERFACE,
            (&raw mut cb).cast::<c_void>(),
        )
    });
    let line = format!("[cartbox] {}\n", text.replace('\0', " "));
    match (got, cb.log) {
        (true, Some(f)) => {
            if let Ok(c) = std::ffi::CString::new(line) {
                // SAFETY: a printf-like function given the "%s" format and one C string.
                unsafe { f(level, c"%s".as_ptr(), c.as_ptr()) };
            }
        }
        _ => eprint!("{line}"),
    }
}

/// The value of core option `key`, if the frontend has one.
fn variable(key: &CStr) -> Option<String> {
    let env = callbacks().environment?;
    let mut var = rt::Variable {
        key: key.as_ptr(),
        value: std::ptr::null(),
    };
    // SAFETY: GET_VARIABLE reads `key` and writes `value` (a C string the frontend owns,
    // valid until the next environment call), or fails.
    let ok = unsafe {
        env(
            rt::ENVIRONMENT_GET_VARIABLE,
            (&raw mut var).cast::<c_void>(),
        )
    };
    if !ok || var.value.is_null() {
        return None;
    }
    // SAFETY: non-null, NUL-terminated, owned by the frontend; copied at once.
    Some(
        unsafe { CStr::from_ptr(var.value) }
            .to_string_lossy()
            .into_owned(),
    )
}

/// The core's options: libretro's `"Description; value1|value2"` form.
static VARIABLES: [rt::Variable; 3] = [
    rt::Variable {
        key: c"cartbox_border".as_ptr(),
        value: c"TIC-80's border (256x144; off: 240x136); enabled|disabled".as_ptr(),
    },
    rt::Variable {
        key: c"cartbox_budget_ms".as_ptr(),
        value: c"Time a frame may take before the cart is stopped (ms); 2000|1000|500|250|5000"
            .as_ptr(),
    },
    rt::Variable {
        key: std::ptr::null(),
        value: std::ptr::null(),
    },
];

// SAFETY: the variables' pointers are to static C strings, never written.
unsafe impl Sync for rt::Variable {}

#[unsafe(no_mangle)]
pub extern "C" fn retro_api_version() -> c_uint {
    rt::API_VERSION
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn retro_set_environment(cb: Option<rt::EnvironmentFn>) {
    lock(&CALLBACKS).environment = cb;
    if let Some(env) = cb {
        // SAFETY: SET_VARIABLES reads a NULL-terminated array of static retro_variable.
        unsafe {
            env(
                rt::ENVIRONMENT_SET_VARIABLES,
                VARIABLES.as_ptr().cast_mut().cast::<c_void>(),
            )
        };
    }
}

#[unsafe(no_mangle)]
pub extern "C" fn retro_set_video_refresh(cb: Option<rt::VideoRefreshFn>) {
    lock(&CALLBACKS).video = cb;
}

#[unsafe(no_mangle)]
pub extern "C" fn retro_set_audio_sample(_cb: Option<rt::AudioSampleFn>) {}

#[unsafe(no_mangle)]
pub extern "C" fn retro_set_audio_sample_batch(cb: Option<rt::AudioSampleBatchFn>) {
    lock(&CALLBACKS).audio_batch = cb;
}

#[unsafe(no_mangle)]
pub extern "C" fn retro_set_input_poll(cb: Option<rt::InputPollFn>) {
    lock(&CALLBACKS).input_poll = cb;
}

#[unsafe(no_mangle)]
pub extern "C" fn retro_set_input_state(cb: Option<rt::InputStateFn>) {
    lock(&CALLBACKS).input_state = cb;
}

#[unsafe(no_mangle)]
pub extern "C" fn retro_init() {}

#[unsafe(no_mangle)]
pub extern "C" fn retro_deinit() {
    lock(&CORE).take();
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn retro_get_system_info(info: *mut rt::SystemInfo) {
    if info.is_null() {
        return;
    }
    let value = rt::SystemInfo {
        library_name: c"Cartbox".as_ptr(),
        library_version: concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast(),
        valid_extensions: c"lua|moon|fnl|js|tic|png|wasm|wasmp|wat".as_ptr(),
        // The core reads the file itself (and a .wasmp's module beside it).
        need_fullpath: true,
        block_extract: false,
    };
    // SAFETY: non-null; the frontend hands a writable retro_system_info.
    unsafe { info.write(value) };
}

fn geometry(border: bool) -> (usize, usize) {
    if border {
        (FULL_WIDTH, FULL_HEIGHT)
    } else {
        (WIDTH, HEIGHT)
    }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn retro_get_system_av_info(info: *mut rt::SystemAvInfo) {
    if info.is_null() {
        return;
    }
    let border = lock(&CORE).as_ref().is_none_or(|c| c.border);
    let (w, h) = geometry(border);
    let value = rt::SystemAvInfo {
        geometry: rt::GameGeometry {
            base_width: w as c_uint,
            base_height: h as c_uint,
            max_width: FULL_WIDTH as c_uint,
            max_height: FULL_HEIGHT as c_uint,
            aspect_ratio: w as f32 / h as f32,
        },
        timing: rt::SystemTiming {
            fps: 60.0,
            sample_rate: 44_100.0,
        },
    };
    // SAFETY: non-null; the frontend hands a writable retro_system_av_info.
    unsafe { info.write(value) };
}

#[unsafe(no_mangle)]
pub extern "C" fn retro_set_controller_port_device(_port: c_uint, _device: c_uint) {}

#[unsafe(no_mangle)]
pub extern "C" fn retro_reset() {
    let mut core = lock(&CORE);
    if let Some(core) = core.as_mut() {
        core.restart();
    }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn retro_load_game(game: *const rt::GameInfo) -> bool {
    if game.is_null() {
        return false;
    }
    // SAFETY: non-null; the frontend hands a retro_game_info whose path is a C string
    // (need_fullpath is set).
    let path = unsafe { (*game).path };
    if path.is_null() {
        log(rt::LOG_ERROR, "no path to the cart");
        return false;
    }
    // SAFETY: non-null and NUL-terminated, as above.
    let path = PathBuf::from(
        unsafe { CStr::from_ptr(path) }
            .to_string_lossy()
            .into_owned(),
    );
    let env = callbacks().environment;
    let mut format = rt::PIXEL_FORMAT_XRGB8888;
    // SAFETY: SET_PIXEL_FORMAT reads one enum value.
    let xrgb = env.is_some_and(|e| unsafe {
        e(
            rt::ENVIRONMENT_SET_PIXEL_FORMAT,
            (&raw mut format).cast::<c_void>(),
        )
    });
    if !xrgb {
        log(
            rt::LOG_ERROR,
            "the frontend does not take XRGB8888 pictures",
        );
        return false;
    }
    set_input_descriptors();
    log(rt::LOG_INFO, &format!("playing {}", path.display()));
    let cart = match Cart::load(&path) {
        Ok(c) => c,
        Err(e) => {
            log(rt::LOG_ERROR, &e.to_string());
            return false;
        }
    };
    let mut core = Core {
        player: None,
        cart,
        started: false,
        sram: Box::new([0; 1024]),
        border: true,
        budget: Duration::from_millis(2000),
        picture: Box::new([0; FRAME_PIXELS]),
        video: vec![0; FRAME_PIXELS],
        silence: vec![0; 735 * 2],
        panel: None,
        failure: None,
        loaded_at: Some(std::time::Instant::now()),
    };
    core.read_options();
    core.make_player();
    *lock(&CORE) = Some(core);
    true
}

#[unsafe(no_mangle)]
pub extern "C" fn retro_load_game_special(
    _kind: c_uint,
    _info: *const rt::GameInfo,
    _num: usize,
) -> bool {
    false
}

#[unsafe(no_mangle)]
pub extern "C" fn retro_unload_game() {
    lock(&CORE).take();
}

#[unsafe(no_mangle)]
pub extern "C" fn retro_get_region() -> c_uint {
    rt::REGION_NTSC
}

#[unsafe(no_mangle)]
pub extern "C" fn retro_run() {
    let cb = callbacks();
    let mut core = lock(&CORE);
    let Some(core) = core.as_mut() else {
        return;
    };
    let mut changed = false;
    if let Some(env) = cb.environment {
        // SAFETY: GET_VARIABLE_UPDATE writes one bool.
        unsafe {
            env(
                rt::ENVIRONMENT_GET_VARIABLE_UPDATE,
                (&raw mut changed).cast::<c_void>(),
            )
        };
    }
    if changed {
        core.read_options();
    }
    if let Some(poll) = cb.input_poll {
        // SAFETY: the frontend's callback, called as libretro says, once per frame.
        unsafe { poll() };
    }
    let input = cb.input_state.map(read_input).unwrap_or_default();
    let fresh_sound = core.step(&input);
    core.draw();
    let (w, h) = geometry(core.border);
    if let Some(video) = cb.video {
        // SAFETY: `video` holds w*h pixels of 4 bytes, `pitch` bytes a row, as declared.
        unsafe { video(core.video.as_ptr().cast(), w as c_uint, h as c_uint, w * 4) };
    }
    if let Some(audio) = cb.audio_batch {
        let samples: &[i16] = match (fresh_sound, core.player.as_mut()) {
            (true, Some(p)) => &p.sound()[..],
            _ => &core.silence,
        };
        // SAFETY: `samples` holds 735 stereo pairs.
        unsafe { audio(samples.as_ptr(), samples.len() / 2) };
    }
}

impl Core {
    fn read_options(&mut self) {
        if let Some(v) = variable(c"cartbox_border") {
            self.border = v != "disabled";
        }
        if let Some(ms) = variable(c"cartbox_budget_ms").and_then(|v| v.parse::<u64>().ok()) {
            let budget = Duration::from_millis(ms.clamp(50, 60_000));
            if budget != self.budget && self.player.is_some() {
                // The budget is the console's: a new one takes effect with a new console.
                self.budget = budget;
                self.make_player();
                self.started = false;
            }
            self.budget = budget;
        }
    }

    fn make_player(&mut self) {
        let options = Options {
            budget: self.budget,
            ..Options::default()
        };
        let beside = core_file();
        self.player = None;
        match Player::new(&options, beside.as_deref()) {
            Ok(p) => {
                self.player = Some(p);
                self.failure = None;
            }
            Err(e) => {
                let runner = find_runner(beside.as_deref());
                let text = format!("cannot start the console: {e} (runner: {runner:?})");
                log(rt::LOG_ERROR, &text);
                self.failure = Some(text);
            }
        }
    }

    /// Starts the cart again (the frontend's reset).
    fn restart(&mut self) {
        self.panel = None;
        if let Some(p) = self.player.as_mut() {
            if self.started {
                let _ = p.restart(Some(*self.sram), false);
            } else {
                let _ = p.load_with_pmem(self.cart.clone(), *self.sram, false);
                self.started = true;
            }
        }
    }

    /// One frontend frame: the cart's frame asked for (never waited on). Returns whether
    /// a new frame's sound came.
    fn step(&mut self, input: &Input) -> bool {
        let Some(player) = self.player.as_mut() else {
            return false;
        };
        if !self.started {
            self.started = true;
            let _ = player.load_with_pmem(self.cart.clone(), *self.sram, false);
            return false;
        }
        let outcome = player.frame(input, false);
        if let Some(p) = player.pmem() {
            self.sram.copy_from_slice(&p);
        }
        match outcome {
            Ok(Outcome::Done) => {
                self.picture.copy_from_slice(player.frame_pixels());
                if player.frames() > 0
                    && let Some(at) = self.loaded_at.take()
                {
                    let ms = at.elapsed().as_secs_f64() * 1000.0;
                    log(
                        rt::LOG_INFO,
                        &format!("first frame {ms:.1} ms after the load"),
                    );
                }
                true
            }
            Ok(Outcome::Stopped) => {
                if self.panel.is_none() {
                    self.picture.copy_from_slice(player.frame_pixels());
                    let name = self.cart.name.clone();
                    let report = player.stop().map(|s| s.describe(&name)).unwrap_or_default();
                    log(rt::LOG_ERROR, &report);
                    self.panel = Some(stop_panel(&report));
                }
                false
            }
            Ok(Outcome::Exited) => {
                if self.panel.is_none() {
                    self.panel = Some(vec![
                        ("THE CART CALLED EXIT()".into(), colour::WARN),
                        ("Reset: restart".into(), colour::WARN),
                    ]);
                }
                false
            }
            Ok(Outcome::Late) | Err(_) => false,
        }
    }

    /// The picture to send: the frame, the stop panel over it, cropped without the border.
    fn draw(&mut self) {
        let mut shown = self.picture.clone();
        if let Some(text) = &self.failure {
            let lines: Vec<(String, u32)> = std::iter::once(("NO CONSOLE".into(), colour::ERROR))
                .chain(
                    overlay::wrap(text, COLUMNS)
                        .into_iter()
                        .map(|l| (l, colour::TEXT)),
                )
                .collect();
            overlay::panel(&mut Canvas(&mut shown), 16, &lines);
        } else if let Some(lines) = &self.panel {
            overlay::panel(&mut Canvas(&mut shown), 16, lines);
        }
        self.video.clear();
        if self.border {
            self.video.extend_from_slice(&shown[..]);
        } else {
            for y in 0..HEIGHT {
                let row = (y + BORDER_TOP) * FULL_WIDTH + BORDER_LEFT;
                self.video.extend_from_slice(&shown[row..row + WIDTH]);
            }
        }
    }
}

/// The panel for a stopped cart: the reason, and what to press.
fn stop_panel(report: &str) -> Vec<(String, u32)> {
    let mut lines = vec![("THE CART STOPPED".to_owned(), colour::ERROR)];
    for (i, line) in report.lines().enumerate() {
        let c = if i == 0 { colour::TEXT } else { colour::DIM };
        lines.extend(overlay::wrap(line, COLUMNS).into_iter().map(|l| (l, c)));
    }
    lines.push((String::new(), colour::TEXT));
    lines.push(("Reset: restart".to_owned(), colour::WARN));
    lines
}

/// Reads the four RetroPads, the keyboard and the mouse as TIC-80's input registers.
fn read_input(state: rt::InputStateFn) -> Input {
    // SAFETY: the frontend's input callback, called with valid ports and ids.
    let held = |port, device, index, id| unsafe { state(port, device, index, id) } != 0;
    let mut input = Input::default();
    for (port, pad) in input.gamepads.iter_mut().enumerate() {
        let port = port as c_uint;
        for (bit, id) in [
            rt::JOYPAD_UP,
            rt::JOYPAD_DOWN,
            rt::JOYPAD_LEFT,
            rt::JOYPAD_RIGHT,
            // TIC-80's A, B, X, Y at the same places as the RetroPad's B, A, Y, X.
            rt::JOYPAD_B,
            rt::JOYPAD_A,
            rt::JOYPAD_Y,
            rt::JOYPAD_X,
        ]
        .into_iter()
        .enumerate()
        {
            if held(port, rt::DEVICE_JOYPAD, 0, id) {
                *pad |= 1 << bit;
            }
        }
    }
    let mut keys = rt::KEYS
        .iter()
        .filter(|(retro, _)| held(0, rt::DEVICE_KEYBOARD, 0, *retro))
        .map(|(_, tic)| *tic);
    for slot in input.keyboard.iter_mut() {
        *slot = keys.next().unwrap_or(0);
    }
    // The pointer: -0x7fff..0x7fff across the picture (with the border), to screen pixels.
    // SAFETY: as above.
    let axis = |id| unsafe { state(0, rt::DEVICE_POINTER, 0, id) };
    let to = |v: i16, size: usize, offset: usize| {
        let at = (i32::from(v) + 0x7fff) * size as i32 / 0xfffe;
        (at - offset as i32).clamp(0, 255) as u8
    };
    input.mouse[0] = to(axis(rt::POINTER_X), FULL_WIDTH, BORDER_LEFT);
    input.mouse[1] = to(axis(rt::POINTER_Y), FULL_HEIGHT, BORDER_TOP);
    let mut buttons = 0u8;
    for (bit, id) in [rt::MOUSE_LEFT, rt::MOUSE_MIDDLE, rt::MOUSE_RIGHT]
        .into_iter()
        .enumerate()
    {
        if held(0, rt::DEVICE_MOUSE, 0, id) {
            buttons |= 1 << bit;
        }
    }
    // Wheel: y in bits 9..15 of the 16-bit field after the buttons (one notch a frame).
    let wheel: i16 = if held(0, rt::DEVICE_MOUSE, 0, rt::MOUSE_WHEELUP) {
        1
    } else if held(0, rt::DEVICE_MOUSE, 0, rt::MOUSE_WHEELDOWN) {
        -1
    } else {
        0
    };
    let bits = u16::from(buttons) | ((wheel as u16) & 0x3f) << 9;
    input.mouse[2..4].copy_from_slice(&bits.to_le_bytes());
    input
}

/// Tells the frontend what the buttons do.
fn set_input_descriptors() {
    let Some(env) = callbacks().environment else {
        return;
    };
    let d = |port, id, description: &'static CStr| rt::InputDescriptor {
        port,
        device: rt::DEVICE_JOYPAD,
        index: 0,
        id,
        description: description.as_ptr(),
    };
    let mut list = Vec::new();
    for port in 0..4 {
        list.extend([
            d(port, rt::JOYPAD_UP, c"Up"),
            d(port, rt::JOYPAD_DOWN, c"Down"),
            d(port, rt::JOYPAD_LEFT, c"Left"),
            d(port, rt::JOYPAD_RIGHT, c"Right"),
            d(port, rt::JOYPAD_B, c"A"),
            d(port, rt::JOYPAD_A, c"B"),
            d(port, rt::JOYPAD_Y, c"X"),
            d(port, rt::JOYPAD_X, c"Y"),
        ]);
    }
    list.push(rt::InputDescriptor {
        port: 0,
        device: 0,
        index: 0,
        id: 0,
        description: std::ptr::null(),
    });
    // SAFETY: SET_INPUT_DESCRIPTORS reads the array up to its null description, during
    // the call.
    unsafe {
        env(
            rt::ENVIRONMENT_SET_INPUT_DESCRIPTORS,
            list.as_mut_ptr().cast::<c_void>(),
        )
    };
}

/// The file of this core, to find the runner beside it.
fn core_file() -> Option<PathBuf> {
    let mut info = std::mem::MaybeUninit::<libc::Dl_info>::uninit();
    let me = retro_api_version as *const c_void;
    // SAFETY: dladdr writes `info` for an address in a loaded object and returns 0
    // otherwise; `info` is read only after a non-zero return.
    if unsafe { libc::dladdr(me, info.as_mut_ptr()) } == 0 {
        return None;
    }
    // SAFETY: written by dladdr; dli_fname is null or a C string the loader owns.
    let name = unsafe { info.assume_init().dli_fname };
    if name.is_null() {
        return None;
    }
    use std::os::unix::ffi::OsStrExt;
    // SAFETY: as above.
    let bytes = unsafe { CStr::from_ptr(name) }.to_bytes();
    let path = PathBuf::from(std::ffi::OsStr::from_bytes(bytes));
    Some(std::fs::canonicalize(&path).unwrap_or(path))
}

#[unsafe(no_mangle)]
pub extern "C" fn retro_serialize_size() -> usize {
    0
}

#[unsafe(no_mangle)]
pub extern "C" fn retro_serialize(_data: *mut c_void, _size: usize) -> bool {
    false
}

#[unsafe(no_mangle)]
pub extern "C" fn retro_unserialize(_data: *const c_void, _size: usize) -> bool {
    false
}

#[unsafe(no_mangle)]
pub extern "C" fn retro_cheat_reset() {}

#[unsafe(no_mangle)]
pub extern "C" fn retro_cheat_set(_index: c_uint, _enabled: bool, _code: *const c_char) {}

#[unsafe(no_mangle)]
pub extern "C" fn retro_get_memory_data(id: c_uint) -> *mut c_void {
    if id != rt::MEMORY_SAVE_RAM {
        return std::ptr::null_mut();
    }
    // The buffer lives (boxed, never moved) as long as the game is loaded, as libretro
    // requires of this pointer.
    lock(&CORE)
        .as_mut()
        .map_or(std::ptr::null_mut(), |c| c.sram.as_mut_ptr().cast())
}

#[unsafe(no_mangle)]
pub extern "C" fn retro_get_memory_size(id: c_uint) -> usize {
    if id == rt::MEMORY_SAVE_RAM && lock(&CORE).is_some() {
        1024
    } else {
        0
    }
}
