//! The C ABI (`include/cartbox.h`, generated from this file by cbindgen and checked by a
//! test). Handles are numbers, not pointers: a handle that was never made, or was
//! destroyed, is an error ([`CARTBOX_ERR_HANDLE`]), never a crash. Every call returns a
//! status; the message of the last error on a handle is [`cartbox_last_error`]. A panic
//! inside a call is caught and becomes [`CARTBOX_ERR_INTERNAL`]: no call can abort the
//! program that embeds the console.
//!
//! Unsafe code here only reads and writes the caller's buffers, after checking pointers
//! and sizes against what the header promises.

use std::collections::BTreeMap;
use std::ffi::{CStr, c_char};
use std::os::unix::ffi::OsStrExt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use cartbox_host::{Cart, Input, Stop};
use cartbox_protocol::message::FaultKind;
use cartbox_protocol::ram::PMEM_SIZE;

use crate::player::{Error, Options, Outcome, Player};

/// Width of a frame in pixels (with the border).
pub const CARTBOX_WIDTH: u32 = 256;
/// Height of a frame in pixels (with the border).
pub const CARTBOX_HEIGHT: u32 = 144;
/// Pixels of a frame: [`CARTBOX_WIDTH`] x [`CARTBOX_HEIGHT`].
pub const CARTBOX_FRAME_PIXELS: u32 = 256 * 144;
/// Stereo sample pairs of one frame's sound (44,100 Hz at 60 frames a second).
pub const CARTBOX_FRAME_SAMPLES: u32 = 735;
/// Bytes of a cart's persistent memory.
pub const CARTBOX_PMEM_BYTES: u32 = 1024;

/// Done.
pub const CARTBOX_OK: i32 = 0;
/// Not waited for and not finished yet (`CARTBOX_NO_WAIT`): the last frame stays.
pub const CARTBOX_LATE: i32 = 1;
/// The cart has stopped: `cartbox_stop_reason` says why.
pub const CARTBOX_STOPPED: i32 = 2;
/// The cart called `exit()`.
pub const CARTBOX_EXITED: i32 = 3;
/// The handle is not a console's (never made, or destroyed).
pub const CARTBOX_ERR_HANDLE: i32 = -1;
/// An argument is wrong: a null pointer, a wrong size, a value out of range, text that is
/// not UTF-8.
pub const CARTBOX_ERR_ARGUMENT: i32 = -2;
/// The cart file cannot be read.
pub const CARTBOX_ERR_CART_FILE: i32 = -3;
/// The runner executable is missing, does not start, or is not Cartbox's.
pub const CARTBOX_ERR_RUNNER: i32 = -4;
/// No cart is loaded.
pub const CARTBOX_ERR_NOT_RUNNING: i32 = -5;
/// A request not waited for is still running: wait for it with a frame call first.
pub const CARTBOX_ERR_BUSY: i32 = -6;
/// A fault inside Cartbox (a bug): the handle should be destroyed.
pub const CARTBOX_ERR_INTERNAL: i32 = -7;

/// `time()` is the time since the cart started.
pub const CARTBOX_CLOCK_REAL: u32 = 0;
/// `time()` counts frames.
pub const CARTBOX_CLOCK_FRAMES: u32 = 1;

/// Flag: return at once; the request runs on while the caller goes on.
pub const CARTBOX_NO_WAIT: u32 = 1;

/// The cart is running (no stop).
pub const CARTBOX_STOP_NONE: i32 = 0;
/// A syntax error.
pub const CARTBOX_STOP_SYNTAX: i32 = 1;
/// A runtime error.
pub const CARTBOX_STOP_RUNTIME: i32 = 2;
/// The cart's memory reached its cap.
pub const CARTBOX_STOP_OUT_OF_MEMORY: i32 = 3;
/// A callback ran past its budget and was stopped.
pub const CARTBOX_STOP_BUDGET: i32 = 4;
/// The cart's files cannot be played (malformed, or a language Cartbox does not play).
pub const CARTBOX_STOP_BAD_CART: i32 = 5;
/// The runner did not answer (or a module did not compile) in time and was killed.
pub const CARTBOX_STOP_NOT_RESPONDING: i32 = 6;
/// The runner died: a crash, or the sandbox killed it.
pub const CARTBOX_STOP_CRASHED: i32 = 7;
/// The runner broke the protocol and was killed.
pub const CARTBOX_STOP_MISBEHAVED: i32 = 8;
/// Cartbox could not run the cart (could not start a runner).
pub const CARTBOX_STOP_HOST: i32 = 9;

