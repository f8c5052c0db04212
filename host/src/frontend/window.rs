//! The desktop window: `cartbox run CART` and `cartbox watch CART`.
//!
//! The window thread never waits on a runner. A [`Supervisor`] runs the console on its own
//! thread at 60 Hz; every 1/60 s the window hands it the latest input, copies the newest
//! finished frame (or keeps the last one while a frame is late), draws the overlays and
//! presents. While the runner is busy past [`NOT_RESPONDING_AFTER`], a bar counts down to
//! the kill; once the cart has stopped, its error stays on screen until R (restart) or
//! Esc (quit).
//!
//! Host keys, which the cart never sees: Esc quit, F5 or Ctrl+R restart, F8 screenshot
//! (PNG), F9 start/stop GIF recording, F1 trace console, F6 mute, F11 or Alt+Enter
//! fullscreen.
//!
//! Sound plays on an [`Audio`] thread of its own for as long as the window is open (across
//! restarts and reloads); the supervisor hands it each frame's sound.

use std::num::NonZeroU32;
use std::path::PathBuf;
use std::rc::Rc;
use std::time::{Duration, Instant};

use cartbox_protocol::ram::{FULL_HEIGHT, FULL_WIDTH};
use cartbox_protocol::shm::FRAME_PIXELS;
use winit::application::ApplicationHandler;
use winit::dpi::PhysicalSize;
use winit::event::{ElementState, MouseButton, MouseScrollDelta, WindowEvent};
use winit::event_loop::{ActiveEventLoop, ControlFlow, EventLoop, EventLoopProxy};
use winit::keyboard::{KeyCode, ModifiersState, PhysicalKey};
use winit::window::{CursorIcon, Fullscreen, Window, WindowId};

use super::gif::GifRecorder;
use super::overlay::{self, COLUMNS, Canvas, colour};
use super::printer::{Printer, Stream};
use crate::audio::{Audio, AudioConfig};
use crate::cart::{Cart, CartError};
use crate::console::{ConsoleConfig, Input, Stop};
use crate::fsutil::next_free;
use crate::supervisor::{Event, FRAME_TIME, Status, Supervisor};

/// How long a frame may be late before the window says the cart is not responding.
pub const NOT_RESPONDING_AFTER: Duration = Duration::from_millis(250);

/// How much later than a frame's due time the window's own clock presents, when the
/// cart's frames stop coming.
const FALLBACK_SLACK: Duration = Duration::from_millis(4);

/// Lines the trace console keeps.
const TRACE_LINES: usize = 15;

/// What to run and how.
#[derive(Debug)]
pub struct Options {
    /// The cart file (watched in watch mode).
    pub path: PathBuf,
    /// The cart, already read.
    pub cart: Cart,
    /// How the console runs it.
    pub config: ConsoleConfig,
    /// Close the window after this many cart frames were presented (tests).
    pub frames: Option<u64>,
    /// Reload the cart when its file changes; restart on SIGUSR1 or a line on stdin.
    pub watch: bool,
    /// Print the presentation figures when the window closes.
    pub stats: bool,
    /// Window size, as a multiple of 256x144.
    pub scale: u32,
    /// Where screenshots and GIFs go.
    pub out_dir: PathBuf,
    /// How to play the sound.
    pub sound: AudioConfig,
}

/// Wakes the window from other threads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Wake {
    /// The watched cart file changed.
    CartChanged,
    /// Someone asked for a restart (SIGUSR1, a line on stdin).
    Restart,
    /// stdin said `quit`.
    Quit,
    /// A message to show for a moment (a screenshot written, a recording finished).
    Notice(String),
    /// The supervisor has a new frame.
    Frame,
}

/// How the window ended.
#[derive(Debug)]
pub enum Outcome {
    /// Closed with the cart running, after it exited, or after `--frames`.
    Closed,
    /// Closed while the cart was stopped (the last stop).
    Stopped(Stop),
}

/// The window could not be opened.
#[derive(Debug)]
pub struct NoWindow(pub String);

