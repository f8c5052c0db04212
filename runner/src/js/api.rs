//! The console API as JavaScript sees it, with TIC-80's JavaScript binding's rules
//! (src/api/js.c, docs/research/tic80-languages.md): every argument is read on its own,
//! `undefined` (or absent) meaning its default; numbers go through JavaScript's ToInt32
//! (wrapping, NaN is 0) or ToNumber, flags through ToBoolean, text through ToString; a
//! colour-key array is read as 16 entries.
//!
//! TIC-80's binding throws no error at all for bad arguments: where it checks (`key`,
//! `keyp`, `sfx`, `music`, `pmem`, `sync`) it sets an exception and returns normally, and
//! QuickJS never reports it. So here a failed check does nothing and returns `undefined`
//! (the one difference: `sfx` of a sample past the 64, which TIC-80 plays from whatever
//! memory follows them, plays nothing).

use rquickjs::function::{FromParam, ParamRequirement, ParamsAccessor};
use rquickjs::{Array, Coerced, Ctx, FromJs, Function, Result, Value};

use super::MachinePtr;
use crate::machine::{KEY_COUNT, Machine, TexSource, Vertex, parse_note};
use crate::runtime::api::{
    self, ColorKeys, FontArgs, MapArgs, MusicArgs, PrintArgs, SfxArgs, SprArgs,
};

/// Most arguments any API function reads (`ttri`'s 17); more are ignored.
const MAX_ARGS: usize = 17;

/// The arguments of one call, held without a heap allocation (API calls are the hot path
/// of a cart).
struct Args<'js> {
    ctx: Ctx<'js>,
    values: [Option<Value<'js>>; MAX_ARGS],
}

impl<'js> FromParam<'js> for Args<'js> {
    fn param_requirement() -> ParamRequirement {
        ParamRequirement::any()
    }

    fn from_param<'a>(params: &mut ParamsAccessor<'a, 'js>) -> Result<Self> {
        let mut values = [const { None }; MAX_ARGS];
        for v in values.iter_mut().take(params.len()) {
            *v = Some(params.arg());
        }
        Ok(Args {
            ctx: params.ctx().clone(),
            values,
        })
    }
}

impl<'js> Args<'js> {
    /// Argument `i`; `undefined` when absent.
    fn get(&self, i: usize) -> Value<'js> {
        match self.values.get(i) {
            Some(Some(v)) => v.clone(),
            _ => Value::new_undefined(self.ctx.clone()),
        }
    }

    fn defined(&self, i: usize) -> bool {
        matches!(self.values.get(i), Some(Some(v)) if !v.is_undefined())
    }

    /// ToInt32.
    fn int(&self, i: usize) -> Result<i32> {
        Ok(Coerced::<i32>::from_js(&self.ctx, self.get(i))?.0)
    }

    /// ToInt32, or `default` for `undefined`.
    fn int_or(&self, i: usize, default: i32) -> Result<i32> {
        if self.defined(i) {
            self.int(i)
        } else {
            Ok(default)
        }
    }

    /// ToNumber, as the float TIC-80 passes on.
    fn num(&self, i: usize) -> Result<f32> {
        Ok(Coerced::<f64>::from_js(&self.ctx, self.get(i))?.0 as f32)
    }

    /// ToBoolean.
    fn truthy(&self, i: usize) -> Result<bool> {
        Ok(Coerced::<bool>::from_js(&self.ctx, self.get(i))?.0)
    }

    /// ToString.
    fn text(&self, i: usize) -> Result<String> {
        Ok(Coerced::<String>::from_js(&self.ctx, self.get(i))?.0)
    }

    /// Colour keys: an array is read as 16 entries (`undefined` ones are 255, no key);
    /// anything else is one key, `default` for `undefined`.
    fn keys(&self, i: usize, default: i32) -> Result<ColorKeys> {
        let v = self.get(i);
        if let Some(array) = v.as_array() {
            let mut keys = ColorKeys::default();
            for k in 0..16 {
                let e: Value = array.get(k)?;
                let key = if e.is_undefined() {
                    -1
                } else {
                    Coerced::<i32>::from_js(&self.ctx, e)?.0
                };
                keys.push(key as u8);
            }
            return Ok(keys);
        }
        Ok(ColorKeys::one(self.int_or(i, default)? as u8))
    }
}

