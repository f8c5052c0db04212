//! A WebAssembly cart on a console: TIC-80's import table over [`Machine`], its exported
//! callbacks, and its traps as cart faults.

use cartbox_protocol::message::{CartFault, FaultKind};
use cartbox_protocol::ram;
use wasmtime::{
    Extern, ExternType, Linker, Memory, MemoryType, Module, Store, StoreLimitsBuilder, Trap,
    TypedFunc,
};

use super::state::State;
use super::{CartEngine, IMPORT_MODULE, WasmError};
use crate::machine::Machine;
use crate::runtime::frame::{self, Defined, FrameCallback};
use crate::runtime::stop::{self, Callback};

/// A compiled, instantiated cart.
pub struct WasmCart {
    store: Store<State>,
    name: String,
    tic: TypedFunc<(), ()>,
    boot: Option<TypedFunc<(), ()>>,
    bdr: Option<TypedFunc<i32, ()>>,
    scn: Option<TypedFunc<i32, ()>>,
    menu: Option<TypedFunc<i32, ()>>,
}

/// The callback as a wasm cart's messages name it: a module has a start function where a
/// Lua cart has top-level code.
fn callback_name(callback: Callback) -> &'static str {
    match callback {
        Callback::TopLevel => "the start function",
        other => other.name(),
    }
}

fn fault(kind: FaultKind, callback: Callback, name: &str, message: String) -> CartFault {
    CartFault {
        kind,
        message: format!("{name}: {message}"),
        traceback: String::new(),
        callback: callback_name(callback).to_owned(),
        line: None,
    }
}

/// A fault while loading, outside any cart code (compiling, linking, making memory).
fn load_fault(kind: FaultKind, name: &str, message: String) -> CartFault {
    let mut f = fault(kind, Callback::TopLevel, name, message);
    f.callback.clear();
    f
}

/// A load fault for what the runtime refused: a module that does not compile is the cart's
/// syntax error, anything else a runtime error at load.
fn wasm_fault(e: WasmError, name: &str) -> CartFault {
    let kind = match e {
        WasmError::Compile(_) => FaultKind::Syntax,
        WasmError::Engine(_) | WasmError::NoMemory | WasmError::MemoryTooSmall => {
            FaultKind::Runtime
        }
    };
    load_fault(kind, name, e.to_string())
}

/// Most frames a traceback lists; deep recursion repeats one frame thousands of times.
const TRACEBACK_FRAMES: usize = 20;

/// The wasm call stack, innermost first, with runs of one function folded into one line.
fn traceback(bt: &wasmtime::WasmBacktrace) -> String {
    let mut lines: Vec<(String, usize)> = Vec::new();
    for f in bt.frames() {
        let name = match f.func_name() {
            Some(n) => n.to_owned(),
            None => format!("#{}", f.func_index()),
        };
        match lines.last_mut() {
            Some((last, n)) if *last == name => *n += 1,
            _ => lines.push((name, 1)),
        }
    }
    let more = lines.len().saturating_sub(TRACEBACK_FRAMES);
    let cut = bt.frames().len() >= super::BACKTRACE_FRAMES;
    let mut out: Vec<String> = lines
        .into_iter()
        .take(TRACEBACK_FRAMES)
        .map(|(name, n)| match n {
            1 => format!("\tin function {name}"),
            n => format!("\tin function {name} ({n} times)"),
        })
        .collect();
    if more > 0 {
        out.push(format!("\t... and {more} more"));
    }
    if cut {
        out.push("\t... (deeper calls not recorded)".to_owned());
    }
    out.join("\n")
}