impl std::fmt::Display for NoWindow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Opens the window and plays until it is closed.
pub fn run(opts: Options) -> Result<Outcome, NoWindow> {
    if std::env::var_os("DISPLAY").is_none() && std::env::var_os("WAYLAND_DISPLAY").is_none() {
        return Err(NoWindow(
            "no display to open a window on (DISPLAY and WAYLAND_DISPLAY are unset); \
             use --headless"
                .into(),
        ));
    }
    // Requests from other programs: SIGUSR1 restarts (run and watch); in watch mode a
    // line on stdin does too. The signal is blocked before any thread starts, so that
    // every thread inherits the mask and only the waiting thread takes it.
    let blocked = super::signals::block_sigusr1();
    let event_loop = EventLoop::<Wake>::with_user_event()
        .build()
        .map_err(|e| NoWindow(format!("cannot open a window: {e}")))?;
    let proxy = event_loop.create_proxy();
    if let Some(blocked) = blocked {
        super::signals::restart_on_sigusr1(blocked, proxy.clone());
    }
    let supervisor = Supervisor::start(opts.config.clone())
        .map_err(|e| NoWindow(format!("cannot start the console: {e}")))?;
    let printer = Printer::start();
    let audio = match Audio::start(opts.sound.clone()) {
        Ok(a) => {
            supervisor.play_sound(Some(a.sender()));
            Some(a)
        }
        Err(e) => {
            printer.line(Stream::Err, format!("cartbox: no sound: {e}"));
            None
        }
    };
    let _watcher = if opts.watch {
        super::watch::stdin_commands(proxy.clone());
        match super::watch::watch(&opts.path, proxy.clone()) {
            Ok(w) => Some(w),
            Err(e) => {
                return Err(NoWindow(format!(
                    "{}: cannot watch: {e}",
                    opts.path.display()
                )));
            }
        }
    } else {
        None
    };
    // Frames are presented as they come; the window's own 60 Hz clock only takes over
    // while none come (a hang, a stopped cart).
    let frame_proxy = proxy.clone();
    supervisor.on_frame(move || {
        let _ = frame_proxy.send_event(Wake::Frame);
    });
    supervisor.load(opts.cart.clone());
    let mut app = App::new(opts, supervisor, proxy, printer.clone(), audio);
    let result = event_loop.run_app(&mut app);
    let App {
        shown,
        stats,
        stats_enabled,
        supervisor,
        window,
        surface,
        recording,
        printer: app_printer,
        audio,
        ..
    } = app;
    drop(app_printer);
    // Close the window first: what follows may wait (on a runner that is still stuck,
    // until its kill; on the GIF file; on the terminal). The sound stops with it.
    drop(surface);
    drop(window);
    let mut sound_summary = None;
    if let Some(audio) = audio {
        sound_summary = Some(audio.stats().summary());
        for n in audio.stop() {
            printer.line(Stream::Err, format!("cartbox: {n}"));
        }
    }
    if let Some(rec) = recording {
        printer.line(Stream::Err, format!("cartbox: {}", rec.stop()));
    }
    // Stops the console: a cart's persistent memory is saved on the way out.
    drop(supervisor);
    let stats = stats_enabled.then_some(stats);
    printer.finish(Duration::from_secs(2));
    result.map_err(|e| NoWindow(format!("the window failed: {e}")))?;
    if let Some(stats) = stats {
        eprintln!("{}", stats.summary());
        if let Some(sound) = sound_summary {
            // It names the sink, which the sound server chose.
            eprintln!("{}", super::headless::terminal_safe(&sound));
        }
    }
    Ok(match shown {
        Shown::Stopped(stop, _) => Outcome::Stopped(stop),
        _ => Outcome::Closed,
    })
}

/// What the window shows besides the cart's picture.
enum Shown {
    /// The cart is starting (no frame yet).
    Starting,
    /// Frames are running.
    Running,
    /// The cart stopped; the lines explain why.
    Stopped(Stop, Vec<(String, u32)>),
    /// The cart called `exit()` (watch mode keeps the window).
    Exited,
}

/// Presentation figures: how regularly frames reached the screen.
#[derive(Debug, Default)]
pub struct Stats {
    presented: u64,
    /// The cart frame last presented, and whether frames were running then.
    last_frame: Option<u64>,
    /// Cart frames never presented, and presentations of a frame already shown, while
    /// frames were running (judder).
    skipped: u64,
    repeated: u64,
    first: Option<Instant>,
    last: Option<Instant>,
    longest: Duration,
    gaps: Vec<Duration>,
}

impl Stats {
    fn presented(&mut self, now: Instant, frame: u64, running: bool) {
        if let Some(last) = self.last_frame
            && running
        {
            if frame == last {
                self.repeated += 1;
            } else if frame > last + 1 {
                self.skipped += frame - last - 1;
            }
        }
        self.last_frame = running.then_some(frame);
        if let Some(last) = self.last {
            let gap = now - last;
            self.longest = self.longest.max(gap);
            if self.gaps.len() < 1_000_000 {
                self.gaps.push(gap);
            }
        }
        self.first.get_or_insert(now);
        self.last = Some(now);
        self.presented += 1;
    }

    /// One line: `presented N frames in S s; interval p50 X ms, p99 Y ms, longest Z ms;
    /// A cart frames never shown, B presentations repeated a frame (late or hung cart)`.
    pub fn summary(&self) -> String {
        let mut gaps = self.gaps.clone();
        gaps.sort();
        let pct = |p: usize| {
            gaps.get((gaps.len().saturating_sub(1)) * p / 100)
                .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
        };
        let span = match (self.first, self.last) {
            (Some(a), Some(b)) => (b - a).as_secs_f64(),
            _ => 0.0,
        };
        format!(
            "presented {} frames in {:.2} s; interval p50 {:.2} ms, p99 {:.2} ms, longest {:.2} ms; \
             {} cart frames never shown, {} presentations repeated a frame (late or hung cart)",
            self.presented,
            span,
            pct(50),
            pct(99),
            self.longest.as_secs_f64() * 1000.0,
            self.skipped,
            self.repeated
        )
    }
}

