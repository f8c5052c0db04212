//! The JavaScript runtime: QuickJS (QuickJS-NG, built from the sources `rquickjs` vendors),
//! one runtime and context per cart, with TIC-80's JavaScript API (`api`), the frame
//! driver and the soft stop of [`crate::runtime`].
//!
//! The cart's code runs as a global script named after the cart, so errors name its own
//! file and line. Memory is capped by QuickJS's allocator limit, the stack by its stack
//! limit; a callback past its budget is stopped by QuickJS's interrupt handler, which
//! polls the soft stop. No module loader and none of QuickJS's `std` or `os` modules are
//! there: the cart sees the language and the console, nothing else.

mod api;

use cartbox_protocol::message::{CartFault, FaultKind};
use rquickjs::{CatchResultExt, CaughtError, Context, Ctx, Function, Runtime, Value};

use crate::machine::Machine;
use crate::runtime::frame::{self, Defined, FrameCallback};
use crate::runtime::line_of;
use crate::runtime::stop::{self, Callback};

/// Most stack a cart's JavaScript may use: deep recursion is a `RangeError`.
const STACK_LIMIT: usize = 1 << 20;

/// The console, as the API functions reach it.
#[derive(Clone, Copy)]
pub(crate) struct MachinePtr(*mut Machine);

impl MachinePtr {
    /// The console.
    ///
    /// # Safety
    /// The pointer comes from the `Box` a [`JsCart`] owns, which drops its VM before the
    /// console; the cart borrows the console only while no JavaScript runs, so while an API
    /// function runs this is the only borrow.
    unsafe fn get<'a>(self) -> &'a mut Machine {
        // SAFETY: see the function's contract.
        unsafe { &mut *self.0 }
    }
}

/// A cart running in QuickJS.
pub struct JsCart {
    /// The VM: the context before its runtime, both before the console.
    vm: Option<(Context, Runtime)>,
    machine: *mut Machine,
    /// The cart's name, as given by the host (the script's file name in messages).
    name: String,
    memory_limit: u64,
    /// The cart's code, kept for `reset()`.
    code: String,
}

/// What went wrong, before it is told to the host.
pub(crate) struct RawFault {
    kind: FaultKind,
    message: String,
    traceback: String,
}

impl JsCart {
    /// A console with a fresh VM for cart `name`, its heap capped at `memory_limit` bytes.
    pub fn new(machine: Machine, name: &str, memory_limit: u64) -> Result<JsCart, CartFault> {
        let mut cart = JsCart {
            vm: None,
            machine: Box::into_raw(Box::new(machine)),
            name: name.to_owned(),
            memory_limit,
            code: String::new(),
        };
        cart.create_vm()
            .map_err(|f| cart.fault(f, Callback::TopLevel))?;
        Ok(cart)
    }

    fn create_vm(&mut self) -> Result<(), RawFault> {
        self.vm = None;
        let internal = |e: rquickjs::Error| RawFault {
            kind: FaultKind::Runtime,
            message: format!("cannot start JavaScript: {e}"),
            traceback: String::new(),
        };
        let rt = Runtime::new().map_err(internal)?;
        rt.set_memory_limit(usize::try_from(self.memory_limit).unwrap_or(usize::MAX));
        rt.set_max_stack_size(STACK_LIMIT);
        rt.set_interrupt_handler(Some(Box::new(stop::stopping)));
        let ctx = Context::full(&rt).map_err(internal)?;
        let machine = MachinePtr(self.machine);
        ctx.with(|ctx| api::install(&ctx, machine))
            .map_err(internal)?;
        self.vm = Some((ctx, rt));
        Ok(())
    }

    /// Points the soft stop at this cart, quoting `budget_ms` in its messages.
    pub fn attach_guard(&mut self, budget_ms: u32) {
        stop::set_budget(budget_ms);
    }