/// A JavaScript value of a Rust one.
fn int<'js>(ctx: &Ctx<'js>, v: i32) -> Value<'js> {
    Value::new_int(ctx.clone(), v)
}

fn boolean<'js>(ctx: &Ctx<'js>, v: bool) -> Value<'js> {
    Value::new_bool(ctx.clone(), v)
}

fn number<'js>(ctx: &Ctx<'js>, v: f64) -> Value<'js> {
    Value::new_number(ctx.clone(), v)
}

fn unsigned<'js>(ctx: &Ctx<'js>, v: u32) -> Value<'js> {
    match i32::try_from(v) {
        Ok(i) => int(ctx, i),
        Err(_) => number(ctx, f64::from(v)),
    }
}

type Api = for<'js> fn(&mut Machine, &Args<'js>) -> Result<Value<'js>>;

/// The functions installed as globals, with their names.
const FUNCTIONS: &[(&str, Api)] = &[
    ("print", print),
    ("cls", cls),
    ("pix", pix),
    ("line", line),
    ("rect", rect),
    ("rectb", rectb),
    ("spr", spr),
    ("btn", btn),
    ("btnp", btnp),
    ("key", key),
    ("keyp", keyp),
    ("sfx", sfx),
    ("map", map),
    ("mget", mget),
    ("mset", mset),
    ("peek", peek),
    ("poke", poke),
    ("peek1", peek1),
    ("poke1", poke1),
    ("peek2", peek2),
    ("poke2", poke2),
    ("peek4", peek4),
    ("poke4", poke4),
    ("memcpy", memcpy),
    ("memset", memset),
    ("trace", trace),
    ("pmem", pmem),
    ("time", time),
    ("tstamp", tstamp),
    ("exit", exit),
    ("font", font),
    ("mouse", mouse),
    ("circ", circ),
    ("circb", circb),
    ("elli", elli),
    ("ellib", ellib),
    ("paint", paint),
    ("tri", tri),
    ("trib", trib),
    ("textri", textri),
    ("ttri", ttri),
    ("clip", clip),
    ("music", music),
    ("vbank", vbank),
    ("sync", sync),
    ("reset", reset),
    ("fget", fget),
    ("fset", fset),
    ("fft", fft),
    ("ffts", ffts),
];

/// Installs every function as a global of `ctx`, each reaching the console through
/// `machine`.
pub(super) fn install<'js>(ctx: &Ctx<'js>, machine: MachinePtr) -> Result<()> {
    let globals = ctx.globals();
    for (name, f) in FUNCTIONS {
        let f = *f;
        let func = Function::new(ctx.clone(), move |args: Args<'js>| -> Result<Value<'js>> {
            // SAFETY: see `MachinePtr::get`: the console outlives the VM, and no other
            // borrow of it is live while JavaScript runs.
            let m = unsafe { machine.get() };
            f(m, &args)
        })?
        .with_name(*name)?;
        globals.set(*name, func)?;
    }
    Ok(())
}

fn undefined<'js>(a: &Args<'js>) -> Result<Value<'js>> {
    Ok(Value::new_undefined(a.ctx.clone()))
}

fn print<'js>(m: &mut Machine, a: &Args<'js>) -> Result<Value<'js>> {
    let text = a.text(0)?;
    let p = PrintArgs {
        x: a.int_or(1, 0)?,
        y: a.int_or(2, 0)?,
        color: a.int_or(3, 15)? as u8,
        fixed: a.truthy(4)?,
        scale: a.int_or(5, 1)?,
        small: a.truthy(6)?,
    };
    Ok(int(&a.ctx, api::print(m, text.as_bytes(), &p)))
}

fn cls<'js>(m: &mut Machine, a: &Args<'js>) -> Result<Value<'js>> {
    m.cls(a.int_or(0, 0)?);
    undefined(a)
}

