//! The soft stop inside Lua (the signal and the request bookkeeping are the core's:
//! [`crate::runtime::stop`]).
//!
//! On a stop the core's handler calls `arm_hooks`, which arms a count hook on the
//! coroutine that is running and on the main thread; the hook raises a Lua error at the
//! next VM instruction and keeps raising it while a `pcall` catches it, until the error
//! leaves the callback. `lua_sethook` is documented as safe to call from a signal handler;
//! it is the only thing done there besides atomics.
//!
//! Coroutines are tracked by our own `coroutine.resume` and `coroutine.wrap` (`CURRENT`), so
//! the hook reaches the coroutine that is actually running; a resumer is hooked again when
//! an error comes back out of a coroutine. A hook left on a suspended coroutine after the
//! request ended removes itself the first time it fires.

use std::ffi::c_int;
use std::ptr;
use std::sync::atomic::{AtomicPtr, Ordering};

use mlua::ffi::{self, lua_Debug, lua_State};

use crate::runtime::stop;

static MAIN: AtomicPtr<lua_State> = AtomicPtr::new(ptr::null_mut());
static CURRENT: AtomicPtr<lua_State> = AtomicPtr::new(ptr::null_mut());

/// Points the guard at a VM's main thread, with the budget to quote in messages.
///
/// # Safety
/// `main` must be the main thread of a Lua state that stays alive until `attach` is called
/// again or the process ends.
pub unsafe fn attach(main: *mut lua_State, budget_ms: u32) {
    MAIN.store(main, Ordering::SeqCst);
    CURRENT.store(main, Ordering::SeqCst);
    stop::set_budget(budget_ms);
    stop::on_stop(arm_hooks);
}

/// Ends the request (see [`stop::disarm`]) and takes the hook off the main thread.
pub fn disarm() -> Option<(String, String)> {
    let stopped = stop::disarm();
    let main = MAIN.load(Ordering::SeqCst);
    if !main.is_null() {
        // SAFETY: `main` is the live main thread (see `attach`).
        unsafe { ffi::lua_sethook(main, None, 0, 0) };
    }
    stopped
}

/// Called from the signal handler on a stop: hooks the running coroutine and the main
/// thread. Only `lua_sethook`, which Lua documents as async-signal-safe.
fn arm_hooks() {
    for state in [CURRENT.load(Ordering::SeqCst), MAIN.load(Ordering::SeqCst)] {
        if !state.is_null() {
            // SAFETY: both are live threads of the VM: MAIN for the runner's life, CURRENT
            // while our resume runs it (it is on its resumer's stack meanwhile).
            unsafe { ffi::lua_sethook(state, Some(stop_hook), ffi::LUA_MASKCOUNT, 1) };
        }
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
        let msg = stop::stop_message(&at);
        if !stop::first_stop_recorded() {
            ffi::luaL_traceback(l, l, ptr::null(), 0);
            let mut tlen = 0;
            let tb = ffi::lua_tolstring(l, -1, &mut tlen);
            let tb = String::from_utf8_lossy(std::slice::from_raw_parts(tb.cast::<u8>(), tlen))
                .into_owned();
            ffi::lua_pop(l, 1);
            stop::record_first_stop(&msg, tb);
        }
        ffi::lua_pop(l, 1);
        ffi::lua_pushlstring(l, msg.as_ptr().cast(), msg.len());
    }
}

unsafe extern "C-unwind" fn stop_hook(l: *mut lua_State, _ar: *mut lua_Debug) {
    if !stop::stopping() {
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
        if stop::stopping() {
            ffi::lua_sethook(co, Some(stop_hook), ffi::LUA_MASKCOUNT, 1);
        }
        let prev = CURRENT.swap(co, Ordering::SeqCst);
        let status = ffi::lua_resume_(co, l, narg);
        CURRENT.store(prev, Ordering::SeqCst);
        if stop::stopping() {
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
