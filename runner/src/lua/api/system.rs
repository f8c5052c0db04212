//! The clock and the cart's life: `time`, `tstamp`, `exit`, `reset`.

use super::*;

pub(super) unsafe extern "C-unwind" fn time(l: *mut lua_State) -> c_int {
    // SAFETY: see `cls`.
    unsafe {
        ffi::lua_pushnumber(l, machine(l).time());
        1
    }
}

pub(super) unsafe extern "C-unwind" fn tstamp(l: *mut lua_State) -> c_int {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i32);
    // SAFETY: see `cls`. TIC-80 returns the seconds as a float.
    unsafe { ffi::lua_pushnumber(l, f64::from(secs)) };
    1
}

pub(super) unsafe extern "C-unwind" fn exit(l: *mut lua_State) -> c_int {
    // SAFETY: see `cls`.
    unsafe { machine(l).request_exit() };
    0
}

pub(super) unsafe extern "C-unwind" fn reset(l: *mut lua_State) -> c_int {
    // SAFETY: see `cls`.
    unsafe { machine(l).request_reset() };
    0
}