fn pix<'js>(m: &mut Machine, a: &Args<'js>) -> Result<Value<'js>> {
    let (x, y) = (a.int_or(0, 0)?, a.int_or(1, 0)?);
    if !a.defined(2) {
        return Ok(int(&a.ctx, i32::from(m.pix_get(x, y))));
    }
    m.pix_set(x, y, a.int(2)?);
    undefined(a)
}

fn line<'js>(m: &mut Machine, a: &Args<'js>) -> Result<Value<'js>> {
    let (x0, y0, x1, y1) = (a.num(0)?, a.num(1)?, a.num(2)?, a.num(3)?);
    m.line(x0, y0, x1, y1, a.int_or(4, 0)?);
    undefined(a)
}

fn five_or_zero(a: &Args<'_>) -> Result<[i32; 5]> {
    Ok([
        a.int_or(0, 0)?,
        a.int_or(1, 0)?,
        a.int_or(2, 0)?,
        a.int_or(3, 0)?,
        a.int_or(4, 0)?,
    ])
}

fn rect<'js>(m: &mut Machine, a: &Args<'js>) -> Result<Value<'js>> {
    let [x, y, w, h, c] = five_or_zero(a)?;
    m.rect(x, y, w, h, c);
    undefined(a)
}

fn rectb<'js>(m: &mut Machine, a: &Args<'js>) -> Result<Value<'js>> {
    let [x, y, w, h, c] = five_or_zero(a)?;
    m.rectb(x, y, w, h, c);
    undefined(a)
}

fn spr<'js>(m: &mut Machine, a: &Args<'js>) -> Result<Value<'js>> {
    // A boolean flip is a horizontal flip or none.
    let flip = match a.get(5).as_bool() {
        Some(b) => i32::from(b),
        None => a.int_or(5, 0)?,
    };
    let s = SprArgs {
        id: a.int_or(0, 0)?,
        x: a.int_or(1, 0)?,
        y: a.int_or(2, 0)?,
        keys: a.keys(3, -1)?,
        scale: a.int_or(4, 1)?,
        flip,
        rotate: a.int_or(6, 0)?,
        w: a.int_or(7, 1)?,
        h: a.int_or(8, 1)?,
    };
    api::spr(m, &s);
    undefined(a)
}

fn btn<'js>(m: &mut Machine, a: &Args<'js>) -> Result<Value<'js>> {
    if !a.defined(0) {
        return Ok(unsigned(&a.ctx, m.btn_mask()));
    }
    Ok(boolean(&a.ctx, m.btn(a.int(0)? & 0x1f)))
}

fn btnp<'js>(m: &mut Machine, a: &Args<'js>) -> Result<Value<'js>> {
    if !a.defined(0) {
        return Ok(unsigned(&a.ctx, m.btnp_mask()));
    }
    let id = a.int(0)?;
    let (hold, period) = (a.int_or(1, -1)?, a.int_or(2, -1)?);
    Ok(boolean(&a.ctx, m.btnp(id & 0x1f, hold, period)))
}

/// A key code (a byte) below TIC-80's key count; `None` past it.
fn key_code(a: &Args<'_>) -> Result<Option<u8>> {
    let code = a.int(0)? as u8;
    Ok((usize::from(code) < KEY_COUNT).then_some(code))
}

fn key<'js>(m: &mut Machine, a: &Args<'js>) -> Result<Value<'js>> {
    if !a.defined(0) {
        return Ok(boolean(&a.ctx, m.key_any()));
    }
    let Some(code) = key_code(a)? else {
        return undefined(a);
    };
    Ok(boolean(&a.ctx, m.key(code)))
}

fn keyp<'js>(m: &mut Machine, a: &Args<'js>) -> Result<Value<'js>> {
    if !a.defined(0) {
        return Ok(boolean(&a.ctx, m.keyp(0, -1, -1)));
    }
    let Some(code) = key_code(a)? else {
        return undefined(a);
    };
    let (hold, period) = (a.int_or(1, -1)?, a.int_or(2, -1)?);
    Ok(boolean(&a.ctx, m.keyp(code, hold, period)))
}