/// A trap in cart code, with TIC-80's wording for the common ones and the function it was
/// in when the module names its functions.
fn trap_fault(e: wasmtime::Error, callback: Callback, name: &str) -> CartFault {
    let mut kind = FaultKind::Runtime;
    let message = match e.downcast_ref::<Trap>() {
        Some(Trap::Interrupt) => {
            kind = FaultKind::Budget;
            format!(
                "ran past its budget of {} ms and was stopped (in {})",
                stop::budget_ms(),
                match callback {
                    Callback::TopLevel => callback_name(callback).to_owned(),
                    other => other.described(),
                }
            )
        }
        Some(Trap::MemoryOutOfBounds) => "[trap] out of bounds memory access".to_owned(),
        Some(Trap::UnreachableCodeReached) => "[trap] unreachable executed".to_owned(),
        Some(Trap::StackOverflow) => "[trap] stack overflow".to_owned(),
        Some(Trap::IntegerDivisionByZero) => "[trap] integer divide by zero".to_owned(),
        Some(Trap::IntegerOverflow) => "[trap] integer overflow".to_owned(),
        Some(Trap::BadConversionToInteger) => "[trap] invalid conversion to integer".to_owned(),
        Some(Trap::BadSignature) => "[trap] indirect call type mismatch".to_owned(),
        Some(t) => format!("[trap] {t}"),
        None => format!("{}", e.root_cause()),
    };
    let traceback = e
        .downcast_ref::<wasmtime::WasmBacktrace>()
        .map(traceback)
        .unwrap_or_default();
    let mut f = fault(kind, callback, name, message);
    f.traceback = traceback;
    f
}

/// A function import whose type is not the one TIC-80 registers, as the message a cart
/// author reads (TIC-80 says only "function signature mismatch").
fn wrong_import_type(
    module: &Module,
    linker: &Linker<State>,
    store: &mut Store<State>,
) -> Option<String> {
    module.imports().find_map(|i| {
        let ExternType::Func(wanted) = i.ty() else {
            return None;
        };
        let Some(Extern::Func(f)) = linker.get(&mut *store, i.module(), i.name()).ok() else {
            return None;
        };
        let ours = f.ty(&*store);
        // Shown as "(func ...)", as a module's text declares it.
        let show = |t: String| {
            t.strip_prefix("(type ")
                .and_then(|t| t.strip_suffix(')'))
                .map_or(t.clone(), str::to_owned)
        };
        let (wanted, ours) = (show(wanted.to_string()), show(ours.to_string()));
        (wanted != ours).then(|| {
            format!(
                "the cart imports {}.{} as {wanted}, but TIC-80's {} is {ours} \
                 (function signature mismatch)",
                i.module(),
                i.name(),
                i.name()
            )
        })
    })
}

/// The first import the console cannot stand in for: anything but a function (a stub can
/// only be a function) and the console's memory, `env.memory`.
fn unlinkable_import(module: &Module) -> Option<String> {
    module.imports().find_map(|i| {
        let kind = match i.ty() {
            ExternType::Func(_) => return None,
            ExternType::Memory(_) if i.module() == IMPORT_MODULE && i.name() == "memory" => {
                return None;
            }
            ExternType::Memory(_) => "memory",
            ExternType::Table(_) => "table",
            ExternType::Global(_) => "global",
            ExternType::Tag(_) => "tag",
        };
        Some(format!(
            "the cart imports {kind} {}.{}, which Cartbox does not provide",
            i.module(),
            i.name()
        ))
    })
}

/// Links a stub for every function the cart imports that the console does not provide
/// (WASI's `proc_exit` in a panic path, a function of a later TIC-80...): the cart loads, as
/// in TIC-80, where wasm3 leaves such an import unlinked and fails only when code calling it
/// runs. A stub does nothing but trap, with a message naming the import. Run after the
/// console's functions are linked and their types checked.
fn link_stubs(
    module: &Module,
    linker: &mut Linker<State>,
    store: &mut Store<State>,
) -> wasmtime::Result<()> {
    for i in module.imports() {
        let ExternType::Func(ty) = i.ty() else {
            continue;
        };
        if linker.get(&mut *store, i.module(), i.name()).is_ok() {
            continue;
        }
        let message = format!(
            "the cart called {}.{}, which Cartbox does not provide",
            i.module(),
            i.name()
        );
        linker.func_new(i.module(), i.name(), ty, move |_, _, _| {
            Err(wasmtime::Error::msg(message.clone()))
        })?;
    }
    Ok(())
}

/// Compiles a module, with the compiler's message as a load fault. A text module is
/// parsed here first, so that its errors name the `.wat` file and its line (a `.wasmp`
/// project's module is the `.wat` beside it).
pub fn compile(engine: &CartEngine, name: &str, bytes: &[u8]) -> Result<Module, CartFault> {
    if bytes.starts_with(b"\0asm") {
        return super::compile(engine, bytes).map_err(|e| wasm_fault(e, name));
    }
    let wat_name = match name.strip_suffix(".wasmp") {
        Some(stem) => format!("{stem}.wat"),
        None => name.to_owned(),
    };
    let binary = wat::Parser::new()
        .parse_bytes(Some(std::path::Path::new(&wat_name)), bytes)
        .map_err(|e| wat_fault(&wat_name, &e))?;
    super::compile(engine, &binary).map_err(|e| wasm_fault(e, name))
}