    /// The console, between JavaScript calls.
    pub fn machine(&mut self) -> &mut Machine {
        // SAFETY: the pointer comes from Box::into_raw and stays valid until Drop; no
        // JavaScript runs while the returned borrow lives.
        unsafe { &mut *self.machine }
    }

    /// Runs `code`'s top level and `BOOT` (request `seq`).
    pub fn boot(&mut self, code: &str, seq: u64) -> Result<(), CartFault> {
        self.code = code.to_owned();
        stop::arm(seq, Callback::TopLevel);
        let result = self.run_boot();
        let stopped = stop::disarm();
        result.map_err(|f| self.finish(f, stopped))
    }

    fn run_boot(&mut self) -> Result<(), RawFault> {
        if self.code.is_empty() {
            return Err(RawFault {
                kind: FaultKind::Runtime,
                message: "the code is empty".into(),
                traceback: String::new(),
            });
        }
        self.machine().start_clock();
        stop::set_callback(Callback::TopLevel);
        let name = self.name.clone();
        let code = std::mem::take(&mut self.code);
        let result = self.with(|ctx| {
            let mut opts = rquickjs::context::EvalOptions::default();
            opts.global = true;
            opts.strict = false;
            opts.filename = Some(name.clone());
            ctx.eval_with_options::<(), _>(code.as_bytes(), opts)
                .catch(&ctx)
                .map_err(|e| caught(&ctx, e))
        });
        self.code = code;
        result?;
        if self.has("BOOT")? {
            stop::set_callback(Callback::Boot);
            self.call("BOOT", None)?;
        }
        Ok(())
    }

    /// One frame (request `seq`); returns whether the cart called `exit()`.
    pub fn frame(
        &mut self,
        seq: u64,
        time_ms: Option<f64>,
        pixels: bool,
    ) -> Result<bool, CartFault> {
        self.machine().begin_frame(time_ms);
        stop::arm(seq, Callback::Tic);
        let result = self.run_frame(pixels);
        let stopped = stop::disarm();
        match result {
            Ok(()) => Ok(self.machine().exit_requested()),
            Err(f) => Err(self.finish(f, stopped)),
        }
    }

    fn run_frame(&mut self, pixels: bool) -> Result<(), RawFault> {
        // A reset() in the last frame: a fresh VM, the cart's data reloaded, the top level
        // and BOOT run again, then this frame's TIC.
        if self.machine().take_reset() {
            self.create_vm()?;
            self.machine().reload_cart();
            self.run_boot()?;
        }
        // Promises the cart left pending run before TIC, as in TIC-80.
        self.with(|ctx| {
            while ctx.execute_pending_job() {}
            Ok(())
        })?;
        frame::run(self, pixels)
    }

    /// `MENU(index)`, if the cart defines it (request `seq`).
    pub fn menu(&mut self, seq: u64, index: u32) -> Result<(), CartFault> {
        stop::arm(seq, Callback::Menu);
        let result = match self.has("MENU") {
            Ok(true) => self.call("MENU", Some(index as i32)),
            Ok(false) => Ok(()),
            Err(e) => Err(e),
        };
        let stopped = stop::disarm();
        result.map_err(|f| self.finish(f, stopped))
    }

