//! The console API as Lua sees it: raw C functions that translate arguments the way
//! TIC-80's Lua binding does and call the [`Machine`].
//!
//! Conventions (TIC-80 1.1): numbers go through `lua_tonumber` (non-numbers are 0) and a C
//! cast to a 32-bit integer, which truncates toward zero; line coordinates stay floats;
//! optional arguments are read only when enough arguments are present; argument errors
//! carry TIC-80's own message. Each function finds the machine through its first upvalue.
//!
//! Every function here may raise a Lua error (a `longjmp`), so none of them holds a value
//! with a destructor at a point where Lua can raise: strings are copied out only after the
//! last call back into Lua.

use std::ffi::{CStr, c_int};

use mlua::ffi::{self, lua_State};

use crate::machine::Machine;

type LuaFn = unsafe extern "C-unwind" fn(*mut lua_State) -> c_int;

/// The functions installed as globals, with their Lua names.
pub(super) const FUNCTIONS: &[(&CStr, LuaFn)] = &[
    (c"cls", cls),
    (c"pix", pix),
    (c"line", line),
    (c"rect", rect),
    (c"rectb", rectb),
    (c"circ", circ),
    (c"circb", circb),
    (c"elli", elli),
    (c"ellib", ellib),
    (c"clip", clip),
    (c"print", print),
    (c"trace", trace),
    (c"time", time),
    (c"tstamp", tstamp),
    (c"btn", btn),
    (c"btnp", btnp),
    (c"peek", peek),
    (c"poke", poke),
    (c"peek1", peek1),
    (c"peek2", peek2),
    (c"peek4", peek4),
    (c"poke1", poke1),
    (c"poke2", poke2),
    (c"poke4", poke4),
    (c"memcpy", memcpy),
    (c"memset", memset),
    (c"vbank", vbank),
    (c"exit", exit),
];

/// The machine behind this closure.
///
/// # Safety
/// Must be called from a closure registered by `LuaCart` with the machine pointer as its
/// first upvalue; the machine outlives the VM and no other reference to it is live while
/// Lua runs.
#[inline]
unsafe fn machine<'a>(l: *mut lua_State) -> &'a mut Machine {
    // SAFETY: see the function's contract.
    unsafe { &mut *ffi::lua_touserdata(l, ffi::lua_upvalueindex(1)).cast::<Machine>() }
}

#[inline]
unsafe fn top(l: *mut lua_State) -> c_int {
    // SAFETY: `l` is the running thread.
    unsafe { ffi::lua_gettop(l) }
}

/// `lua_tonumber`: 0 for anything that is not a number or a numeric string.
#[inline]
unsafe fn number(l: *mut lua_State, i: c_int) -> f64 {
    let mut ok = 0;
    // SAFETY: reading a stack slot of the running thread; absent slots read as none.
    let n = unsafe { ffi::lua_tonumberx(l, i, &mut ok) };
    if ok == 0 { 0.0 } else { n }
}

/// A C cast of a double to a 32-bit integer as x86 performs it: truncation toward zero,
/// and the "integer indefinite" value for NaN and anything out of range.
#[inline]
pub(crate) fn c_int_of(n: f64) -> i32 {
    if n.is_nan() || n >= 2_147_483_648.0 || n <= -2_147_483_649.0 {
        i32::MIN
    } else {
        n as i32
    }
}

#[inline]
unsafe fn int(l: *mut lua_State, i: c_int) -> i32 {
    // SAFETY: forwarded.
    c_int_of(unsafe { number(l, i) })
}

#[inline]
unsafe fn float(l: *mut lua_State, i: c_int) -> f32 {
    // SAFETY: forwarded.
    unsafe { number(l, i) as f32 }
}

#[inline]
unsafe fn boolean(l: *mut lua_State, i: c_int) -> bool {
    // SAFETY: forwarded.
    unsafe { ffi::lua_toboolean(l, i) != 0 }
}

/// Raises `msg` with the caller's position, as `luaL_error` does.
unsafe fn raise(l: *mut lua_State, msg: &'static CStr) -> ! {
    // SAFETY: raising from a C function called by Lua; nothing with a destructor is live.
    unsafe {
        ffi::luaL_where(l, 1);
        ffi::lua_pushstring(l, msg.as_ptr());
        ffi::lua_concat(l, 2);
        ffi::lua_error(l)
    }
}