/// A text module that does not parse: `FILE:LINE:COLUMN: message`, with the source line
/// and its marker as the traceback.
fn wat_fault(name: &str, e: &wat::Error) -> CartFault {
    let text = e.to_string();
    let mut lines = text.lines();
    let message = lines.next().unwrap_or_default();
    let (mut place, mut shown) = (None, Vec::new());
    for l in lines {
        match l.trim_start().strip_prefix("--> ") {
            Some(p) if place.is_none() => place = Some(p.to_owned()),
            _ => shown.push(l),
        }
    }
    let line = place
        .as_deref()
        .and_then(|p| p.rsplit(':').nth(1))
        .and_then(|l| l.parse().ok());
    let mut f = load_fault(FaultKind::Syntax, name, message.to_owned());
    if let Some(p) = place {
        f.message = format!("{p}: {message}");
    }
    f.traceback = shown.join("\n");
    f.line = line;
    f
}

/// Binds the console RAM to the start of the cart's memory.
fn bind(store: &mut Store<State>) -> Result<(), WasmError> {
    let Some(memory) = store.data().memory else {
        return Err(WasmError::NoMemory);
    };
    let (base, size) = (memory.data_ptr(&*store), memory.data_size(&*store));
    // SAFETY: `base` and `size` are the cart's linear memory as wasmtime reports it:
    // readable and writable, and wasmtime's own allocation, not the shared mapping. It
    // belongs to `store`, which also owns the machine (the cart keeps both until it is
    // dropped), so it lives as long as the machine uses it. The store's engine is a
    // `CartEngine`, which only `engine_with` makes: it reserves the whole cap and sets
    // `memory_may_move(false)`, so growing the memory never moves it, and wasm memories
    // never shrink. Wasm code and the machine take turns (wasm runs only while no host
    // function is in the machine), and the host functions in `api` copy cart data out of
    // the memory (`bytes`, `c_string`) or write into it (`mouse`) without holding a slice
    // of it across a call into the machine.
    if unsafe { super::ram::bind(&mut store.data_mut().machine, base, size) } {
        Ok(())
    } else {
        Err(WasmError::MemoryTooSmall)
    }
}

impl WasmCart {
    /// Compiles `bytes` and instantiates them (see [`WasmCart::instantiate`]), for tests
    /// and benchmarks; a runner compiles first and reports that it did.
    pub fn load(
        engine: &CartEngine,
        machine: Machine,
        name: &str,
        bytes: &[u8],
        memory_limit: u64,
    ) -> Result<WasmCart, CartFault> {
        let module = compile(engine, name, bytes)?;
        WasmCart::instantiate(engine, &module, machine, name, memory_limit, 1)
    }

    /// Links TIC-80's imports and the console RAM, runs the start function and `BOOT`, as
    /// request `seq` (which the soft stop may interrupt).
    pub fn instantiate(
        engine: &CartEngine,
        module: &Module,
        machine: Machine,
        name: &str,
        memory_limit: u64,
        seq: u64,
    ) -> Result<WasmCart, CartFault> {
        stop::arm(seq, Callback::TopLevel);
        let result = Self::instantiate_armed(engine, module, machine, name, memory_limit);
        stop::disarm();
        result
    }

