//! The WebAssembly runtime (wasmtime), as a runner uses it.
//!
//! Everything here runs inside a locked runner: the host never compiles or validates cart
//! code. The engine is made in the runner itself, after the fork, and compiles on the
//! calling thread only (wasmtime's parallel compilation is not built in), so no thread
//! exists across a fork. Linear memory reservations are sized to the cart's memory cap so
//! that the runner's address-space limit holds.
//!
//! The parts, whose arrows go one way: `cart` (a cart on a console: linking, instantiating,
//! its callbacks and traps) uses `api` (TIC-80's import table) and `ram` (the console RAM
//! bound into linear memory); `cart` and `api` both use `state` (what a cart's store holds),
//! which uses neither.

mod api;
mod cart;
mod ram;
mod state;
mod unroll;

pub use api::PROVIDED;
pub use cart::{WasmCart, compile as compile_cart};
use std::sync::OnceLock;
use thiserror::Error;
use wasmtime::{Config, Engine, ExternType, Module, OptLevel};

/// The module carts import everything from.
pub const IMPORT_MODULE: &str = "env";

/// Console RAM size: the first 96 KiB of a cart's linear memory.
pub const RAM_BYTES: u64 = cartbox_protocol::ram::RAM_SIZE as u64;

/// Guard pages after linear memory: an access past the end traps instead of reaching
/// other memory even where bounds checks are elided.
const GUARD_BYTES: u64 = 64 << 10;

/// Deepest wasm stack a cart may use before it traps with "call stack exhausted".
pub const MAX_WASM_STACK: usize = 512 << 10;

/// Most frames a trap's backtrace records.
pub const BACKTRACE_FRAMES: usize = 64;

/// Why the WebAssembly runtime could not start, or could not take a cart's module or
/// memory. The messages reach cart authors (in a cart's fault) and the host as they are.
#[derive(Debug, Error)]
pub enum WasmError {
    /// wasmtime refused to make an engine (its configuration for this memory cap, or the
    /// platform): no cart can run with it.
    #[error("cannot start WebAssembly: {0:#}")]
    Engine(wasmtime::Error),
    /// The module is not WebAssembly (binary or text), is invalid, or uses a feature that
    /// is not built in (threads, shared memory...): the cart's syntax error.
    #[error("{0:#}")]
    Compile(wasmtime::Error),
    /// The cart neither imports `env.memory` nor exports a memory: the console RAM has
    /// nowhere to live.
    #[error("the cart has no memory for the console RAM (import env.memory)")]
    NoMemory,
    /// The cart's memory cannot hold the console RAM.
    #[error("the cart's memory is smaller than the 96 KiB console RAM")]
    MemoryTooSmall,
}

/// A wasmtime engine for carts, made by [`engine`], [`engine_unguarded`] or
/// [`engine_as_given`] and by nothing else: a cart's linear memory in it never moves (its whole cap is reserved up front, see
/// `engine_with`), which binding the console RAM into that memory relies on. Carts load
/// only with one of these.
#[derive(Debug, Clone)]
pub struct CartEngine(Engine, Build);

/// How an engine compiles cart code.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Build {
    /// With the soft stop's checks, small loops unrolled (what carts get).
    Guarded,
    /// No checks, small loops unrolled.
    Unguarded,
    /// No checks, the module compiled as given.
    AsGiven,
}

/// An engine for carts whose linear memory may grow to `memory_cap` bytes, with the
/// soft stop (epoch interruption) compiled into cart code.
pub fn engine(memory_cap: u64) -> Result<CartEngine, WasmError> {
    engine_with(memory_cap, Build::Guarded)
}

/// An engine whose cart code has no soft-stop checks (only the hard kill stops it) and is
/// otherwise compiled as carts are: against [`engine`], what the checks alone cost.
pub fn engine_unguarded(memory_cap: u64) -> Result<CartEngine, WasmError> {
    engine_with(memory_cap, Build::Unguarded)
}

/// An engine that compiles modules as they are given, without checks and without
/// unrolling: against [`engine`], what carts' code costs in all against wasmtime's own.
pub fn engine_as_given(memory_cap: u64) -> Result<CartEngine, WasmError> {
    engine_with(memory_cap, Build::AsGiven)
}

