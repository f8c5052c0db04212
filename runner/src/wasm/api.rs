//! TIC-80 1.1's import table (module `env`): each function with the wasm type TIC-80
//! registers it with, and TIC-80's argument rules (colours and flags read as the low byte,
//! `-1` meaning "default" where TIC-80 says so). Everything a cart passes is hostile:
//! pointers are bounds-checked and trap, other values are clipped or ignored, nothing
//! panics. docs/research/tic80-wasm.md has the rules and where they come from.

use wasmtime::{Caller, FuncType, Linker, Memory, Trap, ValType};

use super::state::State;
use crate::machine::Machine;
use crate::machine::{TexSource, Vertex};
use crate::runtime::api::{
    self, ColorKeys, FontArgs, MapArgs, MusicArgs, PrintArgs, SfxArgs, SprArgs,
};

/// The functions of TIC-80's import table, by name: all of them are provided, with TIC-80's
/// types. `link` also provides `paint`, whose binding TIC-80 writes but never registers.
pub const PROVIDED: &[&str] = &[
    "btn", "btnp", "clip", "cls", "circ", "circb", "elli", "ellib", "exit", "fget", "fset", "font",
    "key", "keyp", "line", "map", "memcpy", "memset", "mget", "mset", "mouse", "music", "pix",
    "peek", "peek4", "peek2", "peek1", "pmem", "poke", "poke4", "poke2", "poke1", "print", "rect",
    "rectb", "sfx", "spr", "sync", "time", "tstamp", "trace", "tri", "trib", "ttri", "vbank",
];

type Result<T> = wasmtime::Result<T>;
type C<'a> = Caller<'a, State>;

fn oob() -> wasmtime::Error {
    Trap::MemoryOutOfBounds.into()
}

/// The cart's memory; a cart without one traps at the first pointer it passes.
fn memory(caller: &C<'_>) -> Result<Memory> {
    caller.data().memory.ok_or_else(oob)
}

fn machine<'a>(caller: &'a mut C<'_>) -> &'a mut Machine {
    &mut caller.data_mut().machine
}

/// `len` bytes at `ptr` in the cart's memory, or a trap.
fn bytes(caller: &mut C<'_>, ptr: i32, len: usize) -> Result<Vec<u8>> {
    let memory = memory(caller)?;
    let start = ptr as u32 as usize;
    memory
        .data(&caller)
        .get(start..start.saturating_add(len))
        .map(<[u8]>::to_vec)
        .ok_or_else(oob)
}

/// Longest string a cart may pass (`trace`, `print`, `font`...), without its NUL. Far
/// more than any screen or trace line shows; a longer one is an error, not a copy of the
/// cart's whole memory.
pub(super) const STRING_LIMIT: usize = 1 << 20;

/// The bytes of a NUL-terminated string at `ptr`: an error if it runs off the end of the
/// memory, or on past [`STRING_LIMIT`] bytes.
fn c_string(caller: &mut C<'_>, ptr: i32) -> Result<Vec<u8>> {
    let memory = memory(caller)?;
    let data = memory.data(&caller);
    let rest = data.get(ptr as u32 as usize..).ok_or_else(oob)?;
    let scanned = &rest[..rest.len().min(STRING_LIMIT + 1)];
    match scanned.iter().position(|b| *b == 0) {
        Some(end) => Ok(scanned[..end].to_vec()),
        None if scanned.len() > STRING_LIMIT => Err(wasmtime::Error::msg(format!(
            "the string at {:#x} is longer than {STRING_LIMIT} bytes (no NUL ends it)",
            ptr as u32
        ))),
        None => Err(oob()),
    }
}

/// A list of colour keys: `count` (read as an unsigned byte, so -1 is 255) bytes at
/// `ptr`. Keys of 16 or more change nothing, and are left out; the first 16 others count.
fn keys(caller: &mut C<'_>, ptr: i32, count: i32) -> Result<ColorKeys> {
    let count = usize::from(count as u8);
    if count == 0 {
        return Ok(ColorKeys::default());
    }
    let mut keys = bytes(caller, ptr, count)?;
    keys.retain(|k| *k < 16);
    Ok(ColorKeys::from_slice(&keys))
}

/// A value TIC-80 reads as a signed byte.
fn i8v(v: i32) -> i32 {
    i32::from(v as i8)
}

