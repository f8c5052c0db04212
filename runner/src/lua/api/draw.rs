//! Drawing: `cls`, `pix`, `line`, rectangles, circles, ellipses, `paint`, `clip`, triangles.

use super::*;

pub(super) unsafe extern "C-unwind" fn cls(l: *mut lua_State) -> c_int {
    // SAFETY: called by Lua through a closure registered by LuaCart (so does every function
    // below that says "see `cls`").
    unsafe {
        let color = if top(l) == 1 { int(l, 1) } else { 0 };
        machine(l).cls(color);
        0
    }
}

pub(super) unsafe extern "C-unwind" fn pix(l: *mut lua_State) -> c_int {
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

pub(super) unsafe extern "C-unwind" fn line(l: *mut lua_State) -> c_int {
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

pub(super) unsafe extern "C-unwind" fn rect(l: *mut lua_State) -> c_int {
    // SAFETY: see `cls`.
    unsafe {
        let [x, y, w, h, c] = five_ints(l, c"invalid parameters, rect(x,y,w,h,color)\n");
        machine(l).rect(x, y, w, h, c);
        0
    }
}

pub(super) unsafe extern "C-unwind" fn rectb(l: *mut lua_State) -> c_int {
    // SAFETY: see `cls`.
    unsafe {
        let [x, y, w, h, c] = five_ints(l, c"invalid parameters, rectb(x,y,w,h,color)\n");
        machine(l).rectb(x, y, w, h, c);
        0
    }
}

pub(super) unsafe extern "C-unwind" fn elli(l: *mut lua_State) -> c_int {
    // SAFETY: see `cls`.
    unsafe {
        let [x, y, a, b, c] = five_ints(l, c"invalid parameters, elli(x,y,a,b,color)\n");
        machine(l).elli(x, y, a, b, c);
        0
    }
}

pub(super) unsafe extern "C-unwind" fn ellib(l: *mut lua_State) -> c_int {
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

pub(super) unsafe extern "C-unwind" fn circ(l: *mut lua_State) -> c_int {
    // SAFETY: see `cls`.
    unsafe {
        let [x, y, r, c] = four_ints(l, c"invalid parameters, circ(x,y,radius,color)\n");
        machine(l).circ(x, y, r, c);
        0
    }
}

pub(super) unsafe extern "C-unwind" fn circb(l: *mut lua_State) -> c_int {
    // SAFETY: see `cls`.
    unsafe {
        let [x, y, r, c] = four_ints(l, c"invalid parameters, circb(x,y,radius,color)\n");
        machine(l).circb(x, y, r, c);
        0
    }
}

pub(super) unsafe extern "C-unwind" fn paint(l: *mut lua_State) -> c_int {
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

pub(super) unsafe extern "C-unwind" fn clip(l: *mut lua_State) -> c_int {
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

pub(super) unsafe extern "C-unwind" fn tri(l: *mut lua_State) -> c_int {
    // SAFETY: see `cls`.
    unsafe {
        let ([a, b, c, d, e, f], color) =
            seven_floats(l, c"invalid parameters, tri(x1,y1,x2,y2,x3,y3,color)\n");
        machine(l).tri(a, b, c, d, e, f, color);
        0
    }
}

pub(super) unsafe extern "C-unwind" fn trib(l: *mut lua_State) -> c_int {
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

pub(super) unsafe extern "C-unwind" fn ttri(l: *mut lua_State) -> c_int {
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

pub(super) unsafe extern "C-unwind" fn textri(l: *mut lua_State) -> c_int {
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
