//! A console playing one cart in a sandboxed runner: the type every front-end uses.
//!
//! `Console` owns a zygote and at most one runner. It loads a cart into a fresh runner,
//! runs frames with the input it is given, and hands out the finished frame and the trace
//! output. When the cart fails, hangs or its runner dies, the call returns a [`Stop`]
//! saying why; [`Console::restart`] then gives the cart a fresh runner.
//!
//! Calls block until the runner answers or its deadline passes (budget + grace), so a
//! window runs a `Console` on a thread of its own and never on its UI thread.

use std::time::{Duration, Instant};

use cartbox_protocol::cart::{CartInfo, Language};
use cartbox_protocol::message::{
    CartFault, CartSettings, ExportCart, ExportFormat, FaultKind, LoadCart, RunnerReady,
};
use cartbox_protocol::ram::{self, BORDER_LEFT, BORDER_TOP, FULL_WIDTH, HEIGHT, PMEM_SIZE, WIDTH};
use cartbox_protocol::shm::{FRAME_OFFSET, FRAME_PIXELS, RAM_OFFSET, SOUND_OFFSET, SOUND_SIZE};
use cartbox_protocol::zygote::{ExitStatus, RunnerLimits, RunnerProgram};
use thiserror::Error;

use crate::audio::SoundRegisters;
use crate::cart::Cart;
use crate::pmem::PmemFile;
use crate::runner::{Deadline, RunnerProcess, RunnerStop, TraceLine, describe_exit};
use crate::zygote::{Zygote, ZygoteCommand, ZygoteError};

/// How a console runs its carts.
#[derive(Debug, Clone)]
pub struct ConsoleConfig {
    /// Soft budget of one request (loading with BOOT, or one frame). Past it the cart is
    /// stopped inside its VM with an error naming the line.
    pub budget: Duration,
    /// Extra time before a runner that has not answered is killed.
    pub grace: Duration,
    /// Cap on a cart's script heap.
    pub memory_limit: u64,
    /// Resource limits of each runner.
    pub limits: RunnerLimits,
    /// `time()` follows a virtual clock: during frame k it returns (k-1)*1000/60 ms.
    pub virtual_time: bool,
    /// How to start the zygote.
    pub zygote: Option<ZygoteCommand>,
    /// Where carts' persistent memory is kept (see [`crate::pmem`]); `None` starts every
    /// run with empty persistent memory and saves nothing.
    pub pmem_dir: Option<std::path::PathBuf>,
    /// How long host and runner poll for each other's next message before blocking. On
    /// machines where waking a process on another core is slow (tens of microseconds on
    /// some VMs), this keeps back-to-back frames fast; it costs at most this much CPU per
    /// message. Zero by default on a single CPU, where spinning only delays the other side.
    pub spin: Duration,
    /// Runs each runner, from its second frame on, on the CPU of the thread that asks for
    /// its frames, and keeps that thread there: a frame's answer then wakes the host on its own CPU (a few
    /// microseconds) instead of across CPUs (tens of microseconds on some VMs, per frame),
    /// with no spinning. For a console that is the only busy one, whose thread only waits
    /// for its runner (`cartbox run --headless`); never for many consoles at once, which
    /// it would crowd onto one CPU.
    pub colocate: bool,
    /// Which keys press which gamepad buttons (TIC-80's mapping in RAM), written before
    /// every frame.
    pub keymap: [u8; 32],
}

impl Default for ConsoleConfig {
    fn default() -> Self {
        ConsoleConfig {
            budget: Duration::from_millis(2000),
            grace: Duration::from_millis(1000),
            memory_limit: cartbox_protocol::message::DEFAULT_MEMORY_LIMIT,
            limits: RunnerLimits::default(),
            virtual_time: false,
            zygote: None,
            pmem_dir: None,
            spin: default_spin(),
            colocate: false,
            keymap: ram::DEFAULT_BUTTON_MAPPING,
        }
    }
}

fn default_spin() -> Duration {
    match std::thread::available_parallelism() {
        Ok(n) if n.get() > 1 => Duration::from_micros(50),
        _ => Duration::ZERO,
    }
}