/// A value TIC-80 reads as a C `bool` (its low byte).
fn flag(v: i32) -> bool {
    v as u8 != 0
}

/// `v`, or `default` where the cart passed -1.
fn or(v: i32, default: i32) -> i32 {
    if v == -1 { default } else { v }
}

/// A colour: the low byte, as the drawing functions take it.
fn color(v: i32) -> i32 {
    v & 0xff
}

fn input(linker: &mut Linker<State>) -> Result<()> {
    linker.func_wrap("env", "btn", |mut c: C<'_>, id: i32| -> i32 {
        let mask = machine(&mut c).btn_mask();
        if id < 0 {
            mask as i32
        } else {
            (mask & (1u32 << (id & 31))) as i32
        }
    })?;
    linker.func_wrap(
        "env",
        "btnp",
        |mut c: C<'_>, id: i32, hold: i32, period: i32| -> i32 {
            let m = machine(&mut c);
            i32::from(if id < 0 {
                m.btnp_mask() != 0
            } else {
                m.btnp(id, hold, period)
            })
        },
    )?;
    linker.func_wrap("env", "key", |mut c: C<'_>, code: i32| -> i32 {
        let code = if code == -1 { 0 } else { code as u8 };
        let m = machine(&mut c);
        i32::from(if code == 0 { m.key_any() } else { m.key(code) })
    })?;
    linker.func_wrap(
        "env",
        "keyp",
        |mut c: C<'_>, code: i32, hold: i32, period: i32| -> i32 {
            let code = if i8v(code) == -1 { 0 } else { code as u8 };
            i32::from(machine(&mut c).keyp(code, hold, period))
        },
    )?;
    linker.func_wrap("env", "mouse", |mut c: C<'_>, ptr: i32| -> Result<()> {
        let m = machine(&mut c).mouse();
        let mut out = [0u8; 9];
        out[0..2].copy_from_slice(&(m.x as i16).to_le_bytes());
        out[2..4].copy_from_slice(&(m.y as i16).to_le_bytes());
        out[4] = m.scroll_x as i8 as u8;
        out[5] = m.scroll_y as i8 as u8;
        out[6] = u8::from(m.left);
        out[7] = u8::from(m.middle);
        out[8] = u8::from(m.right);
        let memory = memory(&c)?;
        memory
            .write(&mut c, ptr as u32 as usize, &out)
            .map_err(|_| oob())
    })?;
    Ok(())
}

fn shapes(linker: &mut Linker<State>) -> Result<()> {
    linker.func_wrap("env", "cls", |mut c: C<'_>, col: i32| {
        let col = i8v(col);
        machine(&mut c).cls(if col == -1 { 0 } else { color(col) });
    })?;
    linker.func_wrap(
        "env",
        "pix",
        |mut c: C<'_>, x: i32, y: i32, col: i32| -> i32 {
            let m = machine(&mut c);
            if i8v(col) < 0 {
                i32::from(m.pix_get(x, y))
            } else {
                m.pix_set(x, y, color(col));
                0
            }
        },
    )?;
    // TIC-80 (9b79d496) has this binding, reading both colours as bytes (so -1 is 255, "no
    // border"), but leaves it out of its import table: a cart calling it fails there with
    // "missing imported function". Cartbox provides it with that binding's type and rules.
    linker.func_wrap(
        "env",
        "paint",
        |mut c: C<'_>, x: i32, y: i32, col: i32, border: i32| {
            machine(&mut c).paint(x, y, col as u8, border as u8);
        },
    )?;
    linker.func_wrap(
        "env",
        "clip",
        |mut c: C<'_>, x: i32, y: i32, w: i32, h: i32| {
            machine(&mut c).clip(or(x, 0), or(y, 0), or(w, 240), or(h, 136));
        },
    )?;
    // Filled and outlined twins share their rules.
    type Rect = fn(&mut Machine, i32, i32, i32, i32, i32);
    type Circ = fn(&mut Machine, i32, i32, i32, i32);
    type Tri = fn(&mut Machine, f32, f32, f32, f32, f32, f32, i32);
    for (name, f) in [("rect", Machine::rect as Rect), ("rectb", Machine::rectb)] {
        linker.func_wrap(
            "env",
            name,
            move |mut c: C<'_>, x: i32, y: i32, w: i32, h: i32, col: i32| {
                f(machine(&mut c), x, y, w, h, color(col));
            },
        )?;
    }
    for (name, f) in [("circ", Machine::circ as Circ), ("circb", Machine::circb)] {
        // A negative radius draws nothing.
        linker.func_wrap(
            "env",
            name,
            move |mut c: C<'_>, x: i32, y: i32, r: i32, col: i32| {
                if r >= 0 {
                    f(machine(&mut c), x, y, r, color(col));
                }
            },
        )?;
    }
    for (name, f) in [("elli", Machine::elli as Rect), ("ellib", Machine::ellib)] {
        // Nor does a negative radius of an ellipse.
        linker.func_wrap(
            "env",
            name,
            move |mut c: C<'_>, x: i32, y: i32, a: i32, b: i32, col: i32| {
                if a >= 0 && b >= 0 {
                    f(machine(&mut c), x, y, a, b, color(col));
                }
            },
        )?;
    }
    linker.func_wrap(
        "env",
        "line",
        |mut c: C<'_>, x0: f32, y0: f32, x1: f32, y1: f32, col: i32| {
            machine(&mut c).line(x0, y0, x1, y1, color(col));
        },
    )?;
    for (name, f) in [("tri", Machine::tri as Tri), ("trib", Machine::trib)] {
        linker.func_wrap(
            "env",
            name,
            move |mut c: C<'_>, x1: f32, y1: f32, x2: f32, y2: f32, x3: f32, y3: f32, col: i32| {
                f(machine(&mut c), x1, y1, x2, y2, x3, y3, color(col));
            },
        )?;
    }
    Ok(())
}