unsafe fn push_int(l: *mut lua_State, v: i64) -> c_int {
    // SAFETY: one free slot is guaranteed to a C function.
    unsafe { ffi::lua_pushinteger(l, v) };
    1
}

unsafe fn push_bool(l: *mut lua_State, v: bool) -> c_int {
    // SAFETY: as above.
    unsafe { ffi::lua_pushboolean(l, c_int::from(v)) };
    1
}

/// Converts argument `i` with the global `tostring`, as TIC-80's print and trace do, and
/// leaves the result on the stack. Returns its bytes (valid while it stays on the stack),
/// or `None` when `tostring` gave neither a string nor a number.
unsafe fn to_text<'a>(l: *mut lua_State, i: c_int) -> Option<&'a [u8]> {
    // SAFETY: calls back into Lua; errors propagate as Lua errors (nothing to drop here).
    unsafe {
        ffi::lua_getglobal(l, c"tostring".as_ptr());
        ffi::lua_pushvalue(l, i);
        ffi::lua_call(l, 1, 1);
        let t = ffi::lua_type(l, -1);
        if t != ffi::LUA_TSTRING && t != ffi::LUA_TNUMBER {
            return None;
        }
        let mut len = 0;
        let p = ffi::lua_tolstring(l, -1, &mut len);
        Some(std::slice::from_raw_parts(p.cast::<u8>(), len))
    }
}

/// Text as a C string would see it: up to the first NUL.
fn c_text(bytes: &[u8]) -> &[u8] {
    bytes
        .iter()
        .position(|b| *b == 0)
        .map_or(bytes, |n| &bytes[..n])
}

unsafe extern "C-unwind" fn cls(l: *mut lua_State) -> c_int {
    // SAFETY: called by Lua through a closure registered by LuaCart (so does every function
    // below that says "see `cls`").
    unsafe {
        let color = if top(l) == 1 { int(l, 1) } else { 0 };
        machine(l).cls(color);
        0
    }
}

unsafe extern "C-unwind" fn pix(l: *mut lua_State) -> c_int {
    // SAFETY: see `cls`.
    unsafe {
        let n = top(l);
        if n < 2 {
            raise(l, c"invalid parameters, pix(x y [color])\n");
        }
        let (x, y) = (int(l, 1), int(l, 2));
        if n >= 3 {
            let c = int(l, 3);
            machine(l).pix_set(x, y, c);
            0
        } else {
            let v = machine(l).pix_get(x, y);
            push_int(l, i64::from(v))
        }
    }
}

unsafe extern "C-unwind" fn line(l: *mut lua_State) -> c_int {
    // SAFETY: see `cls`.
    unsafe {
        if top(l) != 5 {
            raise(l, c"invalid parameters, line(x0,y0,x1,y1,color)\n");
        }
        let (x0, y0, x1, y1) = (float(l, 1), float(l, 2), float(l, 3), float(l, 4));
        let c = int(l, 5);
        machine(l).line(x0, y0, x1, y1, c);
        0
    }
}

unsafe fn five_ints(l: *mut lua_State, msg: &'static CStr) -> [i32; 5] {
    // SAFETY: see `cls`.
    unsafe {
        if top(l) != 5 {
            raise(l, msg);
        }
        [int(l, 1), int(l, 2), int(l, 3), int(l, 4), int(l, 5)]
    }
}

unsafe extern "C-unwind" fn rect(l: *mut lua_State) -> c_int {
    // SAFETY: see `cls`.
    unsafe {
        let [x, y, w, h, c] = five_ints(l, c"invalid parameters, rect(x,y,w,h,color)\n");
        machine(l).rect(x, y, w, h, c);
        0
    }
}

unsafe extern "C-unwind" fn rectb(l: *mut lua_State) -> c_int {
    // SAFETY: see `cls`.
    unsafe {
        let [x, y, w, h, c] = five_ints(l, c"invalid parameters, rectb(x,y,w,h,color)\n");
        machine(l).rectb(x, y, w, h, c);
        0
    }
}

unsafe extern "C-unwind" fn elli(l: *mut lua_State) -> c_int {
    // SAFETY: see `cls`.
    unsafe {
        let [x, y, a, b, c] = five_ints(l, c"invalid parameters, elli(x,y,a,b,color)\n");
        machine(l).elli(x, y, a, b, c);
        0
    }
}

unsafe extern "C-unwind" fn ellib(l: *mut lua_State) -> c_int {
    // SAFETY: see `cls`.
    unsafe {
        let [x, y, a, b, c] = five_ints(l, c"invalid parameters, ellib(x,y,a,b,color)\n");
        machine(l).ellib(x, y, a, b, c);
        0
    }
}