struct App {
    opts: Options,
    supervisor: Supervisor,
    /// The sound output (`None` if its thread could not start).
    audio: Option<Audio>,
    window: Option<Rc<Window>>,
    surface: Option<softbuffer::Surface<Rc<Window>, Rc<Window>>>,
    /// The newest cart frame and its number (from the supervisor).
    frame: Box<[u32; FRAME_PIXELS]>,
    frame_no: u64,
    /// Cart frames presented since the window opened.
    frames_shown: u64,
    /// The frame with overlays, as presented.
    composed: Box<[u32; FRAME_PIXELS]>,
    shown: Shown,
    /// Gamepad bytes (from real gamepads, with the `gamepad` feature).
    gamepad_bytes: [u8; 4],
    /// The held input last sent to the supervisor.
    sent_input: Option<Input>,
    modifiers: ModifiersState,
    mouse: MouseState,
    /// Where the picture is in the window: scale and top-left corner.
    layout: Layout,
    next_tick: Instant,
    trace: std::collections::VecDeque<String>,
    trace_visible: bool,
    recording: Option<Recording>,
    printer: Printer,
    proxy: EventLoopProxy<Wake>,
    /// A short message at the bottom (screenshot saved, recording), and until when.
    notice: Option<(String, Instant)>,
    stats: Stats,
    stats_enabled: bool,
    /// The cart's mouse cursor byte after the newest frame, and the system cursor the
    /// window now shows (`None`: hidden).
    cursor: u8,
    os_cursor: Option<Option<CursorIcon>>,
    #[cfg(feature = "gamepad")]
    gamepads: Option<super::gamepad::Gamepads>,
}

#[derive(Debug, Default, Clone, Copy)]
struct MouseState {
    x: u8,
    y: u8,
    /// Whether the pointer is over the picture.
    inside: bool,
    buttons: u16,
    /// Wheel movement not yet sent (fractions of a notch from touchpads).
    scroll_x: f64,
    scroll_y: f64,
}

/// Where the 256x144 picture sits in a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    /// Integer scale (at least 1).
    pub scale: usize,
    /// Left edge of the picture (negative when the window is narrower than one scale).
    pub x0: isize,
    /// Top edge of the picture.
    pub y0: isize,
}

impl Layout {
    /// The largest integer scale that fits, centred.
    pub fn fit(width: usize, height: usize) -> Layout {
        let scale = (width / FULL_WIDTH).min(height / FULL_HEIGHT).max(1);
        Layout {
            scale,
            x0: (width as isize - (FULL_WIDTH * scale) as isize) / 2,
            y0: (height as isize - (FULL_HEIGHT * scale) as isize) / 2,
        }
    }

    /// Whether a window position is over the picture.
    pub fn contains(&self, x: f64, y: f64) -> bool {
        let s = self.scale as f64;
        let (x, y) = ((x - self.x0 as f64) / s, (y - self.y0 as f64) / s);
        (0.0..FULL_WIDTH as f64).contains(&x) && (0.0..FULL_HEIGHT as f64).contains(&y)
    }

    /// The output pixel under a window position, clamped to the picture.
    pub fn to_output(&self, x: f64, y: f64) -> (u8, u8) {
        let s = self.scale as f64;
        let ox = ((x - self.x0 as f64) / s)
            .floor()
            .clamp(0.0, (FULL_WIDTH - 1) as f64);
        let oy = ((y - self.y0 as f64) / s)
            .floor()
            .clamp(0.0, (FULL_HEIGHT - 1) as f64);
        (ox as u8, oy as u8)
    }
}

/// Draws the 256x144 picture into a `width` x `height` window buffer, scaled by an
/// integer and centred. The margins continue the border: each row's edge colours to the
/// sides, the top and bottom rows above and below (as TIC-80 stretches its border).
pub fn blit(frame: &[u32; FRAME_PIXELS], out: &mut [u32], width: usize, height: usize) {
    let l = Layout::fit(width, height);
    let mut row = vec![0u32; width];
    let mut last_source = usize::MAX;
    for y in 0..height {
        let source = ((y as isize - l.y0).div_euclid(l.scale as isize))
            .clamp(0, FULL_HEIGHT as isize - 1) as usize;
        if source != last_source {
            let src = &frame[source * FULL_WIDTH..(source + 1) * FULL_WIDTH];
            for (x, px) in row.iter_mut().enumerate() {
                let sx = ((x as isize - l.x0).div_euclid(l.scale as isize))
                    .clamp(0, FULL_WIDTH as isize - 1) as usize;
                // The runner wrote these: only the colour bits reach the window system.
                *px = src[sx] & 0x00ff_ffff;
            }
            last_source = source;
        }
        if let Some(dst) = out.get_mut(y * width..(y + 1) * width) {
            dst.copy_from_slice(&row);
        }
    }
}

impl App {
    fn new(
        opts: Options,
        supervisor: Supervisor,
        proxy: EventLoopProxy<Wake>,
        printer: Printer,
        audio: Option<Audio>,
    ) -> App {
        let stats_enabled = opts.stats;
        App {
            audio,
            opts,
            supervisor,
            window: None,
            surface: None,
            frame: Box::new([0; FRAME_PIXELS]),
            frame_no: 0,
            frames_shown: 0,
            composed: Box::new([0; FRAME_PIXELS]),
            shown: Shown::Starting,
            gamepad_bytes: [0; 4],
            sent_input: None,
            modifiers: ModifiersState::empty(),
            mouse: MouseState::default(),
            layout: Layout::fit(FULL_WIDTH, FULL_HEIGHT),
            next_tick: Instant::now(),
            trace: Default::default(),
            trace_visible: false,
            recording: None,
            printer,
            proxy,
            notice: None,
            stats: Stats::default(),
            stats_enabled,
            cursor: 0x80,
            os_cursor: None,
            #[cfg(feature = "gamepad")]
            gamepads: super::gamepad::Gamepads::new(),
        }
    }

    fn cart_name(&self) -> &str {
        &self.opts.cart.name
    }

