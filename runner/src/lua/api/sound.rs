//! Sound: `sfx`, `music`, `fft`, `ffts`.

use super::*;

pub(super) unsafe extern "C-unwind" fn sfx(l: *mut lua_State) -> c_int {
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

pub(super) unsafe extern "C-unwind" fn music(l: *mut lua_State) -> c_int {
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

pub(super) unsafe extern "C-unwind" fn fft(l: *mut lua_State) -> c_int {
    // SAFETY: see `cls`.
    unsafe { spectrum(l, false, c"invalid params, fft(start_freq, end_freq=-1)\n") }
}

pub(super) unsafe extern "C-unwind" fn ffts(l: *mut lua_State) -> c_int {
    // SAFETY: see `cls`.
    unsafe { spectrum(l, true, c"invalid params, ffts(start_freq, end_freq=-1)\n") }
}