unsafe fn four_ints(l: *mut lua_State, msg: &'static CStr) -> [i32; 4] {
    // SAFETY: see `cls`.
    unsafe {
        if top(l) != 4 {
            raise(l, msg);
        }
        [int(l, 1), int(l, 2), int(l, 3), int(l, 4)]
    }
}

unsafe extern "C-unwind" fn circ(l: *mut lua_State) -> c_int {
    // SAFETY: see `cls`.
    unsafe {
        let [x, y, r, c] = four_ints(l, c"invalid parameters, circ(x,y,radius,color)\n");
        machine(l).circ(x, y, r, c);
        0
    }
}

unsafe extern "C-unwind" fn circb(l: *mut lua_State) -> c_int {
    // SAFETY: see `cls`.
    unsafe {
        let [x, y, r, c] = four_ints(l, c"invalid parameters, circb(x,y,radius,color)\n");
        machine(l).circb(x, y, r, c);
        0
    }
}

unsafe extern "C-unwind" fn clip(l: *mut lua_State) -> c_int {
    // SAFETY: see `cls`.
    unsafe {
        match top(l) {
            0 => machine(l).clip_reset(),
            4 => {
                let [x, y, w, h] = [int(l, 1), int(l, 2), int(l, 3), int(l, 4)];
                machine(l).clip(x, y, w, h);
            }
            _ => raise(l, c"invalid parameters, use clip(x,y,w,h) or clip()\n"),
        }
        0
    }
}

unsafe extern "C-unwind" fn print(l: *mut lua_State) -> c_int {
    // SAFETY: see `cls`. `to_text` is the only call back into Lua and comes first.
    unsafe {
        let n = top(l);
        if n == 0 {
            return 0;
        }
        let text = to_text(l, 1).unwrap_or(b"nil");
        let (mut x, mut y, mut color, mut fixed, mut scale, mut small) =
            (0, 0, 15u8, false, 1, false);
        if n >= 3 {
            x = int(l, 2);
            y = int(l, 3);
        }
        if n >= 4 {
            // C's remainder keeps the sign: -1 becomes 255, which draws nothing.
            color = (int(l, 4).wrapping_rem(16)) as u8;
        }
        if n >= 5 {
            fixed = boolean(l, 5);
        }
        if n >= 6 {
            scale = int(l, 6);
        }
        if n >= 7 {
            small = boolean(l, 7);
        }
        if scale == 0 {
            return push_int(l, 0);
        }
        let w = machine(l).print(c_text(text), x, y, color, fixed, scale, small);
        push_int(l, i64::from(w))
    }
}

unsafe extern "C-unwind" fn trace(l: *mut lua_State) -> c_int {
    // SAFETY: see `print`.
    unsafe {
        let n = top(l);
        if n == 0 {
            raise(l, c"invalid params, trace(text,[color])\n");
        }
        let text = to_text(l, 1).unwrap_or(b"nil");
        let color = if n >= 2 { int(l, 2) as u8 } else { 15 };
        let text = String::from_utf8_lossy(c_text(text));
        machine(l).trace(&text, color);
        0
    }
}

unsafe extern "C-unwind" fn time(l: *mut lua_State) -> c_int {
    // SAFETY: see `cls`.
    unsafe {
        ffi::lua_pushnumber(l, machine(l).time());
        1
    }
}

unsafe extern "C-unwind" fn tstamp(l: *mut lua_State) -> c_int {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i32);
    // SAFETY: see `cls`. TIC-80 returns the seconds as a float.
    unsafe { ffi::lua_pushnumber(l, f64::from(secs)) };
    1
}

