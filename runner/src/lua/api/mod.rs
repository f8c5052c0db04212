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

use crate::machine::{KEY_COUNT, Machine, TexSource, Vertex, parse_note};
use crate::runtime::api::{
    self, ApiError, ColorKeys, FontArgs, MapArgs, MusicArgs, PrintArgs, SfxArgs, SprArgs, c_text,
};

mod draw;
mod input;
mod memory;
mod sound;
mod system;
mod text;
mod tiles;

type LuaFn = unsafe extern "C-unwind" fn(*mut lua_State) -> c_int;

/// The functions installed as globals, with their Lua names.
pub(super) const FUNCTIONS: &[(&CStr, LuaFn)] = &[
    (c"cls", draw::cls),
    (c"pix", draw::pix),
    (c"line", draw::line),
    (c"rect", draw::rect),
    (c"rectb", draw::rectb),
    (c"circ", draw::circ),
    (c"circb", draw::circb),
    (c"elli", draw::elli),
    (c"ellib", draw::ellib),
    (c"clip", draw::clip),
    (c"print", text::print),
    (c"trace", text::trace),
    (c"time", system::time),
    (c"tstamp", system::tstamp),
    (c"btn", input::btn),
    (c"btnp", input::btnp),
    (c"peek", memory::peek),
    (c"poke", memory::poke),
    (c"peek1", memory::peek1),
    (c"peek2", memory::peek2),
    (c"peek4", memory::peek4),
    (c"poke1", memory::poke1),
    (c"poke2", memory::poke2),
    (c"poke4", memory::poke4),
    (c"memcpy", memory::memcpy),
    (c"memset", memory::memset),
    (c"vbank", memory::vbank),
    (c"exit", system::exit),
    (c"spr", tiles::spr),
    (c"map", tiles::map),
    (c"mget", tiles::mget),
    (c"mset", tiles::mset),
    (c"font", text::font),
    (c"tri", draw::tri),
    (c"trib", draw::trib),
    (c"ttri", draw::ttri),
    (c"textri", draw::textri),
    (c"key", input::key),
    (c"keyp", input::keyp),
    (c"mouse", input::mouse),
    (c"pmem", memory::pmem),
    (c"sync", memory::sync),
    (c"reset", system::reset),
    (c"fget", tiles::fget),
    (c"fset", tiles::fset),
    (c"sfx", sound::sfx),
    (c"music", sound::music),
    (c"paint", draw::paint),
    (c"fft", sound::fft),
    (c"ffts", sound::ffts),
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

/// Colour keys at argument `i`: a table of up to 16 numbers (read raw, stopping at the
/// first non-number) or one value (nil counts as 0, as in TIC-80).
unsafe fn color_keys(l: *mut lua_State, i: c_int) -> ColorKeys {
    // SAFETY: reading argument `i` and, for a table, its first 16 entries (raw, so no
    // metamethod runs); each value pushed is popped.
    unsafe {
        if ffi::lua_type(l, i) != ffi::LUA_TTABLE {
            return ColorKeys::one(int(l, i) as u8);
        }
        let mut keys = ColorKeys::default();
        for k in 1..=16 {
            ffi::lua_rawgeti(l, i, k);
            let ok = ffi::lua_isnumber(l, -1) != 0;
            if ok {
                keys.push(int(l, -1) as u8);
            }
            ffi::lua_pop(l, 1);
            if !ok {
                break;
            }
        }
        keys
    }
}

/// Raises TIC-80's message for a failed check (TIC-80's Lua raises where its wasm
/// ignores).
unsafe fn raise_on(l: *mut lua_State, r: Result<(), ApiError>) {
    if let Err(e) = r {
        // SAFETY: see `cls`; nothing with a destructor is live here.
        unsafe { raise(l, e.message()) }
    }
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
