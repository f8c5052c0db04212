//! The contract between the Cartbox host and its runners.
//!
//! Everything both sides must agree on lives here and nowhere else: the TIC-80 RAM map
//! ([`ram`]), the layout of the shared memory region ([`shm`]), the cart image a runner is
//! given ([`cart`]), the messages on the runner channel, how a runner is asked to stop and
//! how it exits ([`message`]), the zygote control channel ([`zygote`]), how messages are
//! framed with hard size limits ([`framing`]), the system fonts both sides draw with
//! ([`font`]), and the names of system calls, for reports of what the sandbox stopped
//! ([`syscalls`]).
//!
//! This crate depends on nothing of ours; `runner` and `host` depend on it.

pub mod cart;
pub mod font;
pub mod framing;
pub mod message;
pub mod ram;
pub mod shm;
pub mod syscalls;
pub mod zygote;