    fn set_notice(&mut self, text: String) {
        self.printer.line(Stream::Err, format!("cartbox: {text}"));
        self.notice = Some((text, Instant::now() + Duration::from_secs(2)));
    }

    /// The held input (gamepads, mouse position and buttons) to the supervisor. Keys and
    /// the wheel go as events of their own, the moment they happen.
    fn send_input(&mut self) {
        let input = Input {
            gamepads: self.gamepad_bytes,
            mouse: [
                self.mouse.x,
                self.mouse.y,
                self.mouse.buttons as u8,
                (self.mouse.buttons >> 8) as u8,
            ],
            keyboard: [0; 4],
        };
        if self.sent_input != Some(input) {
            self.supervisor.set_input(input);
            self.sent_input = Some(input);
        }
    }

    /// One step, after each new frame (or on the window's own clock while none come):
    /// events and the newest frame in, overlays drawn, a redraw asked for.
    fn tick(&mut self, el: &ActiveEventLoop) {
        #[cfg(feature = "gamepad")]
        if let Some(g) = self.gamepads.as_mut() {
            self.gamepad_bytes = g.poll();
        }
        self.send_input();

        while let Some(event) = self.supervisor.try_event() {
            self.on_event(event, el);
        }
        if let Some(notices) = self.audio.as_ref().map(Audio::take_notices) {
            for n in notices {
                self.set_notice(n);
            }
        }
        let n = self.supervisor.latest_frame(self.frame_no, &mut self.frame);
        self.cursor = self.supervisor.mouse_cursor();
        let new_frame = n != self.frame_no;
        self.frame_no = n;
        if new_frame {
            if matches!(self.shown, Shown::Starting) {
                self.shown = Shown::Running;
            }
            self.frames_shown += 1;
            if let Some(rec) = &self.recording {
                rec.offer(&self.frame);
            }
        }
        self.compose();
        self.update_os_cursor();
        if let Some(w) = &self.window {
            w.request_redraw();
        }
        if self.opts.frames.is_some_and(|f| self.frames_shown >= f) {
            self.quit(el);
        }
    }

    fn on_event(&mut self, event: Event, el: &ActiveEventLoop) {
        match event {
            Event::Loaded => {
                self.shown = Shown::Starting;
            }
            Event::Trace(line) => {
                // Only the end of a long line can show in the console; the whole line
                // goes to the terminal (escaped on the printer's thread, not this one).
                let keep = COLUMNS * TRACE_LINES;
                let mut tail: Vec<char> = line.text.chars().rev().take(keep).collect();
                tail.reverse();
                let tail = super::headless::terminal_safe(&tail.into_iter().collect::<String>());
                self.printer.line(Stream::Out, line.text);
                for l in overlay::wrap(&tail, COLUMNS) {
                    if self.trace.len() == TRACE_LINES {
                        self.trace.pop_front();
                    }
                    self.trace.push_back(l);
                }
            }
            Event::Exited => {
                if self.opts.watch {
                    let text = format!("cartbox: {}: the cart called exit()", self.cart_name());
                    self.printer.line(Stream::Err, text);
                    self.shown = Shown::Exited;
                } else {
                    self.quit(el);
                }
            }
            Event::Stopped(stop) => {
                let report = super::stop_report(self.cart_name(), &stop);
                for (i, line) in report.iter().enumerate() {
                    let line = if i == 0 {
                        format!("cartbox: {line}")
                    } else {
                        line.clone()
                    };
                    self.printer.line(Stream::Err, line);
                }
                let heading = if stop.runner_killed() {
                    "THE CART WAS STOPPED"
                } else {
                    "THE CART FAILED"
                };
                let mut lines = vec![(heading.to_owned(), colour::ERROR)];
                for (i, line) in report.iter().enumerate() {
                    let c = if i == 0 { colour::TEXT } else { colour::DIM };
                    lines.extend(overlay::wrap(line, COLUMNS).into_iter().map(|l| (l, c)));
                }
                lines.push((String::new(), colour::TEXT));
                lines.push(("R: restart, Esc: quit".to_owned(), colour::WARN));
                self.shown = Shown::Stopped(stop, lines);
            }
        }
    }

    /// The system cursor over the picture, as the cart's cursor byte asks: an arrow, a
    /// hand or an I-beam, or none while the cart draws its own (or hides it). Outside the
    /// picture, or once the cart has stopped, the usual arrow.
    fn update_os_cursor(&mut self) {
        let running = matches!(self.shown, Shown::Running | Shown::Starting);
        let want = if !self.mouse.inside || !running {
            Some(CursorIcon::Default)
        } else {
            match self.cursor {
                0x81 => Some(CursorIcon::Pointer),
                0x82 => Some(CursorIcon::Text),
                c if c & 0x80 != 0 => Some(CursorIcon::Default),
                _ => None,
            }
        };
        if self.os_cursor == Some(want) {
            return;
        }
        if let Some(w) = &self.window {
            match want {
                Some(icon) => {
                    w.set_cursor(icon);
                    w.set_cursor_visible(true);
                }
                None => w.set_cursor_visible(false),
            }
            self.os_cursor = Some(want);
        }
    }

