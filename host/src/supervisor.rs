//! A console on a thread of its own, for front-ends that must never wait on a runner.
//!
//! [`Console`] calls block until the runner answers or its deadline passes. A window (or
//! any embedder with a UI thread) talks to a [`Supervisor`] instead: commands go over a
//! channel, the supervisor thread runs the cart at 60 frames per second, and the newest
//! finished frame is kept in a slot the UI copies from whenever it presents. While a frame
//! is late, the UI keeps presenting the last one and can read how long the runner has been
//! busy and how long until the host kills it ([`Supervisor::status`]).

use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use cartbox_protocol::cart::CartInfo;
use cartbox_protocol::shm::FRAME_PIXELS;
use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};

use crate::audio::SoundSender;
use crate::cart::Cart;
use crate::console::{Console, ConsoleConfig, ConsoleError, Input, Stop};
use crate::frontend::keys::KeyState;
use crate::runner::{Killer, TraceLine};

/// One frame at 60 Hz.
pub const FRAME_TIME: Duration = Duration::from_nanos(16_666_667);

/// How long a request must have been running for a quitting supervisor to kill its
/// runner instead of waiting for it.
pub const STUCK_AFTER: Duration = Duration::from_millis(250);

/// Something the supervisor reports.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// The cart is loaded (or restarted) and its frames are running.
    Loaded,
    /// The cart stopped: error, hang, crash; it stays stopped until a restart or load.
    Stopped(Stop),
    /// The cart called `exit()`.
    Exited,
    /// A line of `trace()` output.
    Trace(TraceLine),
    /// Something to tell the player (a save of persistent memory failed, or works again).
    Notice(String),
    /// The screen in the cart's RAM, as asked for with [`Supervisor::take_cover`] (4-bit
    /// pixels, [`cartbox_protocol::ram::SCREEN_SIZE`] bytes).
    Cover(Vec<u8>),
}

/// How a supervisor paces its frames.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    /// Time between frames ([`FRAME_TIME`]: 60 a second).
    pub interval: Duration,
    /// The share of one CPU the cart's frames may take, above 0 and at most 1 (no limit):
    /// after a frame that took `t`, the next waits at least `t * (1 - share) / share`.
    pub share: f64,
}

impl Default for Rate {
    fn default() -> Rate {
        Rate {
            interval: FRAME_TIME,
            share: 1.0,
        }
    }
}

/// What the console is doing, as the UI sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// No cart is running (none loaded, or it stopped or exited).
    Idle,
    /// Frames are running and the last request was answered in time.
    Running,
    /// A request has been waiting for the runner this long; the host kills it after
    /// `kill_in` more unless it answers.
    Busy {
        /// How long the runner has been working on the current request.
        since: Duration,
        /// Time left before the hard deadline.
        kill_in: Duration,
        /// What the request is.
        doing: Doing,
    },
}

/// What a busy runner is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Doing {
    /// A frame (or a menu pick): past its budget, the cart is not responding.
    Frame,
    /// Loading a cart: parsing it, its top-level code and `BOOT`.
    Loading,
    /// Loading a WebAssembly cart, whose module is compiled first (a large one takes
    /// seconds).
    Compiling,
}

enum Command {
    Load(Box<Cart>),
    Restart,
    Input(Input),
    Key(u8, bool),
    ReleaseKeys,
    Scroll(i32, i32),
    Menu(u32),
    Pause(bool),
    Rate(Rate),
    Cover,
    Sound(Option<SoundSender>),
    Quit,
}

/// The newest finished frame.
struct Latest {
    number: u64,
    pixels: Box<[u32; FRAME_PIXELS]>,
    /// The mouse cursor byte after that frame.
    cursor: u8,
}

struct Shared {
    latest: Mutex<Latest>,
    /// What the runner that parsed the cart said of it.
    info: Mutex<Option<Arc<CartInfo>>>,
    /// When the request now in progress was sent, and whether frames are running.
    state: Mutex<(Option<Instant>, bool)>,
    /// What the request in progress is.
    doing: Mutex<Doing>,
    /// Budget plus grace: when a busy runner is killed.
    deadline: Duration,
    /// Called each time a new frame is ready (see [`Supervisor::on_frame`]).
    on_frame: Mutex<Option<FrameReady>>,
    /// Kills the current runner (to quit without waiting for a stuck request); used only
    /// while a request has been busy for [`STUCK_AFTER`].
    killer: Mutex<Option<Killer>>,
}