/// A console, by number.
pub type CartboxHandle = u64;

/// How to make a console; fill with `cartbox_options_init` first.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct CartboxOptions {
    /// `sizeof(struct CartboxOptions)`, set by `cartbox_options_init`: a program built
    /// against another version of the header is told, not misread.
    pub size: u32,
    /// A callback's budget in milliseconds before it is stopped (default 2000).
    pub budget_ms: u32,
    /// Milliseconds after the budget before a runner that does not answer is killed
    /// (default 1000).
    pub grace_ms: u32,
    /// The cart's memory cap in MiB, 1 to 768 (default 256).
    pub memory_mb: u32,
    /// Folder for carts' persistent memory (UTF-8), or NULL to keep none.
    pub pmem_dir: *const c_char,
    /// The runner executable (the `cartbox` binary, UTF-8), or NULL to look for it:
    /// `CARTBOX_RUNNER`, then `cartbox` beside this library, then on `PATH`.
    pub runner: *const c_char,
    /// `CARTBOX_CLOCK_REAL` (default): `time()` is the time since the cart started;
    /// `CARTBOX_CLOCK_FRAMES`: it counts frames (frame k at (k-1)*1000/60 ms), as
    /// `cartbox run --headless` does, so the same input gives the same frames.
    pub clock: u32,
}

/// The input of one frame, as TIC-80's RAM holds it.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct CartboxInput {
    /// Players 1 to 4: bits up, down, left, right, A, B, X, Y.
    pub gamepads: [u8; 4],
    /// Mouse x, y (screen pixels), then buttons and wheel as TIC-80 packs them.
    pub mouse: [u8; 4],
    /// Up to four TIC-80 key codes held (1..94; 0 none).
    pub keyboard: [u8; 4],
}

/// Why a cart stopped.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct CartboxStop {
    /// `CARTBOX_STOP_*`.
    pub kind: i32,
    /// The line in the cart, or 0 when not known.
    pub line: u32,
    /// What happened, one line, NUL-terminated (cut to fit).
    pub message: [c_char; 512],
    /// The cart file (or the file in it, e.g. a `.wat`), NUL-terminated; empty when not
    /// known.
    pub file: [c_char; 256],
}

/// A console and the last error said of it.
struct Slot {
    player: Player,
    error: String,
}

/// The consoles, by handle.
struct Registry {
    next: u64,
    slots: BTreeMap<u64, Arc<Mutex<Slot>>>,
}

static REGISTRY: Mutex<Registry> = Mutex::new(Registry {
    next: 1,
    slots: BTreeMap::new(),
});