fn sfx<'js>(m: &mut Machine, a: &Args<'js>) -> Result<Value<'js>> {
    let id = a.int_or(0, -1)?;
    if api::check_sfx_id(id).is_err() {
        return undefined(a);
    }
    let mut s = SfxArgs::for_sample(m, id);
    if id >= 0 && a.defined(1) {
        let note = a.get(1);
        if note.is_string() {
            // A note TIC-80 cannot read leaves the sample's own.
            if let Ok(Some((n, o))) = parse_note(a.text(1)?.as_bytes()) {
                (s.note, s.octave) = (n, o);
            }
        } else {
            let v = a.int(1)?;
            (s.note, s.octave) = (v % 12, v / 12);
        }
    }
    s.duration = a.int_or(2, -1)?;
    s.channel = a.int_or(3, 0)?;
    s.volume = match a.get(4).as_array() {
        Some(v) => {
            let side = |k: usize| -> Result<u8> {
                let e: Value = v.get(k)?;
                Ok(Coerced::<i32>::from_js(&a.ctx, e)?.0 as u8)
            };
            (side(0)?, side(1)?)
        }
        None => {
            let v = a.int_or(4, 15)? as u8;
            (v, v)
        }
    };
    s.speed = a.int_or(5, s.speed)?;
    // A channel outside 0..4 plays nothing.
    let _ = api::sfx(m, &s);
    undefined(a)
}

fn map<'js>(m: &mut Machine, a: &Args<'js>) -> Result<Value<'js>> {
    let p = MapArgs {
        x: a.int_or(0, 0)?,
        y: a.int_or(1, 0)?,
        w: a.int_or(2, 30)?,
        h: a.int_or(3, 17)?,
        sx: a.int_or(4, 0)?,
        sy: a.int_or(5, 0)?,
        // Colour 0 is transparent unless the cart says otherwise (TIC-80's JS default).
        keys: a.keys(6, 0)?,
        scale: a.int_or(7, 1)?,
    };
    let remap = a.get(8);
    let Some(remap) = remap.as_function() else {
        api::map(m, &p);
        return undefined(a);
    };
    // Each cell's tile through the cart's function: `[tile, flip, rotate]` or a tile.
    let cells = m.map_cells(p.x, p.y, p.w, p.h);
    let mut drawn = Vec::with_capacity(cells.len());
    for (mi, mj, tile) in cells {
        // An exception in the cart's function is swallowed, the cell gets tile 0 (TIC-80
        // reads the exception as a number).
        let r: Value = match remap.call((i32::from(tile), mi, mj)) {
            Ok(r) => r,
            Err(rquickjs::Error::Exception) => {
                let _ = a.ctx.catch();
                drawn.push((0, 0, 0));
                continue;
            }
            Err(e) => return Err(e),
        };
        let cell = match r.as_array() {
            Some(arr) => {
                let at = |k: usize| -> Result<Value<'js>> { arr.get(k) };
                let t = Coerced::<i32>::from_js(&a.ctx, at(0)?)?.0 as u8;
                let f = or_default(&a.ctx, at(1)?, 0)?;
                let rot = or_default(&a.ctx, at(2)?, 0)?;
                (t, f, rot)
            }
            None if r.is_undefined() => (0, 0, 0),
            None => (Coerced::<i32>::from_js(&a.ctx, r)?.0 as u8, 0, 0),
        };
        drawn.push(cell);
    }
    api::map_remapped(m, &p, &drawn);
    undefined(a)
}

fn or_default<'js>(ctx: &Ctx<'js>, v: Value<'js>, default: i32) -> Result<i32> {
    if v.is_undefined() {
        return Ok(default);
    }
    Ok(Coerced::<i32>::from_js(ctx, v)?.0)
}

fn mget<'js>(m: &mut Machine, a: &Args<'js>) -> Result<Value<'js>> {
    let v = m.mget(a.int_or(0, 0)?, a.int_or(1, 0)?);
    Ok(int(&a.ctx, i32::from(v)))
}

