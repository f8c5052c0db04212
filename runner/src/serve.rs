//! A runner's life after the fork: map the shared memory, lock down, then serve the frame
//! protocol for one cart (or run a sandbox probe).
//!
//! A step that fails ends the runner with `EXIT_SETUP`, and, once its channel is in place,
//! tells the host which step it was ([`SetupError`], in `RunnerMessage::Failed`). A cart's
//! own failures are not setup errors: they go to the host as a `CartFault`.

use std::io;
use std::os::fd::OwnedFd;

use cartbox_protocol::message::{
    CartFault, EXIT_PROBE_PASSED, EXIT_SETUP, EXPORT_CHUNK, EXPORT_LIMIT, ExportCart, ExportFormat,
    FaultKind, HostMessage, LoadCart, RunnerMessage, RunnerReady, TEXT_LIMIT,
};
use cartbox_protocol::zygote::{RunnerLimits, RunnerProgram};
use thiserror::Error;

use crate::cart::{self, Cart};
use crate::channel::{CHANNEL_FD, Channel};
use crate::js::JsCart;
use crate::lockdown::{self, LockdownError, LockdownReport};
use crate::lua::{LuaCart, Source};
use crate::machine::Machine;
use crate::probe;
use crate::runtime::stop;
use crate::seccomp::Profile;
use crate::shm::SharedMemory;
use crate::wasm::{self, WasmCart, WasmError};

/// The step of a runner's life that failed, one variant per step. Its message is what the
/// host hears in `RunnerMessage::Failed` (those before the channel is in place are never
/// sent: the host sees only the exit code).
#[derive(Debug, Error)]
enum SetupError {
    /// The host's shared memory could not be mapped, or is not the layout this runner
    /// knows (its size or header).
    #[error("mapping the shared memory: {0}")]
    MapMemory(io::Error),
    /// The channel could not be moved into place, or the other descriptors closed
    /// (lockdown, step 1).
    #[error("lockdown: {0}")]
    CloseFds(LockdownError),
    /// The soft-stop signal's handler could not be installed.
    #[error("installing the soft-stop signal handler: {0}")]
    SoftStopHandler(io::Error),
    /// The `SIGSYS` handler, which names a call the sandbox denied, could not be installed.
    #[error("installing the SIGSYS handler: {0}")]
    SigsysHandler(io::Error),
    /// wasmtime could not be prepared (its trap handlers, with a first engine) before
    /// lockdown; the message says "cannot start WebAssembly".
    #[error("{0}")]
    PrepareWasm(WasmError),
    /// A step of the lockdown proper failed (limits, prctl, Landlock, seccomp).
    #[error("lockdown: {0}")]
    Lockdown(LockdownError),
    /// Reading from or writing to the channel failed, or the host sent bytes that are not
    /// a message.
    #[error("the channel to the host: {0}")]
    Channel(io::Error),
    /// The host's first request was not a cart to load or export (or it closed the
    /// channel).
    #[error("expected a cart to load")]
    NoCart,
    /// After `Parsed`, the host's request was not `Start` for the cart parsed.
    #[error("expected the cart parsed to start")]
    NoStart,
    /// The host asked a runner to play a cart of another runtime (a WebAssembly cart in a
    /// Lua runner, or the other way round).
    #[error("the cart is for the other runtime")]
    WrongRuntime,
    /// The host sent a second cart to a runner that is playing one.
    #[error("a runner plays one cart")]
    SecondCart,
}

/// Runs a freshly forked runner to its end.
pub(crate) fn run(
    channel: OwnedFd,
    shm: OwnedFd,
    program: RunnerProgram,
    limits: RunnerLimits,
    parent: i32,
) -> ! {
    let code = match serve(channel, shm, program, limits, parent) {
        Ok(()) => 0,
        Err(_) => EXIT_SETUP,
    };
    exit_now(code)
}