/// The console could not be set up.
#[derive(Debug, Error)]
pub enum ConsoleError {
    /// The zygote could not be started.
    #[error(transparent)]
    Zygote(#[from] ZygoteError),
    /// The executable could not be found to start the zygote.
    #[error("cannot find the cartbox executable: {0}")]
    Exe(std::io::Error),
}

/// Why a cart is not running.
#[derive(Debug, Clone, PartialEq)]
pub enum Stop {
    /// The cart raised an error, did not compile, ran out of memory or past its budget.
    Cart(CartFault),
    /// The runner did not answer in time and was killed.
    NotResponding {
        /// How long it was given.
        waited: Duration,
    },
    /// A WebAssembly cart was still compiling when its load deadline passed: killed.
    CompileTimeout {
        /// How long it was given.
        waited: Duration,
    },
    /// The runner died (crash, sandbox kill, out-of-memory kill).
    Crashed {
        /// How it ended.
        status: Option<ExitStatus>,
        /// For a runner the sandbox killed: the system call it was denied, as it said.
        syscall: Option<u32>,
    },
    /// The runner broke the protocol and was killed.
    Misbehaved(String),
    /// The host could not run the cart (could not start a runner).
    Host(String),
}

/// Whether `msg` starts with a place of its own, `FILE:LINE:` (a `.wasmp` cart's error in
/// the `.wat` beside it names that file).
fn names_a_place(msg: &str) -> bool {
    let Some((file, rest)) = msg.split_once(':') else {
        return false;
    };
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    !file.is_empty()
        && !file.contains(char::is_whitespace)
        && digits > 0
        && rest[digits..].starts_with(':')
}

impl Stop {
    /// Whether the runner was killed or died, as opposed to the cart failing cleanly.
    pub fn runner_killed(&self) -> bool {
        !matches!(self, Stop::Cart(_))
    }

    /// One line for people, naming the cart file and line where known.
    pub fn describe(&self, cart_name: &str) -> String {
        match self {
            Stop::Cart(f) => {
                let what = match f.kind {
                    FaultKind::Syntax => "syntax error",
                    FaultKind::Runtime => "error",
                    FaultKind::OutOfMemory => "out of memory",
                    FaultKind::Budget => "stopped",
                    // The message names the file and the place.
                    FaultKind::BadCart => return f.message.trim_end().to_owned(),
                };
                let msg = f.message.trim_end();
                if msg.starts_with(cart_name) || f.line.is_none() || names_a_place(msg) {
                    format!("{what}: {msg}")
                } else {
                    format!("{what}: {cart_name}:{}: {msg}", f.line.unwrap_or(0))
                }
            }
            Stop::NotResponding { waited } => {
                format!(
                    "{cart_name}: not responding for {} ms; killed",
                    waited.as_millis()
                )
            }
            Stop::CompileTimeout { waited } => format!(
                "{cart_name}: timed out while compiling (after {} ms); killed",
                waited.as_millis()
            ),
            Stop::Crashed { status, syscall } => {
                format!(
                    "{cart_name}: the runner {}",
                    describe_exit(*status, *syscall)
                )
            }
            Stop::Misbehaved(why) => {
                format!("{cart_name}: the runner broke the protocol ({why}); killed")
            }
            Stop::Host(why) => format!("{cart_name}: cannot run the cart: {why}"),
        }
    }
}

fn language_name(l: Language) -> &'static str {
    match l {
        Language::Lua => "Lua",
        Language::Wasm => "WebAssembly",
    }
}

impl std::fmt::Display for Stop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe("the cart"))
    }
}

impl std::error::Error for Stop {}

impl From<RunnerStop> for Stop {
    fn from(s: RunnerStop) -> Stop {
        match s {
            RunnerStop::Fault(f) => Stop::Cart(f),
            RunnerStop::Hung { waited } => Stop::NotResponding { waited },
            RunnerStop::CompileTimeout { waited } => Stop::CompileTimeout { waited },
            RunnerStop::Died { status, syscall } => Stop::Crashed { status, syscall },
            RunnerStop::Protocol(p) => Stop::Misbehaved(p),
            RunnerStop::Failed(why) => Stop::Host(format!("the runner could not go on: {why}")),
            RunnerStop::Host(h) => Stop::Host(h),
        }
    }
}