/// A front-end's "a frame is ready" callback.
type FrameReady = Box<dyn Fn() + Send>;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding these locks cannot leave their data inconsistent (plain
    // copies), so a poisoned lock is still good.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// A console running on its own thread.
pub struct Supervisor {
    commands: Sender<Command>,
    events: Receiver<Event>,
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Supervisor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Supervisor").finish_non_exhaustive()
    }
}

impl Supervisor {
    /// Starts the console (and its zygote) on a new thread.
    pub fn start(config: ConsoleConfig) -> Result<Supervisor, ConsoleError> {
        let shared = Arc::new(Shared {
            latest: Mutex::new(Latest {
                number: 0,
                pixels: Box::new([0; FRAME_PIXELS]),
                cursor: 0x80,
            }),
            info: Mutex::new(None),
            state: Mutex::new((None, false)),
            doing: Mutex::new(Doing::Frame),
            deadline: config.budget + config.grace,
            on_frame: Mutex::new(None),
            killer: Mutex::new(None),
        });
        let (commands, command_rx) = crossbeam_channel::unbounded();
        let (event_tx, events) = crossbeam_channel::unbounded();
        let (started_tx, started_rx) = crossbeam_channel::bounded(1);
        let thread_shared = shared.clone();
        let thread = std::thread::Builder::new()
            .name("cartbox-supervisor".into())
            .spawn(move || match Console::new(config) {
                Ok(console) => {
                    let _ = started_tx.send(Ok(()));
                    run(console, &command_rx, &event_tx, &thread_shared);
                }
                Err(e) => {
                    let _ = started_tx.send(Err(e));
                }
            })
            .map_err(ConsoleError::Exe)?;
        match started_rx.recv() {
            Ok(Ok(())) => Ok(Supervisor {
                commands,
                events,
                shared,
                thread: Some(thread),
            }),
            Ok(Err(e)) => Err(e),
            Err(_) => Err(ConsoleError::Exe(std::io::Error::other(
                "the supervisor thread ended before the console started",
            ))),
        }
    }

    /// Plays `cart` in a fresh runner (whatever was running is killed).
    pub fn load(&self, cart: Cart) {
        let _ = self.commands.send(Command::Load(Box::new(cart)));
    }

    /// Starts the current cart again in a fresh runner.
    pub fn restart(&self) {
        let _ = self.commands.send(Command::Restart);
    }

    /// The input the next frames see.
    pub fn set_input(&self, input: Input) {
        let _ = self.commands.send(Command::Input(input));
    }

    /// A key went down or up (a TIC-80 key code, 1..94). Once keys come this way, the
    /// supervisor fills each frame's four-key buffer itself, from the keys held or tapped
    /// since the last frame, and `set_input`'s keyboard field is not used: a key pressed
    /// just before a frame is in that frame, and a tap shorter than a frame is not lost.
    pub fn key(&self, code: u8, down: bool) {
        let _ = self.commands.send(Command::Key(code, down));
    }

    /// Lets go of every key (the window lost focus).
    pub fn release_keys(&self) {
        let _ = self.commands.send(Command::ReleaseKeys);
    }

    /// Mouse wheel movement, in notches (y up, x right), added up until the next frame,
    /// which sees it once (it replaces `set_input`'s scroll bits).
    pub fn scroll(&self, x: i32, y: i32) {
        let _ = self.commands.send(Command::Scroll(x, y));
    }

    /// Sends each finished frame's sound to `sound` (an [`crate::audio::Audio`]'s sender);
    /// `None` stops sending. Sending never waits.
    pub fn play_sound(&self, sound: Option<SoundSender>) {
        let _ = self.commands.send(Command::Sound(sound));
    }

    /// Pauses the cart (no frames until `pause(false)`; the time in between is left out
    /// of its `time()`), or resumes it. A load or restart does not resume it.
    pub fn pause(&self, paused: bool) {
        let _ = self.commands.send(Command::Pause(paused));
    }

    /// How often frames run, and how much of a CPU they may take (see [`Rate`]).
    pub fn set_rate(&self, rate: Rate) {
        let _ = self.commands.send(Command::Rate(rate));
    }

    /// Asks for the screen the last frame left in the cart's RAM, to make it the cart's
    /// cover (TIC-80's F7); it comes as [`Event::Cover`], between two frames. Nothing comes
    /// when no cart is running.
    pub fn take_cover(&self) {
        let _ = self.commands.send(Command::Cover);
    }

    /// Picks item `index` of the cart's game menu.
    pub fn menu(&self, index: u32) {
        let _ = self.commands.send(Command::Menu(index));
    }

