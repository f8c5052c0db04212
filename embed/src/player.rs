//! [`Player`]: a console on a worker thread of its own, driven one request at a time by the
//! program that embeds it. A request (load, frame, restart, menu pick) either is waited for
//! or runs while the caller goes on: a caller with its own 60 Hz loop asks for a frame each
//! tick and gets the newest finished one, never waiting on a late runner. The C ABI
//! (`capi`) and the libretro core are both built on it.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use cartbox_host::audio::{FRAME_VALUES, SoundRegisters, Stream};
use cartbox_host::runner::Killer;
use cartbox_host::runner::TraceLine;
use cartbox_host::zygote::ZygoteCommand;
use cartbox_host::{Cart, Console, ConsoleConfig, Input, Stop};
use cartbox_protocol::ram::PMEM_SIZE;
use cartbox_protocol::shm::FRAME_PIXELS;
use crossbeam_channel::{Receiver, Sender, TryRecvError};

/// How to make a [`Player`].
#[derive(Debug, Clone)]
pub struct Options {
    /// A callback's budget before it is stopped.
    pub budget: Duration,
    /// How long a runner that does not answer after its budget has before it is killed.
    pub grace: Duration,
    /// The cart's memory cap, in MiB (1..=768).
    pub memory_mb: u32,
    /// Where carts' persistent memory is kept; `None`: not kept (or kept by the embedder
    /// with [`Player::load_with_pmem`]).
    pub pmem_dir: Option<PathBuf>,
    /// The runner executable (the `cartbox` binary); `None`: [`find_runner`] looks.
    pub runner: Option<PathBuf>,
    /// `time()` counts frames (frame k at (k-1)*1000/60 ms), as `cartbox run --headless`
    /// does, instead of the clock: the same input gives the same frames.
    pub frame_clock: bool,
}

impl Default for Options {
    fn default() -> Options {
        let console = ConsoleConfig::default();
        Options {
            budget: console.budget,
            grace: console.grace,
            memory_mb: (console.memory_limit >> 20) as u32,
            pmem_dir: None,
            runner: None,
            frame_clock: false,
        }
    }
}

/// The largest memory cap, as `cartbox run --memory-mb`.
pub const MAX_MEMORY_MB: u32 = 768;

/// Why a [`Player`] could not be made or asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// An argument is out of range.
    Argument(String),
    /// The runner executable was not found, could not start, or is not Cartbox's.
    Runner(String),
    /// The cart file cannot be read.
    CartFile(String),
    /// A request is still running (only when not waiting).
    Busy,
    /// There is no cart to restart or pick a menu item of.
    NotRunning,
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Argument(m) | Error::Runner(m) | Error::CartFile(m) => f.write_str(m),
            Error::Busy => f.write_str("the previous request is still running"),
            Error::NotRunning => f.write_str("no cart is running"),
        }
    }
}

/// Where the runner executable is looked for, in order: `CARTBOX_RUNNER`; `cartbox` in the
/// folder of `beside` (the library's own file, for libcartbox); `cartbox` on `PATH`.
pub fn find_runner(beside: Option<&std::path::Path>) -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("CARTBOX_RUNNER").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    let executable = |p: &std::path::Path| {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    };
    if let Some(dir) = beside.and_then(std::path::Path::parent) {
        let p = dir.join("cartbox");
        if executable(&p) {
            return Some(p);
        }
    }
    std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|d| d.join("cartbox"))
            .find(|p| executable(p))
    })
}

/// What a request came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Done: a load or restart started the cart, a frame was made, `MENU` ran.
    Done,
    /// Not waited for, and not finished yet: the last finished frame stays.
    Late,
    /// The cart stopped (see [`Player::stop`]).
    Stopped,
    /// The cart called `exit()`.
    Exited,
}

enum Job {
    Load(Box<Cart>, Option<Box<[u8; PMEM_SIZE]>>),
    Restart(Option<Box<[u8; PMEM_SIZE]>>),
    Frame(Input),
    Menu(u32),
}

/// A finished request.
struct Finished {
    result: Result<bool, Stop>,
    /// A frame was made (its pixels are in the buffer the request was given).
    frame: bool,
    sound: Option<SoundRegisters>,
    pmem: Option<[u8; PMEM_SIZE]>,
    trace: Vec<TraceLine>,
}

/// What the worker thread shares with the player: the console, and the buffer a request
/// not waited for leaves its frame in.
struct Shared {
    console: Console,
    frame: Box<[u32; FRAME_PIXELS]>,
    /// The runner the killer kills.
    runner_id: Option<u64>,
}