thread_local! {
    /// The last error of a call that had no console to keep it (a failed create, a
    /// wrong handle).
    static LAST: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn slot(handle: CartboxHandle) -> Option<Arc<Mutex<Slot>>> {
    lock(&REGISTRY).slots.get(&handle).cloned()
}

fn set_last(message: String) {
    LAST.with(|l| *l.borrow_mut() = message);
}

/// Runs `f` with the console `handle`, catching a panic; `f`'s error message is kept on the
/// console for `cartbox_last_error`.
fn with(handle: CartboxHandle, f: impl FnOnce(&mut Slot) -> Result<i32, (i32, String)>) -> i32 {
    let Some(slot) = slot(handle) else {
        set_last(format!(
            "{handle} is not a console's handle (never made, or destroyed)"
        ));
        return CARTBOX_ERR_HANDLE;
    };
    let mut slot = lock(&slot);
    match catch_unwind(AssertUnwindSafe(|| f(&mut slot))) {
        Ok(Ok(status)) => status,
        Ok(Err((status, message))) => {
            slot.error = message;
            status
        }
        Err(_) => {
            slot.error = "an internal fault in Cartbox (a bug); destroy this console".into();
            CARTBOX_ERR_INTERNAL
        }
    }
}

fn error_code(e: &Error) -> i32 {
    match e {
        Error::Argument(_) => CARTBOX_ERR_ARGUMENT,
        Error::Runner(_) => CARTBOX_ERR_RUNNER,
        Error::CartFile(_) => CARTBOX_ERR_CART_FILE,
        Error::Busy => CARTBOX_ERR_BUSY,
        Error::NotRunning => CARTBOX_ERR_NOT_RUNNING,
    }
}

fn outcome_code(o: Outcome) -> i32 {
    match o {
        Outcome::Done => CARTBOX_OK,
        Outcome::Late => CARTBOX_LATE,
        Outcome::Stopped => CARTBOX_STOPPED,
        Outcome::Exited => CARTBOX_EXITED,
    }
}

fn request(result: Result<Outcome, Error>) -> Result<i32, (i32, String)> {
    result
        .map(outcome_code)
        .map_err(|e| (error_code(&e), e.to_string()))
}

fn argument(message: impl Into<String>) -> (i32, String) {
    (CARTBOX_ERR_ARGUMENT, message.into())
}

/// A C string argument as UTF-8 (`what` names it in the error).
///
/// # Safety
/// `p` is null or a NUL-terminated string, as the header requires.
unsafe fn text<'a>(p: *const c_char, what: &str) -> Result<Option<&'a str>, (i32, String)> {
    if p.is_null() {
        return Ok(None);
    }
    // SAFETY: non-null, and the caller promises a NUL-terminated string.
    let s = unsafe { CStr::from_ptr(p) };
    s.to_str()
        .map(Some)
        .map_err(|_| argument(format!("{what} is not UTF-8")))
}

/// The file of this library, for finding the runner beside it.
fn library_file() -> Option<PathBuf> {
    let mut info = std::mem::MaybeUninit::<libc::Dl_info>::uninit();
    let me = cartbox_options_init as *const libc::c_void;
    // SAFETY: dladdr writes `info` for an address in a loaded object (a function of ours)
    // and returns 0 otherwise; `info` is read only when it returned non-zero.
    let found = unsafe { libc::dladdr(me, info.as_mut_ptr()) };
    if found == 0 {
        return None;
    }
    // SAFETY: dladdr succeeded, so `info` is written; dli_fname is null or a C string
    // owned by the loader for as long as the library is loaded.
    let name = unsafe { info.assume_init().dli_fname };
    if name.is_null() {
        return None;
    }
    // SAFETY: as above.
    let name = unsafe { CStr::from_ptr(name) };
    let path = PathBuf::from(std::ffi::OsStr::from_bytes(name.to_bytes()));
    std::fs::canonicalize(&path).ok().or(Some(path))
}

/// Fills `options` with the defaults (and its `size`).
///
/// # Safety
/// `options` is null (nothing is done) or points to a writable `CartboxOptions`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cartbox_options_init(options: *mut CartboxOptions) {
    if options.is_null() {
        return;
    }
    let d = Options::default();
    let value = CartboxOptions {
        size: std::mem::size_of::<CartboxOptions>() as u32,
        budget_ms: d.budget.as_millis() as u32,
        grace_ms: d.grace.as_millis() as u32,
        memory_mb: d.memory_mb,
        pmem_dir: std::ptr::null(),
        runner: std::ptr::null(),
        clock: CARTBOX_CLOCK_REAL,
    };
    // SAFETY: non-null and, as the caller promises, a writable CartboxOptions.
    unsafe { options.write(value) };
}