fn mset<'js>(m: &mut Machine, a: &Args<'js>) -> Result<Value<'js>> {
    m.mset(a.int_or(0, 0)?, a.int_or(1, 0)?, a.int_or(2, 0)? as u8);
    undefined(a)
}

fn peek<'js>(m: &mut Machine, a: &Args<'js>) -> Result<Value<'js>> {
    let v = m.peek(a.int(0)?, a.int_or(1, 8)?);
    Ok(int(&a.ctx, i32::from(v)))
}

/// `poke`: the value is a byte, as TIC-80's JS binding reads it.
fn poke<'js>(m: &mut Machine, a: &Args<'js>) -> Result<Value<'js>> {
    let (addr, value) = (a.int(0)?, a.int(1)? as u8);
    m.poke(addr, i32::from(value), a.int_or(2, 8)?);
    undefined(a)
}

fn peek_bits<'js>(m: &mut Machine, a: &Args<'js>, bits: i32) -> Result<Value<'js>> {
    let v = m.peek(a.int(0)?, bits);
    Ok(int(&a.ctx, i32::from(v)))
}

fn poke_bits<'js>(m: &mut Machine, a: &Args<'js>, bits: i32) -> Result<Value<'js>> {
    let (addr, value) = (a.int(0)?, a.int(1)? as u8);
    m.poke(addr, i32::from(value), bits);
    undefined(a)
}

fn peek1<'js>(m: &mut Machine, a: &Args<'js>) -> Result<Value<'js>> {
    peek_bits(m, a, 1)
}

fn poke1<'js>(m: &mut Machine, a: &Args<'js>) -> Result<Value<'js>> {
    poke_bits(m, a, 1)
}

fn peek2<'js>(m: &mut Machine, a: &Args<'js>) -> Result<Value<'js>> {
    peek_bits(m, a, 2)
}

fn poke2<'js>(m: &mut Machine, a: &Args<'js>) -> Result<Value<'js>> {
    poke_bits(m, a, 2)
}

fn peek4<'js>(m: &mut Machine, a: &Args<'js>) -> Result<Value<'js>> {
    peek_bits(m, a, 4)
}

fn poke4<'js>(m: &mut Machine, a: &Args<'js>) -> Result<Value<'js>> {
    poke_bits(m, a, 4)
}

fn memcpy<'js>(m: &mut Machine, a: &Args<'js>) -> Result<Value<'js>> {
    m.memcpy(a.int(0)?, a.int(1)?, a.int(2)?);
    undefined(a)
}

fn memset<'js>(m: &mut Machine, a: &Args<'js>) -> Result<Value<'js>> {
    let (dst, value, size) = (a.int(0)?, a.int(1)? as u8, a.int(2)?);
    m.memset(dst, i32::from(value), size);
    undefined(a)
}

fn trace<'js>(m: &mut Machine, a: &Args<'js>) -> Result<Value<'js>> {
    let text = a.text(0)?;
    let color = a.int_or(1, 15)? as u8;
    m.trace(
        String::from_utf8_lossy(api::c_text(text.as_bytes())).as_ref(),
        color,
    );
    undefined(a)
}

fn pmem<'js>(m: &mut Machine, a: &Args<'js>) -> Result<Value<'js>> {
    let index = a.int(0)? as u32;
    let Some(old) = m.pmem(index, None) else {
        return undefined(a);
    };
    if a.defined(1) {
        m.pmem(index, Some(a.int(1)? as u32));
    }
    Ok(int(&a.ctx, old as i32))
}

fn time<'js>(m: &mut Machine, a: &Args<'js>) -> Result<Value<'js>> {
    Ok(number(&a.ctx, m.time()))
}

fn tstamp<'js>(_: &mut Machine, a: &Args<'js>) -> Result<Value<'js>> {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i32);
    Ok(int(&a.ctx, secs))
}

fn exit<'js>(m: &mut Machine, a: &Args<'js>) -> Result<Value<'js>> {
    m.request_exit();
    undefined(a)
}