fn serve(
    channel: OwnedFd,
    shm: OwnedFd,
    program: RunnerProgram,
    limits: RunnerLimits,
    parent: i32,
) -> Result<(), SetupError> {
    let mem = SharedMemory::map(&shm).map_err(SetupError::MapMemory)?;
    drop(shm);
    let channel = lockdown::close_fds(channel).map_err(SetupError::CloseFds)?;
    let mut channel = Channel::new(channel);
    let result = serve_on(&mut channel, mem, program, limits, parent);
    if let Err(e) = &result {
        // The host hears why (the runner then exits with EXIT_SETUP).
        let _ = channel.send(&RunnerMessage::Failed(truncate(e.to_string())));
    }
    result
}

/// The runner's life once its channel is in place.
fn serve_on(
    channel: &mut Channel,
    mem: SharedMemory,
    program: RunnerProgram,
    limits: RunnerLimits,
    parent: i32,
) -> Result<(), SetupError> {
    install_panic_hook();
    stop::install_handler().map_err(SetupError::SoftStopHandler)?;
    crate::trap::install(&mem).map_err(SetupError::SigsysHandler)?;
    let profile = match program {
        RunnerProgram::Wasm | RunnerProgram::WasmProbe(_) => {
            wasm::prepare().map_err(SetupError::PrepareWasm)?;
            Profile::Wasm
        }
        RunnerProgram::Lua | RunnerProgram::Probe(_) => Profile::Lua,
    };
    let report = lockdown::apply(&limits, profile).map_err(SetupError::Lockdown)?;
    send(channel, &RunnerMessage::Ready(ready(report)))?;
    match program {
        RunnerProgram::Probe(p) | RunnerProgram::WasmProbe(p) => {
            probe::run(p, parent);
            exit_now(EXIT_PROBE_PASSED)
        }
        RunnerProgram::Lua => serve_lua(channel, mem),
        RunnerProgram::Wasm => serve_wasm(channel, mem),
    }
}

/// A cart being played, whatever its runtime.
trait Playing {
    /// One frame; returns whether the cart called `exit()`.
    fn frame(&mut self, seq: u64, time_ms: Option<f64>, pixels: bool) -> Result<bool, CartFault>;
    /// `MENU(index)`.
    fn menu(&mut self, seq: u64, index: u32) -> Result<(), CartFault>;
    /// The console.
    fn machine(&mut self) -> &mut Machine;
}

impl Playing for LuaCart {
    fn frame(&mut self, seq: u64, time_ms: Option<f64>, pixels: bool) -> Result<bool, CartFault> {
        LuaCart::frame(self, seq, time_ms, pixels).map(|o| o.exit)
    }
    fn menu(&mut self, seq: u64, index: u32) -> Result<(), CartFault> {
        LuaCart::menu(self, seq, index)
    }
    fn machine(&mut self) -> &mut Machine {
        LuaCart::machine(self)
    }
}

impl Playing for JsCart {
    fn frame(&mut self, seq: u64, time_ms: Option<f64>, pixels: bool) -> Result<bool, CartFault> {
        JsCart::frame(self, seq, time_ms, pixels)
    }
    fn menu(&mut self, seq: u64, index: u32) -> Result<(), CartFault> {
        JsCart::menu(self, seq, index)
    }
    fn machine(&mut self) -> &mut Machine {
        JsCart::machine(self)
    }
}

impl Playing for WasmCart {
    fn frame(&mut self, seq: u64, time_ms: Option<f64>, pixels: bool) -> Result<bool, CartFault> {
        WasmCart::frame(self, seq, time_ms, pixels)
    }
    fn menu(&mut self, seq: u64, index: u32) -> Result<(), CartFault> {
        WasmCart::menu(self, seq, index)
    }
    fn machine(&mut self) -> &mut Machine {
        WasmCart::machine(self)
    }
}