/// Makes a console: starts its zygote from the runner executable and checks that it forks
/// runners. On success `*out` is its handle.
///
/// # Safety
/// `options` is null (the defaults) or points to a `CartboxOptions` filled by
/// `cartbox_options_init`, whose strings are null or NUL-terminated; `out` points to a
/// writable handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cartbox_create(
    options: *const CartboxOptions,
    out: *mut CartboxHandle,
) -> i32 {
    let made = catch_unwind(AssertUnwindSafe(|| -> Result<Player, (i32, String)> {
        if out.is_null() {
            return Err(argument("out is NULL"));
        }
        let mut o = Options::default();
        if !options.is_null() {
            // SAFETY: non-null; the caller promises a CartboxOptions. Its size is checked
            // before any other field is trusted.
            let c = unsafe { options.read() };
            if c.size as usize != std::mem::size_of::<CartboxOptions>() {
                return Err(argument(format!(
                    "options.size is {}, not {} (fill the options with cartbox_options_init)",
                    c.size,
                    std::mem::size_of::<CartboxOptions>()
                )));
            }
            o.budget = Duration::from_millis(u64::from(c.budget_ms));
            o.grace = Duration::from_millis(u64::from(c.grace_ms));
            o.memory_mb = c.memory_mb;
            o.frame_clock = match c.clock {
                CARTBOX_CLOCK_REAL => false,
                CARTBOX_CLOCK_FRAMES => true,
                other => return Err(argument(format!("options.clock is 0 or 1, not {other}"))),
            };
            // SAFETY: null or NUL-terminated, as the header requires.
            o.pmem_dir = unsafe { text(c.pmem_dir, "options.pmem_dir") }?.map(PathBuf::from);
            // SAFETY: as above.
            o.runner = unsafe { text(c.runner, "options.runner") }?.map(PathBuf::from);
        }
        Player::new(&o, library_file().as_deref()).map_err(|e| (error_code(&e), e.to_string()))
    }));
    match made {
        Ok(Ok(player)) => {
            let mut registry = lock(&REGISTRY);
            let handle = registry.next;
            registry.next += 1;
            registry.slots.insert(
                handle,
                Arc::new(Mutex::new(Slot {
                    player,
                    error: String::new(),
                })),
            );
            // SAFETY: checked non-null above; the caller promises a writable handle.
            unsafe { out.write(handle) };
            CARTBOX_OK
        }
        Ok(Err((status, message))) => {
            set_last(message);
            status
        }
        Err(_) => {
            set_last("an internal fault in Cartbox (a bug)".into());
            CARTBOX_ERR_INTERNAL
        }
    }
}

/// Stops the console: its runner is killed and its zygote ends. The handle is no longer
/// a console's.
#[unsafe(no_mangle)]
pub extern "C" fn cartbox_destroy(handle: CartboxHandle) -> i32 {
    let removed = lock(&REGISTRY).slots.remove(&handle);
    match removed {
        Some(slot) => {
            // Dropped outside the registry's lock: stopping may wait for a runner's kill.
            let _ = catch_unwind(AssertUnwindSafe(|| drop(slot)));
            CARTBOX_OK
        }
        None => {
            set_last(format!(
                "{handle} is not a console's handle (never made, or destroyed)"
            ));
            CARTBOX_ERR_HANDLE
        }
    }
}

/// Loads the cart at `path` (any form Cartbox plays: `.lua`, `.js`, `.tic`, `.png`,
/// `.wasm`, `.wasmp`...) into a fresh runner: its top-level code and `BOOT` run.
///
/// # Safety
/// `path` is null (an error) or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cartbox_load_file(
    handle: CartboxHandle,
    path: *const c_char,
    flags: u32,
) -> i32 {
    with(handle, |slot| {
        // SAFETY: null or NUL-terminated, as the header requires.
        let path = unsafe { text(path, "path") }?.ok_or_else(|| argument("path is NULL"))?;
        let cart = Cart::load(std::path::Path::new(path))
            .map_err(|e| (CARTBOX_ERR_CART_FILE, e.to_string()))?;
        request(slot.player.load(cart, flags & CARTBOX_NO_WAIT == 0))
    })
}