fn font<'js>(m: &mut Machine, a: &Args<'js>) -> Result<Value<'js>> {
    let text = a.text(0)?;
    let f = FontArgs {
        x: a.int(1)?,
        y: a.int(2)?,
        keys: ColorKeys::one(a.int(3)? as u8),
        w: a.int_or(4, 8)?,
        h: a.int_or(5, 8)?,
        fixed: a.truthy(6)?,
        scale: a.int_or(7, 1)?,
        alt: a.truthy(8)?,
    };
    Ok(int(&a.ctx, api::font(m, text.as_bytes(), &f)))
}

fn mouse<'js>(m: &mut Machine, a: &Args<'js>) -> Result<Value<'js>> {
    let s = m.mouse();
    let arr = Array::new(a.ctx.clone())?;
    arr.set(0, s.x)?;
    arr.set(1, s.y)?;
    arr.set(2, s.left)?;
    arr.set(3, s.middle)?;
    arr.set(4, s.right)?;
    arr.set(5, s.scroll_x)?;
    arr.set(6, s.scroll_y)?;
    Ok(arr.into_value())
}

fn circ<'js>(m: &mut Machine, a: &Args<'js>) -> Result<Value<'js>> {
    m.circ(a.int(0)?, a.int(1)?, a.int(2)?, a.int(3)?);
    undefined(a)
}

fn circb<'js>(m: &mut Machine, a: &Args<'js>) -> Result<Value<'js>> {
    m.circb(a.int(0)?, a.int(1)?, a.int(2)?, a.int(3)?);
    undefined(a)
}

fn elli<'js>(m: &mut Machine, a: &Args<'js>) -> Result<Value<'js>> {
    m.elli(a.int(0)?, a.int(1)?, a.int(2)?, a.int(3)?, a.int(4)?);
    undefined(a)
}

fn ellib<'js>(m: &mut Machine, a: &Args<'js>) -> Result<Value<'js>> {
    m.ellib(a.int(0)?, a.int(1)?, a.int(2)?, a.int(3)?, a.int(4)?);
    undefined(a)
}

fn paint<'js>(m: &mut Machine, a: &Args<'js>) -> Result<Value<'js>> {
    let (x, y, color) = (a.int(0)?, a.int(1)?, a.int(2)?);
    let border = a.int_or(3, -1)?;
    m.paint(x, y, color as u8, border as u8);
    undefined(a)
}

fn six_numbers(a: &Args<'_>) -> Result<[f32; 6]> {
    Ok([
        a.num(0)?,
        a.num(1)?,
        a.num(2)?,
        a.num(3)?,
        a.num(4)?,
        a.num(5)?,
    ])
}

fn tri<'js>(m: &mut Machine, a: &Args<'js>) -> Result<Value<'js>> {
    let [x1, y1, x2, y2, x3, y3] = six_numbers(a)?;
    m.tri(x1, y1, x2, y2, x3, y3, a.int(6)?);
    undefined(a)
}

fn trib<'js>(m: &mut Machine, a: &Args<'js>) -> Result<Value<'js>> {
    let [x1, y1, x2, y2, x3, y3] = six_numbers(a)?;
    m.trib(x1, y1, x2, y2, x3, y3, a.int(6)?);
    undefined(a)
}

/// The three vertices of `ttri`/`textri` (x, y at 0..6, u, v at 6..12).
fn textured(a: &Args<'_>) -> Result<[Vertex; 3]> {
    let mut p = [0f64; 12];
    for (i, v) in p.iter_mut().enumerate() {
        *v = f64::from(a.num(i)?);
    }
    Ok([0, 1, 2].map(|k| Vertex {
        x: p[2 * k],
        y: p[2 * k + 1],
        u: p[6 + 2 * k],
        v: p[7 + 2 * k],
        z: 0.0,
    }))
}

fn textri<'js>(m: &mut Machine, a: &Args<'js>) -> Result<Value<'js>> {
    let v = textured(a)?;
    let use_map = a.truthy(12)?;
    let keys = a.keys(13, 0)?;
    m.textri(v, use_map, keys.as_slice());
    undefined(a)
}

