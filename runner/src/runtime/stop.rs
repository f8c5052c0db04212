//! The soft stop, for every runtime: a callback that runs past its budget is stopped
//! inside its VM.
//!
//! Nothing runs while a cart is within budget: no hook, no timer, no check. When the host's
//! deadline for a request passes, it sends this runner `SIGUSR1` carrying the request's
//! sequence number (`sigqueue`-style, through its pidfd). The handler checks that the
//! number is the request being served, sets [`stopping`], and calls the runtime's own
//! async-signal-safe stop (registered with [`on_stop`]): Lua arms a count hook, WebAssembly
//! bumps its engine's epoch. The runtime then raises its own error inside the VM, records
//! where it hit with [`record_first_stop`], and the request ends with [`disarm`].

use std::ffi::{c_int, c_void};
use std::ptr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU32, AtomicU64, AtomicUsize, Ordering};

/// The signal the host sends when a request's budget is spent.
pub const SOFT_STOP_SIGNAL: c_int = cartbox_protocol::message::SOFT_STOP_SIGNAL;

/// Sequence number of the request being served; 0 while idle.
static ARMED_SEQ: AtomicU64 = AtomicU64::new(0);
/// Set by the handler: the request being served must stop.
static STOP: AtomicBool = AtomicBool::new(false);
static CALLBACK: AtomicU8 = AtomicU8::new(0);
static BUDGET_MS: AtomicU32 = AtomicU32::new(0);
/// What the runtime does on a stop: a `fn()` that must be async-signal-safe, stored as an
/// address (0: nothing).
static ON_STOP: AtomicUsize = AtomicUsize::new(0);
/// Where the first stop hit, with its traceback, for the report.
static FIRST_STOP: Mutex<Option<(String, String)>> = Mutex::new(None);

/// The callbacks a request may be running, for messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Callback {
    /// The cart's top-level code.
    TopLevel = 0,
    /// `BOOT()`.
    Boot,
    /// `TIC()`.
    Tic,
    /// `OVR()`.
    Ovr,
    /// `BDR(row)`.
    Bdr,
    /// `SCN(row)` (legacy).
    Scn,
    /// `MENU(index)`.
    Menu,
}

impl Callback {
    const NAMES: [&'static str; 7] = ["top-level code", "BOOT", "TIC", "OVR", "BDR", "SCN", "MENU"];

    /// Name for messages ("TIC", "top-level code").
    pub fn name(self) -> &'static str {
        Self::NAMES[self as usize]
    }

    /// The callback as a message names it ("TIC()", "the cart's top-level code").
    pub fn described(self) -> String {
        match self {
            Callback::TopLevel => "the cart's top-level code".to_owned(),
            other => format!("{}()", other.name()),
        }
    }
}

/// Installs the soft-stop signal handler. Call once, before lockdown (`rt_sigaction` is
/// not in the seccomp allowlist).
pub fn install_handler() -> std::io::Result<()> {
    // SAFETY: `on_signal` only touches atomics and calls the runtime's registered stop,
    // which must be async-signal-safe. SA_RESTART keeps the runner's blocking reads going.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = on_signal as *const () as usize;
        action.sa_flags = libc::SA_SIGINFO | libc::SA_RESTART;
        libc::sigemptyset(&mut action.sa_mask);
        if libc::sigaction(SOFT_STOP_SIGNAL, &action, ptr::null_mut()) != 0 {
            return Err(std::io::Error::last_os_error());
        }
    }
    Ok(())
}

/// Makes the handler call `f` on a stop; `f` must be async-signal-safe. One runtime runs
/// in a runner: the last call wins.
pub fn on_stop(f: fn()) {
    ON_STOP.store(f as usize, Ordering::SeqCst);
}

/// Sets the budget quoted in messages.
pub fn set_budget(budget_ms: u32) {
    BUDGET_MS.store(budget_ms, Ordering::SeqCst);
}

/// The budget quoted in messages.
pub fn budget_ms() -> u32 {
    BUDGET_MS.load(Ordering::SeqCst)
}

/// Marks the start of request `seq`, running `callback`.
pub fn arm(seq: u64, callback: Callback) {
    STOP.store(false, Ordering::SeqCst);
    if let Ok(mut f) = FIRST_STOP.lock() {
        *f = None;
    }
    CALLBACK.store(callback as u8, Ordering::SeqCst);
    ARMED_SEQ.store(seq, Ordering::SeqCst);
}

/// Names the callback now running within the armed request.
pub fn set_callback(callback: Callback) {
    CALLBACK.store(callback as u8, Ordering::SeqCst);
}

/// The callback now running.
pub fn callback() -> Callback {
    match CALLBACK.load(Ordering::SeqCst) {
        0 => Callback::TopLevel,
        1 => Callback::Boot,
        2 => Callback::Tic,
        3 => Callback::Ovr,
        4 => Callback::Bdr,
        5 => Callback::Scn,
        _ => Callback::Menu,
    }
}

/// Marks the end of the request; returns whether it was stopped, with where the stop
/// first hit and the traceback there.
pub fn disarm() -> Option<(String, String)> {
    ARMED_SEQ.store(0, Ordering::SeqCst);
    let stopped = STOP.swap(false, Ordering::SeqCst);
    let first = FIRST_STOP.lock().ok().and_then(|mut f| f.take());
    stopped.then(|| first.unwrap_or_default())
}

/// Whether the current request has been told to stop.
pub fn stopping() -> bool {
    STOP.load(Ordering::SeqCst)
}

/// Whether a stop of this request has been recorded (see [`record_first_stop`]).
pub fn first_stop_recorded() -> bool {
    FIRST_STOP.lock().map_or(true, |f| f.is_some())
}

/// Records where the stop hit (the message, and the traceback there) unless an earlier
/// hit of the same request was recorded. The lock is held only here: a runtime builds the
/// traceback (which may raise inside its VM) before.
pub fn record_first_stop(message: &str, traceback: String) {
    if let Ok(mut first) = FIRST_STOP.lock()
        && first.is_none()
    {
        *first = Some((message.to_owned(), traceback));
    }
}

/// The message of a stop: `AT` (where it hit, as the runtime writes it, ending in a space
/// or empty) and the callback.
pub fn stop_message(at: &str) -> String {
    format!(
        "{at}ran past its budget of {} ms and was stopped (in {})",
        budget_ms(),
        callback().described()
    )
}

extern "C" fn on_signal(_sig: c_int, info: *mut libc::siginfo_t, _ctx: *mut c_void) {
    if info.is_null() {
        return;
    }
    // SAFETY: the kernel passes a valid siginfo to an SA_SIGINFO handler. For a queued
    // signal the value field holds what the sender put there.
    let value = unsafe { (*info).si_value().sival_ptr } as u64;
    let armed = ARMED_SEQ.load(Ordering::SeqCst);
    // A stop meant for an earlier request, or arriving between requests, is ignored.
    if armed == 0 || value != armed {
        return;
    }
    STOP.store(true, Ordering::SeqCst);
    let f = ON_STOP.load(Ordering::SeqCst);
    if f != 0 {
        // SAFETY: only `on_stop` stores here, and it stores a `fn()`.
        let f: fn() = unsafe { std::mem::transmute::<usize, fn()>(f) };
        f();
    }
}