/// Loads a cart held in memory, read as a file named `name` would be (its extension says
/// its form).
///
/// # Safety
/// `name` is NUL-terminated; `bytes` points to `len` readable bytes (or `len` is 0).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cartbox_load_bytes(
    handle: CartboxHandle,
    name: *const c_char,
    bytes: *const u8,
    len: usize,
    flags: u32,
) -> i32 {
    with(handle, |slot| {
        // SAFETY: null or NUL-terminated, as the header requires.
        let name = unsafe { text(name, "name") }?.ok_or_else(|| argument("name is NULL"))?;
        if bytes.is_null() && len > 0 {
            return Err(argument("bytes is NULL"));
        }
        if len as u64 > cartbox_host::cart::MAX_FILE_SIZE {
            return Err(argument(format!(
                "a cart is at most {} bytes, not {len}",
                cartbox_host::cart::MAX_FILE_SIZE
            )));
        }
        let data = if len == 0 {
            Vec::new()
        } else {
            // SAFETY: non-null, and the caller promises `len` readable bytes.
            unsafe { std::slice::from_raw_parts(bytes, len) }.to_vec()
        };
        let cart = Cart::from_bytes(name, data);
        request(slot.player.load(cart, flags & CARTBOX_NO_WAIT == 0))
    })
}

/// Runs one frame with `input` (NULL: nothing pressed). Waiting, returns when it is done
/// (`CARTBOX_OK`), the cart stopped (`CARTBOX_STOPPED`) or exited (`CARTBOX_EXITED`).
/// With `CARTBOX_NO_WAIT` it returns at once: `CARTBOX_OK` when the frame asked for by the
/// previous call has finished (its pixels and sound are now the frame's) and the next is
/// asked for, `CARTBOX_LATE` while the runner is still at it.
///
/// # Safety
/// `input` is null or points to a `CartboxInput`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cartbox_frame(
    handle: CartboxHandle,
    input: *const CartboxInput,
    flags: u32,
) -> i32 {
    with(handle, |slot| {
        let input = if input.is_null() {
            CartboxInput::default()
        } else {
            // SAFETY: non-null; the caller promises a CartboxInput (any bytes are valid).
            unsafe { input.read() }
        };
        let input = Input {
            gamepads: input.gamepads,
            mouse: input.mouse,
            keyboard: input.keyboard,
        };
        request(slot.player.frame(&input, flags & CARTBOX_NO_WAIT == 0))
    })
}

/// Copies the newest finished frame into `out`: `count` must be `CARTBOX_FRAME_PIXELS`
/// (256x144, rows top to bottom, 0x00RRGGBB, with the border).
///
/// # Safety
/// `out` points to `count` writable `uint32_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cartbox_pixels(handle: CartboxHandle, out: *mut u32, count: usize) -> i32 {
    with(handle, |slot| {
        let pixels = slot.player.frame_pixels();
        if out.is_null() || count != pixels.len() {
            return Err(argument(format!(
                "the frame is {} pixels: out must hold exactly that many, not {count}",
                pixels.len()
            )));
        }
        // SAFETY: non-null, and the caller promises `count` (checked equal) writable u32.
        unsafe { std::ptr::copy_nonoverlapping(pixels.as_ptr(), out, count) };
        Ok(CARTBOX_OK)
    })
}

/// Sets `*out` to the newest finished frame: `CARTBOX_FRAME_PIXELS` pixels (256x144, rows
/// top to bottom, 0x00RRGGBB, with the border), without a copy, as TIC-80's `tic80.h`
/// hands out its screen. The pixels stay valid until the next call on this handle.
///
/// # Safety
/// `out` points to a writable pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cartbox_screen(handle: CartboxHandle, out: *mut *const u32) -> i32 {
    with(handle, |slot| {
        if out.is_null() {
            return Err(argument("out is NULL"));
        }
        let pixels = slot.player.frame_pixels().as_ptr();
        // SAFETY: non-null; the caller promises a writable pointer.
        unsafe { out.write(pixels) };
        Ok(CARTBOX_OK)
    })
}

/// Copies the newest finished frame's sound into `out`: `count` must be
/// `2 * CARTBOX_FRAME_SAMPLES` (stereo pairs, left first, 16-bit, 44,100 Hz; TIC-80's
/// synthesis). Silence before the first frame and after a stop.
///
/// # Safety
/// `out` points to `count` writable `int16_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cartbox_sound(handle: CartboxHandle, out: *mut i16, count: usize) -> i32 {
    with(handle, |slot| {
        let sound = slot.player.sound();
        if out.is_null() || count != sound.len() {
            return Err(argument(format!(
                "a frame's sound is {} values: out must hold exactly that many, not {count}",
                sound.len()
            )));
        }
        // SAFETY: non-null, and the caller promises `count` (checked equal) writable i16.
        unsafe { std::ptr::copy_nonoverlapping(sound.as_ptr(), out, count) };
        Ok(CARTBOX_OK)
    })
}