    fn instantiate_armed(
        engine: &CartEngine,
        module: &Module,
        machine: Machine,
        name: &str,
        memory_limit: u64,
    ) -> Result<WasmCart, CartFault> {
        let at_load = |kind, message| load_fault(kind, name, message);
        if let Some(m) = unlinkable_import(module) {
            return Err(at_load(FaultKind::Runtime, m));
        }
        let limits = StoreLimitsBuilder::new()
            .memory_size(usize::try_from(memory_limit).unwrap_or(usize::MAX))
            .table_elements(1 << 16)
            .instances(1)
            .tables(4)
            .memories(1)
            .build();
        let mut store = Store::new(
            &engine.0,
            State {
                machine,
                memory: None,
                limits,
            },
        );
        store.limiter(|s| &mut s.limits);
        // The epoch moves only when the host's soft stop arrives: one tick ends the request.
        store.set_epoch_deadline(1);
        store.epoch_deadline_trap();
        let mut linker = Linker::new(&engine.0);
        super::api::link(&mut linker, super::api::wide_pmem(module))
            .map_err(|e| at_load(FaultKind::Runtime, format!("{e:#}")))?;
        if let Some(m) = wrong_import_type(module, &linker, &mut store) {
            return Err(at_load(FaultKind::Runtime, m));
        }
        link_stubs(module, &mut linker, &mut store)
            .map_err(|e| at_load(FaultKind::Runtime, format!("{e:#}")))?;
        // The console's memory, for carts that import it (all of TIC-80's templates do): at
        // least the 96 KiB RAM, and whatever the module asks for beyond that.
        if let Some(ty) = module.imports().find_map(|i| match i.ty() {
            wasmtime::ExternType::Memory(m) if i.name() == "memory" => Some(m),
            _ => None,
        }) {
            let pages = (ram::RAM_SIZE as u64).div_ceil(65536);
            let min = ty.minimum().max(pages);
            let max = ty.maximum().map(|m| m.max(min));
            let memory = Memory::new(
                &mut store,
                MemoryType::new(min as u32, max.map(|m| m as u32)),
            )
            .map_err(|e| {
                at_load(
                    FaultKind::OutOfMemory,
                    format!("cannot make the cart's memory: {e:#}"),
                )
            })?;
            linker
                .define(&store, "env", "memory", memory)
                .map_err(|e| at_load(FaultKind::Runtime, format!("{e:#}")))?;
            store.data_mut().memory = Some(memory);
            // The RAM goes in before instantiation, as in TIC-80: the module's data segments
            // may overwrite it (and its start function already sees the console RAM).
            bind(&mut store).map_err(|e| wasm_fault(e, name))?;
        }
        let imported = store.data().memory.is_some();
        let instance = linker
            .instantiate(&mut store, module)
            .map_err(|e| trap_fault(e, Callback::TopLevel, name))?;
        if !imported {
            // A module that defines its own memory exports it as "memory".
            store.data_mut().memory = match instance.get_export(&mut store, "memory") {
                Some(Extern::Memory(m)) => Some(m),
                _ => None,
            };
            bind(&mut store).map_err(|e| wasm_fault(e, name))?;
        }
        let get0 =
            |store: &mut Store<State>, n: &str| instance.get_typed_func::<(), ()>(store, n).ok();
        let get1 =
            |store: &mut Store<State>, n: &str| instance.get_typed_func::<i32, ()>(store, n).ok();
        let Some(tic) = get0(&mut store, "TIC") else {
            return Err(at_load(
                FaultKind::Runtime,
                "WASM must export a TIC function.".into(),
            ));
        };
        let mut cart = WasmCart {
            boot: get0(&mut store, "BOOT"),
            bdr: get1(&mut store, "BDR"),
            scn: get1(&mut store, "SCN"),
            menu: get1(&mut store, "MENU"),
            tic,
            store,
            name: name.to_owned(),
        };
        if let Some(boot) = cart.boot.clone() {
            stop::set_callback(Callback::Boot);
            boot.call(&mut cart.store, ())
                .map_err(|e| trap_fault(e, Callback::Boot, &cart.name))?;
        }
        Ok(cart)
    }

    /// The console. Its RAM lives in the cart's memory: it must stay in this cart (not be
    /// swapped or replaced with `std::mem`), as the cart's memory goes when the cart does.
    pub fn machine(&mut self) -> &mut Machine {
        &mut self.store.data_mut().machine
    }

    /// `len` bytes of the cart's memory from `at`, for tests.
    #[cfg(test)]
    pub(super) fn memory_bytes(&mut self, at: usize, len: usize) -> Vec<u8> {
        let memory = self.store.data().memory.expect("the cart has memory");
        memory.data(&self.store)[at..at + len].to_vec()
    }

    /// One frame: input from the shared region, `TIC`, then the blit with `BDR`/`SCN` per
    /// row; the RAM is published for the host afterwards.
    /// Returns whether the cart called `exit()` (its last frame is always blitted).
    pub fn frame(
        &mut self,
        seq: u64,
        time_ms: Option<f64>,
        pixels: bool,
    ) -> Result<bool, CartFault> {
        let m = self.machine();
        m.receive_ram(ram::GAMEPADS..ram::GAMEPADS + 12);
        m.begin_frame(time_ms);
        self.arm(seq, Callback::Tic);
        let result = self.run_frame(pixels);
        stop::disarm();
        self.machine().publish_ram();
        result.map(|()| self.machine().exit_requested())
    }

