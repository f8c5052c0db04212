//! Messages on the channel between the host and one runner.
//!
//! The host always speaks first and numbers its requests; every reply names the request it
//! answers. Anything else (an unknown tag, a reply to a request never made, a second reply)
//! is a protocol violation and the host kills the runner.

use bincode::{Decode, Encode};

use crate::cart::{CartFiles, CartInfo};

/// Largest message the host sends (a cart with its code and eight banks fits easily).
pub const HOST_MESSAGE_LIMIT: usize = 12 << 20;
/// Largest message a runner may send. The host refuses a longer length prefix before it
/// allocates anything.
pub const RUNNER_MESSAGE_LIMIT: usize = 64 << 10;
/// The memory cap of a cart unless the user sets another (Lua heap, or wasm linear memory).
pub const DEFAULT_MEMORY_LIMIT: u64 = 256 << 20;
/// Largest WebAssembly module a cart may carry (it travels inside one host message).
pub const MODULE_LIMIT: usize = 3 << 20;
/// Longest text a runner puts in one message (trace output, error messages).
pub const TEXT_LIMIT: usize = 16 << 10;

/// The signal the host sends a runner (with `pidfd_send_signal`, the request's number as
/// its value) to stop the request in progress inside its VM: `SIGUSR1` on Linux.
pub const SOFT_STOP_SIGNAL: i32 = 10;
/// Exit code of a runner that could not set itself up, or whose host broke the protocol
/// (it says why in [`RunnerMessage::Failed`] when its channel works).
pub const EXIT_SETUP: i32 = 70;
/// Exit code of a sandbox probe whose forbidden operation was let through.
pub const EXIT_PROBE_PASSED: i32 = 71;

/// From the host to a runner.
#[derive(Debug, Clone, PartialEq, Encode, Decode)]
pub enum HostMessage {
    /// Parse the cart's files. Answered by [`RunnerMessage::Parsed`] or
    /// [`RunnerMessage::Fault`] (a malformed cart, or one in a language we do not play).
    Load(Box<LoadCart>),
    /// Play the cart parsed (the host has written its persistent memory into RAM): compile
    /// it, run its top-level code, then `BOOT`. Answered by [`RunnerMessage::Loaded`] or
    /// [`RunnerMessage::Fault`]. A runner whose runtime is not the cart's (a `.tic` turned
    /// out to be WebAssembly) is never asked this; the host starts the right one.
    Start {
        /// Request number.
        seq: u64,
    },
    /// Parse the cart's files and write the cart in another format (`cartbox export`):
    /// answered by [`RunnerMessage::ExportChunk`]s then [`RunnerMessage::Exported`], or
    /// [`RunnerMessage::Fault`].
    Export(Box<ExportCart>),
    /// Run one frame: `TIC` (and `OVR`, `BDR`), then blit the output frame into shared
    /// memory. Answered by [`RunnerMessage::FrameDone`] or [`RunnerMessage::Fault`].
    Frame(FrameRequest),
    /// The player picked item `index` of the cart's game menu (its `-- menu:` metadata):
    /// call `MENU(index)`. Answered by [`RunnerMessage::MenuDone`] or
    /// [`RunnerMessage::Fault`].
    Menu {
        /// Request number.
        seq: u64,
        /// The item, counted from 0.
        index: u32,
        /// As [`FrameRequest::paused_ms`]: the player picked the item in the paused game
        /// menu, and `MENU` runs before the next frame.
        paused_ms: f64,
    },
}

/// A cart to load.
#[derive(Debug, Clone, PartialEq, Encode, Decode)]
pub struct LoadCart {
    /// Request number.
    pub seq: u64,
    /// Name used in error messages and tracebacks (the cart's path as the user gave it).
    pub name: String,
    /// The cart's files, unparsed.
    pub files: CartFiles,
    /// Limits and options for this cart.
    pub settings: CartSettings,
}

/// A cart to write in another format.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct ExportCart {
    /// Request number.
    pub seq: u64,
    /// Name used in error messages (the cart's path as the user gave it).
    pub name: String,
    /// The cart's files, unparsed.
    pub files: CartFiles,
    /// What to write.
    pub format: ExportFormat,
    /// A screen to put in the cart as its cover (bank 0's SCREEN, as in TIC-80's F7):
    /// [`crate::ram::SCREEN_SIZE`] bytes of 4-bit pixels; `None` keeps the cart's own.
    pub cover: Option<Vec<u8>>,
}

/// The formats `cartbox export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Encode, Decode)]
pub enum ExportFormat {
    /// A binary `.tic` cart.
    Tic,
    /// A PNG cart: the cover with the cart inside.
    Png,
}

/// Most bytes of an exported cart (a full `.tic` with eight banks, all the code and the
/// largest module it holds is under 2 MiB; its PNG cart adds a cover).
pub const EXPORT_LIMIT: usize = 3 << 20;
/// Most bytes of one [`RunnerMessage::ExportChunk`].
pub const EXPORT_CHUNK: usize = 48 << 10;

