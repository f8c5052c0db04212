//! The Lua 5.3 runtime: one VM per cart, with TIC-80's environment (see `sandbox`), the
//! console API (`api`) and the soft stop ([`guard`]).

mod api;
pub mod guard;
mod sandbox;

use std::ffi::{CStr, CString, c_int, c_void};

use cartbox_protocol::message::{CartFault, FaultKind};
use mlua::ffi::{self, lua_State};
use mlua::{Lua, LuaOptions, StdLib};

use crate::machine::Machine;
use crate::runtime::frame::{self, Defined, FrameCallback};
use crate::runtime::line_of;
use crate::runtime::stop::{self, Callback};

/// The language of a cart's code, which the Lua runtime plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Lua,
    Fennel,
    Moon,
}

/// What a frame produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameOutcome {
    /// The cart called `exit()`.
    pub exit: bool,
}

/// A cart running in a Lua VM.
pub struct LuaCart {
    /// The VM; dropped before the machine its functions point to.
    lua: Option<Lua>,
    main: *mut lua_State,
    machine: *mut Machine,
    /// The cart's name, as given by the host.
    name: String,
    /// How Lua names the cart in messages (`luaO_chunkid` of "@name").
    display: String,
    memory_limit: u64,
    /// The cart's code, kept for `reset()`.
    code: String,
    /// The soft-stop budget, when the runner's guard points at this cart.
    guard_budget: Option<u32>,
    /// The language the code is in, compiled to Lua when the cart boots.
    source: Source,
}

impl std::fmt::Debug for LuaCart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LuaCart")
            .field("display", &self.display)
            .finish()
    }
}

/// Globals the frame loop looks for, as bits of [`LuaCart::defined`].
const CALLBACKS: [&CStr; 6] = [c"TIC", c"OVR", c"BDR", c"SCN", c"scanline", c"BOOT"];
const HAS_TIC: u32 = 1;
const HAS_OVR: u32 = 2;
const HAS_BDR: u32 = 4;
const HAS_SCN: u32 = 8;
const HAS_SCANLINE: u32 = 16;
const HAS_BOOT: u32 = 32;

fn fault(
    kind: FaultKind,
    callback: Callback,
    message: String,
    traceback: String,
    display: &str,
) -> CartFault {
    let line = line_of(&message, display).or_else(|| line_of(&traceback, display));
    CartFault {
        kind,
        message,
        traceback,
        callback: callback.name().to_owned(),
        line,
    }
}

/// How Lua 5.3 shows a chunk named "@name" in messages.
fn chunk_display(name: &str) -> String {
    const IDSIZE: usize = 60;
    if name.len() < IDSIZE {
        name.to_owned()
    } else {
        let tail = &name.as_bytes()[name.len() - (IDSIZE - 4)..];
        format!("...{}", String::from_utf8_lossy(tail))
    }
}

impl LuaCart {
    /// Creates the VM with the console API for `machine`; no cart code runs yet.
    pub fn new(machine: Machine, name: &str, memory_limit: u64) -> Result<LuaCart, CartFault> {
        let mut cart = LuaCart {
            lua: None,
            main: std::ptr::null_mut(),
            machine: Box::into_raw(Box::new(machine)),
            name: name.to_owned(),
            display: chunk_display(name),
            memory_limit,
            code: String::new(),
            guard_budget: None,
            source: Source::Lua,
        };
        cart.create_vm()?;
        Ok(cart)
    }