/// `ttri` has 19 parameters, more than typed host functions take: its values come as a list.
fn ttri(linker: &mut Linker<State>) -> Result<()> {
    let params = (0..19).map(|i| match i {
        12..=14 | 18 => ValType::I32,
        _ => ValType::F32,
    });
    let ty = FuncType::new(linker.engine(), params, []);
    linker.func_new("env", "ttri", ty, |mut c, args, _| {
        let f = |i: usize| f64::from(args[i].unwrap_f32());
        let i = |i: usize| args[i].unwrap_i32();
        let vertex = |n: usize| Vertex {
            x: f(n * 2),
            y: f(n * 2 + 1),
            u: f(6 + n * 2),
            v: f(7 + n * 2),
            z: f(15 + n),
        };
        let src = match i(12) {
            1 => TexSource::Map,
            2 => TexSource::OtherVbank,
            _ => TexSource::Tiles,
        };
        let keys = keys(&mut c, i(13), i(14))?;
        let verts = [vertex(0), vertex(1), vertex(2)];
        machine(&mut c).ttri(verts, src, keys.as_slice(), flag(i(18)));
        Ok(())
    })?;
    Ok(())
}

fn tiles_and_text(linker: &mut Linker<State>) -> Result<()> {
    linker.func_wrap(
        "env",
        "spr",
        |mut c: C<'_>,
         id: i32,
         x: i32,
         y: i32,
         keys_ptr: i32,
         count: i32,
         scale: i32,
         flip: i32,
         rotate: i32,
         w: i32,
         h: i32|
         -> Result<()> {
            let a = SprArgs {
                id,
                x,
                y,
                keys: keys(&mut c, keys_ptr, count)?,
                scale: or(scale, 1),
                flip: or(flip, 0),
                rotate: or(rotate, 0),
                w: or(w, 1),
                h: or(h, 1),
            };
            api::spr(machine(&mut c), &a);
            Ok(())
        },
    )?;
    linker.func_wrap(
        "env",
        "map",
        |mut c: C<'_>,
         x: i32,
         y: i32,
         w: i32,
         h: i32,
         sx: i32,
         sy: i32,
         keys_ptr: i32,
         count: i32,
         scale: i32,
         _remap: i32|
         -> Result<()> {
            let a = MapArgs {
                x: or(x, 0),
                y: or(y, 0),
                w: or(w, 30),
                h: or(h, 17),
                sx: or(sx, 0),
                sy: or(sy, 0),
                keys: keys(&mut c, keys_ptr, count)?,
                scale: or(i8v(scale), 1),
            };
            api::map(machine(&mut c), &a);
            Ok(())
        },
    )?;
    linker.func_wrap("env", "mget", |mut c: C<'_>, x: i32, y: i32| -> i32 {
        i32::from(machine(&mut c).mget(x, y))
    })?;
    linker.func_wrap("env", "mset", |mut c: C<'_>, x: i32, y: i32, v: i32| {
        machine(&mut c).mset(x, y, v as u8);
    })?;
    linker.func_wrap("env", "fget", |mut c: C<'_>, id: i32, f: i32| -> i32 {
        i32::from(machine(&mut c).fget(id, i32::from(f as u8)))
    })?;
    linker.func_wrap("env", "fset", |mut c: C<'_>, id: i32, f: i32, v: i32| {
        machine(&mut c).fset(id, i32::from(f as u8), flag(v));
    })?;
    linker.func_wrap(
        "env",
        "print",
        |mut c: C<'_>,
         text: i32,
         x: i32,
         y: i32,
         col: i32,
         fixed: i32,
         scale: i32,
         alt: i32|
         -> Result<i32> {
            let a = PrintArgs {
                x,
                y,
                color: col as u8,
                fixed: flag(fixed),
                scale: i8v(scale),
                small: flag(alt),
            };
            // At scale 0 nothing is drawn, and the text is not read.
            if a.scale == 0 {
                return Ok(0);
            }
            let text = c_string(&mut c, text)?;
            Ok(api::print(machine(&mut c), &text, &a))
        },
    )?;
    linker.func_wrap(
        "env",
        "font",
        |mut c: C<'_>,
         text: i32,
         x: i32,
         y: i32,
         keys_ptr: i32,
         count: i32,
         w: i32,
         h: i32,
         fixed: i32,
         scale: i32,
         alt: i32|
         -> Result<i32> {
            let scale = or(i8v(scale), 1);
            // At scale 0 nothing is drawn, and neither the text nor the keys are read.
            if scale == 0 {
                return Ok(0);
            }
            let text = c_string(&mut c, text)?;
            let a = FontArgs {
                x,
                y,
                keys: keys(&mut c, keys_ptr, count)?,
                w: or(i8v(w), 8),
                h: or(i8v(h), 8),
                fixed: flag(fixed),
                scale,
                alt: flag(alt),
            };
            Ok(api::font(machine(&mut c), &text, &a))
        },
    )?;
    Ok(())
}