/// Input for one frame, laid out as TIC-80's input registers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Input {
    /// One byte per player: up, down, left, right, A, B, X, Y from bit 0.
    pub gamepads: [u8; 4],
    /// Mouse: x, y (256x144 output coordinates), buttons and scroll.
    pub mouse: [u8; 4],
    /// Up to four held key codes.
    pub keyboard: [u8; 4],
}

/// A console.
pub struct Console {
    config: ConsoleConfig,
    zygote: Zygote,
    runner: Option<RunnerProcess>,
    cart: Option<Cart>,
    /// What the runner that parsed the cart said of it (kept across restarts).
    info: Option<Box<CartInfo>>,
    frames: u64,
    /// Since when the player has kept the cart paused, and how long the cart was paused
    /// before the frame to come (left out of `time()`).
    paused_since: Option<Instant>,
    paused_for: Duration,
    trace: TraceBuffer,
    persist: Option<Persist>,
    /// Saves that failed or recovered, for people (see `take_save_notices`).
    save_notices: Vec<String>,
    /// Persistent memory an embedder keeps itself, for the next start ([`Console::set_pmem`]).
    pmem_seed: Option<Box<[u8; PMEM_SIZE]>>,
    /// The sound registers the last frame left, until a front-end takes them.
    sound: Option<SoundRegisters>,
    /// A runner to bring onto this thread's CPU before its second frame
    /// ([`ConsoleConfig::colocate`]): moving a runner that is busy on another CPU takes
    /// about 0.1 ms on some VMs, which a cart's start and first frame need not wait for.
    colocate_pending: Option<i32>,
}

/// The cart's persistent memory as last saved, and when.
#[derive(Debug)]
struct Persist {
    file: PmemFile,
    saved: [u8; PMEM_SIZE],
    last_save: Option<Instant>,
    /// The last save failed (said once, until one succeeds).
    failing: bool,
}

/// Least time between two saves of persistent memory; a final save happens when the cart
/// stops or the console goes away.
const SAVE_EVERY: Duration = Duration::from_millis(200);

/// Trace output waiting for a front-end to take it, bounded: if nobody takes it, the
/// oldest lines go (and are counted) rather than the host's memory.
#[derive(Debug, Default)]
struct TraceBuffer {
    lines: std::collections::VecDeque<TraceLine>,
    dropped: usize,
}

/// Most trace lines a console keeps for a front-end that does not take them.
pub const TRACE_KEPT: usize = 10_000;

impl TraceBuffer {
    fn push(&mut self, line: TraceLine) {
        self.lines.push_back(line);
    }

    fn bound(&mut self) {
        while self.lines.len() > TRACE_KEPT {
            self.lines.pop_front();
            self.dropped += 1;
        }
    }
}

impl std::fmt::Debug for Console {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Console")
            .field("frames", &self.frames)
            .finish()
    }
}

impl Console {
    /// Starts a console (and its zygote).
    pub fn new(config: ConsoleConfig) -> Result<Console, ConsoleError> {
        let command = match &config.zygote {
            Some(c) => c.clone(),
            None => ZygoteCommand::current_exe().map_err(ConsoleError::Exe)?,
        };
        let zygote = Zygote::start(&command)?;
        Ok(Console {
            config,
            zygote,
            runner: None,
            cart: None,
            info: None,
            frames: 0,
            paused_since: None,
            paused_for: Duration::ZERO,
            trace: TraceBuffer::default(),
            persist: None,
            save_notices: Vec::new(),
            pmem_seed: None,
            sound: None,
            colocate_pending: None,
        })
    }

    fn deadline(&self) -> Deadline {
        Deadline {
            budget: self.config.budget,
            grace: self.config.grace,
        }
    }

    /// How long a runner gets to start and lock itself down.
    fn start_timeout(&self) -> Duration {
        (self.config.budget + self.config.grace).max(Duration::from_secs(1))
    }

    /// Loads `cart` into a fresh runner: the runner parses its files, then its top-level
    /// code and `BOOT` run. A cart whose files cannot be played stops with
    /// [`FaultKind::BadCart`], its message naming the file and the place.
    pub fn load(&mut self, cart: Cart) -> Result<(), Stop> {
        self.flush_pmem();
        self.persist = None;
        self.info = None;
        self.cart = Some(cart);
        self.restart()
    }