    /// Makes a fresh VM with the API bound to this cart's machine (replacing any old one).
    fn create_vm(&mut self) -> Result<(), CartFault> {
        let internal = |what: String| {
            fault(
                FaultKind::Runtime,
                Callback::TopLevel,
                format!("cannot start Lua: {what}"),
                String::new(),
                "",
            )
        };
        // The old VM goes first; its finalizers may still call the API.
        self.lua = None;
        let lua = Lua::new_with(
            StdLib::COROUTINE | StdLib::TABLE | StdLib::STRING | StdLib::MATH,
            LuaOptions::new(),
        )
        .map_err(|e| internal(e.to_string()))?;
        lua.set_memory_limit(usize::try_from(self.memory_limit).unwrap_or(usize::MAX))
            .map_err(|e| internal(e.to_string()))?;
        let mut main: *mut lua_State = std::ptr::null_mut();
        let machine_ptr = self.machine;
        // SAFETY: runs inside mlua's protected call on the main state; pushes and pops
        // balance, and the functions registered get the machine pointer, which outlives the
        // VM (see Drop).
        unsafe {
            lua.exec_raw::<()>((), |l| {
                ffi::lua_rawgeti(l, ffi::LUA_REGISTRYINDEX, ffi::LUA_RIDX_MAINTHREAD);
                main = ffi::lua_tothread(l, -1);
                ffi::lua_pop(l, 1);
                for (fname, f) in api::FUNCTIONS {
                    ffi::lua_pushlightuserdata(l, machine_ptr.cast::<c_void>());
                    ffi::lua_pushcclosure(l, *f, 1);
                    ffi::lua_setglobal(l, fname.as_ptr());
                }
                ffi::lua_getglobal(l, c"coroutine".as_ptr());
                ffi::lua_pushcfunction(l, guard::co_resume);
                ffi::lua_setfield(l, -2, c"resume".as_ptr());
                ffi::lua_pushcfunction(l, guard::co_wrap);
                ffi::lua_setfield(l, -2, c"wrap".as_ptr());
                ffi::lua_pop(l, 1);
            })
        }
        .map_err(|e| internal(e.to_string()))?;
        // SAFETY: a plain C function that only reads the stack.
        let traceback = unsafe { lua.create_c_function(debug_traceback) }
            .map_err(|e| internal(e.to_string()))?;
        lua.load(sandbox::PRELUDE)
            .set_name("=cartbox")
            .call::<()>(traceback)
            .map_err(|e| internal(e.to_string()))?;
        self.main = main;
        self.lua = Some(lua);
        if let Some(budget) = self.guard_budget {
            // SAFETY: the VM just made lives until the next create_vm or Drop, and the
            // guard is pointed at the newest one each time.
            unsafe { guard::attach(main, budget) };
        }
        Ok(())
    }

    /// Points the soft-stop guard (installed by the runner) at this cart's VM, now and
    /// after every `reset()`, quoting `budget_ms` in its messages.
    pub fn attach_guard(&mut self, budget_ms: u32) {
        self.guard_budget = Some(budget_ms);
        // SAFETY: the VM lives until the next create_vm (which re-attaches) or Drop.
        unsafe { guard::attach(self.main, budget_ms) };
    }

    /// The VM's main thread.
    pub fn main_state(&self) -> *mut lua_State {
        self.main
    }

    /// Compiles `code`, runs its top level and `BOOT` (request `seq`).
    pub fn boot(&mut self, code: &str, seq: u64) -> Result<(), CartFault> {
        self.code = code.to_owned();
        stop::arm(seq, Callback::TopLevel);
        let result = self.run_boot();
        let stopped = guard::disarm();
        result.map_err(|f| self.finish_fault(f, stopped))
    }

    /// The top level and BOOT of the cart's code, in the current VM.
    fn run_boot(&mut self) -> Result<(), RawFault> {
        if self.code.is_empty() {
            return Err(RawFault::Message("the code is empty".into()));
        }
        self.machine().start_clock();
        stop::set_callback(Callback::TopLevel);
        let code = std::mem::take(&mut self.code);
        let result = match self.source {
            Source::Lua => self.run_top_level(&code),
            Source::Fennel => self
                .compile_fennel(&code)
                .and_then(|lua| self.run_top_level(&lua)),
            Source::Moon => crate::moon::compile(&code)
                .map_err(|e| RawFault::Syntax(format!("{}:{e}", self.display)))
                .and_then(|lua| self.run_top_level(&lua)),
        };
        self.code = code;
        result?;
        if self.defined()? & HAS_BOOT != 0 {
            stop::set_callback(Callback::Boot);
            self.call(c"BOOT", None)?;
        }
        Ok(())
    }

    /// Says which language the cart's code is in: Fennel and MoonScript are compiled to
    /// Lua (by [`crate::fennel`], [`crate::moon`]) when the cart boots, under the same
    /// deadline as Lua's own loading.
    pub fn set_source(&mut self, source: Source) {
        self.source = source;
    }

    /// The Lua code of Fennel `code`; with `;; strict: true`, the globals it may name are
    /// those of the cart's environment (the API and Lua's libraries), as in TIC-80.
    fn compile_fennel(&self, code: &str) -> Result<String, RawFault> {
        let globals = crate::fennel::is_strict(code).then(|| {
            self.lua
                .as_ref()
                .map(|l| {
                    l.globals()
                        .pairs::<String, mlua::Value>()
                        .filter_map(Result::ok)
                        .map(|(k, _)| k)
                        .collect()
                })
                .unwrap_or_default()
        });
        crate::fennel::compile(code, &self.name, globals)
            .map_err(|e| RawFault::Syntax(format!("{}:{e}", self.display)))
    }