/// The cart to play: the first request parsed, `Parsed` sent, then `Start`, and the console
/// made from its data (the host has put its persistent memory in RAM meanwhile). A request
/// to export instead is served here, and the runner ends.
fn receive_cart(
    channel: &mut Channel,
    mem: SharedMemory,
    wasm: bool,
) -> Result<(Box<LoadCart>, Cart, Machine), SetupError> {
    let load = match channel.recv().map_err(SetupError::Channel)? {
        Some(HostMessage::Load(load)) => load,
        Some(HostMessage::Export(export)) => serve_export(channel, &export)?,
        _ => return Err(SetupError::NoCart),
    };
    let cart = match cart::parse(&load.name, &load.files) {
        Ok(c) => c,
        Err(e) => return Err(report_fault(channel, bad_cart(e.to_string()))),
    };
    let info = cart::info(&cart, load.settings.pmem_key);
    send(
        channel,
        &RunnerMessage::Parsed {
            seq: load.seq,
            info: Box::new(info),
        },
    )?;
    match channel.recv().map_err(SetupError::Channel)? {
        Some(HostMessage::Start { seq }) if seq == load.seq => {}
        // The host had what it wanted (or will play the cart in the other runtime).
        None => exit_now(0),
        Some(_) => return Err(SetupError::NoStart),
    }
    if cart.module.is_some() != wasm {
        return Err(SetupError::WrongRuntime);
    }
    let mut machine = Machine::new(mem, &cart.image);
    if load.settings.virtual_time {
        machine.set_virtual_time(0.0);
    }
    Ok((load, cart, machine))
}

/// A cart's files that cannot be played (or exported): the host shows the message.
fn bad_cart(message: String) -> CartFault {
    CartFault {
        kind: FaultKind::BadCart,
        message,
        traceback: String::new(),
        callback: String::new(),
        line: None,
    }
}

/// Parses the cart and sends it back written in the format asked for, then ends the runner.
fn serve_export(channel: &mut Channel, export: &ExportCart) -> Result<Box<LoadCart>, SetupError> {
    let written = cart::parse(&export.name, &export.files)
        .map_err(|e| e.to_string())
        .and_then(|mut c| match &export.cover {
            Some(screen) => c.set_cover(screen).map(|()| c),
            None => Ok(c),
        })
        .and_then(|c| match export.format {
            ExportFormat::Tic => c.to_tic(),
            ExportFormat::Png => c.to_png(),
        })
        .and_then(|bytes| {
            if bytes.len() > EXPORT_LIMIT {
                Err(format!(
                    "{}: the exported cart would be {} bytes, more than {EXPORT_LIMIT}",
                    export.name,
                    bytes.len()
                ))
            } else {
                Ok(bytes)
            }
        });
    let bytes = match written {
        Ok(b) => b,
        Err(message) => return Err(report_fault(channel, bad_cart(message))),
    };
    for piece in bytes.chunks(EXPORT_CHUNK) {
        channel
            .queue(&RunnerMessage::ExportChunk {
                seq: export.seq,
                bytes: piece.to_vec(),
            })
            .map_err(SetupError::Channel)?;
    }
    send(channel, &RunnerMessage::Exported { seq: export.seq })?;
    exit_now(0)
}

/// Ends the runner at once.
fn exit_now(code: i32) -> ! {
    // SAFETY: ending the process without running the VM's finalizers or atexit handlers:
    // a cart's __gc must not be able to delay or change how a runner ends.
    unsafe { libc::_exit(code) }
}