fn engine_with(memory_cap: u64, build: Build) -> Result<CartEngine, WasmError> {
    let mut config = Config::new();
    config
        .epoch_interruption(build == Build::Guarded)
        // Memory images would live in a memfd: no files, not even anonymous ones.
        .memory_init_cow(false)
        .cranelift_opt_level(OptLevel::Speed)
        // The whole cap up front: memory never moves, so the console RAM keeps its address.
        .memory_reservation(memory_cap.max(RAM_BYTES))
        .memory_reservation_for_growth(0)
        .memory_guard_size(GUARD_BYTES)
        .memory_may_move(false)
        .max_wasm_stack(MAX_WASM_STACK)
        .wasm_backtrace_max_frames(std::num::NonZeroUsize::new(BACKTRACE_FRAMES))
        .wasm_multi_memory(false)
        .wasm_memory64(false);
    Engine::new(&config)
        .map(|e| CartEngine(e, build))
        .map_err(WasmError::Engine)
}

/// The engine the soft-stop signal interrupts.
static STOP_ENGINE: OnceLock<Engine> = OnceLock::new();

/// Makes the soft-stop signal interrupt code running in `engine` (one engine per runner).
pub fn guard_engine(engine: &CartEngine) {
    if STOP_ENGINE.set(engine.0.clone()).is_ok() {
        crate::runtime::stop::on_stop(bump_epoch);
    }
}

/// Called from the signal handler: an atomic add, async-signal-safe.
fn bump_epoch() {
    if let Some(e) = STOP_ENGINE.get() {
        e.increment_epoch();
    }
}

/// An engine for the default memory cap, normally made by the zygote before the fork:
/// every runner forked afterwards starts with it (and with wasmtime's trap handlers
/// installed) instead of making its own. A runner forked before the zygote warmed up makes
/// it itself, before lockdown (`prepare`).
static WARM: OnceLock<(u64, CartEngine)> = OnceLock::new();

/// Done once in the zygote when it is first idle (or in a wasm runner forked before that):
/// an engine for the default memory cap (no code is compiled there).
pub fn warm_up() {
    let cap = cartbox_protocol::message::DEFAULT_MEMORY_LIMIT;
    if let Ok(engine) = engine(cap) {
        let _ = WARM.set((cap, engine));
    }
}

/// The engine for a cart whose memory may grow to `memory_cap` bytes: the warm one if the
/// cap is the default, else a new one.
pub fn engine_for(memory_cap: u64) -> Result<CartEngine, WasmError> {
    match WARM.get() {
        Some((cap, engine)) if *cap == memory_cap => Ok(engine.clone()),
        _ => engine(memory_cap),
    }
}

/// What must happen before lockdown in a runner that will play a wasm cart: wasmtime
/// installs its trap handlers (`rt_sigaction`, not allowed afterwards) with its first
/// engine, which the zygote has normally made already.
pub fn prepare() -> Result<(), WasmError> {
    if WARM.get().is_some() {
        return Ok(());
    }
    let cap = cartbox_protocol::message::DEFAULT_MEMORY_LIMIT;
    let engine = engine(cap)?;
    let _ = WARM.set((cap, engine));
    Ok(())
}

/// Compiles a module (binary, or text), with the compiler's message if it cannot be. Small
/// loops are unrolled first, so that the soft stop's checks in them cost less (see
/// `unroll`); the module as given is compiled if that cannot be done, or does not compile
/// (its message is then the cart's own).
pub fn compile(engine: &CartEngine, bytes: &[u8]) -> Result<Module, WasmError> {
    if engine.1 != Build::AsGiven
        && bytes.starts_with(b"\0asm")
        && let Some(unrolled) = unroll::unroll(bytes)
        && let Ok(module) = Module::new(&engine.0, &unrolled)
    {
        return Ok(module);
    }
    Module::new(&engine.0, bytes).map_err(WasmError::Compile)
}

/// An import the console does not provide, as the message a cart author reads.
pub fn unknown_import(module: &Module, provided: &[&str]) -> Option<String> {
    module.imports().find_map(|i| {
        let known = i.module() == IMPORT_MODULE
            && match i.ty() {
                ExternType::Func(_) => provided.contains(&i.name()),
                ExternType::Memory(_) => i.name() == "memory",
                _ => false,
            };
        (!known).then(|| {
            let kind = match i.ty() {
                ExternType::Func(_) => "function",
                ExternType::Memory(_) => "memory",
                ExternType::Table(_) => "table",
                ExternType::Global(_) => "global",
                ExternType::Tag(_) => "tag",
            };
            format!(
                "the cart imports {kind} {}.{}, which Cartbox does not provide",
                i.module(),
                i.name()
            )
        })
    })
}

#[cfg(test)]
mod tests;