    fn arm(&mut self, seq: u64, callback: Callback) {
        // A stop that hit the previous request's last instructions left the epoch past
        // its deadline: each request starts one tick away.
        self.store.set_epoch_deadline(1);
        stop::arm(seq, callback);
    }

    fn run_frame(&mut self, pixels: bool) -> Result<(), CartFault> {
        frame::run(self, pixels)
    }

    /// `MENU(index)`, if the cart has it.
    pub fn menu(&mut self, seq: u64, index: u32) -> Result<(), CartFault> {
        let mut result = Ok(());
        if let Some(menu) = self.menu.clone() {
            self.arm(seq, Callback::Menu);
            result = menu
                .call(&mut self.store, index as i32)
                .map_err(|e| trap_fault(e, Callback::Menu, &self.name));
            stop::disarm();
        }
        self.machine().publish_ram();
        result
    }
}

impl frame::Runtime for WasmCart {
    type Fault = CartFault;

    fn machine(&mut self) -> &mut Machine {
        WasmCart::machine(self)
    }

    /// What the module exports, looked up at load. TIC-80's wasm binding has no `OVR` and
    /// no `scanline`.
    fn defined(&mut self) -> Result<Defined, CartFault> {
        Ok(Defined {
            tic: true,
            ovr: false,
            bdr: self.bdr.is_some(),
            scn: self.scn.is_some(),
            scanline: false,
        })
    }

    fn call(&mut self, callback: FrameCallback, row: Option<i32>) -> Result<(), CartFault> {
        let (f, cb) = match callback {
            FrameCallback::Tic => {
                return self
                    .tic
                    .call(&mut self.store, ())
                    .map_err(|e| trap_fault(e, Callback::Tic, &self.name));
            }
            FrameCallback::Bdr => (&self.bdr, Callback::Bdr),
            FrameCallback::Scn => (&self.scn, Callback::Scn),
            FrameCallback::Ovr | FrameCallback::Scanline => return Ok(()),
        };
        match f {
            Some(f) => f
                .call(&mut self.store, row.unwrap_or(0))
                .map_err(|e| trap_fault(e, cb, &self.name)),
            None => Ok(()),
        }
    }

    fn no_tic(&mut self) -> CartFault {
        load_fault(FaultKind::Runtime, &self.name, "no TIC export".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::machine::testing::machine;

    const LIMIT: u64 = 1 << 20;

    fn load(wat: &str) -> Result<WasmCart, CartFault> {
        let engine = super::super::engine(LIMIT).unwrap();
        WasmCart::load(&engine, machine(), "t.wat", wat.as_bytes(), LIMIT)
    }

    const DRAW: &str = r#"(module
      (import "env" "memory" (memory 4 4))
      (import "env" "cls" (func $cls (param i32)))
      (import "env" "rect" (func $rect (param i32 i32 i32 i32 i32)))
      (import "env" "print" (func $print (param i32 i32 i32 i32 i32 i32 i32) (result i32)))
      (data (i32.const 0x18000) "HI\00")
      (func (export "TIC")
        (call $cls (i32.const 1))
        (call $rect (i32.const 10) (i32.const 10) (i32.const 5) (i32.const 5) (i32.const 3))
        ;; the screen is memory: pixel (0, 0) becomes colour 7
        (i32.store8 (i32.const 0) (i32.const 0x17))
        ;; print's width, kept in persistent memory where the host can read it
        (i32.store (i32.const 0x14E04)
          (call $print (i32.const 0x18000) (i32.const 50) (i32.const 50)
                       (i32.const 12) (i32.const 0) (i32.const 1) (i32.const 0)))))"#;

    #[test]
    fn draws_through_the_api_and_through_memory() {
        let mut cart = load(DRAW).unwrap();
        cart.frame(1, Some(0.0), true).unwrap();
        let m = cart.machine();
        assert_eq!(m.pix_get(0, 0), 7);
        assert_eq!(m.pix_get(1, 0), 1);
        assert_eq!(m.pix_get(12, 12), 3);
        // What print("HI") returns in Lua too: the font is proportional.
        assert_eq!(m.ram()[0x14E04], 11, "print returned the width of \"HI\"");
    }

    #[test]
    fn data_segments_land_over_the_console_ram() {
        // Colour 0 of the palette (0x3FC0) set by the module's data, as TIC-80 allows.
        let mut cart = load(
            r#"(module
              (import "env" "memory" (memory 4 4))
              (data (i32.const 0x3FC0) "\11\22\33")
              (func (export "TIC")))"#,
        )
        .unwrap();
        cart.frame(1, Some(0.0), true).unwrap();
        assert_eq!(cart.machine().ram()[0x3FC0..0x3FC3], [0x11, 0x22, 0x33]);
    }