    /// Copies the newest finished frame into `out` if it is newer than frame `have`, and
    /// returns its number (0 before the first). Never waits on a runner: at most on a
    /// copy of one frame by the supervisor thread.
    pub fn latest_frame(&self, have: u64, out: &mut [u32; FRAME_PIXELS]) -> u64 {
        let latest = lock(&self.shared.latest);
        if latest.number != have {
            out.copy_from_slice(&latest.pixels[..]);
        }
        latest.number
    }

    /// The mouse cursor byte the cart left after the newest frame (see
    /// [`Console::mouse_cursor`]).
    pub fn mouse_cursor(&self) -> u8 {
        lock(&self.shared.latest).cursor
    }

    /// What the runner that parsed the loaded cart said of it (see [`Console::info`]); set
    /// once a load has been tried, before its [`Event`] is sent.
    pub fn cart_info(&self) -> Option<Arc<CartInfo>> {
        lock(&self.shared.info).clone()
    }

    /// Calls `f` (on the supervisor's thread) each time a new frame is ready, so that a
    /// front-end can present frames as they come instead of on a clock of its own (two
    /// 60 Hz clocks drift: now and then a frame would show twice and the next not at
    /// all). `f` must not block.
    pub fn on_frame(&self, f: impl Fn() + Send + 'static) {
        *lock(&self.shared.on_frame) = Some(Box::new(f));
    }

    /// What the console is doing.
    pub fn status(&self) -> Status {
        let (busy, running) = *lock(&self.shared.state);
        match busy {
            Some(at) => {
                let since = at.elapsed();
                Status::Busy {
                    since,
                    kill_in: self.shared.deadline.saturating_sub(since),
                    doing: *lock(&self.shared.doing),
                }
            }
            None if running => Status::Running,
            None => Status::Idle,
        }
    }

    /// The next event, if one is waiting.
    pub fn try_event(&self) -> Option<Event> {
        self.events.try_recv().ok()
    }

    /// The next event, waiting up to `timeout`.
    pub fn wait_event(&self, timeout: Duration) -> Option<Event> {
        self.events.recv_timeout(timeout).ok()
    }
}