fn memory_access(linker: &mut Linker<State>) -> Result<()> {
    linker.func_wrap("env", "peek", |mut c: C<'_>, addr: i32, bits: i32| -> i32 {
        i32::from(machine(&mut c).peek(addr, i8v(bits)))
    })?;
    for (name, bits) in [("peek4", 4), ("peek2", 2), ("peek1", 1)] {
        linker.func_wrap("env", name, move |mut c: C<'_>, addr: i32| -> i32 {
            i32::from(machine(&mut c).peek(addr, bits))
        })?;
    }
    linker.func_wrap(
        "env",
        "poke",
        |mut c: C<'_>, addr: i32, value: i32, bits: i32| {
            machine(&mut c).poke(addr, value, i8v(bits));
        },
    )?;
    for (name, bits) in [("poke4", 4), ("poke2", 2), ("poke1", 1)] {
        linker.func_wrap("env", name, move |mut c: C<'_>, addr: i32, value: i32| {
            machine(&mut c).poke(addr, value, bits);
        })?;
    }
    linker.func_wrap(
        "env",
        "memcpy",
        |mut c: C<'_>, dst: i32, src: i32, len: i32| {
            machine(&mut c).memcpy(dst, src, len);
        },
    )?;
    linker.func_wrap(
        "env",
        "memset",
        |mut c: C<'_>, dst: i32, value: i32, len: i32| {
            machine(&mut c).memset(dst, value, len);
        },
    )?;
    linker.func_wrap("env", "vbank", |mut c: C<'_>, bank: i32| -> i32 {
        i32::from(machine(&mut c).vbank(i8v(bank)))
    })?;
    linker.func_wrap(
        "env",
        "sync",
        |mut c: C<'_>, mask: i32, bank: i32, to_cart: i32| {
            let mask = if mask == -1 { 0 } else { mask as u32 };
            let bank = or(i8v(bank), 0);
            let to_cart = !matches!(i8v(to_cart), -1 | 0);
            // TIC-80's wasm binding ignores a bank outside 0..8 where Lua raises.
            let _ = machine(&mut c).sync(mask, bank, to_cart);
        },
    )?;
    Ok(())
}