    /// The presented picture: the cart's frame plus whatever the host shows over it.
    fn compose(&mut self) {
        self.composed.copy_from_slice(&self.frame[..]);
        let running = matches!(self.shown, Shown::Running | Shown::Starting);
        if running && self.mouse.inside && self.cursor & 0x80 == 0 && self.cursor != 0 {
            draw_cursor(
                &mut self.composed,
                &self.opts.cart,
                self.cursor,
                self.mouse.x,
                self.mouse.y,
            );
        }
        let mut c = Canvas(&mut self.composed);
        match &self.shown {
            Shown::Stopped(_, lines) => overlay::panel(&mut c, 16, lines),
            Shown::Exited => overlay::panel(
                &mut c,
                16,
                &[
                    ("THE CART CALLED EXIT()".into(), colour::WARN),
                    ("R: restart, Esc: quit".into(), colour::WARN),
                ],
            ),
            Shown::Starting | Shown::Running => {
                if let Status::Busy { since, kill_in } = self.supervisor.status()
                    && since >= NOT_RESPONDING_AFTER
                {
                    overlay::not_responding(&mut c, since.as_millis(), kill_in.as_millis());
                }
            }
        }
        if self.trace_visible {
            let lines: Vec<(String, u32)> = std::iter::once(("TRACE (F1)".into(), colour::WARN))
                .chain(self.trace.iter().map(|l| (l.clone(), colour::TEXT)))
                .collect();
            let y = FULL_HEIGHT - (lines.len() * overlay::LINE + 6);
            overlay::panel(&mut c, y, &lines);
        }
        if let Some((text, until)) = &self.notice {
            if Instant::now() < *until {
                let y = FULL_HEIGHT - overlay::LINE - 4;
                c.fill(0, y, FULL_WIDTH, overlay::LINE + 4, colour::PANEL);
                c.text(4, y + 2, text, colour::TEXT);
            } else {
                self.notice = None;
            }
        }
        if self.recording.is_some() {
            // A red dot in the corner while recording (not in the GIF itself).
            c.fill(FULL_WIDTH - 6, 2, 4, 4, colour::ERROR);
        }
    }

    fn present(&mut self) {
        let (Some(window), Some(surface)) = (&self.window, self.surface.as_mut()) else {
            return;
        };
        let size = window.inner_size();
        let (Some(w), Some(h)) = (NonZeroU32::new(size.width), NonZeroU32::new(size.height)) else {
            return;
        };
        if surface.resize(w, h).is_err() {
            return;
        }
        let Ok(mut buffer) = surface.buffer_mut() else {
            return;
        };
        let (w, h) = (w.get() as usize, h.get() as usize);
        blit(&self.composed, &mut buffer, w, h);
        self.layout = Layout::fit(w, h);
        window.pre_present_notify();
        if buffer.present().is_ok() {
            let running = matches!(self.shown, Shown::Running);
            self.stats.presented(Instant::now(), self.frame_no, running);
        }
    }

    /// Closes the window. It is hidden at once (and the request sent to the display now):
    /// the process may still wait a moment for a stuck runner's kill before it ends.
    fn quit(&mut self, el: &ActiveEventLoop) {
        if let Some(w) = &self.window {
            w.set_visible(false);
        }
        el.exit();
    }

    fn restart(&mut self) {
        self.shown = Shown::Starting;
        self.supervisor.restart();
    }

    /// Reads the cart file again and loads it into a fresh runner (watch mode). A file
    /// that does not parse keeps the window on the last good frame with the error.
    fn reload(&mut self) {
        let cart = match Cart::load(&self.opts.path) {
            // Removed or being replaced: the next event tells when it is back.
            Err(CartError::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
                return;
            }
            Ok(cart)
                if cart == self.opts.cart
                    && matches!(self.shown, Shown::Running | Shown::Starting) =>
            {
                return;
            }
            other => other,
        };
        let cart = match cart {
            Ok(c) => c,
            Err(e) => {
                let stop = Stop::Host(e.to_string());
                self.printer.line(Stream::Err, format!("cartbox: {e}"));
                let lines = vec![
                    ("THE CART DOES NOT LOAD".to_owned(), colour::ERROR),
                    (String::new(), colour::TEXT),
                ]
                .into_iter()
                .chain(
                    overlay::wrap(&e.to_string(), COLUMNS)
                        .into_iter()
                        .map(|l| (l, colour::TEXT)),
                )
                .collect();
                self.shown = Shown::Stopped(stop, lines);
                return;
            }
        };
        let text = format!("cartbox: {}: reloaded", self.opts.path.display());
        self.printer.line(Stream::Err, text);
        self.opts.cart = cart.clone();
        self.shown = Shown::Starting;
        self.supervisor.load(cart);
    }

    /// Writes the newest cart frame (256x144, without the host's overlays) as PNG, on a
    /// thread of its own: the file is flushed to disk, which can take a while.
    fn screenshot(&mut self) {
        let path = next_free(&self.opts.out_dir, &self.cart_stem(), "png");
        let rgb: Vec<u8> = self
            .frame
            .iter()
            .flat_map(|p| [(p >> 16) as u8, (p >> 8) as u8, *p as u8])
            .collect();
        let proxy = self.proxy.clone();
        let spawned = std::thread::Builder::new()
            .name("cartbox-screenshot".into())
            .spawn(move || {
                let result =
                    super::headless::write_png(&path, FULL_WIDTH as u32, FULL_HEIGHT as u32, &rgb);
                let _ = proxy.send_event(Wake::Notice(match result {
                    Ok(()) => format!("screenshot: {}", path.display()),
                    Err(e) => format!("{}: cannot write the screenshot: {e}", path.display()),
                }));
            });
        if let Err(e) = spawned {
            self.set_notice(format!("cannot write a screenshot: {e}"));
        }
    }