unsafe extern "C-unwind" fn btn(l: *mut lua_State) -> c_int {
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

unsafe extern "C-unwind" fn btnp(l: *mut lua_State) -> c_int {
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

unsafe extern "C-unwind" fn peek(l: *mut lua_State) -> c_int {
    // SAFETY: see `cls`.
    unsafe {
        let n = top(l);
        if n < 1 {
            raise(l, c"invalid parameters, peek(addr,bits)\n");
        }
        let addr = int(l, 1);
        let bits = if n == 2 { int(l, 2) } else { 8 };
        let v = machine(l).peek(addr, bits);
        push_int(l, i64::from(v))
    }
}

unsafe extern "C-unwind" fn poke(l: *mut lua_State) -> c_int {
    // SAFETY: see `cls`.
    unsafe {
        let n = top(l);
        if n < 2 {
            raise(l, c"invalid parameters, poke(addr,val,bits)\n");
        }
        let (addr, value) = (int(l, 1), int(l, 2));
        let bits = if n == 3 { int(l, 3) } else { 8 };
        machine(l).poke(addr, value, bits);
        0
    }
}

unsafe fn peek_bits(l: *mut lua_State, bits: i32, msg: &'static CStr) -> c_int {
    // SAFETY: see `cls`.
    unsafe {
        if top(l) != 1 {
            raise(l, msg);
        }
        let addr = int(l, 1);
        let v = machine(l).peek(addr, bits);
        push_int(l, i64::from(v))
    }
}

unsafe fn poke_bits(l: *mut lua_State, bits: i32, msg: &'static CStr) -> c_int {
    // SAFETY: see `cls`.
    unsafe {
        if top(l) != 2 {
            raise(l, msg);
        }
        let (addr, value) = (int(l, 1), int(l, 2));
        machine(l).poke(addr, value, bits);
        0
    }
}

unsafe extern "C-unwind" fn peek1(l: *mut lua_State) -> c_int {
    // SAFETY: see `cls`.
    unsafe { peek_bits(l, 1, c"invalid parameters, peek1(addr)\n") }
}

unsafe extern "C-unwind" fn peek2(l: *mut lua_State) -> c_int {
    // SAFETY: see `cls`.
    unsafe { peek_bits(l, 2, c"invalid parameters, peek2(addr)\n") }
}

unsafe extern "C-unwind" fn peek4(l: *mut lua_State) -> c_int {
    // SAFETY: see `cls`.
    unsafe { peek_bits(l, 4, c"invalid parameters, peek4(addr)\n") }
}

unsafe extern "C-unwind" fn poke1(l: *mut lua_State) -> c_int {
    // SAFETY: see `cls`.
    unsafe { poke_bits(l, 1, c"invalid parameters, poke1(addr,val)\n") }
}

unsafe extern "C-unwind" fn poke2(l: *mut lua_State) -> c_int {
    // SAFETY: see `cls`.
    unsafe { poke_bits(l, 2, c"invalid parameters, poke2(addr,val)\n") }
}

unsafe extern "C-unwind" fn poke4(l: *mut lua_State) -> c_int {
    // SAFETY: see `cls`.
    unsafe { poke_bits(l, 4, c"invalid parameters, poke4(addr,val)\n") }
}

unsafe extern "C-unwind" fn memcpy(l: *mut lua_State) -> c_int {
    // SAFETY: see `cls`.
    unsafe {
        if top(l) != 3 {
            raise(l, c"invalid params, memcpy(dest,src,size)\n");
        }
        let (d, s, n) = (int(l, 1), int(l, 2), int(l, 3));
        machine(l).memcpy(d, s, n);
        0
    }
}

unsafe extern "C-unwind" fn memset(l: *mut lua_State) -> c_int {
    // SAFETY: see `cls`.
    unsafe {
        if top(l) != 3 {
            raise(l, c"invalid params, memset(dest,val,size)\n");
        }
        let (d, v, n) = (int(l, 1), int(l, 2), int(l, 3));
        machine(l).memset(d, v, n);
        0
    }
}

unsafe extern "C-unwind" fn vbank(l: *mut lua_State) -> c_int {
    // SAFETY: see `cls`.
    unsafe {
        let prev = if top(l) == 1 {
            let id = int(l, 1);
            machine(l).vbank(id)
        } else {
            machine(l).current_vbank()
        };
        push_int(l, i64::from(prev))
    }
}

unsafe extern "C-unwind" fn exit(l: *mut lua_State) -> c_int {
    // SAFETY: see `cls`.
    unsafe { machine(l).request_exit() };
    0
}

#[cfg(test)]
mod tests {
    use super::c_int_of;

    #[test]
    fn numbers_convert_like_a_c_cast() {
        assert_eq!(c_int_of(3.9), 3);
        assert_eq!(c_int_of(-3.9), -3);
        assert_eq!(c_int_of(-0.5), 0);
        assert_eq!(c_int_of(f64::NAN), i32::MIN);
        assert_eq!(c_int_of(1e10), i32::MIN);
        assert_eq!(c_int_of(-2_147_483_648.5), -2_147_483_648);
        assert_eq!(c_int_of(2_147_483_647.9), 2_147_483_647);
    }
}