    #[test]
    fn memory_and_tables_grow_only_to_their_caps() {
        // memory.grow and table.grow return -1 at the cap; the cart keeps running and
        // keeps what it had. Results land in RAM at 0x14E04 (persistent memory).
        let mut cart = load(
            r#"(module
              (import "env" "memory" (memory 2))
              (table $t 1 funcref)
              (func (export "TIC")
                ;; LIMIT is 16 pages: 14 more fit, 15 do not
                (i32.store (i32.const 0x14E04) (memory.grow (i32.const 15)))
                (i32.store (i32.const 0x14E08) (memory.grow (i32.const 14)))
                (i32.store (i32.const 0x14E0C) (memory.size))
                ;; tables: up to 65,536 elements
                (i32.store (i32.const 0x14E10) (table.grow $t (ref.null func) (i32.const 70000)))
                (i32.store (i32.const 0x14E14) (table.grow $t (ref.null func) (i32.const 1000)))))"#,
        )
        .unwrap();
        cart.frame(1, Some(0.0), true).unwrap();
        let ram = cart.machine().ram();
        let word = |at: usize| i32::from_le_bytes(ram[at..at + 4].try_into().unwrap());
        assert_eq!(
            [word(0x14E04), word(0x14E08), word(0x14E0C)],
            [-1, 2, 16],
            "memory.grow"
        );
        assert_eq!([word(0x14E10), word(0x14E14)], [-1, 1], "table.grow");
    }

    #[test]
    fn traps_and_missing_exports_are_faults() {
        let f = load(
            r#"(module (import "env" "memory" (memory 4 4)) (func (export "TIC") unreachable))"#,
        )
        .unwrap()
        .frame(1, Some(0.0), true)
        .unwrap_err();
        assert_eq!(
            (f.message.as_str(), f.callback.as_str()),
            ("t.wat: [trap] unreachable executed", "TIC")
        );
        let f = load(r#"(module (import "env" "memory" (memory 4 4)))"#)
            .err()
            .unwrap();
        assert_eq!(f.message, "t.wat: WASM must export a TIC function.");
        // A pointer past the end of memory traps instead of reading outside it.
        let f = load(
            r#"(module
              (import "env" "memory" (memory 4 4))
              (import "env" "print" (func $p (param i32 i32 i32 i32 i32 i32 i32) (result i32)))
              (func (export "TIC")
                (drop (call $p (i32.const -1) (i32.const 0) (i32.const 0) (i32.const 0)
                               (i32.const 0) (i32.const 1) (i32.const 0)))))"#,
        )
        .unwrap()
        .frame(1, Some(0.0), true)
        .unwrap_err();
        assert!(f.message.contains("out of bounds"), "{}", f.message);
        // A memory too small for the console RAM is refused.
        let f = load(r#"(module (memory (export "memory") 1 1) (func (export "TIC")))"#)
            .err()
            .unwrap();
        assert!(
            f.message.contains("smaller than the 96 KiB"),
            "{}",
            f.message
        );
    }

    #[test]
    fn imports_the_console_lacks_load_and_trap_only_when_called() {
        // WASI's proc_exit (as TIC-80's Nim template imports it) and an unknown env function:
        // the cart loads and runs as long as it does not call them.
        let cart = |tic_body: &str| {
            load(&format!(
                r#"(module
                  (import "env" "memory" (memory 4 4))
                  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
                  (import "env" "reset" (func $reset))
                  (import "env" "pix" (func $pix (param i32 i32 i32) (result i32)))
                  (func $panic (call $exit (i32.const 1)))
                  (func (export "TIC")
                    (drop (call $pix (i32.const 1) (i32.const 1) (i32.const 6)))
                    {tic_body}))"#
            ))
            .unwrap()
        };
        let mut c = cart("");
        for frame in 0..3 {
            c.frame(1, Some(f64::from(frame)), true).unwrap();
        }
        assert_eq!(c.machine().pix_get(1, 1), 6);
        // Called, a stub traps, naming its import, with the call stack.
        for (body, name) in [
            ("(call $panic)", "wasi_snapshot_preview1.proc_exit"),
            ("(call $reset)", "env.reset"),
        ] {
            let f = cart(body).frame(1, Some(0.0), true).unwrap_err();
            assert_eq!(
                (f.kind, f.message.as_str(), f.callback.as_str()),
                (
                    FaultKind::Runtime,
                    format!("t.wat: the cart called {name}, which Cartbox does not provide")
                        .as_str(),
                    "TIC"
                )
            );
            assert!(f.traceback.contains("in function"), "{}", f.traceback);
        }
    }

    #[test]
    fn what_cannot_be_stubbed_or_is_typed_wrong_is_refused_at_load() {
        // One of the console's functions with another type is the cart's bug.
        let f = load(
            r#"(module (import "env" "memory" (memory 4 4))
                 (import "env" "paint" (func (param i32 i32 i32)))
                 (func (export "TIC")))"#,
        )
        .err()
        .unwrap();
        assert_eq!(
            f.message,
            "t.wat: the cart imports env.paint as (func (param i32 i32 i32)), but TIC-80's \
             paint is (func (param i32 i32 i32 i32)) (function signature mismatch)"
        );
        // A stub can only be a function.
        for (imports, what) in [
            (
                r#"(import "env" "memory" (memory 4 4)) (import "wasi" "g" (global i32))"#,
                "global wasi.g",
            ),
            (
                r#"(import "env" "memory" (memory 4 4)) (import "env" "t" (table 1 funcref))"#,
                "table env.t",
            ),
            (
                r#"(import "wasi" "memory" (memory 4 4))"#,
                "memory wasi.memory",
            ),
        ] {
            let f = load(&format!("(module {imports} (func (export \"TIC\")))"))
                .err()
                .unwrap();
            assert_eq!(
                f.message,
                format!("t.wat: the cart imports {what}, which Cartbox does not provide")
            );
        }
    }

    #[test]
    fn paint_is_linked_with_its_tic80_binding() {
        let mut c = load(
            r#"(module
              (import "env" "memory" (memory 4 4))
              (import "env" "rectb" (func $rectb (param i32 i32 i32 i32 i32)))
              (import "env" "paint" (func $paint (param i32 i32 i32 i32)))
              (func (export "TIC")
                (call $rectb (i32.const 0) (i32.const 0) (i32.const 5) (i32.const 5) (i32.const 1))
                ;; colour 0x103 is 3; border 255 (a byte -1) is "no border"
                (call $paint (i32.const 2) (i32.const 2) (i32.const 0x103) (i32.const 255))
                ;; with border 1, everything outside the box that is not 1
                (call $paint (i32.const 9) (i32.const 9) (i32.const 4) (i32.const 1))))"#,
        )
        .unwrap();
        c.frame(1, Some(0.0), true).unwrap();
        let m = c.machine();
        assert_eq!(
            [
                m.pix_get(0, 0),
                m.pix_get(2, 2),
                m.pix_get(5, 5),
                m.pix_get(239, 135)
            ],
            [1, 3, 4, 4]
        );
    }

    #[test]
    fn tic80_wasm_demos_run() {
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/tic80-demos/wasm");
        if !dir.is_dir() {
            eprintln!("skipped: {} is not here", dir.display());
            return;
        }
        let engine = super::super::engine(LIMIT).unwrap();
        for name in ["wasmdemo.wasm", "wasmmark.wasm"] {
            let bytes = std::fs::read(dir.join(name)).unwrap();
            let mut cart = WasmCart::load(&engine, machine(), name, &bytes, LIMIT).unwrap();
            for frame in 0..60 {
                cart.frame(1, Some(f64::from(frame) * 1000.0 / 60.0), true)
                    .unwrap_or_else(|f| panic!("{name} frame {frame}: {}", f.message));
            }
            // Something was drawn: the screen is not one colour.
            let m = cart.machine();
            let first = m.pix_get(0, 0);
            assert!(
                (0..136).any(|y| (0..240).any(|x| m.pix_get(x, y) != first)),
                "{name} drew nothing"
            );
        }
    }
}
