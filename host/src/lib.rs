//! The trusted side of Cartbox: supervising sandboxed runners, reading cart files, and
//! the front-ends, behind one [`Console`] type.
//!
//! ```no_run
//! use cartbox_host::{Cart, Console, ConsoleConfig, Input};
//! let mut console = Console::new(ConsoleConfig::default())?;
//! console.load(Cart::load("carts/hello.lua".as_ref())?)?;
//! console.frame(&Input::default())?;
//! let (w, h, rgb) = console.screenshot(false).expect("a frame");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Runners are forked by a zygote process started from the `cartbox` binary (or any
//! binary that calls `cartbox_runner::zygote::main` when given `__cartbox-zygote`).

pub mod audio;
pub mod cart;
pub mod cli;
pub mod conformance;
pub mod console;
pub mod frontend;
pub mod fsutil;
pub mod input_script;
pub mod pmem;
pub mod runner;
pub mod sandbox_check;
pub mod supervisor;
mod sys;
pub mod zygote;

pub use cart::{Cart, CartError};
pub use console::{Console, ConsoleConfig, ConsoleError, Input, Stop};