impl Shared {
    /// Runs a request, and gives the killer the runner it made, if it made one.
    fn run(
        &mut self,
        job: Job,
        frame: Option<&mut [u32; FRAME_PIXELS]>,
        killer: &Mutex<Option<Killer>>,
    ) -> Finished {
        let Shared {
            console,
            frame: own,
            runner_id,
        } = self;
        let finished = run(console, job, frame.unwrap_or(own));
        if console.runner_id() != *runner_id {
            *runner_id = console.runner_id();
            *killer.lock().unwrap_or_else(|e| e.into_inner()) = console.killer();
        }
        finished
    }
}

/// A console on its own thread (see the module's documentation).
pub struct Player {
    shared: Arc<Mutex<Shared>>,
    jobs: Option<Sender<Job>>,
    finished: Receiver<Finished>,
    thread: Option<JoinHandle<()>>,
    /// Kills the current runner (when the player goes away while it is stuck).
    killer: Arc<Mutex<Option<Killer>>>,
    busy: bool,
    cart: Option<Cart>,
    frame: Box<[u32; FRAME_PIXELS]>,
    /// The sound registers of frames whose sound is not made yet: it is made when asked
    /// for ([`Player::sound`]), so an embedder without sound does not pay for it.
    unheard: std::collections::VecDeque<SoundRegisters>,
    stream: Stream,
    sound: Box<[i16; FRAME_VALUES]>,
    /// Frames made since the last load or restart.
    frames: u64,
    stop: Option<Stop>,
    exited: bool,
    pmem: Option<[u8; PMEM_SIZE]>,
    trace: Vec<TraceLine>,
}

impl std::fmt::Debug for Player {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Player")
            .field("busy", &self.busy)
            .field("frames", &self.frames)
            .finish_non_exhaustive()
    }
}

/// Most frames of sound kept unmade: an embedder that asks for sound only now and then
/// hears the newest frames, from a fresh synthesiser.
const UNHEARD_KEPT: usize = 8;

/// Most trace lines kept for an embedder that does not take them.
const TRACE_KEPT: usize = 1000;

impl Player {
    /// Starts a console (its zygote from the runner executable) on a worker thread.
    /// `beside`: the file of the library that embeds it, for [`find_runner`].
    pub fn new(options: &Options, beside: Option<&std::path::Path>) -> Result<Player, Error> {
        if !(1..=MAX_MEMORY_MB).contains(&options.memory_mb) {
            return Err(Error::Argument(format!(
                "the memory cap is 1 to {MAX_MEMORY_MB} MiB, not {}",
                options.memory_mb
            )));
        }
        if options.budget.is_zero() || options.grace.is_zero() {
            return Err(Error::Argument(
                "the budget and grace must be above 0 ms".into(),
            ));
        }
        let runner = options
            .runner
            .clone()
            .or_else(|| find_runner(beside))
            .ok_or_else(|| {
                Error::Runner(
                    "no runner executable: set CARTBOX_RUNNER, or put the cartbox binary beside \
                 the library or on PATH"
                        .into(),
                )
            })?;
        let config = ConsoleConfig {
            budget: options.budget,
            grace: options.grace,
            memory_limit: u64::from(options.memory_mb) << 20,
            pmem_dir: options.pmem_dir.clone(),
            zygote: Some(ZygoteCommand::binary(&runner)),
            virtual_time: options.frame_clock,
            ..ConsoleConfig::default()
        };
        let mut console = Console::new(config)
            .map_err(|e| Error::Runner(format!("{}: {e}", runner.display())))?;
        // A program that is not Cartbox's runner starts, but never forks one: ask for one
        // now, so that the embedder hears of it here and not at the first load.
        console.check_runner().map_err(|stop| {
            Error::Runner(format!(
                "{}: not a runner Cartbox can use ({})",
                runner.display(),
                stop.describe("the runner check")
            ))
        })?;
        let (jobs, job_rx) = crossbeam_channel::bounded::<Job>(1);
        let (done_tx, finished) = crossbeam_channel::bounded::<Finished>(1);
        let killer = Arc::new(Mutex::new(None));
        let thread_killer = killer.clone();
        let shared = Arc::new(Mutex::new(Shared {
            console,
            frame: Box::new([0; FRAME_PIXELS]),
            runner_id: None,
        }));
        let thread_shared = shared.clone();
        let thread = std::thread::Builder::new()
            .name("cartbox-player".into())
            .spawn(move || work(&thread_shared, &job_rx, &done_tx, &thread_killer))
            .map_err(|e| Error::Runner(format!("cannot start the player's thread: {e}")))?;
        Ok(Player {
            shared,
            jobs: Some(jobs),
            finished,
            thread: Some(thread),
            killer,
            busy: false,
            cart: None,
            frame: Box::new([0; FRAME_PIXELS]),
            unheard: std::collections::VecDeque::new(),
            stream: Stream::new(15),
            sound: Box::new([0; FRAME_VALUES]),
            frames: 0,
            stop: None,
            exited: false,
            pmem: None,
            trace: Vec::new(),
        })
    }