    fn toggle_gif(&mut self) {
        if let Some(rec) = self.recording.take() {
            rec.stop_later();
            return;
        }
        let path = next_free(&self.opts.out_dir, &self.cart_stem(), "gif");
        match Recording::start(&path, self.proxy.clone()) {
            Ok(r) => {
                self.recording = Some(r);
                self.set_notice(format!("recording {} (F9 stops)", path.display()));
            }
            Err(e) => self.set_notice(format!("{}: cannot record: {e}", path.display())),
        }
    }

    fn cart_stem(&self) -> String {
        self.opts
            .path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "cart".into())
    }

    fn toggle_mute(&mut self) {
        if let Some(audio) = &self.audio {
            let muted = !audio.muted();
            audio.set_muted(muted);
            self.set_notice(if muted { "sound off (F6)" } else { "sound on" }.into());
        }
    }

    fn toggle_fullscreen(&self) {
        if let Some(w) = &self.window {
            if w.fullscreen().is_some() {
                w.set_fullscreen(None);
            } else {
                w.set_fullscreen(Some(Fullscreen::Borderless(None)));
            }
        }
    }

    /// Host keys. Returns whether the key was the host's (the cart does not see it).
    fn host_key(&mut self, code: KeyCode, el: &ActiveEventLoop) -> bool {
        let ctrl = self.modifiers.control_key();
        let stopped = matches!(self.shown, Shown::Stopped(..) | Shown::Exited);
        match code {
            KeyCode::Escape => self.quit(el),
            KeyCode::F5 => self.restart(),
            KeyCode::KeyR if ctrl || stopped => self.restart(),
            KeyCode::F8 => self.screenshot(),
            KeyCode::F9 => self.toggle_gif(),
            KeyCode::F1 => self.trace_visible = !self.trace_visible,
            KeyCode::F6 => self.toggle_mute(),
            KeyCode::F11 => self.toggle_fullscreen(),
            KeyCode::Enter if self.modifiers.alt_key() => self.toggle_fullscreen(),
            _ => return false,
        }
        true
    }
}

impl ApplicationHandler<Wake> for App {
    fn resumed(&mut self, el: &ActiveEventLoop) {
        if self.window.is_some() {
            return;
        }
        let scale = self.opts.scale.max(1);
        let attrs = Window::default_attributes()
            .with_title(format!("Cartbox - {}", self.cart_name()))
            .with_inner_size(PhysicalSize::new(
                FULL_WIDTH as u32 * scale,
                FULL_HEIGHT as u32 * scale,
            ))
            .with_min_inner_size(PhysicalSize::new(FULL_WIDTH as u32, FULL_HEIGHT as u32));
        let window = match el.create_window(attrs) {
            Ok(w) => Rc::new(w),
            Err(e) => {
                self.printer
                    .line(Stream::Err, format!("cartbox: cannot open a window: {e}"));
                el.exit();
                return;
            }
        };
        let surface = softbuffer::Context::new(window.clone())
            .and_then(|context| softbuffer::Surface::new(&context, window.clone()));
        match surface {
            Ok(s) => self.surface = Some(s),
            Err(e) => {
                self.printer.line(
                    Stream::Err,
                    format!("cartbox: cannot draw in the window: {e}"),
                );
                el.exit();
                return;
            }
        }
        self.window = Some(window);
        self.next_tick = Instant::now();
    }

    fn user_event(&mut self, el: &ActiveEventLoop, wake: Wake) {
        match wake {
            Wake::CartChanged => self.reload(),
            Wake::Restart => self.restart(),
            Wake::Quit => self.quit(el),
            Wake::Notice(text) => self.set_notice(text),
            Wake::Frame => {
                if self.window.is_some() {
                    self.tick(el);
                    // The clock waits a little longer than a frame: while frames come,
                    // they drive presentation; when they stop, the clock goes on.
                    self.next_tick = Instant::now() + FRAME_TIME + FALLBACK_SLACK;
                }
            }
        }
    }

