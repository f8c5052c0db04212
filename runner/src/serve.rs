//! A runner's life after the fork: map the shared memory, lock down, then serve the frame
//! protocol for one cart (or run a sandbox probe).

use std::os::fd::OwnedFd;

use cartbox_protocol::cart::CartImage;
use cartbox_protocol::message::{
    CartFault, EXIT_PROBE_PASSED, EXIT_SETUP, FaultKind, HostMessage, LoadCart, RunnerMessage,
    RunnerReady, TEXT_LIMIT,
};
use cartbox_protocol::zygote::{RunnerLimits, RunnerProgram};

use crate::channel::{CHANNEL_FD, Channel};
use crate::lockdown::{self, LockdownReport};
use crate::lua::{LuaCart, guard};
use crate::machine::Machine;
use crate::probe;
use crate::seccomp::Profile;
use crate::shm::SharedMemory;
use crate::wasm::{self, WasmCart};

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
    // SAFETY: ending the process without running the VM's finalizers or atexit handlers:
    // a cart's __gc must not be able to delay or change how a runner ends.
    unsafe { libc::_exit(code) }
}

fn serve(
    channel: OwnedFd,
    shm: OwnedFd,
    program: RunnerProgram,
    limits: RunnerLimits,
    parent: i32,
) -> Result<(), Box<dyn std::error::Error>> {
    let mem = SharedMemory::map(&shm)?;
    drop(shm);
    let channel = lockdown::close_fds(channel)?;
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
) -> Result<(), Box<dyn std::error::Error>> {
    install_panic_hook();
    guard::install_handler()?;
    crate::trap::install(&mem)?;
    let profile = match program {
        RunnerProgram::Wasm | RunnerProgram::WasmProbe(_) => {
            wasm::prepare()?;
            Profile::Wasm
        }
        RunnerProgram::Lua | RunnerProgram::Probe(_) => Profile::Lua,
    };
    let report = lockdown::apply(&limits, profile)?;
    channel.send(&RunnerMessage::Ready(ready(report)))?;
    match program {
        RunnerProgram::Probe(p) | RunnerProgram::WasmProbe(p) => {
            probe::run(p, parent);
            // SAFETY: see `run`.
            unsafe { libc::_exit(EXIT_PROBE_PASSED) }
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

/// The cart to play: the first request, and the console made from its data.
fn receive_cart(
    channel: &mut Channel,
    mem: SharedMemory,
) -> Result<(Box<LoadCart>, Machine), Box<dyn std::error::Error>> {
    let Some(HostMessage::Load(load)) = channel.recv()? else {
        return Err("expected a cart to load".into());
    };
    let Some(banks) = CartImage::banks_from_wire(&load.sections) else {
        return Err("malformed cart image".into());
    };
    let image = CartImage {
        code: String::new(),
        banks,
    };
    let machine = Machine::new(mem, &image);
    Ok((load, machine))
}

fn serve_wasm(channel: &mut Channel, mem: SharedMemory) -> Result<(), Box<dyn std::error::Error>> {
    let (load, machine) = receive_cart(channel, mem)?;
    let Some(bytes) = load.module.as_deref() else {
        return Err("a WebAssembly runner needs a module".into());
    };
    let at_load = |message: String| CartFault {
        kind: FaultKind::Runtime,
        message: format!("{}: {message}", load.name),
        traceback: String::new(),
        callback: guard::Callback::TopLevel.name().to_owned(),
        line: None,
    };
    let memory_limit = load.settings.memory_limit;
    let engine = match wasm::engine_for(memory_limit) {
        Ok(e) => e,
        Err(m) => return report_fault(channel, at_load(m)),
    };
    wasm::guard_engine(&engine);
    guard::set_budget(load.settings.budget_ms);
    // Compilation cannot be interrupted: the host's deadline covers it, and it learns here
    // that the runner is past it.
    let module = match wasm::compile_cart(&engine, &load.name, bytes) {
        Ok(m) => m,
        Err(f) => return report_fault(channel, f),
    };
    channel.send(&RunnerMessage::Compiled { seq: load.seq })?;
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
        Err(f) => return report_fault(channel, f),
    };
    flush_trace(channel, cart.machine())?;
    channel.send(&RunnerMessage::Loaded { seq: load.seq })?;
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
        // SAFETY: see `run`.
        unsafe { libc::_exit(EXIT_SETUP) }
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

fn serve_lua(channel: &mut Channel, mem: SharedMemory) -> Result<(), Box<dyn std::error::Error>> {
    let (load, machine) = receive_cart(channel, mem)?;
    let mut cart = match LuaCart::new(machine, &load.name, load.settings.memory_limit) {
        Ok(c) => c,
        Err(f) => return report_fault(channel, f),
    };
    cart.attach_guard(load.settings.budget_ms);
    let booted = cart.boot(&load.code, load.seq);
    flush_trace(channel, cart.machine())?;
    if let Err(f) = booted {
        return report_fault(channel, f);
    }
    channel.send(&RunnerMessage::Loaded { seq: load.seq })?;
    serve_requests(channel, &mut cart, load.settings.spin_us)
}

/// Frames and menu picks until the host closes the channel or the cart fails.
fn serve_requests(
    channel: &mut Channel,
    cart: &mut dyn Playing,
    spin_us: u32,
) -> Result<(), Box<dyn std::error::Error>> {
    let spin = std::time::Duration::from_micros(u64::from(spin_us));
    loop {
        match channel.recv_spinning(spin)? {
            None => return Ok(()),
            Some(HostMessage::Frame(req)) => {
                let done = cart.frame(req.seq, req.time_ms, req.pixels);
                flush_trace(channel, cart.machine())?;
                match done {
                    Ok(exit) => channel.send(&RunnerMessage::FrameDone { seq: req.seq, exit })?,
                    Err(f) => return report_fault(channel, f),
                }
            }
            Some(HostMessage::Menu { seq, index }) => {
                let done = cart.menu(seq, index);
                flush_trace(channel, cart.machine())?;
                match done {
                    Ok(()) => channel.send(&RunnerMessage::MenuDone { seq })?,
                    Err(f) => return report_fault(channel, f),
                }
            }
            Some(HostMessage::Load(_)) => return Err("a runner plays one cart".into()),
        }
    }
}

/// Sends the fault and ends the runner (the VM is not closed: see `run`).
fn report_fault(channel: &mut Channel, mut f: CartFault) -> Result<(), Box<dyn std::error::Error>> {
    f.message = truncate(f.message);
    f.traceback = truncate(f.traceback);
    channel.send(&RunnerMessage::Fault(f))?;
    // SAFETY: see `run`.
    unsafe { libc::_exit(0) }
}

fn flush_trace(channel: &mut Channel, machine: &mut Machine) -> std::io::Result<()> {
    let trace = machine.take_trace();
    for (text, color) in trace.lines {
        channel.queue(&RunnerMessage::Trace {
            text: truncate(text),
            color,
        })?;
    }
    if trace.dropped > 0 {
        let text = format!(
            "[{} bytes of trace output dropped this frame]",
            trace.dropped
        );
        channel.queue(&RunnerMessage::Trace { text, color: 2 })?;
    }
    channel.flush()
}