    /// Kills the current runner (if any) and loads the cart again into a fresh one.
    pub fn restart(&mut self) -> Result<(), Stop> {
        self.flush_pmem();
        if let Some(mut old) = self.runner.take() {
            old.kill();
            self.zygote.forget(old.id());
        }
        self.frames = 0;
        self.sound = None;
        // A fresh runner starts its clock at the load.
        self.paused_for = Duration::ZERO;
        if self.paused_since.is_some() {
            self.paused_since = Some(Instant::now());
        }
        let Some(cart) = &self.cart else {
            return Err(Stop::Host("no cart loaded".into()));
        };
        let load = LoadCart {
            seq: 0,
            name: cart.name.clone(),
            files: cart.files.clone(),
            settings: CartSettings {
                memory_limit: self.config.memory_limit,
                budget_ms: self.config.budget.as_millis().min(u32::MAX as u128) as u32,
                spin_us: self.config.spin.as_micros().min(u32::MAX as u128) as u32,
                virtual_time: self.config.virtual_time,
                pmem_key: self.config.pmem_dir.is_some(),
            },
        };
        // The runtime: the one the cart's first runner named, else a guess from the file's
        // name. A guess that was wrong (a `.tic` holding a WebAssembly module) costs one
        // runner that only parsed the cart.
        let mut language = self.info.as_ref().map_or_else(
            || match cart.files.extension.as_str() {
                "wasm" | "wat" | "wasmp" => Language::Wasm,
                _ => Language::Lua,
            },
            |i| i.language,
        );
        let deadline = self.deadline();
        let (mut runner, info) = loop {
            let mut runner = self.spawn(language)?;
            let parsed = runner.load(&mut self.zygote, load.clone(), deadline);
            let info = match parsed {
                Ok(info) => info,
                Err(stop) => {
                    self.runner = Some(runner);
                    return self.after_request(Err(Stop::from(stop)));
                }
            };
            if info.language == language {
                break (runner, info);
            }
            runner.kill();
            self.zygote.forget(runner.id());
            if self.info.is_some() || language != Language::Lua {
                // Only a Lua runner's guess may be corrected, and only once.
                return Err(Stop::Misbehaved(format!(
                    "a {} runner said its cart is for the other runtime",
                    language_name(language)
                )));
            }
            language = info.language;
        };
        if self.persist.is_none()
            && let Some(dir) = &self.config.pmem_dir
        {
            // A runner that left the key out (it was asked for) saves under the all-zero key.
            let file = PmemFile::for_key(dir, &info.pmem_key.unwrap_or_default());
            self.persist = Some(Persist {
                saved: file.load(),
                file,
                last_save: None,
                failing: false,
            });
        }
        if let Some(seed) = self.pmem_seed.take() {
            runner.shm().write(RAM_OFFSET + ram::PMEM, &seed[..]);
        } else if let Some(p) = &self.persist {
            runner.shm().write(RAM_OFFSET + ram::PMEM, &p.saved);
        }
        if self.info.is_none() {
            self.info = Some(info);
        }
        let trace = &mut self.trace;
        let started = runner.start(&mut self.zygote, deadline, &mut |t| trace.push(t));
        self.trace.bound();
        self.runner = Some(runner);
        self.after_request(started.map_err(Stop::from))
    }

    /// A fresh runner for `language`.
    fn spawn(&mut self, language: Language) -> Result<RunnerProcess, Stop> {
        let program = match language {
            Language::Wasm => RunnerProgram::Wasm,
            Language::Lua => RunnerProgram::Lua,
        };
        let timeout = self.start_timeout();
        let mut runner =
            RunnerProcess::spawn(&mut self.zygote, program, self.config.limits, timeout)?;
        runner.set_spin(self.config.spin);
        self.colocate_pending = self.config.colocate.then(|| runner.pid());
        Ok(runner)
    }

    /// Starts a runner and lets it go: whether the zygote's program is Cartbox's and can
    /// fork sandboxed runners (an embedder asks at once, before any cart).
    pub fn check_runner(&mut self) -> Result<(), Stop> {
        let mut runner = self.spawn(Language::Lua)?;
        runner.kill();
        self.zygote.forget(runner.id());
        Ok(())
    }

    /// What the runner that parsed the loaded cart said of it: its runtime, title, game
    /// menu, persistent-memory key and cursor sprites (a claim, within fixed limits).
    /// `None` until a runner has parsed the cart.
    pub fn info(&self) -> Option<&CartInfo> {
        self.info.as_deref()
    }

