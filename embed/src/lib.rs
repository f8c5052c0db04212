//! libcartbox: a Cartbox console for programs that embed one.
//!
//! - [`player::Player`]: the console on a worker thread of its own, driven one request at
//!   a time (waited for, or not: a caller with its own 60 Hz loop never waits on a late
//!   runner). The libretro core is built on it.
//! - [`capi`]: the same as a C ABI (`include/cartbox.h`), with numbered handles, status
//!   codes and messages; no call can crash or abort the program that embeds it.
//!
//! A cart runs where it always does: in a sandboxed runner forked by a zygote. The zygote
//! is the `cartbox` executable, started from its path ([`player::find_runner`]), so the
//! embedding program never forks itself.

pub mod capi;
pub mod player;