fn ttri<'js>(m: &mut Machine, a: &Args<'js>) -> Result<Value<'js>> {
    let mut v = textured(a)?;
    let src = a.int(12)?;
    let keys = a.keys(13, 0)?;
    // Depth only when all three z are given.
    let depth = (14..17).all(|i| a.defined(i));
    if depth {
        for (k, vert) in v.iter_mut().enumerate() {
            vert.z = f64::from(a.num(14 + k)?);
        }
    }
    let src = match src {
        0 => TexSource::Tiles,
        1 => TexSource::Map,
        2 => TexSource::OtherVbank,
        _ => return undefined(a),
    };
    m.ttri(v, src, keys.as_slice(), depth);
    undefined(a)
}

fn clip<'js>(m: &mut Machine, a: &Args<'js>) -> Result<Value<'js>> {
    let (x, y) = (a.int(0)?, a.int(1)?);
    m.clip(x, y, a.int_or(2, 240)?, a.int_or(3, 136)?);
    undefined(a)
}

fn music<'js>(m: &mut Machine, a: &Args<'js>) -> Result<Value<'js>> {
    let track = a.int_or(0, -1)?;
    m.music(-1, 0, 0, false, false, -1, -1);
    if track < 0 {
        return undefined(a);
    }
    if api::check_track(track).is_err() {
        return undefined(a);
    }
    let p = MusicArgs {
        track,
        frame: a.int_or(1, -1)?,
        row: a.int_or(2, -1)?,
        looping: !a.defined(3) || a.truthy(3)?,
        sustain: a.truthy(4)?,
        tempo: a.int_or(5, -1)?,
        speed: a.int_or(6, -1)?,
    };
    let _ = api::music(m, &p);
    undefined(a)
}

fn vbank<'js>(m: &mut Machine, a: &Args<'js>) -> Result<Value<'js>> {
    let prev = m.current_vbank();
    if a.defined(0) {
        m.vbank(a.int(0)?);
    }
    Ok(int(&a.ctx, i32::from(prev)))
}

fn sync<'js>(m: &mut Machine, a: &Args<'js>) -> Result<Value<'js>> {
    let mask = a.int_or(0, 0)? as u32;
    let bank = a.int_or(1, 0)?;
    let to_cart = a.truthy(2)?;
    // A bank outside 0..8 syncs nothing.
    let _ = m.sync(mask, bank, to_cart);
    undefined(a)
}

fn reset<'js>(m: &mut Machine, a: &Args<'js>) -> Result<Value<'js>> {
    m.request_reset();
    undefined(a)
}

fn fget<'js>(m: &mut Machine, a: &Args<'js>) -> Result<Value<'js>> {
    let (sprite, flag) = (a.int_or(0, 0)?, a.int_or(1, 0)? as u8);
    Ok(boolean(&a.ctx, m.fget(sprite, i32::from(flag))))
}

fn fset<'js>(m: &mut Machine, a: &Args<'js>) -> Result<Value<'js>> {
    let (sprite, flag) = (a.int_or(0, 0)?, a.int_or(1, 0)? as u8);
    m.fset(sprite, i32::from(flag), a.truthy(2)?);
    undefined(a)
}

fn fft<'js>(m: &mut Machine, a: &Args<'js>) -> Result<Value<'js>> {
    let (start, end) = (a.int(0)?, a.int_or(1, -1)?);
    Ok(number(&a.ctx, m.fft(start, end, false)))
}

fn ffts<'js>(m: &mut Machine, a: &Args<'js>) -> Result<Value<'js>> {
    let (start, end) = (a.int(0)?, a.int_or(1, -1)?);
    Ok(number(&a.ctx, m.fft(start, end, true)))
}

/// The functions the cart defines, for the frame driver: looked up each frame.
pub(super) fn global_function<'js>(ctx: &Ctx<'js>, name: &str) -> Result<Option<Function<'js>>> {
    let v: Value = ctx.globals().get(name)?;
    Ok(v.into_function())
}