    /// Plays `cart` in a fresh runner (whatever ran is killed first, a request still
    /// running with it). `wait`: until its top-level code and `BOOT` ran.
    pub fn load(&mut self, cart: Cart, wait: bool) -> Result<Outcome, Error> {
        self.cut_short();
        self.cart = Some(cart.clone());
        self.reset();
        self.submit(Job::Load(Box::new(cart), None), wait)
    }

    /// Plays `cart`, its persistent memory `pmem` (the embedder keeps it: libretro's save
    /// RAM) instead of what the pmem folder has.
    pub fn load_with_pmem(
        &mut self,
        cart: Cart,
        pmem: [u8; PMEM_SIZE],
        wait: bool,
    ) -> Result<Outcome, Error> {
        self.cut_short();
        self.cart = Some(cart.clone());
        self.reset();
        self.submit(Job::Load(Box::new(cart), Some(Box::new(pmem))), wait)
    }

    /// Starts the cart again in a fresh runner (`pmem`: as for
    /// [`Player::load_with_pmem`]; `None` uses the pmem folder's).
    pub fn restart(&mut self, pmem: Option<[u8; PMEM_SIZE]>, wait: bool) -> Result<Outcome, Error> {
        if self.cart.is_none() {
            return Err(Error::NotRunning);
        }
        self.cut_short();
        self.reset();
        self.submit(Job::Restart(pmem.map(Box::new)), wait)
    }

    /// Runs one frame with `input`. Waiting, it returns when the frame is done (or the
    /// cart stopped: at most the budget plus the grace). Not waiting, it returns at once:
    /// [`Outcome::Done`] when a frame asked for before has finished (its picture and sound
    /// are now [`Player::frame`] and [`Player::sound`]) and the next is asked for;
    /// [`Outcome::Late`] while the runner is still at it.
    pub fn frame(&mut self, input: &Input, wait: bool) -> Result<Outcome, Error> {
        let collected = self.settle(wait);
        if let Some(outcome) = self.ended() {
            return Ok(outcome);
        }
        if self.busy {
            return Ok(Outcome::Late);
        }
        if self.cart.is_none() {
            return Err(Error::NotRunning);
        }
        let asked = self.submit(Job::Frame(*input), wait)?;
        match asked {
            Outcome::Late if collected => Ok(Outcome::Done),
            other => Ok(other),
        }
    }

    /// Calls the cart's `MENU(index)` (its `-- menu:` item `index`).
    pub fn menu(&mut self, index: u32, wait: bool) -> Result<Outcome, Error> {
        self.settle(true);
        if let Some(outcome) = self.ended() {
            return Ok(outcome);
        }
        if self.cart.is_none() {
            return Err(Error::NotRunning);
        }
        self.submit(Job::Menu(index), wait)
    }

    /// The newest finished frame: 256x144 pixels, 0x00RRGGBB, with the border.
    pub fn frame_pixels(&self) -> &[u32; FRAME_PIXELS] {
        &self.frame
    }

    /// The newest finished frame's sound: 735 stereo samples (left, right), TIC-80's
    /// synthesis at 44,100 Hz. Silence before the first frame and after a stop. Made when
    /// asked for, from every frame since the last time (up to eight).
    pub fn sound(&mut self) -> &[i16; FRAME_VALUES] {
        while let Some(regs) = self.unheard.pop_front() {
            self.stream.frame(&regs, &mut self.sound);
        }
        &self.sound
    }

    /// Why the cart stopped, if it did.
    pub fn stop(&self) -> Option<&Stop> {
        self.stop.as_ref()
    }

    /// The cart being played (its name names it in messages).
    pub fn cart(&self) -> Option<&Cart> {
        self.cart.as_ref()
    }

    /// Frames finished since the last load or restart.
    pub fn frames(&self) -> u64 {
        self.frames
    }

    /// The cart's persistent memory after the newest finished request.
    pub fn pmem(&self) -> Option<[u8; PMEM_SIZE]> {
        self.pmem
    }

    /// Takes the cart's `trace()` lines since the last call (at most the newest 1000).
    pub fn take_trace(&mut self) -> Vec<TraceLine> {
        std::mem::take(&mut self.trace)
    }

    /// Kills the runner if a request is still running on the worker.
    fn kill_if_busy(&self) {
        let killer = self.killer.lock().unwrap_or_else(|e| e.into_inner());
        if self.busy
            && let Some(k) = killer.as_ref()
        {
            k.kill();
        }
    }

    /// Kills the runner if a request is still running (a load or restart replaces it
    /// anyway), and takes that request's end.
    fn cut_short(&mut self) {
        self.kill_if_busy();
        self.settle(true);
    }