    /// Writes `cart` as a `.tic` or PNG cart: a fresh runner parses and writes it (the
    /// runner currently playing, if any, plays on). `cover`: a screen ([`Console::screen`])
    /// to make its cover, as TIC-80's F7 does; `None` keeps its own.
    pub fn export(
        &mut self,
        cart: &Cart,
        format: ExportFormat,
        cover: Option<Vec<u8>>,
    ) -> Result<Vec<u8>, Stop> {
        let mut runner = self.spawn(Language::Lua)?;
        let deadline = self.deadline();
        let request = ExportCart {
            seq: 0,
            name: cart.name.clone(),
            files: cart.files.clone(),
            format,
            cover,
        };
        let result = runner.export(&mut self.zygote, request, deadline);
        runner.kill();
        self.zygote.forget(runner.id());
        result.map_err(Stop::from)
    }

    /// Runs one frame with `input` and makes its pixels available. Returns whether the cart
    /// called `exit()`.
    pub fn frame(&mut self, input: &Input) -> Result<bool, Stop> {
        self.run_frame(input, true)
    }

    /// Runs one frame; with `pixels` false nobody will look at it, so the runner skips
    /// converting it to pixels (its scanline callbacks still run). A frame in which the cart
    /// calls `exit()` is always converted.
    pub fn run_frame(&mut self, input: &Input, pixels: bool) -> Result<bool, Stop> {
        let deadline = self.deadline();
        let paused_ms = self.take_paused_ms();
        let Some(runner) = self.runner.as_mut() else {
            return Err(Stop::Host("the cart is not running".into()));
        };
        if self.frames > 0
            && let Some(pid) = self.colocate_pending.take()
        {
            // Best effort: where affinity cannot be set, the runner runs where it may.
            let _ = crate::sys::share_cpu_with(pid);
        }
        let mut regs = [0u8; 12];
        regs[..4].copy_from_slice(&input.gamepads);
        regs[4..8].copy_from_slice(&input.mouse);
        regs[8..].copy_from_slice(&input.keyboard);
        runner.shm().write(RAM_OFFSET + ram::GAMEPADS, &regs);
        runner
            .shm()
            .write(RAM_OFFSET + ram::BUTTON_MAPPING, &self.config.keymap);
        self.frames += 1;
        let time = self
            .config
            .virtual_time
            .then(|| (self.frames - 1) as f64 * 1000.0 / 60.0);
        let trace = &mut self.trace;
        let result = runner.frame(
            &mut self.zygote,
            time,
            paused_ms,
            pixels,
            deadline,
            &mut |t| trace.push(t),
        );
        self.trace.bound();
        self.sound = None;
        if result.is_ok() {
            let mut regs = [0u8; SOUND_SIZE];
            runner.shm().read(SOUND_OFFSET, &mut regs);
            self.sound = Some(SoundRegisters(regs));
        }
        self.after_request(result.map_err(Stop::from))
    }

    /// Saves persistent memory if it changed, and lets go of a runner that stopped.
    fn after_request<T>(&mut self, result: Result<T, Stop>) -> Result<T, Stop> {
        match result {
            Ok(v) => {
                self.save_pmem(false);
                Ok(v)
            }
            Err(stop) => {
                self.flush_pmem();
                // Killed or ended: nobody will ask the zygote how, later.
                if let Some(runner) = self.runner.take() {
                    self.zygote.forget(runner.id());
                }
                Err(stop)
            }
        }
    }

    /// Saves the cart's persistent memory if it changed since the last save, at most every
    /// [`SAVE_EVERY`] unless `now`.
    fn save_pmem(&mut self, now: bool) {
        let (Some(p), Some(runner)) = (self.persist.as_mut(), self.runner.as_ref()) else {
            return;
        };
        if !now && p.last_save.is_some_and(|t| t.elapsed() < SAVE_EVERY) {
            return;
        }
        let mut current = [0u8; PMEM_SIZE];
        runner.shm().read(RAM_OFFSET + ram::PMEM, &mut current);
        if current != p.saved {
            // A failed save is retried at each chance (every SAVE_EVERY while it differs);
            // the old file stays whole. A failure is said at once, and again only after a
            // save succeeded.
            let path = p.file.path().display();
            match p.file.save(&current) {
                Ok(()) => {
                    p.saved = current;
                    if std::mem::take(&mut p.failing) {
                        self.save_notices.push(format!(
                            "{path}: the cart's persistent memory is saved again"
                        ));
                    }
                }
                Err(e) if !p.failing => {
                    p.failing = true;
                    self.save_notices.push(format!(
                        "{path}: cannot save the cart's persistent memory ({e}); retrying"
                    ));
                }
                Err(_) => {}
            }
            p.last_save = Some(Instant::now());
        }
    }