    /// Calls `MENU(index)` if the cart defines it (request `seq`).
    pub fn menu(&mut self, seq: u64, index: u32) -> Result<(), CartFault> {
        stop::arm(seq, Callback::Menu);
        let result = self.call(c"MENU", Some(i64::from(index)));
        let stopped = guard::disarm();
        result.map_err(|f| self.finish_fault(f, stopped))
    }

    /// The machine, between Lua calls.
    pub fn machine(&mut self) -> &mut Machine {
        // SAFETY: the pointer comes from Box::into_raw and stays valid until Drop; no Lua
        // code runs while the returned borrow lives, so the API functions cannot alias it.
        unsafe { &mut *self.machine }
    }

    /// Runs one frame (request `seq`): TIC, OVR, then the blit with BDR/SCN per row. With
    /// `pixels` false the scanline callbacks still run but no pixels are converted (unless
    /// the cart calls `exit()`, whose frame is always blitted).
    pub fn frame(
        &mut self,
        seq: u64,
        time_ms: Option<f64>,
        pixels: bool,
    ) -> Result<FrameOutcome, CartFault> {
        self.machine().begin_frame(time_ms);
        stop::arm(seq, Callback::Tic);
        let result = self.run_frame(pixels);
        let stopped = guard::disarm();
        match result {
            Ok(()) => Ok(FrameOutcome {
                exit: self.machine().exit_requested(),
            }),
            Err(f) => Err(self.finish_fault(f, stopped)),
        }
    }

    fn run_frame(&mut self, pixels: bool) -> Result<(), RawFault> {
        // A reset() in the last frame: a fresh VM, the cart's data reloaded, the top level and
        // BOOT run again, then this frame's TIC.
        if self.machine().take_reset() {
            self.create_vm().map_err(|f| RawFault::Message(f.message))?;
            self.machine().reload_cart();
            self.run_boot()?;
        }
        frame::run(self, pixels)
    }

    fn run_top_level(&mut self, code: &str) -> Result<(), RawFault> {
        let chunk = CString::new(format!("@{}", self.name)).unwrap_or_else(|_| c"@cart".to_owned());
        self.protected(
            |l| {
                // SAFETY: compiling on the main thread; the loader is protected itself and
                // leaves either the function or the error message.
                let status = unsafe {
                    ffi::luaL_loadbufferx(
                        l,
                        code.as_ptr().cast(),
                        code.len(),
                        chunk.as_ptr(),
                        c"t".as_ptr(),
                    )
                };
                match status {
                    ffi::LUA_OK => Ok(0),
                    // SAFETY: the error message is on top of the stack.
                    ffi::LUA_ERRSYNTAX => Err(RawFault::Syntax(unsafe { stack_string(l, -1) })),
                    // SAFETY: as above.
                    other => Err(RawFault::Status(other, unsafe { stack_string(l, -1) })),
                }
            },
            0,
            |_| (),
        )
    }

    /// Which of the callbacks are defined as functions now (bits `HAS_*`).
    fn defined(&mut self) -> Result<u32, RawFault> {
        self.protected(
            |l| {
                // SAFETY: pushing a light C function.
                unsafe { ffi::lua_pushcfunction(l, probe_callbacks) };
                Ok(0)
            },
            1,
            // SAFETY: the one result is on top of the stack.
            |l| unsafe { ffi::lua_tointegerx(l, -1, std::ptr::null_mut()) } as u32,
        )
    }

    /// Calls global function `name`, with one integer argument if given.
    fn call(&mut self, name: &'static CStr, arg: Option<i64>) -> Result<(), RawFault> {
        self.protected(
            |l| {
                // SAFETY: pushing a light C function, a light userdata holding a static
                // string (valid for the call) and an integer.
                unsafe {
                    ffi::lua_pushcfunction(l, invoke);
                    ffi::lua_pushlightuserdata(l, name.as_ptr() as *mut c_void);
                    match arg {
                        Some(a) => {
                            ffi::lua_pushinteger(l, a);
                            Ok(2)
                        }
                        None => Ok(1),
                    }
                }
            },
            0,
            |_| (),
        )
    }

