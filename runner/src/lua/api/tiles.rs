//! Sprites and the map: `spr`, `map`, `mget`, `mset`, `fget`, `fset`.

use super::*;

pub(super) unsafe extern "C-unwind" fn spr(l: *mut lua_State) -> c_int {
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

pub(super) unsafe extern "C-unwind" fn map(l: *mut lua_State) -> c_int {
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

pub(super) unsafe extern "C-unwind" fn mget(l: *mut lua_State) -> c_int {
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

pub(super) unsafe extern "C-unwind" fn mset(l: *mut lua_State) -> c_int {
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

pub(super) unsafe extern "C-unwind" fn fget(l: *mut lua_State) -> c_int {
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

pub(super) unsafe extern "C-unwind" fn fset(l: *mut lua_State) -> c_int {
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