    /// What happened to saves of persistent memory since the last call: a save that
    /// failed (once, until one succeeds), and a save that succeeded again. For people.
    pub fn take_save_notices(&mut self) -> Vec<String> {
        std::mem::take(&mut self.save_notices)
    }

    /// Saves persistent memory now; an error if what the cart wrote could not be saved
    /// (it is lost when the console goes away).
    pub fn save_now(&mut self) -> Result<(), String> {
        self.flush_pmem();
        match &self.persist {
            Some(p) if p.failing => Err(format!(
                "{}: the cart's persistent memory could not be saved: its progress is lost",
                p.file.path().display()
            )),
            _ => Ok(()),
        }
    }

    /// Saves persistent memory now if it changed (when a cart stops or is replaced).
    fn flush_pmem(&mut self) {
        self.save_pmem(true);
    }

    /// Where this cart's persistent memory is saved, if it is.
    pub fn pmem_file(&self) -> Option<&std::path::Path> {
        self.persist.as_ref().map(|p| p.file.path())
    }

    /// How long the cart was paused since the last request, in milliseconds, for the
    /// runner to leave out of `time()` (a pause still going on counts up to now).
    fn take_paused_ms(&mut self) -> f64 {
        if let Some(since) = self.paused_since.as_mut() {
            self.paused_for += since.elapsed();
            *since = Instant::now();
        }
        std::mem::take(&mut self.paused_for).as_secs_f64() * 1000.0
    }

    /// The player paused the cart (`true`, the game menu is open) or resumed it. The time
    /// in between is left out of the cart's `time()`, as in TIC-80; frames simply are not
    /// asked for meanwhile.
    pub fn pause(&mut self, paused: bool) {
        match (paused, self.paused_since) {
            (true, None) => self.paused_since = Some(Instant::now()),
            (false, Some(since)) => {
                self.paused_for += since.elapsed();
                self.paused_since = None;
            }
            _ => {}
        }
    }

    /// Persistent memory for the cart's next start (load or restart), instead of what
    /// `pmem_dir` keeps: for embedders that keep it themselves (libretro's save RAM). Used
    /// once.
    pub fn set_pmem(&mut self, data: [u8; PMEM_SIZE]) {
        self.pmem_seed = Some(Box::new(data));
    }

    /// The cart's persistent memory as its RAM holds it now (`None` without a runner).
    pub fn pmem(&self) -> Option<[u8; PMEM_SIZE]> {
        let runner = self.runner.as_ref()?;
        let mut data = [0u8; PMEM_SIZE];
        runner.shm().read(RAM_OFFSET + ram::PMEM, &mut data);
        Some(data)
    }

    /// The screen in the cart's RAM now (4-bit pixels, [`ram::SCREEN_SIZE`] bytes), as the
    /// last frame left it: what TIC-80's F7 makes the cart's cover. `None` without a runner.
    pub fn screen(&self) -> Option<Vec<u8>> {
        let runner = self.runner.as_ref()?;
        let mut screen = vec![0u8; ram::SCREEN_SIZE];
        runner.shm().read(RAM_OFFSET + ram::SCREEN, &mut screen);
        Some(screen)
    }

    /// Calls the cart's `MENU(index)`: the player picked item `index` of the game menu
    /// ([`CartInfo::menu`]).
    pub fn menu(&mut self, index: u32) -> Result<(), Stop> {
        let deadline = self.deadline();
        let paused_ms = self.take_paused_ms();
        let Some(runner) = self.runner.as_mut() else {
            return Err(Stop::Host("the cart is not running".into()));
        };
        let trace = &mut self.trace;
        let result = runner.menu(&mut self.zygote, index, paused_ms, deadline, &mut |t| {
            trace.push(t)
        });
        self.trace.bound();
        self.after_request(result.map_err(Stop::from))
    }