    /// Calls what `push` puts on the idle main thread (a function and its arguments;
    /// `push` returns how many arguments) under the message handler, reads the results with
    /// `read`, and leaves the stack as it found it.
    fn protected<T>(
        &mut self,
        push: impl FnOnce(*mut lua_State) -> Result<c_int, RawFault>,
        nresults: c_int,
        read: impl FnOnce(*mut lua_State) -> T,
    ) -> Result<T, RawFault> {
        let l = self.main;
        // SAFETY: `l` is the main thread and nothing else runs on it; every path restores
        // the stack top; lua_pcall contains any error raised by what `push` pushed.
        unsafe {
            let base = ffi::lua_gettop(l);
            if ffi::lua_checkstack(l, 5) == 0 {
                return Err(RawFault::Status(ffi::LUA_ERRMEM, String::new()));
            }
            ffi::lua_pushcfunction(l, message_handler);
            let result =
                push(l).and_then(|nargs| match ffi::lua_pcall(l, nargs, nresults, base + 1) {
                    ffi::LUA_OK => Ok(read(l)),
                    status => Err(RawFault::Status(status, stack_string(l, -1))),
                });
            ffi::lua_settop(l, base);
            result
        }
    }

    /// Turns a raw failure into the report for the host, naming the cart by its whole
    /// name: Lua shortens a long one to "...<its last 56 characters>" in messages and
    /// tracebacks.
    fn finish_fault(&mut self, raw: RawFault, stopped: Option<(String, String)>) -> CartFault {
        let mut f = self.classify_fault(raw, stopped);
        if self.display != self.name {
            f.message = f.message.replace(&self.display, &self.name);
            f.traceback = f.traceback.replace(&self.display, &self.name);
        }
        f
    }

    fn classify_fault(&mut self, raw: RawFault, stopped: Option<(String, String)>) -> CartFault {
        let callback = stop::callback();
        if let Some((message, traceback)) = stopped {
            return fault(
                FaultKind::Budget,
                callback,
                message,
                tidy_traceback(&traceback),
                &self.display,
            );
        }
        match raw {
            RawFault::Syntax(msg) => fault(
                FaultKind::Syntax,
                callback,
                msg,
                String::new(),
                &self.display,
            ),
            RawFault::Message(msg) => fault(
                FaultKind::Runtime,
                callback,
                msg,
                String::new(),
                &self.display,
            ),
            RawFault::Status(status, _) if status == ffi::LUA_ERRMEM => {
                let mib = self.memory_limit >> 20;
                fault(
                    FaultKind::OutOfMemory,
                    callback,
                    format!("the cart's Lua heap reached its limit of {mib} MiB"),
                    String::new(),
                    &self.display,
                )
            }
            RawFault::Status(_, text) => {
                const HEADING: &str = "\nstack traceback:\n";
                let (message, traceback) = match text.find(HEADING) {
                    Some(i) => {
                        // A cart that raises an error carrying a traceback of its own
                        // (`error(debug.traceback(m))`, `xpcall` with `debug.traceback`)
                        // says where it happened; ours would only show the raise again.
                        let rest = &text[i + HEADING.len()..];
                        let first = rest.find(HEADING).map_or(rest, |j| &rest[..j]);
                        (text[..i].to_owned(), tidy_traceback(first))
                    }
                    None => (text, String::new()),
                };
                fault(
                    FaultKind::Runtime,
                    callback,
                    message,
                    traceback,
                    &self.display,
                )
            }
        }
    }
}

/// A failure before it is classified.
impl frame::Runtime for LuaCart {
    type Fault = RawFault;

    fn machine(&mut self) -> &mut Machine {
        LuaCart::machine(self)
    }

    fn defined(&mut self) -> Result<Defined, RawFault> {
        let bits = LuaCart::defined(self)?;
        Ok(Defined {
            tic: bits & HAS_TIC != 0,
            ovr: bits & HAS_OVR != 0,
            bdr: bits & HAS_BDR != 0,
            scn: bits & HAS_SCN != 0,
            scanline: bits & HAS_SCANLINE != 0,
        })
    }

    fn call(&mut self, callback: FrameCallback, row: Option<i32>) -> Result<(), RawFault> {
        let name = match callback {
            FrameCallback::Tic => c"TIC",
            FrameCallback::Ovr => c"OVR",
            FrameCallback::Bdr => c"BDR",
            FrameCallback::Scn => c"SCN",
            FrameCallback::Scanline => c"scanline",
        };
        LuaCart::call(self, name, row.map(i64::from))
    }

    fn no_tic(&mut self) -> RawFault {
        RawFault::Message("'function TIC()...' isn't found :(".into())
    }
}

#[derive(Debug)]
pub(crate) enum RawFault {
    Syntax(String),
    Message(String),
    Status(c_int, String),
}

