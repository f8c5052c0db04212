//! Input: `btn`, `btnp`, `key`, `keyp`, `mouse`.

use super::*;

pub(super) unsafe extern "C-unwind" fn btn(l: *mut lua_State) -> c_int {
    // SAFETY: see `cls`.
    unsafe {
        match top(l) {
            0 => {
                let mask = machine(l).btn_mask();
                push_int(l, i64::from(mask))
            }
            1 => {
                let id = int(l, 1);
                let v = machine(l).btn(id);
                push_bool(l, v)
            }
            _ => raise(l, c"invalid params, btn [ id ]\n"),
        }
    }
}

pub(super) unsafe extern "C-unwind" fn btnp(l: *mut lua_State) -> c_int {
    // SAFETY: see `cls`.
    unsafe {
        match top(l) {
            0 => {
                let mask = machine(l).btnp_mask();
                push_int(l, i64::from(mask))
            }
            1 => {
                let id = int(l, 1);
                let v = machine(l).btnp(id, -1, -1);
                push_bool(l, v)
            }
            3 => {
                let (id, hold, period) = (int(l, 1), int(l, 2), int(l, 3));
                let v = machine(l).btnp(id, hold, period);
                push_bool(l, v)
            }
            _ => raise(l, c"invalid params, btnp [ id [ hold period ] ]\n"),
        }
    }
}

unsafe fn key_code(l: *mut lua_State) -> u8 {
    // SAFETY: see `cls`.
    unsafe {
        let code = int(l, 1) as u8;
        if usize::from(code) >= KEY_COUNT {
            raise(l, c"unknown keyboard code\n");
        }
        code
    }
}

pub(super) unsafe extern "C-unwind" fn key(l: *mut lua_State) -> c_int {
    // SAFETY: see `cls`.
    unsafe {
        match top(l) {
            0 => {
                let v = machine(l).key_any();
                push_bool(l, v)
            }
            1 => {
                let code = key_code(l);
                let v = machine(l).key(code);
                push_bool(l, v)
            }
            _ => raise(l, c"invalid params, key [code]\n"),
        }
    }
}

pub(super) unsafe extern "C-unwind" fn keyp(l: *mut lua_State) -> c_int {
    // SAFETY: see `cls`.
    unsafe {
        let n = top(l);
        if n == 0 {
            let v = machine(l).keyp(0, -1, -1);
            return push_bool(l, v);
        }
        let code = key_code(l);
        let (hold, period) = match n {
            1 => (-1, -1),
            3 => (int(l, 2), int(l, 3)),
            _ => raise(l, c"invalid params, keyp [ code [ hold period ] ]\n"),
        };
        let v = machine(l).keyp(code, hold, period);
        push_bool(l, v)
    }
}

pub(super) unsafe extern "C-unwind" fn mouse(l: *mut lua_State) -> c_int {
    // SAFETY: see `cls`; seven results fit the guaranteed stack space (LUA_MINSTACK).
    unsafe {
        let m = machine(l).mouse();
        ffi::lua_pushinteger(l, i64::from(m.x));
        ffi::lua_pushinteger(l, i64::from(m.y));
        ffi::lua_pushboolean(l, c_int::from(m.left));
        ffi::lua_pushboolean(l, c_int::from(m.middle));
        ffi::lua_pushboolean(l, c_int::from(m.right));
        ffi::lua_pushinteger(l, i64::from(m.scroll_x));
        ffi::lua_pushinteger(l, i64::from(m.scroll_y));
        7
    }
}