/// Fills `out` with why the cart stopped (`kind` `CARTBOX_STOP_NONE` while it runs).
///
/// # Safety
/// `out` points to a writable `CartboxStop`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cartbox_stop_reason(handle: CartboxHandle, out: *mut CartboxStop) -> i32 {
    with(handle, |slot| {
        if out.is_null() {
            return Err(argument("out is NULL"));
        }
        let name = slot
            .player
            .cart()
            .map_or("", |c| c.name.as_str())
            .to_owned();
        let value = describe(slot.player.stop(), &name);
        // SAFETY: non-null; the caller promises a writable CartboxStop.
        unsafe { out.write(value) };
        Ok(CARTBOX_OK)
    })
}

/// A stop as the C struct.
fn describe(stop: Option<&Stop>, cart_name: &str) -> CartboxStop {
    let mut out = CartboxStop {
        kind: CARTBOX_STOP_NONE,
        line: 0,
        message: [0; 512],
        file: [0; 256],
    };
    let Some(stop) = stop else {
        return out;
    };
    out.kind = match stop {
        Stop::Cart(f) => match f.kind {
            FaultKind::Syntax => CARTBOX_STOP_SYNTAX,
            FaultKind::Runtime => CARTBOX_STOP_RUNTIME,
            FaultKind::OutOfMemory => CARTBOX_STOP_OUT_OF_MEMORY,
            FaultKind::Budget => CARTBOX_STOP_BUDGET,
            FaultKind::BadCart => CARTBOX_STOP_BAD_CART,
        },
        Stop::NotResponding { .. } | Stop::CompileTimeout { .. } => CARTBOX_STOP_NOT_RESPONDING,
        Stop::Crashed { .. } => CARTBOX_STOP_CRASHED,
        Stop::Misbehaved(_) => CARTBOX_STOP_MISBEHAVED,
        Stop::Host(_) => CARTBOX_STOP_HOST,
    };
    let (file, line) = match stop {
        Stop::Cart(f) => place(&f.message, f.line, cart_name),
        _ => (cart_name.to_owned(), None),
    };
    out.line = line.unwrap_or(0);
    copy_c(&mut out.message, &stop.describe(cart_name));
    copy_c(&mut out.file, &file);
    out
}

/// The file and line a cart error names: `FILE:LINE:` at the start of its message, else
/// the cart with the line the runner gave.
fn place(message: &str, line: Option<u32>, cart_name: &str) -> (String, Option<u32>) {
    if let Some((file, rest)) = message.split_once(':') {
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        if !file.is_empty() && !digits.is_empty() && rest[digits.len()..].starts_with(':') {
            return (file.to_owned(), digits.parse().ok().or(line));
        }
    }
    (cart_name.to_owned(), line)
}

/// Copies `s` into a NUL-terminated C buffer, cut at a character boundary to fit.
fn copy_c(out: &mut [c_char], s: &str) {
    let mut end = s.len().min(out.len().saturating_sub(1));
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    for (o, b) in out.iter_mut().zip(s.as_bytes()[..end].iter()) {
        *o = *b as c_char;
    }
    if let Some(last) = out.get_mut(end) {
        *last = 0;
    }
}

/// Starts the cart again in a fresh runner.
#[unsafe(no_mangle)]
pub extern "C" fn cartbox_restart(handle: CartboxHandle, flags: u32) -> i32 {
    with(handle, |slot| {
        request(slot.player.restart(None, flags & CARTBOX_NO_WAIT == 0))
    })
}

/// Calls the cart's `MENU(index)`: its `-- menu:` item `index`, counted from 0.
#[unsafe(no_mangle)]
pub extern "C" fn cartbox_menu(handle: CartboxHandle, index: u32, flags: u32) -> i32 {
    with(handle, |slot| {
        request(slot.player.menu(index, flags & CARTBOX_NO_WAIT == 0))
    })
}