/// `pmem(index, value)`: returns the stored value and stores `value` unless it is -1.
/// TIC-80 1.1 registers it as `(i32, i32) -> i32` and, through a bug, never stores
/// (its issue #2360); later versions and the Rust and Zig templates pass the value as i64.
/// Cartbox accepts either signature and does what both mean: -1 reads, anything else
/// stores the value's low 32 bits.
fn pmem(linker: &mut Linker<State>, wide: bool) -> Result<()> {
    fn pmem(c: &mut C<'_>, index: i32, value: i64) -> i32 {
        let Ok(index) = u32::try_from(index) else {
            return 0;
        };
        let value = (value != -1).then_some(value as u32);
        machine(c).pmem(index, value).unwrap_or(0) as i32
    }
    if wide {
        linker.func_wrap("env", "pmem", |mut c: C<'_>, i: i32, v: i64| -> i32 {
            pmem(&mut c, i, v)
        })?;
    } else {
        linker.func_wrap("env", "pmem", |mut c: C<'_>, i: i32, v: i32| -> i32 {
            pmem(&mut c, i, i64::from(v))
        })?;
    }
    Ok(())
}

fn sound_and_system(linker: &mut Linker<State>) -> Result<()> {
    linker.func_wrap(
        "env",
        "sfx",
        |mut c: C<'_>,
         id: i32,
         note: i32,
         octave: i32,
         duration: i32,
         channel: i32,
         left: i32,
         right: i32,
         speed: i32| {
            // TIC-80's wasm binding ignores a bad channel where its Lua raises; an id past
            // the 64 samples is ignored here too instead of reading past them.
            let a = SfxArgs {
                id,
                note,
                octave,
                duration,
                channel,
                volume: (left as u8, right as u8),
                speed,
            };
            let _ = api::sfx(machine(&mut c), &a);
        },
    )?;
    linker.func_wrap(
        "env",
        "music",
        |mut c: C<'_>,
         track: i32,
         frame: i32,
         row: i32,
         looping: i32,
         sustain: i32,
         tempo: i32,
         speed: i32|
         -> Result<()> {
            let a = MusicArgs {
                track,
                frame,
                row,
                looping: flag(looping),
                sustain: flag(sustain),
                tempo,
                speed,
            };
            // A bad track traps, with TIC-80's message.
            api::music(machine(&mut c), &a)
                .map_err(|e| wasmtime::Error::msg(e.message().to_string_lossy().into_owned()))
        },
    )?;
    linker.func_wrap("env", "time", |c: C<'_>| -> f32 {
        c.data().machine.time() as f32
    })?;
    linker.func_wrap("env", "tstamp", || -> i32 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i32)
    })?;
    linker.func_wrap("env", "exit", |mut c: C<'_>| {
        machine(&mut c).request_exit();
    })?;
    linker.func_wrap(
        "env",
        "trace",
        |mut c: C<'_>, text: i32, col: i32| -> Result<()> {
            let text = c_string(&mut c, text)?;
            let col = i8v(col);
            let col = if col == -1 { 15 } else { col as u8 };
            machine(&mut c).trace(&String::from_utf8_lossy(&text), col);
            Ok(())
        },
    )?;
    Ok(())
}

/// Defines every function of the table, and `paint`; `wide_pmem` picks pmem's i64-value
/// signature.
pub(crate) fn link(linker: &mut Linker<State>, wide_pmem: bool) -> Result<()> {
    input(linker)?;
    shapes(linker)?;
    ttri(linker)?;
    tiles_and_text(linker)?;
    memory_access(linker)?;
    pmem(linker, wide_pmem)?;
    sound_and_system(linker)
}

/// Whether a module imports `env.pmem` with an i64 value (the post-1.1 signature).
pub(crate) fn wide_pmem(module: &wasmtime::Module) -> bool {
    module.imports().any(|i| {
        i.module() == "env"
            && i.name() == "pmem"
            && matches!(i.ty(), wasmtime::ExternType::Func(f)
                if f.params().nth(1).is_some_and(|p| matches!(p, ValType::I64)))
    })
}