    fn window_event(&mut self, el: &ActiveEventLoop, _id: WindowId, event: WindowEvent) {
        match event {
            WindowEvent::CloseRequested => self.quit(el),
            WindowEvent::RedrawRequested => self.present(),
            WindowEvent::Resized(_) => {
                if let Some(w) = &self.window {
                    w.request_redraw();
                }
            }
            WindowEvent::Focused(false) => {
                self.supervisor.release_keys();
                self.mouse.buttons = 0;
                self.send_input();
            }
            WindowEvent::ModifiersChanged(m) => self.modifiers = m.state(),
            WindowEvent::KeyboardInput { event, .. } => {
                let PhysicalKey::Code(code) = event.physical_key else {
                    return;
                };
                let down = event.state == ElementState::Pressed;
                if down && !event.repeat && self.host_key(code, el) {
                    return;
                }
                if let Some(tic) = tic_key(code)
                    && !(down && event.repeat)
                {
                    self.supervisor.key(tic, down);
                }
            }
            WindowEvent::CursorMoved { position, .. } => {
                let (x, y) = self.layout.to_output(position.x, position.y);
                self.mouse.x = x;
                self.mouse.y = y;
                self.mouse.inside = self.layout.contains(position.x, position.y);
                self.send_input();
            }
            WindowEvent::CursorLeft { .. } => self.mouse.inside = false,
            WindowEvent::MouseInput { state, button, .. } => {
                let bit = match button {
                    MouseButton::Left => 1,
                    MouseButton::Middle => 2,
                    MouseButton::Right => 4,
                    _ => 0,
                };
                if state == ElementState::Pressed {
                    self.mouse.buttons |= bit;
                } else {
                    self.mouse.buttons &= !bit;
                }
                self.send_input();
            }
            WindowEvent::MouseWheel { delta, .. } => {
                // SDL (and so TIC-80) has wheel-up y = +1 and right x = +1; winit's X11
                // backend reports right as x = -1.
                let (x, y) = match delta {
                    MouseScrollDelta::LineDelta(x, y) => (f64::from(x), f64::from(y)),
                    MouseScrollDelta::PixelDelta(p) => (p.x / 20.0, p.y / 20.0),
                };
                self.mouse.scroll_x -= x;
                self.mouse.scroll_y += y;
                let (sx, sy) = (self.mouse.scroll_x.trunc(), self.mouse.scroll_y.trunc());
                if sx != 0.0 || sy != 0.0 {
                    self.supervisor.scroll(sx as i32, sy as i32);
                    self.mouse.scroll_x -= sx;
                    self.mouse.scroll_y -= sy;
                }
            }
            _ => {}
        }
    }

    fn about_to_wait(&mut self, el: &ActiveEventLoop) {
        let now = Instant::now();
        if now >= self.next_tick && self.window.is_some() {
            self.tick(el);
            self.next_tick += FRAME_TIME;
            if self.next_tick <= now {
                self.next_tick = now + FRAME_TIME;
            }
        }
        el.set_control_flow(ControlFlow::WaitUntil(self.next_tick));
    }
}

/// A GIF being recorded on a thread of its own, so that encoding and writing never hold
/// up the window. Frames the thread cannot take at once are left out of the GIF.
struct Recording {
    frames: crossbeam_channel::Sender<Box<[u32; FRAME_PIXELS]>>,
    thread: std::thread::JoinHandle<String>,
}

impl Recording {
    fn start(path: &std::path::Path, proxy: EventLoopProxy<Wake>) -> std::io::Result<Recording> {
        let mut gif = GifRecorder::create(path)?;
        let (frames, rx) = crossbeam_channel::bounded::<Box<[u32; FRAME_PIXELS]>>(120);
        let path = path.display().to_string();
        let thread = std::thread::Builder::new()
            .name("cartbox-gif".into())
            .spawn(move || {
                let mut failed = None;
                for frame in rx {
                    if failed.is_none()
                        && let Err(e) = gif.offer(&frame)
                    {
                        failed = Some(e);
                    }
                }
                let message = match failed {
                    Some(e) => {
                        gif.abandon();
                        format!("{path}: recording failed: {e}")
                    }
                    None => match gif.finish() {
                        Ok(n) => format!("{path}: {n} frames recorded"),
                        Err(e) => format!("{path}: cannot finish the GIF: {e}"),
                    },
                };
                let _ = proxy.send_event(Wake::Notice(message.clone()));
                message
            })?;
        Ok(Recording { frames, thread })
    }

    fn offer(&self, frame: &[u32; FRAME_PIXELS]) {
        let _ = self.frames.try_send(Box::new(*frame));
    }

    /// Ends the recording; the thread finishes the file and says so with a notice.
    fn stop_later(self) {
        drop(self.frames);
    }

    /// Ends the recording and waits for the file (when the window has closed).
    fn stop(self) -> String {
        drop(self.frames);
        self.thread
            .join()
            .unwrap_or_else(|_| "the GIF recording thread failed".into())
    }
}

/// Draws the cart's cursor sprite `n` (1..127) with its top-left corner at output pixel
/// `(x, y)`, as TIC-80 does: sprite 256 + n of the cart's own sprite sheet (bank 0, as the
/// cart file has it, not as the cart may have changed it in RAM), in the cart's bank-0
/// palette, colour 0 transparent.
pub fn draw_cursor(out: &mut [u32; FRAME_PIXELS], cart: &Cart, n: u8, x: u8, y: u8) {
    use cartbox_protocol::cart::Section;
    let bank = &cart.image.banks[0];
    let sprites = bank.section(Section::Sprites);
    let palette = bank.section(Section::Palette);
    let Some(tile) = sprites.get(usize::from(n & 0x7f) * 32..usize::from(n & 0x7f) * 32 + 32)
    else {
        return;
    };
    for row in 0..8 {
        for col in 0..8 {
            let byte = tile[row * 4 + col / 2];
            let index = usize::from(if col % 2 == 0 { byte & 0x0f } else { byte >> 4 });
            let (px, py) = (usize::from(x) + col, usize::from(y) + row);
            if index == 0 || px >= FULL_WIDTH || py >= FULL_HEIGHT {
                continue;
            }
            let rgb = palette.get(index * 3..index * 3 + 3).unwrap_or(&[0, 0, 0]);
            out[py * FULL_WIDTH + px] =
                u32::from(rgb[0]) << 16 | u32::from(rgb[1]) << 8 | u32::from(rgb[2]);
        }
    }
}