/// Copies the cart's persistent memory (as of the newest finished request) into `out`;
/// `len` must be `CARTBOX_PMEM_BYTES`. `CARTBOX_ERR_NOT_RUNNING` before a cart ran.
///
/// # Safety
/// `out` points to `len` writable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cartbox_pmem(handle: CartboxHandle, out: *mut u8, len: usize) -> i32 {
    with(handle, |slot| {
        if out.is_null() || len != PMEM_SIZE {
            return Err(argument(format!(
                "persistent memory is {PMEM_SIZE} bytes: out must hold exactly that many, not {len}"
            )));
        }
        let data = slot
            .player
            .pmem()
            .ok_or((CARTBOX_ERR_NOT_RUNNING, "no cart has run yet".to_owned()))?;
        // SAFETY: non-null, and the caller promises `len` (checked equal) writable bytes.
        unsafe { std::ptr::copy_nonoverlapping(data.as_ptr(), out, len) };
        Ok(CARTBOX_OK)
    })
}

/// Copies the message of the last error on `handle` (or, for a failed `cartbox_create` or
/// a wrong handle, of the last such error on this thread) into `out`, NUL-terminated and
/// cut to fit `len`. Returns the message's full length in bytes (0: no error).
///
/// # Safety
/// `out` is null (only the length is returned) or points to `len` writable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cartbox_last_error(
    handle: CartboxHandle,
    out: *mut c_char,
    len: usize,
) -> usize {
    let message = catch_unwind(AssertUnwindSafe(|| match slot(handle) {
        Some(s) => lock(&s).error.clone(),
        None => LAST.with(|l| l.borrow().clone()),
    }))
    .unwrap_or_default();
    if !out.is_null() && len > 0 {
        // SAFETY: non-null, and the caller promises `len` writable bytes.
        let buf = unsafe { std::slice::from_raw_parts_mut(out, len) };
        copy_c(buf, &message);
    }
    message.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_come_from_the_message_or_the_runner() {
        assert_eq!(
            place("game.lua:12: boom", Some(3), "game.lua"),
            ("game.lua".into(), Some(12))
        );
        assert_eq!(
            place("mod.wat:93:1: bad", None, "game.wasmp"),
            ("mod.wat".into(), Some(93))
        );
        assert_eq!(
            place("no place", Some(4), "c.lua"),
            ("c.lua".into(), Some(4))
        );
    }

    #[test]
    fn c_strings_are_cut_to_fit_at_a_character() {
        let mut buf = [1 as c_char; 5];
        copy_c(&mut buf, "abcdef");
        assert_eq!(&buf, &[97, 98, 99, 100, 0].map(|b| b as c_char));
        let mut buf = [1 as c_char; 4];
        copy_c(&mut buf, "aé");
        // "aé" is 3 bytes: it fits whole with its NUL.
        assert_eq!(buf[3], 0);
        let mut buf = [1 as c_char; 3];
        copy_c(&mut buf, "aé");
        // Cut before the two-byte é, not inside it.
        assert_eq!(&buf[..2], &[97, 0].map(|b| b as c_char));
    }

    #[test]
    fn wrong_handles_and_null_pointers_are_errors() {
        assert_eq!(cartbox_destroy(999_999), CARTBOX_ERR_HANDLE);
        assert_eq!(cartbox_restart(0, 0), CARTBOX_ERR_HANDLE);
        // SAFETY: null pointers are what is being tested; the functions check them.
        unsafe {
            assert_eq!(
                cartbox_frame(12345, std::ptr::null(), 0),
                CARTBOX_ERR_HANDLE
            );
            assert_eq!(
                cartbox_create(std::ptr::null(), std::ptr::null_mut()),
                CARTBOX_ERR_ARGUMENT
            );
            let mut buf = [0 as c_char; 128];
            let n = cartbox_last_error(0, buf.as_mut_ptr(), buf.len());
            assert!(n > 0);
            let text = CStr::from_ptr(buf.as_ptr()).to_str().unwrap();
            assert_eq!(text, "out is NULL");
            cartbox_options_init(std::ptr::null_mut());
        }
    }
}
