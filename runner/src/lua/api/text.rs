//! Text: `print`, `font`, `trace`.

use super::*;

pub(super) unsafe extern "C-unwind" fn print(l: *mut lua_State) -> c_int {
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

pub(super) unsafe extern "C-unwind" fn trace(l: *mut lua_State) -> c_int {
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

pub(super) unsafe extern "C-unwind" fn font(l: *mut lua_State) -> c_int {
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
