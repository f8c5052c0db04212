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
    (c"spr", spr),
    (c"map", map),
    (c"mget", mget),
    (c"mset", mset),
    (c"font", font),
    (c"tri", tri),
    (c"trib", trib),
    (c"ttri", ttri),
    (c"textri", textri),
    (c"key", key),
    (c"keyp", keyp),
    (c"mouse", mouse),
    (c"pmem", pmem),
    (c"sync", sync),
    (c"reset", reset),
    (c"fget", fget),
    (c"fset", fset),
    (c"sfx", sfx),
    (c"music", music),
    (c"paint", paint),
    (c"fft", fft),
    (c"ffts", ffts),
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

unsafe extern "C-unwind" fn paint(l: *mut lua_State) -> c_int {
    // SAFETY: see `cls`.
    unsafe {
        let n = top(l);
        if !(3..=4).contains(&n) {
            raise(l, c"invalid parameters, paint(x y color [bordercolor])\n");
        }
        let (x, y, color) = (int(l, 1), int(l, 2), int(l, 3));
        // The core takes both colours as bytes: -1 (the default) is 255, "no border".
        let border = if n == 4 { int(l, 4) } else { -1 };
        machine(l).paint(x, y, color as u8, border as u8);
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
        let mut a = PrintArgs::default();
        if n >= 3 {
            a.x = int(l, 2);
            a.y = int(l, 3);
        }
        if n >= 4 {
            // C's remainder keeps the sign: -1 becomes 255, which draws nothing.
            a.color = (int(l, 4).wrapping_rem(16)) as u8;
        }
        if n >= 5 {
            a.fixed = boolean(l, 5);
        }
        if n >= 6 {
            a.scale = int(l, 6);
        }
        if n >= 7 {
            a.small = boolean(l, 7);
        }
        let w = api::print(machine(l), text, &a);
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

/// `fft(start [, end])` and `ffts(...)`: a float, always (0.0 with no audio input).
unsafe fn spectrum(l: *mut lua_State, smoothed: bool, msg: &'static CStr) -> c_int {
    // SAFETY: see `cls`.
    unsafe {
        let n = top(l);
        if n < 1 {
            raise(l, msg);
        }
        let start = int(l, 1);
        let end = if n >= 2 { int(l, 2) } else { -1 };
        let v = machine(l).fft(start, end, smoothed);
        ffi::lua_pushnumber(l, v);
        1
    }
}

unsafe extern "C-unwind" fn fft(l: *mut lua_State) -> c_int {
    // SAFETY: see `cls`.
    unsafe { spectrum(l, false, c"invalid params, fft(start_freq, end_freq=-1)\n") }
}

unsafe extern "C-unwind" fn ffts(l: *mut lua_State) -> c_int {
    // SAFETY: see `cls`.
    unsafe { spectrum(l, true, c"invalid params, ffts(start_freq, end_freq=-1)\n") }
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

unsafe extern "C-unwind" fn spr(l: *mut lua_State) -> c_int {
    // SAFETY: see `cls`.
    unsafe {
        let n = top(l);
        let mut a = SprArgs::default();
        if n >= 1 {
            a.id = int(l, 1);
        }
        if n >= 3 {
            a.x = int(l, 2);
            a.y = int(l, 3);
        }
        if n >= 4 {
            a.keys = color_keys(l, 4);
        }
        if n >= 5 {
            a.scale = int(l, 5);
        }
        if n >= 6 {
            a.flip = int(l, 6);
        }
        if n >= 7 {
            a.rotate = int(l, 7);
        }
        if n >= 9 {
            a.w = int(l, 8);
            a.h = int(l, 9);
        }
        api::spr(machine(l), &a);
        0
    }
}

unsafe extern "C-unwind" fn map(l: *mut lua_State) -> c_int {
    // SAFETY: see `cls`. The remap calls happen before the machine is borrowed to draw.
    unsafe {
        let n = top(l);
        let mut a = MapArgs::default();
        if n >= 2 {
            a.x = int(l, 1);
            a.y = int(l, 2);
        }
        if n >= 4 {
            a.w = int(l, 3);
            a.h = int(l, 4);
        }
        if n >= 6 {
            a.sx = int(l, 5);
            a.sy = int(l, 6);
        }
        if n >= 7 {
            a.keys = color_keys(l, 7);
        }
        if n >= 8 {
            a.scale = int(l, 8);
        }
        let remap = n >= 9 && ffi::lua_type(l, 9) == ffi::LUA_TFUNCTION;
        if !remap {
            api::map(machine(l), &a);
            return 0;
        }
        let cells = machine(l).map_cells(a.x, a.y, a.w, a.h);
        let mut drawn = Vec::with_capacity(cells.len());
        ffi::luaL_checkstack(l, 5, c"map".as_ptr());
        for (mi, mj, tile) in cells {
            ffi::lua_pushvalue(l, 9);
            ffi::lua_pushinteger(l, i64::from(tile));
            ffi::lua_pushinteger(l, i64::from(mi));
            ffi::lua_pushinteger(l, i64::from(mj));
            // TIC-80 ignores errors in remap; the cell keeps its tile.
            if ffi::lua_pcall(l, 3, 3, 0) == ffi::LUA_OK {
                drawn.push((int(l, -3) as u8, int(l, -2), int(l, -1)));
                ffi::lua_pop(l, 3);
            } else {
                drawn.push((tile, 0, 0));
                ffi::lua_pop(l, 1);
            }
        }
        api::map_remapped(machine(l), &a, &drawn);
        0
    }
}

unsafe extern "C-unwind" fn mget(l: *mut lua_State) -> c_int {
    // SAFETY: see `cls`.
    unsafe {
        if top(l) != 2 {
            raise(l, c"invalid params, mget(x,y)\n");
        }
        let (x, y) = (int(l, 1), int(l, 2));
        let v = machine(l).mget(x, y);
        push_int(l, i64::from(v))
    }
}

unsafe extern "C-unwind" fn mset(l: *mut lua_State) -> c_int {
    // SAFETY: see `cls`.
    unsafe {
        if top(l) != 3 {
            // TIC-80's message names mget here.
            raise(l, c"invalid params, mget(x,y)\n");
        }
        let (x, y, t) = (int(l, 1), int(l, 2), int(l, 3));
        machine(l).mset(x, y, t as u8);
        0
    }
}

unsafe extern "C-unwind" fn font(l: *mut lua_State) -> c_int {
    // SAFETY: see `print`.
    unsafe {
        let n = top(l);
        if n == 0 {
            return 0;
        }
        let text = to_text(l, 1).unwrap_or(b"nil");
        let mut a = FontArgs {
            keys: ColorKeys::one(0),
            ..FontArgs::default()
        };
        if n >= 3 {
            a.x = int(l, 2);
            a.y = int(l, 3);
        }
        if n >= 4 {
            a.keys = ColorKeys::one(int(l, 4) as u8);
        }
        if n >= 6 {
            a.w = int(l, 5);
            a.h = int(l, 6);
        }
        if n >= 7 {
            a.fixed = boolean(l, 7);
        }
        if n >= 8 {
            a.scale = int(l, 8);
        }
        if n >= 9 {
            a.alt = boolean(l, 9);
        }
        let width = api::font(machine(l), text, &a);
        push_int(l, i64::from(width))
    }
}

unsafe fn seven_floats(l: *mut lua_State, msg: &'static CStr) -> ([f32; 6], i32) {
    // SAFETY: see `cls`.
    unsafe {
        if top(l) != 7 {
            raise(l, msg);
        }
        (
            [
                float(l, 1),
                float(l, 2),
                float(l, 3),
                float(l, 4),
                float(l, 5),
                float(l, 6),
            ],
            int(l, 7),
        )
    }
}

unsafe extern "C-unwind" fn tri(l: *mut lua_State) -> c_int {
    // SAFETY: see `cls`.
    unsafe {
        let ([a, b, c, d, e, f], color) =
            seven_floats(l, c"invalid parameters, tri(x1,y1,x2,y2,x3,y3,color)\n");
        machine(l).tri(a, b, c, d, e, f, color);
        0
    }
}

unsafe extern "C-unwind" fn trib(l: *mut lua_State) -> c_int {
    // SAFETY: see `cls`.
    unsafe {
        let ([a, b, c, d, e, f], color) =
            seven_floats(l, c"invalid parameters, trib(x1,y1,x2,y2,x3,y3,color)\n");
        machine(l).trib(a, b, c, d, e, f, color);
        0
    }
}

/// The three vertices of `ttri`/`textri` (x, y at 1..6, u, v at 7..12).
unsafe fn textured(l: *mut lua_State) -> [Vertex; 3] {
    // SAFETY: see `cls`.
    unsafe {
        let f = |i| f64::from(float(l, i));
        [0, 1, 2].map(|k| Vertex {
            x: f(1 + 2 * k),
            y: f(2 + 2 * k),
            u: f(7 + 2 * k),
            v: f(8 + 2 * k),
            z: 0.0,
        })
    }
}

unsafe extern "C-unwind" fn ttri(l: *mut lua_State) -> c_int {
    // SAFETY: see `cls`.
    unsafe {
        let n = top(l);
        if n < 12 {
            raise(
                l,
                c"invalid parameters, ttri(x1,y1,x2,y2,x3,y3,u1,v1,u2,v2,u3,v3,[src=0],[chroma=off],[z1=0],[z2=0],[z3=0])\n",
            );
        }
        let mut v = textured(l);
        let mut src = 0i64;
        if n >= 13 {
            src = if ffi::lua_type(l, 13) == ffi::LUA_TBOOLEAN {
                i64::from(boolean(l, 13))
            } else {
                let mut ok = 0;
                let s = ffi::lua_tointegerx(l, 13, &mut ok);
                if ok == 0 { 0 } else { s }
            };
        }
        let mut keys = ColorKeys::default();
        if n >= 14 {
            keys = color_keys(l, 14);
        }
        let depth = n == 17;
        if depth {
            for (k, vert) in v.iter_mut().enumerate() {
                vert.z = f64::from(float(l, 15 + k as c_int));
            }
        }
        let src = match src {
            0 => TexSource::Tiles,
            1 => TexSource::Map,
            2 => TexSource::OtherVbank,
            _ => return 0,
        };
        machine(l).ttri(v, src, keys.as_slice(), depth);
        0
    }
}

unsafe extern "C-unwind" fn textri(l: *mut lua_State) -> c_int {
    // SAFETY: see `cls`.
    unsafe {
        let n = top(l);
        if n < 12 {
            return 0;
        }
        let v = textured(l);
        let use_map = n >= 13 && boolean(l, 13);
        let mut keys = ColorKeys::default();
        if n >= 14 {
            keys = color_keys(l, 14);
        }
        machine(l).textri(v, use_map, keys.as_slice());
        0
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

unsafe extern "C-unwind" fn key(l: *mut lua_State) -> c_int {
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

unsafe extern "C-unwind" fn keyp(l: *mut lua_State) -> c_int {
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

unsafe extern "C-unwind" fn mouse(l: *mut lua_State) -> c_int {
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

unsafe extern "C-unwind" fn pmem(l: *mut lua_State) -> c_int {
    // SAFETY: see `cls`.
    unsafe {
        let n = top(l);
        if n == 0 {
            raise(l, c"invalid params, pmem(index [val]) -> val\n");
        }
        let index = int(l, 1) as u32;
        let value = if n >= 2 {
            let mut ok = 0;
            let v = ffi::lua_tointegerx(l, 2, &mut ok);
            Some(if ok == 0 { 0 } else { v as u32 })
        } else {
            None
        };
        match machine(l).pmem(index, value) {
            Some(old) => push_int(l, i64::from(old)),
            None => raise(l, c"invalid persistent tic index\n"),
        }
    }
}

unsafe extern "C-unwind" fn sync(l: *mut lua_State) -> c_int {
    // SAFETY: see `cls`.
    unsafe {
        let n = top(l);
        let mask = if n >= 1 { int(l, 1) as u32 } else { 0 };
        let bank = if n >= 2 { int(l, 2) } else { 0 };
        let to_cart = n >= 3 && boolean(l, 3);
        if machine(l).sync(mask, bank, to_cart).is_err() {
            raise(l, c"sync() error, invalid bank");
        }
        0
    }
}

unsafe extern "C-unwind" fn reset(l: *mut lua_State) -> c_int {
    // SAFETY: see `cls`.
    unsafe { machine(l).request_reset() };
    0
}

unsafe extern "C-unwind" fn fget(l: *mut lua_State) -> c_int {
    // SAFETY: see `cls`.
    unsafe {
        if top(l) < 2 {
            raise(l, c"invalid params, fget(sprite,flag)\n");
        }
        let (sprite, flag) = (int(l, 1), i32::from(int(l, 2) as u8));
        let v = machine(l).fget(sprite, flag);
        push_bool(l, v)
    }
}

unsafe extern "C-unwind" fn fset(l: *mut lua_State) -> c_int {
    // SAFETY: see `cls`.
    unsafe {
        if top(l) < 3 {
            raise(l, c"invalid params, fset(sprite,flag,value)\n");
        }
        let (sprite, flag, v) = (int(l, 1), i32::from(int(l, 2) as u8), boolean(l, 3));
        machine(l).fset(sprite, flag, v);
        0
    }
}

unsafe extern "C-unwind" fn sfx(l: *mut lua_State) -> c_int {
    // SAFETY: see `cls`.
    unsafe {
        let n = top(l);
        if n < 1 {
            raise(l, c"invalid sfx params\n");
        }
        let id = int(l, 1);
        if let Err(e) = api::check_sfx_id(id) {
            raise(l, e.message());
        }
        let mut a = SfxArgs::for_sample(machine(l), id);
        if n >= 2 {
            if ffi::lua_isinteger(l, 2) != 0 {
                let v = ffi::lua_tointegerx(l, 2, std::ptr::null_mut()) as i32;
                a.note = v % 12;
                a.octave = v / 12;
            } else if ffi::lua_isstring(l, 2) != 0 {
                // A float such as 14.0 counts as a string here (as in TIC-80) and fails.
                let mut len = 0;
                let p = ffi::lua_tolstring(l, 2, &mut len);
                match parse_note(std::slice::from_raw_parts(p.cast::<u8>(), len)) {
                    Ok(Some((nt, oc))) => {
                        a.note = nt;
                        a.octave = oc;
                    }
                    Ok(None) => {}
                    Err(_) => raise(l, c"invalid note, should be like C#4\n"),
                }
            }
            if n >= 3 {
                a.duration = int(l, 3);
            }
            if n >= 4 {
                a.channel = int(l, 4);
            }
            if n >= 5 {
                a.volume = if ffi::lua_type(l, 5) == ffi::LUA_TTABLE {
                    // TIC-80 1.1 stores the *type* of t[1] and t[2], not their values (a
                    // number reads as 3); carts tuned on it sound as they did there.
                    let kind = |k| {
                        let t = ffi::lua_rawgeti(l, 5, k);
                        ffi::lua_pop(l, 1);
                        t as u8
                    };
                    (kind(1), kind(2))
                } else {
                    let v = int(l, 5) as u8;
                    (v, v)
                };
            }
            if n >= 6 {
                a.speed = int(l, 6);
            }
        }
        raise_on(l, api::sfx(machine(l), &a));
        0
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

unsafe extern "C-unwind" fn music(l: *mut lua_State) -> c_int {
    // SAFETY: see `cls`.
    unsafe {
        let n = top(l);
        if n == 0 {
            machine(l).music(-1, 0, 0, false, false, -1, -1);
            return 0;
        }
        let track = int(l, 1);
        if let Err(e) = api::check_track(track) {
            raise(l, e.message());
        }
        machine(l).music(-1, 0, 0, false, false, -1, -1);
        let arg = |i: c_int, default: i32| if n >= i { int(l, i) } else { default };
        let a = MusicArgs {
            track,
            frame: arg(2, -1),
            row: arg(3, -1),
            looping: if n >= 4 { boolean(l, 4) } else { true },
            sustain: n >= 5 && boolean(l, 5),
            tempo: arg(6, -1),
            speed: arg(7, -1),
        };
        raise_on(l, api::music(machine(l), &a));
        0
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
