//! The sandboxed side of Cartbox.
//!
//! A runner is a process forked by the [`zygote`] for one cart. Before it reads a byte of
//! the cart it locks itself down ([`lockdown`]); then it serves the frame protocol
//! ([`serve`]) with a console ([`machine`]) driven by a script runtime ([`lua`], or [`wasm`] for WebAssembly carts). The host
//! treats everything a runner says as hostile; the runner treats the host as trusted.

pub mod channel;
pub mod lockdown;
pub mod lua;
pub mod machine;
pub mod probe;
pub mod seccomp;
pub mod serve;
pub mod shm;
pub mod trap;
pub mod wasm;
pub mod zygote;
