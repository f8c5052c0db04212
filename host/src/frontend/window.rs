//! The desktop window: `cartbox run CART` and `cartbox watch CART`.
//!
//! The window thread never waits on a runner. A [`Supervisor`] runs the console on its own
//! thread at 60 Hz; every 1/60 s the window hands it the latest input, copies the newest
//! finished frame (or keeps the last one while a frame is late), draws the overlays and
//! presents. While the runner is busy past [`NOT_RESPONDING_AFTER`], a bar counts down to
//! the kill; once the cart has stopped, its error stays on screen until R (restart), or the
//! game menu (Esc) quits.
//!
//! Host keys, which the cart never sees: Esc the game menu (the cart pauses; see `menu`),
//! F5 or Ctrl+R restart, F8 screenshot (PNG), F9 start/stop GIF recording, F1 trace
//! console, F6 mute, F11 or Alt+Enter fullscreen.
//!
//! Sound plays on an [`Audio`] thread of its own for as long as the window is open (across
//! restarts and reloads); the supervisor hands it each frame's sound.
//!
//! This file holds the event loop and its state (`App`); beside it in `window/`: what input
//! events become (`input`), the host keys and what they do (`host_keys`), the game menu
//! (`menu`), TIC-80 key codes
//! (`keycodes`), the picture with its overlays (`compose`), the picture's place in the
//! window (`layout`), the mouse cursor (`cursor`), GIF recording (`recording`) and the
//! presentation figures (`stats`).

use std::num::NonZeroU32;
use std::path::PathBuf;
use std::rc::Rc;
use std::time::{Duration, Instant};

use cartbox_protocol::ram::{FULL_HEIGHT, FULL_WIDTH};
use cartbox_protocol::shm::FRAME_PIXELS;
use winit::application::ApplicationHandler;
use winit::dpi::PhysicalSize;
use winit::event::WindowEvent;
use winit::event_loop::{ActiveEventLoop, ControlFlow, EventLoop, EventLoopProxy};
use winit::keyboard::ModifiersState;
use winit::window::{CursorIcon, Window, WindowId};

use super::Wake;
use super::overlay::{self, COLUMNS};
use super::printer::{Printer, Stream};
use crate::audio::{Audio, AudioConfig};
use crate::cart::{Cart, CartError};
use crate::console::{ConsoleConfig, Input, Stop};
use crate::supervisor::{Event, FRAME_TIME, Supervisor};
use cartbox_protocol::message::FaultKind;
use compose::{load_error_panel, stopped_panel};
use cursor::os_cursor;
use input::MouseState;
use layout::{Layout, blit};
use recording::Recording;
use stats::Stats;

mod browse;
mod compose;
mod cursor;
mod host_keys;
mod input;
mod keycodes;
mod layout;
mod menu;
mod present;
mod recording;
mod stats;

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
    /// Start fullscreen (borderless, on the current monitor).
    pub fullscreen: bool,
    /// The scale of GIFs recorded with F9.
    pub gif_scale: u32,
    /// Where screenshots and GIFs go.
    pub out_dir: PathBuf,
    /// How to play the sound.
    pub sound: AudioConfig,
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

