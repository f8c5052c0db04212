//! Memory: `peek*`, `poke*`, `memcpy`, `memset`, `vbank`, `pmem`, `sync`.

use super::*;

pub(super) unsafe extern "C-unwind" fn peek(l: *mut lua_State) -> c_int {
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

pub(super) unsafe extern "C-unwind" fn poke(l: *mut lua_State) -> c_int {
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

pub(super) unsafe extern "C-unwind" fn peek1(l: *mut lua_State) -> c_int {
    // SAFETY: see `cls`.
    unsafe { peek_bits(l, 1, c"invalid parameters, peek1(addr)\n") }
}

pub(super) unsafe extern "C-unwind" fn peek2(l: *mut lua_State) -> c_int {
    // SAFETY: see `cls`.
    unsafe { peek_bits(l, 2, c"invalid parameters, peek2(addr)\n") }
}

pub(super) unsafe extern "C-unwind" fn peek4(l: *mut lua_State) -> c_int {
    // SAFETY: see `cls`.
    unsafe { peek_bits(l, 4, c"invalid parameters, peek4(addr)\n") }
}

pub(super) unsafe extern "C-unwind" fn poke1(l: *mut lua_State) -> c_int {
    // SAFETY: see `cls`.
    unsafe { poke_bits(l, 1, c"invalid parameters, poke1(addr,val)\n") }
}

pub(super) unsafe extern "C-unwind" fn poke2(l: *mut lua_State) -> c_int {
    // SAFETY: see `cls`.
    unsafe { poke_bits(l, 2, c"invalid parameters, poke2(addr,val)\n") }
}

pub(super) unsafe extern "C-unwind" fn poke4(l: *mut lua_State) -> c_int {
    // SAFETY: see `cls`.
    unsafe { poke_bits(l, 4, c"invalid parameters, poke4(addr,val)\n") }
}

pub(super) unsafe extern "C-unwind" fn memcpy(l: *mut lua_State) -> c_int {
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

pub(super) unsafe extern "C-unwind" fn memset(l: *mut lua_State) -> c_int {
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

pub(super) unsafe extern "C-unwind" fn vbank(l: *mut lua_State) -> c_int {
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

pub(super) unsafe extern "C-unwind" fn pmem(l: *mut lua_State) -> c_int {
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

pub(super) unsafe extern "C-unwind" fn sync(l: *mut lua_State) -> c_int {
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
