//! The sandboxed side of Cartbox.
//!
//! A runner is a process forked by the [`zygote`] for one cart. Before it reads a byte of
//! the cart it locks itself down ([`lock_down`], whose last step installs a [`seccomp`]
//! filter); then it serves the frame protocol over its channel with a console
//! ([`machine`]) driven by a script runtime ([`lua`], or [`wasm`] for WebAssembly carts).
//! The host treats everything a runner says as hostile; the runner treats the host as
//! trusted.
//!
//! The public modules are what the host's binary and benchmarks use: the [`zygote`]'s
//! entry points, the console and its runtimes in-process ([`machine`], [`lua`], [`wasm`],
//! [`shm`]), and the seccomp filters ([`seccomp`]); and [`lock_down`], the whole lockdown
//! in one call, for the hostile-runner tests, whose rogue runners lock themselves down
//! exactly as a real one does. Serving the protocol, the channel, the lockdown's steps, the
//! `SIGSYS` reporter and the sandbox probes are the runner's own business.
#![warn(unreachable_pub)]

pub mod cart;
mod channel;
pub mod fennel;
pub mod js;
mod lockdown;
pub mod lua;
mod luasrc;
pub mod machine;
pub mod moon;
mod probe;
pub mod runtime;
pub mod seccomp;
mod serve;
pub mod shm;
mod trap;
pub mod wasm;
pub mod zygote;

pub use lockdown::{LockdownError, LockdownReport, lock_down};