fn serve_wasm(channel: &mut Channel, mem: SharedMemory) -> Result<(), SetupError> {
    let (load, cart, machine) = receive_cart(channel, mem, true)?;
    let Some(bytes) = cart.module.as_deref() else {
        return Err(SetupError::WrongRuntime);
    };
    let at_load = |message: String| CartFault {
        kind: FaultKind::Runtime,
        message: format!("{}: {message}", load.name),
        traceback: String::new(),
        callback: stop::Callback::TopLevel.name().to_owned(),
        line: None,
    };
    let memory_limit = load.settings.memory_limit;
    let engine = match wasm::engine_for(memory_limit) {
        Ok(e) => e,
        Err(e) => return Err(report_fault(channel, at_load(e.to_string()))),
    };
    wasm::guard_engine(&engine);
    stop::set_budget(load.settings.budget_ms);
    // Compilation cannot be interrupted: the host's deadline covers it, and it learns here
    // that the runner is past it.
    let module = match wasm::compile_cart(&engine, &load.name, bytes) {
        Ok(m) => m,
        Err(f) => return Err(report_fault(channel, f)),
    };
    send(channel, &RunnerMessage::Compiled { seq: load.seq })?;
    let loaded = WasmCart::instantiate(
        &engine,
        &module,
        machine,
        &load.name,
        memory_limit,
        load.seq,
    );
    drop(module);
    let mut cart = match loaded {
        Ok(c) => c,
        Err(f) => return Err(report_fault(channel, f)),
    };
    flush_trace(channel, cart.machine())?;
    send(channel, &RunnerMessage::Loaded { seq: load.seq })?;
    serve_requests(channel, &mut cart, load.settings.spin_us)
}

fn ready(r: LockdownReport) -> RunnerReady {
    RunnerReady {
        landlock_abi: r.landlock_abi,
        landlock_full: r.landlock_full,
    }
}

/// A runner that panics reports it on the channel and exits; it never unwinds through the
/// VM's C frames, and never writes to a terminal.
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let fault = CartFault {
            kind: FaultKind::Runtime,
            message: truncate(format!("internal error in the runner: {info}")),
            traceback: String::new(),
            callback: String::new(),
            line: None,
        };
        let mut ch = Channel::new(
            // SAFETY: borrowing the channel descriptor for a last message; the process
            // exits right after, so it is never closed twice.
            unsafe { <OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(CHANNEL_FD) },
        );
        let _ = ch.send(&RunnerMessage::Fault(fault));
        std::mem::forget(ch);
        exit_now(EXIT_SETUP)
    }));
}

fn truncate(mut s: String) -> String {
    if s.len() > TEXT_LIMIT {
        let mut cut = TEXT_LIMIT;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
    }
    s
}

fn serve_lua(channel: &mut Channel, mem: SharedMemory) -> Result<(), SetupError> {
    let (load, parsed, machine) = receive_cart(channel, mem, false)?;
    let (name, limit) = (load.name.as_str(), load.settings.memory_limit);
    // JavaScript plays in this runner too: QuickJS needs nothing Lua's filter does not
    // allow.
    if parsed.meta.script.as_deref() == Some("js") {
        let cart = JsCart::new(machine, name, limit);
        return serve_script(channel, &load, parsed, cart);
    }
    let mut cart = LuaCart::new(machine, name, limit);
    // Fennel and MoonScript compile to Lua inside this runner, when the cart boots.
    let source = match parsed.meta.script.as_deref() {
        Some("fennel") => Source::Fennel,
        Some("moon") => Source::Moon,
        _ => Source::Lua,
    };
    if let Ok(c) = &mut cart {
        c.set_source(source);
    }
    serve_script(channel, &load, parsed, cart)
}

/// A cart whose code runs from source: its top level and `BOOT` first.
trait Script: Playing {
    fn attach_guard(&mut self, budget_ms: u32);
    fn boot(&mut self, code: &str, seq: u64) -> Result<(), CartFault>;
}

impl Script for LuaCart {
    fn attach_guard(&mut self, budget_ms: u32) {
        LuaCart::attach_guard(self, budget_ms);
    }
    fn boot(&mut self, code: &str, seq: u64) -> Result<(), CartFault> {
        LuaCart::boot(self, code, seq)
    }
}

impl Script for JsCart {
    fn attach_guard(&mut self, budget_ms: u32) {
        JsCart::attach_guard(self, budget_ms);
    }
    fn boot(&mut self, code: &str, seq: u64) -> Result<(), CartFault> {
        JsCart::boot(self, code, seq)
    }
}