/// Drops the frames of our own plumbing from the end of a traceback.
fn tidy_traceback(tb: &str) -> String {
    // The host adds the "stack traceback:" heading; a traceback taken with
    // `luaL_traceback` (the soft stop's) comes with its own.
    let lines: Vec<&str> = tb
        .lines()
        .map(str::trim_end)
        .filter(|l| !l.is_empty() && *l != "stack traceback:")
        .collect();
    let mut end = lines.len();
    while end > 0 && lines[end - 1].trim() == "[C]: in ?" {
        end -= 1;
    }
    lines[..end]
        .iter()
        .map(|l| l.trim_start_matches('\t'))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The string at `idx`, lossily, or a note when it is not a string.
unsafe fn stack_string(l: *mut lua_State, idx: c_int) -> String {
    // SAFETY: reading a slot of a live thread; lua_tolstring only converts numbers in place.
    unsafe {
        let t = ffi::lua_type(l, idx);
        if t != ffi::LUA_TSTRING && t != ffi::LUA_TNUMBER {
            return "(error object is not a string)".to_owned();
        }
        let mut len = 0;
        let p = ffi::lua_tolstring(l, idx, &mut len);
        String::from_utf8_lossy(std::slice::from_raw_parts(p.cast::<u8>(), len)).into_owned()
    }
}

/// Message handler: the error message followed by a traceback, as `lua.c`'s `msghandler`.
unsafe extern "C-unwind" fn message_handler(l: *mut lua_State) -> c_int {
    // SAFETY: called by Lua with the error object at index 1.
    unsafe {
        let mut msg = ffi::lua_tostring(l, 1);
        if msg.is_null() {
            if ffi::luaL_callmeta(l, 1, c"__tostring".as_ptr()) != 0
                && ffi::lua_type(l, -1) == ffi::LUA_TSTRING
            {
                return 1;
            }
            let tname = ffi::lua_typename(l, ffi::lua_type(l, 1));
            ffi::lua_pushstring(l, c"(error object is a ".as_ptr());
            ffi::lua_pushstring(l, tname);
            ffi::lua_pushstring(l, c" value)".as_ptr());
            ffi::lua_concat(l, 3);
            msg = ffi::lua_tostring(l, -1);
        }
        ffi::luaL_traceback(l, l, msg, 1);
        1
    }
}

/// `debug.traceback([msg [, level]])` for carts: the one piece of `debug` they keep.
unsafe extern "C-unwind" fn debug_traceback(l: *mut lua_State) -> c_int {
    // SAFETY: called by Lua; reads its arguments and pushes one result.
    unsafe {
        let t = ffi::lua_type(l, 1);
        if t != ffi::LUA_TSTRING
            && t != ffi::LUA_TNUMBER
            && t != ffi::LUA_TNIL
            && t != ffi::LUA_TNONE
        {
            ffi::lua_pushvalue(l, 1);
            return 1;
        }
        let msg = ffi::lua_tostring(l, 1);
        let level = if ffi::lua_type(l, 2) == ffi::LUA_TNUMBER {
            ffi::lua_tointegerx(l, 2, std::ptr::null_mut()) as c_int
        } else {
            1
        };
        ffi::luaL_traceback(l, l, msg, level);
        1
    }
}

/// Calls the global named by the light userdata at index 1 with the remaining arguments,
/// if it is a function (TIC-80 looks callbacks up by name on every call).
unsafe extern "C-unwind" fn invoke(l: *mut lua_State) -> c_int {
    // SAFETY: called through `LuaCart::call`, which passes a static C string at index 1.
    unsafe {
        let name = ffi::lua_touserdata(l, 1).cast::<std::ffi::c_char>();
        ffi::lua_remove(l, 1);
        let nargs = ffi::lua_gettop(l);
        ffi::lua_getglobal(l, name);
        if ffi::lua_type(l, -1) != ffi::LUA_TFUNCTION {
            return 0;
        }
        ffi::lua_insert(l, 1);
        ffi::lua_call(l, nargs, 0);
        0
    }
}

/// Returns a bit mask of the callbacks defined as functions.
unsafe extern "C-unwind" fn probe_callbacks(l: *mut lua_State) -> c_int {
    // SAFETY: called through `LuaCart::defined` with no arguments.
    unsafe {
        let mut mask = 0i64;
        for (i, name) in CALLBACKS.iter().enumerate() {
            if ffi::lua_getglobal(l, name.as_ptr()) == ffi::LUA_TFUNCTION {
                mask |= 1 << i;
            }
            ffi::lua_pop(l, 1);
        }
        ffi::lua_pushinteger(l, mask);
        1
    }
}

impl Drop for LuaCart {
    fn drop(&mut self) {
        // The VM goes first: finalizers may still call API functions.
        drop(self.lua.take());
        // SAFETY: created by Box::into_raw in `load`; the VM that referred to it is gone.
        drop(unsafe { Box::from_raw(self.machine) });
    }
}

#[cfg(test)]
mod tests;
