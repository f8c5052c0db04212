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

/// `println!`, except that output to a closed pipe (`cartbox --help | head -1`) is
/// dropped instead of panicking.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

/// `print!`, dropping output to a closed pipe (see `outln!`).
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stdout(), $($arg)*);
    }};
}

/// `eprintln!`, dropping output to a closed pipe (see `outln!`).
macro_rules! errln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

/// `eprint!`, dropping output to a closed pipe (see `outln!`).
macro_rules! err {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stderr(), $($arg)*);
    }};
}

pub mod audio;
pub mod browse;
pub mod cart;
pub mod check;
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