/// Boots a script cart made for `load` and serves its requests.
fn serve_script(
    channel: &mut Channel,
    load: &LoadCart,
    parsed: Cart,
    made: Result<impl Script, CartFault>,
) -> Result<(), SetupError> {
    let mut cart = match made {
        Ok(c) => c,
        Err(f) => return Err(report_fault(channel, f)),
    };
    cart.attach_guard(load.settings.budget_ms);
    let booted = cart.boot(&parsed.image.code, load.seq);
    drop(parsed);
    flush_trace(channel, cart.machine())?;
    if let Err(f) = booted {
        return Err(report_fault(channel, f));
    }
    send(channel, &RunnerMessage::Loaded { seq: load.seq })?;
    serve_requests(channel, &mut cart, load.settings.spin_us)
}

/// Frames and menu picks until the host closes the channel or the cart fails.
fn serve_requests(
    channel: &mut Channel,
    cart: &mut dyn Playing,
    spin_us: u32,
) -> Result<(), SetupError> {
    let spin = std::time::Duration::from_micros(u64::from(spin_us));
    loop {
        match channel.recv_spinning(spin).map_err(SetupError::Channel)? {
            None => return Ok(()),
            Some(HostMessage::Frame(req)) => {
                cart.machine().leave_out(req.paused_ms);
                let done = cart.frame(req.seq, req.time_ms, req.pixels);
                flush_trace(channel, cart.machine())?;
                match done {
                    Ok(exit) => send(channel, &RunnerMessage::FrameDone { seq: req.seq, exit })?,
                    Err(f) => return Err(report_fault(channel, f)),
                }
            }
            Some(HostMessage::Menu {
                seq,
                index,
                paused_ms,
            }) => {
                cart.machine().leave_out(paused_ms);
                let done = cart.menu(seq, index);
                flush_trace(channel, cart.machine())?;
                match done {
                    Ok(()) => send(channel, &RunnerMessage::MenuDone { seq })?,
                    Err(f) => return Err(report_fault(channel, f)),
                }
            }
            Some(HostMessage::Load(_) | HostMessage::Export(_) | HostMessage::Start { .. }) => {
                return Err(SetupError::SecondCart);
            }
        }
    }
}

/// Sends the fault and ends the runner (the VM is not closed: see `run`); returns only the
/// error of a send that failed.
fn report_fault(channel: &mut Channel, mut f: CartFault) -> SetupError {
    f.message = truncate(f.message);
    f.traceback = truncate(f.traceback);
    if let Err(e) = send(channel, &RunnerMessage::Fault(f)) {
        return e;
    }
    exit_now(0)
}

/// Sends one message to the host.
fn send(channel: &mut Channel, msg: &RunnerMessage) -> Result<(), SetupError> {
    channel.send(msg).map_err(SetupError::Channel)
}

/// Sends the cart's pending trace output to the host.
fn flush_trace(channel: &mut Channel, machine: &mut Machine) -> Result<(), SetupError> {
    let trace = machine.take_trace();
    for (text, color) in trace.lines {
        channel
            .queue(&RunnerMessage::Trace {
                text: truncate(text),
                color,
            })
            .map_err(SetupError::Channel)?;
    }
    if trace.dropped > 0 {
        let text = format!(
            "[{} bytes of trace output dropped this frame]",
            trace.dropped
        );
        channel
            .queue(&RunnerMessage::Trace { text, color: 2 })
            .map_err(SetupError::Channel)?;
    }
    channel.flush().map_err(SetupError::Channel)
}

#[cfg(test)]
mod tests {
    use super::SetupError;

    #[test]
    fn nonsense_requests_keep_their_words() {
        // The host reports these as they are ("the runner could not go on: ..."), and
        // tests/sandbox.rs checks the first one.
        let words = [
            (SetupError::NoCart, "expected a cart to load"),
            (SetupError::NoStart, "expected the cart parsed to start"),
            (
                SetupError::WrongRuntime,
                "the cart is for the other runtime",
            ),
            (SetupError::SecondCart, "a runner plays one cart"),
        ];
        for (e, text) in words {
            assert_eq!(e.to_string(), text);
        }
    }
}