    /// Runs `f` in the cart's context.
    fn with<T>(&mut self, f: impl FnOnce(Ctx<'_>) -> Result<T, RawFault>) -> Result<T, RawFault> {
        match &self.vm {
            Some((ctx, _)) => ctx.with(f),
            None => Err(RawFault {
                kind: FaultKind::Runtime,
                message: "the cart has no JavaScript context".into(),
                traceback: String::new(),
            }),
        }
    }

    /// Whether the cart defines global function `name` now.
    fn has(&mut self, name: &str) -> Result<bool, RawFault> {
        self.with(|ctx| {
            api::global_function(&ctx, name)
                .map(|f| f.is_some())
                .catch(&ctx)
                .map_err(|e| caught(&ctx, e))
        })
    }

    /// Calls global function `name` with the row or index, if given.
    fn call(&mut self, name: &str, arg: Option<i32>) -> Result<(), RawFault> {
        self.with(|ctx| {
            let f: Option<Function> = api::global_function(&ctx, name)
                .catch(&ctx)
                .map_err(|e| caught(&ctx, e))?;
            let Some(f) = f else {
                return Ok(());
            };
            let r = match arg {
                Some(a) => f.call::<_, Value>((a,)),
                None => f.call::<_, Value>(()),
            };
            r.map(|_| ()).catch(&ctx).map_err(|e| caught(&ctx, e))
        })
    }

    /// The report for the host: where the stop hit, if it was one.
    fn finish(&mut self, raw: RawFault, stopped: Option<(String, String)>) -> CartFault {
        let callback = stop::callback();
        if stopped.is_some() {
            let at = match line_of(&raw.traceback, &self.name) {
                Some(line) => format!("{}:{line}: ", self.name),
                None => format!("{}: ", self.name),
            };
            return CartFault {
                kind: FaultKind::Budget,
                message: stop::stop_message(&at),
                line: line_of(&raw.traceback, &self.name),
                traceback: raw.traceback,
                callback: callback.name().to_owned(),
            };
        }
        self.fault(raw, callback)
    }

    fn fault(&self, raw: RawFault, callback: Callback) -> CartFault {
        let line = line_of(&raw.traceback, &self.name);
        let message = match (raw.kind, line) {
            (FaultKind::OutOfMemory, _) => format!(
                "the cart's JavaScript heap reached its limit of {} MiB",
                self.memory_limit >> 20
            ),
            (_, Some(line)) => format!("{}:{line}: {}", self.name, raw.message),
            (_, None) => raw.message,
        };
        CartFault {
            kind: raw.kind,
            message,
            traceback: raw.traceback,
            callback: callback.name().to_owned(),
            line,
        }
    }
}

/// A thrown value as a fault: its message and stack.
fn caught(ctx: &Ctx<'_>, e: CaughtError<'_>) -> RawFault {
    let _ = ctx;
    match e {
        CaughtError::Exception(ex) => {
            let message = ex.message().unwrap_or_default();
            let stack = ex.stack().unwrap_or_default();
            let name: Option<String> = ex.get("name").ok();
            let kind = match (name.as_deref(), message.as_str()) {
                (Some("SyntaxError"), _) => FaultKind::Syntax,
                (_, "out of memory") => FaultKind::OutOfMemory,
                _ => FaultKind::Runtime,
            };
            let message = match name.as_deref() {
                Some(n) if !n.is_empty() && n != "Error" => format!("{n}: {message}"),
                _ => message,
            };
            RawFault {
                kind,
                message,
                traceback: stack.trim_end().to_owned(),
            }
        }
        CaughtError::Value(v) => RawFault {
            kind: if v.is_null() {
                FaultKind::OutOfMemory
            } else {
                FaultKind::Runtime
            },
            message: format!(
                "uncaught {}",
                v.as_string()
                    .and_then(|s| s.to_string().ok())
                    .unwrap_or_else(|| v.type_name().to_owned())
            ),
            traceback: String::new(),
        },
        CaughtError::Error(rquickjs::Error::Allocation) => RawFault {
            kind: FaultKind::OutOfMemory,
            message: "out of memory".into(),
            traceback: String::new(),
        },
        CaughtError::Error(e) => RawFault {
            kind: FaultKind::Runtime,
            message: e.to_string(),
            traceback: String::new(),
        },
    }
}

impl frame::Runtime for JsCart {
    type Fault = RawFault;

    fn machine(&mut self) -> &mut Machine {
        JsCart::machine(self)
    }

    fn defined(&mut self) -> Result<Defined, RawFault> {
        Ok(Defined {
            tic: self.has("TIC")?,
            ovr: self.has("OVR")?,
            bdr: self.has("BDR")?,
            scn: self.has("SCN")?,
            scanline: self.has("scanline")?,
        })
    }