pub use browse::{BrowseOptions, TILE_RATE, browse, tile_rate};

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
        presenter,
        recording,
        printer: app_printer,
        audio,
        ..
    } = app;
    drop(app_printer);
    // Close the window first: what follows may wait (on a runner that is still stuck,
    // until its kill; on the GIF file; on the terminal). The sound stops with it.
    drop(presenter);
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
        errln!("{}", stats.summary());
        if let Some(sound) = sound_summary {
            // It names the sink, which the sound server chose.
            errln!("{}", super::terminal_safe(&sound));
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

struct App {
    opts: Options,
    supervisor: Supervisor,
    /// The sound output (`None` if its thread could not start).
    audio: Option<Audio>,
    window: Option<Rc<Window>>,
    presenter: Option<present::Presenter>,
    /// The newest cart frame and its number (from the supervisor).
    frame: Box<[u32; FRAME_PIXELS]>,
    frame_no: u64,
    /// Cart frames presented since the window opened.
    frames_shown: u64,
    /// The frame with overlays, as presented.
    composed: Box<[u32; FRAME_PIXELS]>,
    shown: Shown,
    /// Gamepad bytes (from real gamepads).
    gamepad_bytes: [u8; 4],
    /// The gamepad bytes the game menu last saw (it acts on buttons going down).
    menu_pad: [u8; 4],
    /// The game menu, while it is open (the cart is paused).
    menu: Option<menu::Menu>,
    /// A gamepad's Start or Select was held at the last look.
    menu_button: bool,
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
    /// What the runner that parsed the cart said of it (its cursor sprites).
    info: Option<std::sync::Arc<cartbox_protocol::cart::CartInfo>>,
    gamepads: super::gamepad::Gamepads,
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
            presenter: None,
            frame: Box::new([0; FRAME_PIXELS]),
            frame_no: 0,
            frames_shown: 0,
            composed: Box::new([0; FRAME_PIXELS]),
            shown: Shown::Starting,
            gamepad_bytes: [0; 4],
            menu_pad: [0; 4],
            menu: None,
            menu_button: false,
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
            info: None,
            gamepads: super::gamepad::Gamepads::default(),
        }
    }

    fn cart_name(&self) -> &str {
        &self.opts.cart.name
    }

    fn set_notice(&mut self, text: String) {
        self.printer.line(Stream::Err, format!("cartbox: {text}"));
        self.notice = Some((text, Instant::now() + Duration::from_secs(2)));
    }

    /// One step, after each new frame (or on the window's own clock while none come):
    /// events and the newest frame in, overlays drawn, a redraw asked for.
    fn tick(&mut self, el: &ActiveEventLoop) {
        let pads = self.gamepads.poll();
        self.gamepad_bytes = pads.buttons;
        self.menu_pads(pads.menu, el);
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
                self.info = self.supervisor.cart_info();
                // The cart's own `title:` names the window (a claim from the runner: shown
                // escaped, at most TITLE_LIMIT bytes, and nothing else is done with it).
                let title = self
                    .info
                    .as_ref()
                    .and_then(|i| i.title.as_deref())
                    .filter(|t| !t.trim().is_empty())
                    .map_or_else(|| self.cart_name().to_owned(), str::to_owned);
                if let Some(w) = &self.window {
                    w.set_title(&format!("Cartbox - {}", super::terminal_safe(&title)));
                }
            }
            // Said on stderr and over the picture (escaped: the path is the player's, the
            // error the system's).
            Event::Notice(text) => self.set_notice(super::terminal_safe(&text)),
            Event::Cover(screen) => self.write_cover_cart(screen),
            Event::Trace(line) => {
                // Only the end of a long line can show in the console; the whole line
                // goes to the terminal (escaped on the printer's thread, not this one).
                let keep = COLUMNS * TRACE_LINES;
                let mut tail: Vec<char> = line.text.chars().rev().take(keep).collect();
                tail.reverse();
                let tail = super::terminal_safe(&tail.into_iter().collect::<String>());
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
                let lines = match &stop {
                    Stop::Cart(f) if f.kind == FaultKind::BadCart => load_error_panel(&report[0]),
                    _ => stopped_panel(&report, stop.runner_killed()),
                };
                self.shown = Shown::Stopped(stop, lines);
            }
        }
    }

    /// Shows the system cursor the cart's cursor byte asks for over the picture (see
    /// [`os_cursor`]), telling the window only when it changes.
    fn update_os_cursor(&mut self) {
        let running = matches!(self.shown, Shown::Running | Shown::Starting);
        let want = os_cursor(self.cursor, self.mouse.inside, running);
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

    fn present(&mut self) {
        let (Some(window), Some(presenter)) = (&self.window, self.presenter.as_mut()) else {
            return;
        };
        let size = window.inner_size();
        let (Some(w), Some(h)) = (NonZeroU32::new(size.width), NonZeroU32::new(size.height)) else {
            return;
        };
        let composed = &self.composed;
        let shown = presenter.present(window, w, h, |buffer| {
            blit(composed, buffer, w.get() as usize, h.get() as usize)
        });
        self.layout = Layout::fit(w.get() as usize, h.get() as usize);
        if shown {
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
        self.close_menu();
        self.shown = Shown::Starting;
        self.supervisor.restart();
    }

    /// Loads the cart file read again into a fresh runner (watch mode). A file that does
    /// not load keeps the window on the last good frame with the error.
    fn reload(&mut self, read: Result<Cart, CartError>) {
        let cart = match read {
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
                // The printer escapes what it writes; the panel shows the same.
                self.printer.line(Stream::Err, format!("cartbox: {e}"));
                let lines = load_error_panel(&super::terminal_safe(&e.to_string()));
                self.shown = Shown::Stopped(stop, lines);
                return;
            }
        };
        // The developer saved the file to see it play.
        self.close_menu();
        let text = format!("cartbox: {}: reloaded", self.opts.path.display());
        self.printer.line(Stream::Err, text);
        self.opts.cart = cart.clone();
        self.shown = Shown::Starting;
        self.supervisor.load(cart);
    }
}

impl ApplicationHandler<Wake> for App {
    fn resumed(&mut self, el: &ActiveEventLoop) {
        if self.window.is_some() {
            return;
        }
        // No bigger than the screen: the largest whole scale that fits the monitor.
        let mut scale = self.opts.scale.max(1);
        if let Some(size) = el
            .primary_monitor()
            .or_else(|| el.available_monitors().next())
            .map(|m| m.size())
        {
            let fits = (size.width / FULL_WIDTH as u32).min(size.height / FULL_HEIGHT as u32);
            scale = scale.min(fits.max(1));
        }
        let attrs = Window::default_attributes()
            .with_title(format!(
                "Cartbox - {}",
                super::terminal_safe(self.cart_name())
            ))
            .with_inner_size(PhysicalSize::new(
                FULL_WIDTH as u32 * scale,
                FULL_HEIGHT as u32 * scale,
            ))
            .with_min_inner_size(PhysicalSize::new(FULL_WIDTH as u32, FULL_HEIGHT as u32))
            .with_fullscreen(
                self.opts
                    .fullscreen
                    .then_some(winit::window::Fullscreen::Borderless(None)),
            );
        let window = match el.create_window(attrs) {
            Ok(w) => Rc::new(w),
            Err(e) => {
                self.printer
                    .line(Stream::Err, format!("cartbox: cannot open a window: {e}"));
                el.exit();
                return;
            }
        };
        match present::Presenter::new(&window) {
            Ok(p) => self.presenter = Some(p),
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
            Wake::CartChanged(read) => self.reload(*read),
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
            other => self.input_event(other, el),
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