/// The TIC-80 key code of a physical key (`tic_keycode`), if it has one.
pub fn tic_key(code: KeyCode) -> Option<u8> {
    use KeyCode::*;
    let letters = [
        KeyA, KeyB, KeyC, KeyD, KeyE, KeyF, KeyG, KeyH, KeyI, KeyJ, KeyK, KeyL, KeyM, KeyN, KeyO,
        KeyP, KeyQ, KeyR, KeyS, KeyT, KeyU, KeyV, KeyW, KeyX, KeyY, KeyZ,
    ];
    let digits = [
        Digit0, Digit1, Digit2, Digit3, Digit4, Digit5, Digit6, Digit7, Digit8, Digit9,
    ];
    let rest = [
        Minus,
        Equal,
        BracketLeft,
        BracketRight,
        Backslash,
        Semicolon,
        Quote,
        Backquote,
        Comma,
        Period,
        Slash,
        Space,
        Tab,
        Enter,
        Backspace,
        Delete,
        Insert,
        PageUp,
        PageDown,
        Home,
        End,
        ArrowUp,
        ArrowDown,
        ArrowLeft,
        ArrowRight,
        CapsLock,
    ];
    let fkeys = [F1, F2, F3, F4, F5, F6, F7, F8, F9, F10, F11, F12];
    let numpad = [
        Numpad0,
        Numpad1,
        Numpad2,
        Numpad3,
        Numpad4,
        Numpad5,
        Numpad6,
        Numpad7,
        Numpad8,
        Numpad9,
        NumpadAdd,
        NumpadSubtract,
        NumpadMultiply,
        NumpadDivide,
        NumpadEnter,
        NumpadDecimal,
    ];
    let find = |table: &[KeyCode], first: u8| {
        table
            .iter()
            .position(|k| *k == code)
            .map(|i| first + i as u8)
    };
    find(&letters, 1)
        .or(find(&digits, 27))
        .or(find(&rest, 37))
        .or(match code {
            ControlLeft | ControlRight => Some(63),
            ShiftLeft | ShiftRight => Some(64),
            AltLeft | AltRight => Some(65),
            Escape => Some(66),
            _ => None,
        })
        .or(find(&fkeys, 67))
        .or(find(&numpad, 79))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frontend::keys::key_code;

    #[test]
    fn key_codes_follow_tic80() {
        assert_eq!(tic_key(KeyCode::KeyA), Some(1));
        assert_eq!(tic_key(KeyCode::KeyZ), Some(26));
        assert_eq!(tic_key(KeyCode::Digit0), Some(27));
        assert_eq!(tic_key(KeyCode::Minus), key_code("minus"));
        assert_eq!(tic_key(KeyCode::Space), key_code("space"));
        assert_eq!(tic_key(KeyCode::End), key_code("end"));
        assert_eq!(tic_key(KeyCode::ArrowUp), Some(58));
        assert_eq!(tic_key(KeyCode::ArrowRight), Some(61));
        assert_eq!(tic_key(KeyCode::CapsLock), Some(62));
        assert_eq!(tic_key(KeyCode::ControlRight), Some(63));
        assert_eq!(tic_key(KeyCode::Escape), Some(66));
        assert_eq!(tic_key(KeyCode::F1), Some(67));
        assert_eq!(tic_key(KeyCode::F12), Some(78));
        assert_eq!(tic_key(KeyCode::Numpad0), Some(79));
        assert_eq!(tic_key(KeyCode::NumpadDecimal), Some(94));
        assert_eq!(tic_key(KeyCode::MediaPlayPause), None);
    }

    #[test]
    fn integer_scale_centred_with_the_border_continued() {
        let mut frame = Box::new([0u32; FRAME_PIXELS]);
        for (i, p) in frame.iter_mut().enumerate() {
            *p = i as u32;
        }
        // 600x300: scale 2 (512x288), x0 = 44, y0 = 6.
        let (w, h) = (600, 300);
        assert_eq!(
            Layout::fit(w, h),
            Layout {
                scale: 2,
                x0: 44,
                y0: 6
            }
        );
        let mut out = vec![0u32; w * h];
        blit(&frame, &mut out, w, h);
        let at = |x: usize, y: usize| out[y * w + x];
        assert_eq!(at(44, 6), 0);
        assert_eq!(at(45, 7), 0);
        assert_eq!(at(46, 6), 1);
        assert_eq!(at(44 + 511, 6 + 287), (FRAME_PIXELS - 1) as u32);
        // Margins: left of row 10 is that row's first pixel; above is row 0; below row 143.
        assert_eq!(at(0, 6 + 20), 10 * 256);
        assert_eq!(at(599, 6 + 20), 10 * 256 + 255);
        assert_eq!(at(100, 0), (100 - 44) / 2);
        assert_eq!(at(100, 299), 143 * 256 + (100 - 44) / 2);
        // Too small a window: scale 1, cropped around the centre.
        assert_eq!(Layout::fit(200, 100).scale, 1);
        let l = Layout::fit(1920, 1080);
        assert_eq!(
            (l.scale, l.x0, l.y0),
            (7, (1920 - 1792) / 2, (1080 - 1008) / 2)
        );
        assert_eq!(
            l.to_output(f64::from(l.x0 as i32) + 7.0 * 10.5, 0.0),
            (10, 0)
        );
        assert_eq!(l.to_output(5000.0, 5000.0), (255, 143));
    }
}