    fn call(&mut self, callback: FrameCallback, row: Option<i32>) -> Result<(), RawFault> {
        let name = match callback {
            FrameCallback::Tic => "TIC",
            FrameCallback::Ovr => "OVR",
            FrameCallback::Bdr => "BDR",
            FrameCallback::Scn => "SCN",
            FrameCallback::Scanline => "scanline",
        };
        JsCart::call(self, name, row)
    }

    fn no_tic(&mut self) -> RawFault {
        RawFault {
            kind: FaultKind::Runtime,
            message: "'function TIC()...' isn't found :(".into(),
            traceback: String::new(),
        }
    }
}

impl Drop for JsCart {
    fn drop(&mut self) {
        // The VM goes first: its functions point at the console.
        self.vm = None;
        // SAFETY: the pointer came from Box::into_raw in `new` and is dropped once, here.
        drop(unsafe { Box::from_raw(self.machine) });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cart::Cart;
    use crate::shm::SharedMemory;

    fn cart(code: &str) -> JsCart {
        let image = Cart::from_code("t.js", code).image;
        let machine = Machine::new(SharedMemory::anonymous().unwrap(), &image);
        let mut c = JsCart::new(machine, "t.js", 32 << 20).unwrap();
        c.boot(code, 1).unwrap();
        c
    }

    #[test]
    fn draws_and_traces_through_the_api() {
        let mut c =
            cart("function TIC(){ cls(3); pix(1,2,5); trace(pix(1,2)); trace(print('hi')) }\n");
        assert!(!c.frame(2, Some(0.0), true).unwrap());
        let t = c.machine().take_trace();
        let lines: Vec<&str> = t.lines.iter().map(|(s, _)| s.as_str()).collect();
        assert_eq!(lines, ["5", "9"]);
    }

    #[test]
    fn errors_name_the_cart_file_and_line() {
        let mut c = cart("function TIC(){\n  null.x\n}\n");
        let f = c.frame(2, Some(0.0), true).unwrap_err();
        assert_eq!(f.kind, FaultKind::Runtime);
        assert_eq!(f.line, Some(2));
        assert!(
            f.message.starts_with("t.js:2: TypeError: "),
            "{}",
            f.message
        );
        assert_eq!(f.callback, "TIC");

        let image = Cart::from_code("t.js", "x = ;").image;
        let machine = Machine::new(SharedMemory::anonymous().unwrap(), &image);
        let mut c = JsCart::new(machine, "t.js", 32 << 20).unwrap();
        let f = c.boot("x = ;", 1).unwrap_err();
        assert_eq!((f.kind, f.line), (FaultKind::Syntax, Some(1)));
    }

    #[test]
    fn missing_tic_and_bad_arguments_are_tic80s_errors() {
        let mut c = cart("x = 1\n");
        let f = c.frame(2, Some(0.0), true).unwrap_err();
        assert_eq!(f.message, "'function TIC()...' isn't found :(");
        // TIC-80's checks never reach a JavaScript cart: the call does nothing.
        let mut c =
            cart("function TIC(){ trace(key(500)); trace(pmem(300)); sfx(100); music(9) }\n");
        c.frame(2, Some(0.0), true).unwrap();
        let t = c.machine().take_trace();
        let lines: Vec<&str> = t.lines.iter().map(|(s, _)| s.as_str()).collect();
        assert_eq!(lines, ["undefined", "undefined"]);
    }

    #[test]
    fn the_heap_is_capped() {
        let mut c = cart("var a = []; function TIC(){ for(;;) a.push(new Array(1000).fill(1)) }\n");
        let f = c.frame(2, Some(0.0), true).unwrap_err();
        assert_eq!(f.kind, FaultKind::OutOfMemory, "{}", f.message);
    }
}
