//! The soft stop: a callback that runs past its budget is stopped inside the VM.
//!
//! Nothing runs while a cart is within budget: no hook, no timer, no check. When the host's
//! deadline for a request passes, it sends this runner `SIGUSR1` carrying the request's
//! sequence number (`sigqueue`-style, through its pidfd). The handler arms a count hook on
//! the coroutine that is running and on the main thread; the hook raises a Lua error at
//! the next VM instruction and keeps raising it while a `pcall` catches it, until the
//! error leaves the callback. `lua_sethook` is documented as safe to call from a signal
//! handler; it is the only thing the handler does besides atomics.
//!
//! Coroutines are tracked by our own `coroutine.resume` and `coroutine.wrap` (`CURRENT`), so
//! the hook reaches the coroutine that is actually running; a resumer is hooked again when
//! an error comes back out of a coroutine. A hook left on a suspended coroutine after the
//! request ended removes itself the first time it fires.

use std::ffi::{c_int, c_void};
use std::ptr;
use std::sync::Mutex;
use std::sync::atomic::{
    AtomicBool, AtomicPtr, AtomicU8, AtomicU32, AtomicU64, AtomicUsize, Ordering,
};

use mlua::ffi::{self, lua_Debug, lua_State};

/// The signal the host sends when a request's budget is spent.
pub const SOFT_STOP_SIGNAL: c_int = cartbox_protocol::message::SOFT_STOP_SIGNAL;

static MAIN: AtomicPtr<lua_State> = AtomicPtr::new(ptr::null_mut());
static CURRENT: AtomicPtr<lua_State> = AtomicPtr::new(ptr::null_mut());
/// Sequence number of the request being served; 0 while idle.
static ARMED_SEQ: AtomicU64 = AtomicU64::new(0);
/// Set by the handler: the request being served must stop.
static STOP: AtomicBool = AtomicBool::new(false);
static CALLBACK: AtomicU8 = AtomicU8::new(0);
static BUDGET_MS: AtomicU32 = AtomicU32::new(0);
/// What else the handler does on a stop, for runtimes other than Lua: a `fn()` that must be
/// async-signal-safe, stored as an address (0: nothing).
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
    // SAFETY: `on_signal` only touches atomics and calls `lua_sethook`, which Lua documents
    // as async-signal-safe. SA_RESTART keeps the runner's blocking reads going.
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

/// Points the guard at a VM's main thread, with the budget to quote in messages.
///
/// # Safety
/// `main` must be the main thread of a Lua state that stays alive until `attach` is called
/// again or the process ends.
pub unsafe fn attach(main: *mut lua_State, budget_ms: u32) {
    MAIN.store(main, Ordering::SeqCst);
    CURRENT.store(main, Ordering::SeqCst);
    BUDGET_MS.store(budget_ms, Ordering::SeqCst);
}

/// Makes the handler call `f` on a stop, after the Lua hooks; `f` must be
/// async-signal-safe (the WebAssembly runtime bumps its epoch counter).
pub fn on_stop(f: fn()) {
    ON_STOP.store(f as usize, Ordering::SeqCst);
}

/// Sets the budget quoted in messages, for runtimes that have no Lua state to `attach`.
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
    let main = MAIN.load(Ordering::SeqCst);
    if !main.is_null() {
        // SAFETY: `main` is the live main thread (see `install`).
        unsafe { ffi::lua_sethook(main, None, 0, 0) };
    }
    let first = FIRST_STOP.lock().ok().and_then(|mut f| f.take());
    stopped.then(|| first.unwrap_or_default())
}

/// Whether the current request has been told to stop.
pub fn stopping() -> bool {
    STOP.load(Ordering::SeqCst)
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
    for state in [CURRENT.load(Ordering::SeqCst), MAIN.load(Ordering::SeqCst)] {
        if !state.is_null() {
            // SAFETY: both are live threads of the VM: MAIN for the runner's life, CURRENT
            // while our resume runs it (it is on its resumer's stack meanwhile).
            unsafe { ffi::lua_sethook(state, Some(stop_hook), ffi::LUA_MASKCOUNT, 1) };
        }
    }
    let f = ON_STOP.load(Ordering::SeqCst);
    if f != 0 {
        // SAFETY: only `on_stop` stores here, and it stores a `fn()`.
        let f: fn() = unsafe { std::mem::transmute::<usize, fn()>(f) };
        f();
    }
}

/// Records where the first stop hit. Kept out of `stop_hook` so no value with a destructor
/// is alive in the frame that calls `lua_error`.
#[inline(never)]
unsafe fn push_stop_error(l: *mut lua_State) {
    // SAFETY: `l` is the running thread inside a hook, with LUA_MINSTACK free slots.
    unsafe {
        ffi::luaL_where(l, 0);
        let mut len = 0;
        let at = ffi::lua_tolstring(l, -1, &mut len);
        let at =
            String::from_utf8_lossy(std::slice::from_raw_parts(at.cast::<u8>(), len)).into_owned();
        let budget = BUDGET_MS.load(Ordering::SeqCst);
        let msg = format!("{}ran past its budget of {budget} ms and was stopped", at);
        let what = callback().described();
        let msg = format!("{msg} (in {what})");
        if let Ok(mut first) = FIRST_STOP.lock()
            && first.is_none()
        {
            {
                ffi::luaL_traceback(l, l, ptr::null(), 0);
                let mut tlen = 0;
                let tb = ffi::lua_tolstring(l, -1, &mut tlen);
                let tb = String::from_utf8_lossy(std::slice::from_raw_parts(tb.cast::<u8>(), tlen))
                    .into_owned();
                ffi::lua_pop(l, 1);
                *first = Some((msg.clone(), tb));
            }
        }
        ffi::lua_pop(l, 1);
        ffi::lua_pushlstring(l, msg.as_ptr().cast(), msg.len());
    }
}