impl Drop for Supervisor {
    /// Stops the console. A runner that has been busy for [`STUCK_AFTER`] is killed now
    /// rather than at its deadline (it would be killed then anyway); one in an ordinary
    /// frame finishes it first, so the persistent memory the console saves on the way out
    /// is never half a frame's writes.
    fn drop(&mut self) {
        let _ = self.commands.send(Command::Quit);
        if matches!(self.status(), Status::Busy { since, .. } if since >= STUCK_AFTER)
            && let Some(k) = lock(&self.shared.killer).as_ref()
        {
            k.kill();
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The supervisor thread: commands between frames, frames at 60 Hz while a cart runs.
fn run(
    mut console: Console,
    commands: &Receiver<Command>,
    events: &Sender<Event>,
    shared: &Shared,
) {
    let mut input = Input::default();
    // Key events and wheel movement since the last frame (see `Supervisor::key`).
    let mut keys: Option<KeyState> = None;
    let mut scroll = (0i32, 0i32);
    // Which runner `shared.killer` kills (a new runner needs a new killer).
    let mut killer_of = None;
    let mut next = Instant::now();
    let mut pixels = Box::new([0u32; FRAME_PIXELS]);
    let mut sound: Option<SoundSender> = None;
    let mut paused = false;
    let mut rate = Rate::default();
    loop {
        let running = lock(&shared.state).1;
        let command = if running && !paused {
            commands.recv_deadline(next)
        } else {
            commands.recv().map_err(|_| RecvTimeoutError::Disconnected)
        };
        // Runs a request with the busy mark set, and reports how it ended.
        let mut request =
            |console: &mut Console, f: &mut dyn FnMut(&mut Console) -> Result<bool, Stop>| {
                lock(&shared.state).0 = Some(Instant::now());
                // A new runner (after a load or restart) gets a new killer; frames of the
                // same runner reuse it.
                let id = console.runner_id();
                if id != killer_of {
                    *lock(&shared.killer) = console.killer();
                    killer_of = id;
                }
                let result = f(console);
                *lock(&shared.doing) = Doing::Frame;
                let mut state = lock(&shared.state);
                state.0 = None;
                state.1 = matches!(result, Ok(false));
                result
            };
        let result = match command {
            Ok(Command::Quit) | Err(RecvTimeoutError::Disconnected) => return,
            Ok(Command::Input(i)) => {
                input = i;
                continue;
            }
            Ok(Command::Key(code, down)) => {
                keys.get_or_insert_with(KeyState::default).set(code, down);
                continue;
            }
            Ok(Command::ReleaseKeys) => {
                if let Some(k) = keys.as_mut() {
                    k.clear();
                }
                continue;
            }
            Ok(Command::Scroll(x, y)) => {
                scroll = (scroll.0.saturating_add(x), scroll.1.saturating_add(y));
                continue;
            }
            Ok(Command::Load(cart)) => {
                next = Instant::now();
                *lock(&shared.doing) =
                    if matches!(cart.files.extension.as_str(), "wasm" | "wat" | "wasmp") {
                        Doing::Compiling
                    } else {
                        Doing::Loading
                    };
                let mut cart = Some(*cart);
                let loaded = request(&mut console, &mut |c| {
                    let cart = cart.take().ok_or_else(|| Stop::Host("no cart".into()))?;
                    c.load(cart).map(|()| false)
                });
                *lock(&shared.info) = console.info().cloned().map(Arc::new);
                loaded.map(|_| Some(Event::Loaded))
            }
            Ok(Command::Restart) => {
                next = Instant::now();
                *lock(&shared.doing) = match console.info() {
                    Some(i) if i.language == cartbox_protocol::cart::Language::Wasm => {
                        Doing::Compiling
                    }
                    _ => Doing::Loading,
                };
                request(&mut console, &mut |c| c.restart().map(|()| false))
                    .map(|_| Some(Event::Loaded))
            }
            Ok(Command::Menu(index)) if running => {
                request(&mut console, &mut |c| c.menu(index).map(|()| false)).map(|_| None)
            }
            Ok(Command::Menu(_)) => continue,
            Ok(Command::Cover) => match console.screen() {
                Some(screen) if running => Ok(Some(Event::Cover(screen))),
                _ => continue,
            },
            Ok(Command::Rate(r)) => {
                rate = Rate {
                    interval: r.interval.max(Duration::from_millis(1)),
                    share: if r.share.is_finite() {
                        r.share.clamp(0.01, 1.0)
                    } else {
                        1.0
                    },
                };
                continue;
            }
            Ok(Command::Pause(p)) => {
                if paused && !p {
                    // Frames go on from now: no burst to catch up.
                    next = Instant::now();
                }
                paused = p;
                console.pause(p);
                continue;
            }
            Ok(Command::Sound(s)) => {
                sound = s;
                continue;
            }
            Err(RecvTimeoutError::Timeout) => {
                let mut this = input;
                if let Some(k) = keys.as_mut() {
                    this.keyboard = k.take_frame();
                }
                if scroll != (0, 0) {
                    let (x, y) = (scroll.0.clamp(-32, 31), scroll.1.clamp(-32, 31));
                    let bits = u16::from_le_bytes([this.mouse[2], this.mouse[3]]) & !0x7ff8
                        | (x as u16 & 0x3f) << 3
                        | (y as u16 & 0x3f) << 9;
                    this.mouse[2..4].copy_from_slice(&bits.to_le_bytes());
                    scroll = (0, 0);
                }
                let began = Instant::now();
                let frame = request(&mut console, &mut |c| c.frame(&this));
                let cost = began.elapsed();
                // The frame's sound first: it is due before the picture is.
                if let (Some(s), Some(regs)) = (&sound, console.take_sound()) {
                    s.send(regs, console.frames() == 1);
                }
                if console.copy_frame(&mut pixels) {
                    let cursor = console.mouse_cursor().unwrap_or(0x80);
                    let mut latest = lock(&shared.latest);
                    latest.number += 1;
                    latest.pixels.copy_from_slice(&pixels[..]);
                    latest.cursor = cursor;
                    drop(latest);
                    if let Some(f) = lock(&shared.on_frame).as_ref() {
                        f();
                    }
                }
                // The next tick: one frame later, or from now if the cart fell behind
                // (no burst of frames to catch up).
                next += rate.interval;
                let now = Instant::now();
                if next < now {
                    next = now + rate.interval;
                }
                // A cart past its share of a CPU waits in proportion: it gets fewer
                // frames, not more time.
                if rate.share < 1.0 {
                    let rest = cost.mul_f64((1.0 - rate.share) / rate.share);
                    next = next.max(now + rest);
                }
                match frame {
                    Ok(true) => Ok(Some(Event::Exited)),
                    Ok(false) => Ok(None),
                    Err(stop) => Err(stop),
                }
            }
        };
        for line in console.take_trace() {
            let _ = events.send(Event::Trace(line));
        }
        for notice in console.take_save_notices() {
            let _ = events.send(Event::Notice(notice));
        }
        match result {
            Ok(Some(event)) => {
                let _ = events.send(event);
            }
            Ok(None) => {}
            Err(stop) => {
                let _ = events.send(Event::Stopped(stop));
            }
        }
    }
}