    /// Forgets what the last cart left (a new one or a restart is coming).
    fn reset(&mut self) {
        self.stop = None;
        self.exited = false;
        self.frames = 0;
        self.frame.fill(0);
        self.sound.fill(0);
        self.unheard.clear();
        self.stream = Stream::new(15);
    }

    /// Whether the cart has stopped or exited, as an outcome.
    fn ended(&self) -> Option<Outcome> {
        if self.stop.is_some() {
            Some(Outcome::Stopped)
        } else if self.exited {
            Some(Outcome::Exited)
        } else {
            None
        }
    }

    /// Runs a request: waiting, here on the caller's thread (no hand-over to pay for);
    /// not waiting, on the worker thread.
    fn submit(&mut self, job: Job, wait: bool) -> Result<Outcome, Error> {
        if self.busy {
            return Err(Error::Busy);
        }
        if wait {
            let mut shared = self.shared.lock().unwrap_or_else(|e| e.into_inner());
            let done = shared.run(job, Some(&mut self.frame), &self.killer);
            drop(shared);
            self.take(done, false);
            return Ok(self.ended().unwrap_or(Outcome::Done));
        }
        let jobs = self.jobs.as_ref().ok_or(Error::NotRunning)?;
        if jobs.send(job).is_err() {
            return Err(Error::Runner("the player's thread has ended".into()));
        }
        self.busy = true;
        Ok(Outcome::Late)
    }

    /// Takes the request running on the worker if it has finished (waiting for it with
    /// `wait`). Returns whether one was taken.
    fn settle(&mut self, wait: bool) -> bool {
        if !self.busy {
            return false;
        }
        let done = if wait {
            self.finished.recv().ok()
        } else {
            match self.finished.try_recv() {
                Ok(d) => Some(d),
                Err(TryRecvError::Empty) => return false,
                Err(TryRecvError::Disconnected) => None,
            }
        };
        self.busy = false;
        match done {
            Some(done) => self.take(done, true),
            None => self.stop = Some(Stop::Host("the player's thread has ended".into())),
        }
        true
    }

    /// Takes what a finished request left; `from_worker`: its frame is in the shared
    /// buffer.
    fn take(&mut self, done: Finished, from_worker: bool) {
        self.trace.extend(done.trace);
        if self.trace.len() > TRACE_KEPT {
            self.trace.drain(..self.trace.len() - TRACE_KEPT);
        }
        if let Some(p) = done.pmem {
            self.pmem = Some(p);
        }
        if done.frame {
            if from_worker {
                let shared = self.shared.lock().unwrap_or_else(|e| e.into_inner());
                self.frame.copy_from_slice(&shared.frame[..]);
            }
            self.frames += 1;
        }
        match done.sound {
            Some(regs) => {
                if self.unheard.len() == UNHEARD_KEPT {
                    // Too far behind to be continuous: start afresh with the newest.
                    self.unheard.clear();
                    self.stream = Stream::new(15);
                }
                self.unheard.push_back(regs);
            }
            None => {
                self.unheard.clear();
                self.sound.fill(0);
            }
        }
        match done.result {
            Ok(true) => self.exited = true,
            Ok(false) => {}
            Err(stop) => self.stop = Some(stop),
        }
    }
}

impl Drop for Player {
    /// Stops the worker: a runner still busy is killed now rather than at its deadline.
    fn drop(&mut self) {
        self.kill_if_busy();
        drop(self.jobs.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Runs one request on `console`; a frame's pixels go to `frame`.
fn run(console: &mut Console, job: Job, frame: &mut [u32; FRAME_PIXELS]) -> Finished {
    let mut made = false;
    let mut sound = None;
    let result = match job {
        Job::Load(cart, seed) => {
            if let Some(seed) = seed {
                console.set_pmem(*seed);
            }
            console.load(*cart).map(|()| false)
        }
        Job::Restart(seed) => {
            if let Some(seed) = seed {
                console.set_pmem(*seed);
            }
            console.restart().map(|()| false)
        }
        Job::Menu(index) => console.menu(index).map(|()| false),
        Job::Frame(input) => {
            let result = console.frame(&input);
            made = console.copy_frame(frame);
            sound = console.take_sound();
            result
        }
    };
    Finished {
        result,
        frame: made,
        sound,
        pmem: console.pmem(),
        trace: console.take_trace(),
    }
}

/// The worker thread: the requests not waited for, one at a time, until the player goes
/// away.
fn work(
    shared: &Mutex<Shared>,
    jobs: &Receiver<Job>,
    done: &Sender<Finished>,
    killer: &Mutex<Option<Killer>>,
) {
    while let Ok(job) = jobs.recv() {
        let mut guard = shared.lock().unwrap_or_else(|e| e.into_inner());
        let finished = guard.run(job, None, killer);
        drop(guard);
        if done.send(finished).is_err() {
            return;
        }
    }
}