    /// Takes what the synthesiser plays for the frame just run: the sound registers and
    /// stereo volumes as the cart left them at the end of `TIC` (`None` when the last
    /// request was not a finished frame). Any bytes may come from the runner; the
    /// synthesiser accepts them all.
    pub fn take_sound(&mut self) -> Option<SoundRegisters> {
        self.sound.take()
    }

    /// Frames run since the cart was (re)loaded.
    pub fn frames(&self) -> u64 {
        self.frames
    }

    /// Copies the last finished frame (256x144, `0x00RRGGBB`). Returns false if no runner
    /// is alive to have one.
    pub fn copy_frame(&self, out: &mut [u32; FRAME_PIXELS]) -> bool {
        match &self.runner {
            Some(r) => {
                r.shm().read_u32(FRAME_OFFSET, out);
                true
            }
            None => false,
        }
    }

    /// A handle that kills the current runner from another thread (for a front-end that
    /// quits while this console waits on a stuck runner).
    pub fn killer(&self) -> Option<crate::runner::Killer> {
        self.runner.as_ref().and_then(|r| r.killer().ok())
    }

    /// The id of the current runner (unique for the console's life, unlike a pid).
    pub fn runner_id(&self) -> Option<u64> {
        self.runner.as_ref().map(RunnerProcess::id)
    }

    /// The mouse cursor byte the cart left in RAM (0x03FFB): bits 0-6 a sprite (0 hides
    /// the cursor), bit 7 a system cursor (0 arrow, 1 hand, 2 I-beam). Any value may come
    /// from the runner; readers treat it as a claim.
    pub fn mouse_cursor(&self) -> Option<u8> {
        let runner = self.runner.as_ref()?;
        let mut b = [0u8; 1];
        runner.shm().read(RAM_OFFSET + ram::MOUSE_CURSOR, &mut b);
        Some(b[0])
    }

    /// The last finished frame as RGB bytes: the 240x136 screen, or with `border` the
    /// whole 256x144 output.
    pub fn screenshot(&self, border: bool) -> Option<(u32, u32, Vec<u8>)> {
        let mut frame = Box::new([0u32; FRAME_PIXELS]);
        if !self.copy_frame(&mut frame) {
            return None;
        }
        let (x0, y0, w, h) = if border {
            (0, 0, FULL_WIDTH, ram::FULL_HEIGHT)
        } else {
            (BORDER_LEFT, BORDER_TOP, WIDTH, HEIGHT)
        };
        let mut rgb = Vec::with_capacity(w * h * 3);
        for y in y0..y0 + h {
            for px in &frame[y * FULL_WIDTH + x0..y * FULL_WIDTH + x0 + w] {
                rgb.extend_from_slice(&[(px >> 16) as u8, (px >> 8) as u8, *px as u8]);
            }
        }
        Some((w as u32, h as u32, rgb))
    }

    /// Takes the trace output gathered so far (at most the last [`TRACE_KEPT`] lines; a
    /// line saying how many were dropped comes first if any were).
    pub fn take_trace(&mut self) -> Vec<TraceLine> {
        if self.trace.lines.is_empty() && self.trace.dropped == 0 {
            // Most frames: nothing, and nothing allocated.
            return Vec::new();
        }
        let mut out = Vec::with_capacity(self.trace.lines.len() + 1);
        if self.trace.dropped > 0 {
            let text = format!("[{} older trace lines dropped]", self.trace.dropped);
            out.push(TraceLine { text, color: 2 });
            self.trace.dropped = 0;
        }
        out.extend(self.trace.lines.drain(..));
        out
    }

    /// The running runner's pid.
    pub fn runner_pid(&self) -> Option<i32> {
        self.runner.as_ref().map(RunnerProcess::pid)
    }

    /// What the running runner reported about its sandbox.
    pub fn sandbox(&self) -> Option<RunnerReady> {
        self.runner.as_ref().map(RunnerProcess::ready)
    }

    /// The zygote, for sandbox probes.
    pub fn zygote(&mut self) -> &mut Zygote {
        &mut self.zygote
    }

    /// The configuration.
    pub fn config(&self) -> &ConsoleConfig {
        &self.config
    }
}

impl Drop for Console {
    fn drop(&mut self) {
        self.flush_pmem();
    }
}