/// How a cart runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Encode, Decode)]
pub struct CartSettings {
    /// Cap on the script heap in bytes; past it allocations fail with "not enough memory".
    pub memory_limit: u64,
    /// The soft budget of one request in milliseconds, quoted in the soft-stop message.
    pub budget_ms: u32,
    /// How long the runner polls for the next request before blocking, in microseconds. A
    /// wake-up across cores costs tens of microseconds on some machines; back-to-back frames
    /// (headless runs) avoid it this way. 0 on a single CPU, where spinning only hurts.
    pub spin_us: u32,
    /// `time()` follows the host's virtual clock: 0 while the cart loads (its top-level
    /// code and `BOOT` run inside TIC-80's first tick), then what each frame request says.
    pub virtual_time: bool,
    /// Tell the host the cart's persistent memory key ([`crate::cart::CartInfo::pmem_key`]):
    /// only a host that keeps saves needs it, and hashing bank 0 (80 KiB) is a good part of
    /// a cart's start.
    pub pmem_key: bool,
}

/// Run one frame.
#[derive(Debug, Clone, Copy, PartialEq, Encode, Decode)]
pub struct FrameRequest {
    /// Request number.
    pub seq: u64,
    /// What `time()` returns during this frame, in milliseconds; `None` for the runner's own
    /// monotonic clock since the cart was loaded.
    pub time_ms: Option<f64>,
    /// Milliseconds the player kept the cart paused (the game menu) since the last frame:
    /// the runner's own clock leaves them out, as TIC-80's `time()` leaves out time in its
    /// menu. Ignored with `time_ms`.
    pub paused_ms: f64,
    /// Whether the host will read this frame's pixels. Without it the runner still runs the
    /// scanline callbacks (they may have side effects) but skips converting pixels, unless
    /// the cart calls `exit()` (its last frame is always blitted).
    pub pixels: bool,
}

/// From a runner to the host.
#[derive(Debug, Clone, PartialEq, Encode, Decode)]
pub enum RunnerMessage {
    /// Sent once, after lockdown and before anything else.
    Ready(RunnerReady),
    /// A WebAssembly runner has compiled the cart's module and goes on to instantiate it.
    /// Until then the request's deadline is a compile deadline: compilation cannot be
    /// interrupted from inside, so the host kills a runner that is still compiling.
    Compiled {
        /// The `Load` request being served.
        seq: u64,
    },
    /// The cart is parsed: what the host needs of it.
    Parsed {
        /// The `Load` request answered.
        seq: u64,
        /// What the host is told of the cart.
        info: Box<CartInfo>,
    },
    /// A piece of an exported cart, in order: at most [`EXPORT_CHUNK`] bytes.
    ExportChunk {
        /// The `Export` request being served.
        seq: u64,
        /// The bytes.
        bytes: Vec<u8>,
    },
    /// The exported cart is complete.
    Exported {
        /// The `Export` request answered.
        seq: u64,
    },
    /// The cart is loaded and `BOOT` has run.
    Loaded {
        /// The `Load` request answered.
        seq: u64,
    },
    /// The frame is finished and blitted.
    FrameDone {
        /// The `Frame` request answered.
        seq: u64,
        /// The cart called `exit()`.
        exit: bool,
    },
    /// `MENU` has run.
    MenuDone {
        /// The `Menu` request answered.
        seq: u64,
    },
    /// Output of `trace()`; may come any time between a request and its answer.
    Trace {
        /// The text, at most [`TEXT_LIMIT`] bytes.
        text: String,
        /// The colour the cart asked for.
        color: u8,
    },
    /// The cart stopped with an error (or its files cannot be played); this answers the
    /// pending request and the runner exits.
    Fault(CartFault),
    /// The runner itself cannot go on (its lockdown failed, the request made no sense); it
    /// exits with [`EXIT_SETUP`]. The text, at most [`TEXT_LIMIT`] bytes, says why.
    Failed(String),
}

/// What a runner reports about its own lockdown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Encode, Decode)]
pub struct RunnerReady {
    /// The Landlock ABI the kernel gave us, 0 when Landlock is unavailable.
    pub landlock_abi: u8,
    /// Whether every Landlock restriction we asked for is enforced.
    pub landlock_full: bool,
}

/// Why a cart stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Encode, Decode)]
pub enum FaultKind {
    /// The code does not compile.
    Syntax,
    /// A runtime error (including a missing `TIC`).
    Runtime,
    /// The script heap hit its cap.
    OutOfMemory,
    /// A callback ran past its budget and was stopped inside the VM.
    Budget,
    /// The cart's files are malformed, in a language we do not play, or cannot be
    /// exported: the message names the file and the place.
    BadCart,
}

/// A cart error, as the runner saw it.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct CartFault {
    /// What kind of error.
    pub kind: FaultKind,
    /// The error message, starting with `file:line:` where the VM knows it.
    pub message: String,
    /// The traceback, possibly empty.
    pub traceback: String,
    /// Which callback was running: "top-level code", "BOOT", "TIC", ...
    pub callback: String,
    /// Line of the error in the cart, when known.
    pub line: Option<u32>,
}