unsafe extern "C-unwind" fn stop_hook(l: *mut lua_State, _ar: *mut lua_Debug) {
    if !STOP.load(Ordering::SeqCst) {
        // A hook left behind by an earlier request: remove it and carry on.
        // SAFETY: `l` is the running thread.
        unsafe { ffi::lua_sethook(l, None, 0, 0) };
        return;
    }
    // SAFETY: raising an error from a hook is allowed; this frame holds no value with a
    // destructor, so the longjmp out of it skips nothing.
    unsafe {
        push_stop_error(l);
        ffi::lua_error(l);
    }
}

/// `coroutine.resume` with tracking of the running coroutine.
///
/// # Safety
/// A Lua C function: only Lua calls it, on the running thread `l`.
pub unsafe extern "C-unwind" fn co_resume(l: *mut lua_State) -> c_int {
    // SAFETY: called by Lua as a C function on thread `l`.
    unsafe {
        let co = ffi::lua_tothread(l, 1);
        if co.is_null() {
            return arg_error(l, c"bad argument #1 to 'resume' (coroutine expected)");
        }
        let nargs = ffi::lua_gettop(l) - 1;
        let r = aux_resume(l, co, nargs);
        if r < 0 {
            ffi::lua_pushboolean(l, 0);
            ffi::lua_insert(l, -2);
            2
        } else {
            ffi::lua_pushboolean(l, 1);
            ffi::lua_insert(l, -(r + 1));
            r + 1
        }
    }
}

/// The function `coroutine.wrap` returns, with tracking of the running coroutine.
unsafe extern "C-unwind" fn co_wrapped(l: *mut lua_State) -> c_int {
    // SAFETY: called by Lua; upvalue 1 is the coroutine `co_wrap` stored.
    unsafe {
        let co = ffi::lua_tothread(l, ffi::lua_upvalueindex(1));
        let nargs = ffi::lua_gettop(l);
        let r = aux_resume(l, co, nargs);
        if r < 0 {
            if ffi::lua_type(l, -1) == ffi::LUA_TSTRING {
                ffi::luaL_where(l, 1);
                ffi::lua_insert(l, -2);
                ffi::lua_concat(l, 2);
            }
            ffi::lua_error(l);
        }
        r
    }
}

/// `coroutine.wrap`.
///
/// # Safety
/// A Lua C function: only Lua calls it, on the running thread `l`.
pub unsafe extern "C-unwind" fn co_wrap(l: *mut lua_State) -> c_int {
    // SAFETY: called by Lua as a C function on thread `l`.
    unsafe {
        if ffi::lua_type(l, 1) != ffi::LUA_TFUNCTION {
            return arg_error(l, c"bad argument #1 to 'wrap' (function expected)");
        }
        let co = ffi::lua_newthread(l);
        ffi::lua_pushvalue(l, 1);
        ffi::lua_xmove(l, co, 1);
        ffi::lua_pushcclosure(l, co_wrapped, 1);
        1
    }
}

unsafe fn arg_error(l: *mut lua_State, msg: &'static std::ffi::CStr) -> c_int {
    // SAFETY: raising a Lua error from a C function called by Lua; no destructors pending.
    unsafe {
        ffi::luaL_where(l, 1);
        ffi::lua_pushstring(l, msg.as_ptr());
        ffi::lua_concat(l, 2);
        ffi::lua_error(l)
    }
}

/// Resumes `co` with `narg` arguments from `l`'s stack, as Lua's own `auxresume` does, with
/// `CURRENT` following the running coroutine. Returns the number of results moved to `l`,
/// or -1 with an error message on `l`.
unsafe fn aux_resume(l: *mut lua_State, co: *mut lua_State, narg: c_int) -> c_int {
    // SAFETY: `l` and `co` are live threads; `co` stays reachable from `l`'s stack or the
    // wrapper's upvalue while it runs.
    unsafe {
        if ffi::lua_checkstack(co, narg) == 0 {
            ffi::lua_pushstring(l, c"too many arguments to resume".as_ptr());
            return -1;
        }
        if ffi::lua_status(co) == ffi::LUA_OK && ffi::lua_gettop(co) == 0 {
            ffi::lua_pushstring(l, c"cannot resume dead coroutine".as_ptr());
            return -1;
        }
        ffi::lua_xmove(l, co, narg);
        if STOP.load(Ordering::SeqCst) {
            ffi::lua_sethook(co, Some(stop_hook), ffi::LUA_MASKCOUNT, 1);
        }
        let prev = CURRENT.swap(co, Ordering::SeqCst);
        let status = ffi::lua_resume_(co, l, narg);
        CURRENT.store(prev, Ordering::SeqCst);
        if STOP.load(Ordering::SeqCst) {
            ffi::lua_sethook(l, Some(stop_hook), ffi::LUA_MASKCOUNT, 1);
        }
        if status == ffi::LUA_OK || status == ffi::LUA_YIELD {
            let nres = ffi::lua_gettop(co);
            if ffi::lua_checkstack(l, nres + 1) == 0 {
                ffi::lua_pop(co, nres);
                ffi::lua_pushstring(l, c"too many results to resume".as_ptr());
                return -1;
            }
            ffi::lua_xmove(co, l, nres);
            nres
        } else {
            ffi::lua_xmove(co, l, 1);
            -1
        }
    }
}
