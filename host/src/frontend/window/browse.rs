//! `cartbox browse DIR`: the grid of live tiles in a window (the grid itself, without a
//! window, is `crate::browse`).
//!
//! Each visible cart tile has a [`Supervisor`] of its own (its own zygote and runner),
//! started on a thread so that the window never waits for one, and paced at
//! [`TILE_RATE`] with a share of the CPUs ([`tile_rate`]): a cart that takes longer than
//! its share gets fewer frames, not more time. Tiles scrolled out of view are stopped.
//! Enter plays the chosen cart full-size at 60 frames a second with the keyboard, mouse
//! and gamepads; Esc goes back to the grid with the cart paused (Enter resumes it, R
//! restarts it). A cart that fails shows why in its tile; the others play on.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::path::PathBuf;
use std::rc::Rc;
use std::time::{Duration, Instant};

use cartbox_protocol::ram::{FULL_HEIGHT, FULL_WIDTH};
use cartbox_protocol::shm::FRAME_PIXELS;
use crossbeam_channel::Receiver;
use winit::application::ApplicationHandler;
use winit::dpi::PhysicalSize;
use winit::event::{ElementState, MouseButton, WindowEvent};
use winit::event_loop::{ActiveEventLoop, ControlFlow, EventLoop};
use winit::keyboard::KeyCode;
use winit::window::{Window, WindowId};

use super::NoWindow;
use super::keycodes::tic_key;
use super::layout::{Layout, blit};
use crate::browse::{self as grid, Entry, TileView};
use crate::cart::Cart;
use crate::console::{ConsoleConfig, Input};
use crate::supervisor::{Event, FRAME_TIME, Rate, Supervisor};

/// Frames a second of a tile in the grid.
pub const TILE_RATE: u32 = 20;

/// What to browse and how.
#[derive(Debug, Clone)]
pub struct BrowseOptions {
    /// The folder (its subfolders are entries).
    pub dir: PathBuf,
    /// How each cart's console runs (budget, grace, memory).
    pub config: ConsoleConfig,
    /// Window size, as a multiple of the grid's picture.
    pub scale: u32,
    /// Print how regularly the window presented, at the end.
    pub stats: bool,
}

/// The part of the CPUs the tiles share between them: the rest is the window's (and the
/// system's), so that it presents on time whatever the carts do.
const TILES_SHARE: f64 = 0.75;

/// A tile's pace: [`TILE_RATE`] frames a second, and an even share of
/// three quarters of the CPUs between `tiles` tiles (all of one CPU at most).
pub fn tile_rate(tiles: usize) -> Rate {
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    Rate {
        interval: Duration::from_secs(1) / TILE_RATE,
        share: (TILES_SHARE * cpus as f64 / tiles.max(1) as f64).min(1.0),
    }
}

/// One visible cart.
struct Tile {
    /// Until its console has started (on a thread of its own).
    starting: Option<Receiver<Result<Supervisor, String>>>,
    supervisor: Option<Supervisor>,
    frame: Box<[u32; FRAME_PIXELS]>,
    frame_no: u64,
    has_frame: bool,
    stopped: Option<String>,
    paused: bool,
    /// The cart's `-- title:`, once known.
    title: Option<String>,
}

impl Tile {
    /// Starts the cart at `path` on a thread: reading it and starting its console take
    /// time the window does not wait for.
    fn start(path: PathBuf, config: ConsoleConfig, rate: Rate) -> Tile {
        let (tx, rx) = crossbeam_channel::bounded(1);
        let spawned = std::thread::Builder::new()
            .name("cartbox-tile".into())
            .spawn(move || {
                let started = Cart::load(&path)
                    .map_err(|e| e.to_string())
                    .and_then(|cart| {
                        let s = Supervisor::start(config).map_err(|e| e.to_string())?;
                        s.set_rate(rate);
                        s.load(cart);
                        Ok(s)
                    });
                let _ = tx.send(started);
            });
        let mut tile = Tile {
            starting: Some(rx),
            supervisor: None,
            frame: Box::new([0; FRAME_PIXELS]),
            frame_no: 0,
            has_frame: false,
            stopped: None,
            paused: false,
            title: None,
        };
        if let Err(e) = spawned {
            tile.starting = None;
            tile.stopped = Some(format!("cannot start: {e}"));
        }
        tile
    }

    /// Takes what happened since the last look: the console started, events, the
    /// newest frame.
    fn update(&mut self, name: &str) {
        if let Some(rx) = &self.starting
            && let Ok(started) = rx.try_recv()
        {
            self.starting = None;
            match started {
                Ok(s) => self.supervisor = Some(s),
                Err(e) => self.stopped = Some(crate::frontend::terminal_safe(&e)),
            }
        }
        let Some(s) = &self.supervisor else { return };
        while let Some(event) = s.try_event() {
            match event {
                Event::Stopped(stop) => {
                    self.stopped = Some(crate::frontend::terminal_safe(&stop.describe(name)));
                }
                Event::Loaded => self.stopped = None,
                Event::Exited => self.stopped = Some("the cart called exit()".into()),
                _ => {}
            }
        }
        let n = s.latest_frame(self.frame_no, &mut self.frame);
        if n != self.frame_no {
            self.frame_no = n;
            self.has_frame = true;
        }
    }
}

struct Browser {
    opts: BrowseOptions,
    dir: PathBuf,
    entries: Vec<Entry>,
    top: usize,
    selected: usize,
    tiles: HashMap<usize, Tile>,
    /// The carts' titles, by entry (kept when a tile is scrolled away).
    titles: HashMap<usize, String>,
    /// The entry played full-size.
    playing: Option<usize>,
    window: Option<Rc<Window>>,
    presenter: Option<super::present::Presenter>,
    canvas: Vec<u32>,
    next_tick: Instant,
    gamepads: super::super::gamepad::Gamepads,
    pads_before: [u8; 4],
    mouse: (f64, f64),
    mouse_buttons: u8,
    error: Option<String>,
    stats: super::stats::Stats,
}

/// Opens the browser's window and runs until it is closed.
pub fn browse(opts: BrowseOptions) -> Result<(), NoWindow> {
    if std::env::var_os("DISPLAY").is_none() && std::env::var_os("WAYLAND_DISPLAY").is_none() {
        return Err(NoWindow(
            "no display to open a window on (DISPLAY and WAYLAND_DISPLAY are unset); use \
             --headless --screenshot"
                .into(),
        ));
    }
    let entries = grid::entries(&opts.dir, &opts.dir).map_err(NoWindow)?;
    let event_loop =
        EventLoop::new().map_err(|e| NoWindow(format!("cannot open a window: {e}")))?;
    let mut b = Browser {
        dir: opts.dir.clone(),
        opts,
        entries,
        top: 0,
        selected: 0,
        tiles: HashMap::new(),
        titles: HashMap::new(),
        playing: None,
        window: None,
        presenter: None,
        canvas: vec![0; grid::WIDTH * grid::HEIGHT],
        next_tick: Instant::now(),
        gamepads: super::super::gamepad::Gamepads::default(),
        pads_before: [0; 4],
        mouse: (0.0, 0.0),
        mouse_buttons: 0,
        error: None,
        stats: super::stats::Stats::default(),
    };
    let result = event_loop.run_app(&mut b);
    // Stop every tile's console before the process ends.
    b.tiles.clear();
    if b.opts.stats {
        errln!("{}", b.stats.summary());
    }
    result.map_err(|e| NoWindow(format!("the window failed: {e}")))?;
    match b.error {
        Some(e) => Err(NoWindow(e)),
        None => Ok(()),
    }
}

impl Browser {
    /// Starts the tiles that came into view and stops those that left it.
    fn sync_tiles(&mut self) {
        let range = grid::visible(self.entries.len(), self.top);
        let playing = self.playing;
        self.tiles
            .retain(|i, _| range.contains(i) || Some(*i) == playing);
        let carts: Vec<usize> = range
            .filter(|i| matches!(self.entries[*i], Entry::Cart(_)))
            .collect();
        let rate = tile_rate(carts.len());
        // More runners than CPUs: a host thread spinning for its runner's answer only
        // takes time from the other tiles' runners (as in `check` with several jobs).
        let mut config = self.opts.config.clone();
        if carts.len() > 1 {
            config.spin = std::time::Duration::ZERO;
        }
        for i in carts {
            if !self.tiles.contains_key(&i) {
                let path = self.entries[i].path().to_owned();
                let tile = Tile::start(path, config.clone(), rate);
                self.tiles.insert(i, tile);
            }
        }
    }

    fn open(&mut self, dir: PathBuf) {
        match grid::entries(&dir, &self.opts.dir) {
            Ok(list) => {
                self.tiles.clear();
                self.titles.clear();
                self.entries = list;
                self.dir = dir;
                self.top = 0;
                self.selected = 0;
                self.set_title();
            }
            Err(e) => eprintln!("cartbox: {}", crate::frontend::terminal_safe(&e)),
        }
    }

    fn set_title(&self) {
        if let Some(w) = &self.window {
            let title = format!("Cartbox browse - {}", self.dir.display());
            w.set_title(&crate::frontend::terminal_safe(&title));
        }
    }

    fn select(&mut self, i: usize) {
        if i < self.entries.len() {
            self.selected = i;
            self.top = grid::scroll_to(i, self.top);
        }
    }

    /// Enter on the selected entry: a folder opens; a cart plays full-size.
    fn activate(&mut self) {
        let Some(entry) = self.entries.get(self.selected).cloned() else {
            return;
        };
        match entry {
            Entry::Up(p) | Entry::Folder(p) => self.open(p),
            Entry::Cart(_) => {
                let i = self.selected;
                if let Some(s) = self.tiles.get_mut(&i).and_then(|t| {
                    t.paused = false;
                    t.supervisor.as_ref()
                }) {
                    s.pause(false);
                    s.set_rate(Rate::default());
                }
                if self.tiles.contains_key(&i) {
                    self.playing = Some(i);
                }
            }
        }
    }

    /// Back from the cart to the grid: the cart waits, paused.
    fn back_to_grid(&mut self) {
        if let Some(i) = self.playing.take() {
            let carts = self.tiles.len();
            if let Some(t) = self.tiles.get_mut(&i) {
                t.paused = true;
                if let Some(s) = &t.supervisor {
                    s.release_keys();
                    s.set_input(Input::default());
                    s.pause(true);
                    s.set_rate(tile_rate(carts));
                }
            }
        }
    }

    fn restart_selected(&mut self) {
        if let Some(t) = self.tiles.get_mut(&self.selected) {
            t.paused = false;
            t.stopped = None;
            if let Some(s) = &t.supervisor {
                s.pause(false);
                s.restart();
            }
        }
    }

    fn grid_key(&mut self, code: KeyCode, el: &ActiveEventLoop) {
        let n = self.entries.len();
        let s = self.selected;
        match code {
            KeyCode::ArrowLeft if s > 0 => self.select(s - 1),
            KeyCode::ArrowRight => self.select(s + 1),
            KeyCode::ArrowUp if s >= grid::COLUMNS => self.select(s - grid::COLUMNS),
            KeyCode::ArrowDown => self.select((s + grid::COLUMNS).min(n.saturating_sub(1))),
            KeyCode::PageDown => {
                self.select((s + grid::COLUMNS * grid::ROWS).min(n.saturating_sub(1)))
            }
            KeyCode::PageUp => self.select(s.saturating_sub(grid::COLUMNS * grid::ROWS)),
            KeyCode::Enter | KeyCode::NumpadEnter | KeyCode::Space => self.activate(),
            KeyCode::KeyR => self.restart_selected(),
            KeyCode::Backspace => {
                if let Some(Entry::Up(p)) = self.entries.first().cloned() {
                    self.open(p);
                }
            }
            KeyCode::Escape => el.exit(),
            _ => {}
        }
    }

    /// The gamepads: in the grid, the d-pad chooses, A plays, B goes up a folder; while a
    /// cart plays, its buttons go to the cart and Start or Select goes back to the grid.
    fn pads(&mut self, el: &ActiveEventLoop) {
        let pads = self.gamepads.poll();
        let down = pads
            .buttons
            .iter()
            .zip(self.pads_before)
            .fold(0u8, |a, (now, before)| a | (now & !before));
        self.pads_before = pads.buttons;
        if let Some(i) = self.playing {
            if pads.menu {
                self.back_to_grid();
            } else if let Some(s) = self.tiles.get(&i).and_then(|t| t.supervisor.as_ref()) {
                s.set_input(self.input(pads.buttons));
            }
            return;
        }
        for (bit, key) in [
            (0, KeyCode::ArrowUp),
            (1, KeyCode::ArrowDown),
            (2, KeyCode::ArrowLeft),
            (3, KeyCode::ArrowRight),
            (4, KeyCode::Enter),
            (5, KeyCode::Backspace),
        ] {
            if down >> bit & 1 == 1 {
                self.grid_key(key, el);
            }
        }
    }

    /// The held input of a played cart: the pads and the mouse over its picture.
    fn input(&self, gamepads: [u8; 4]) -> Input {
        let (w, h) = self
            .window
            .as_ref()
            .map(|w| w.inner_size())
            .map_or((FULL_WIDTH, FULL_HEIGHT), |s| {
                (s.width as usize, s.height as usize)
            });
        let l = Layout::fit(w, h);
        let s = l.scale as f64;
        let x = ((self.mouse.0 - l.x0 as f64) / s).clamp(0.0, 255.0) as u8;
        let y = ((self.mouse.1 - l.y0 as f64) / s).clamp(0.0, 143.0) as u8;
        Input {
            gamepads,
            mouse: [x, y, self.mouse_buttons, 0],
            keyboard: [0; 4],
        }
    }

    fn tick(&mut self, el: &ActiveEventLoop) {
        self.sync_tiles();
        // Each tile's title, once its runner has said it.
        for (i, t) in &self.tiles {
            if t.title.is_none()
                && let Some(title) = t
                    .supervisor
                    .as_ref()
                    .and_then(|s| s.cart_info())
                    .and_then(|info| info.title.clone())
                    .filter(|t| !t.trim().is_empty())
            {
                self.titles
                    .insert(*i, crate::frontend::terminal_safe(&title));
            }
        }
        for (i, title) in &self.titles {
            if let Some(t) = self.tiles.get_mut(i) {
                t.title = Some(title.clone());
            }
        }
        for (i, t) in self.tiles.iter_mut() {
            let name = self.entries[*i].path().display().to_string();
            t.update(&name);
        }
        self.pads(el);
        if let Some(w) = &self.window {
            w.request_redraw();
        }
    }

    fn compose(&mut self, out: &mut [u32], w: usize, h: usize) {
        if let Some(t) = self.playing.and_then(|i| self.tiles.get(&i)) {
            blit(&t.frame, out, w, h);
            return;
        }
        let tiles = &self.tiles;
        let entries = &self.entries;
        let view = |i: usize| -> TileView<'_> {
            match (&entries[i], tiles.get(&i)) {
                (Entry::Cart(_), Some(t)) => TileView::Cart {
                    frame: t.has_frame.then_some(&*t.frame),
                    stopped: t.stopped.as_deref(),
                    paused: t.paused,
                    title: t.title.as_deref(),
                },
                (Entry::Cart(_), None) => TileView::Cart {
                    frame: None,
                    stopped: None,
                    paused: false,
                    title: None,
                },
                _ => TileView::Folder,
            }
        };
        let heading = crate::frontend::terminal_safe(&format!(
            "{}  ({} entries; Enter play, Esc quit)",
            self.dir.display(),
            entries.len()
        ));
        grid::draw(
            &mut self.canvas,
            &heading,
            entries,
            self.top,
            self.selected,
            &view,
        );
        grid::blit_scaled(&self.canvas, grid::WIDTH, grid::HEIGHT, out, w, h);
    }

    fn present(&mut self) {
        let Some(window) = self.window.clone() else {
            return;
        };
        let size = window.inner_size();
        let (Some(w), Some(h)) = (NonZeroU32::new(size.width), NonZeroU32::new(size.height)) else {
            return;
        };
        let (wide, high) = (w.get() as usize, h.get() as usize);
        let mut out = vec![0u32; wide * high];
        self.compose(&mut out, wide, high);
        let Some(presenter) = self.presenter.as_mut() else {
            return;
        };
        if presenter.present(&window, w, h, |buffer| buffer.copy_from_slice(&out)) {
            self.stats.presented(Instant::now(), 0, false);
        }
    }
}

impl ApplicationHandler for Browser {
    fn resumed(&mut self, el: &ActiveEventLoop) {
        if self.window.is_some() {
            return;
        }
        let scale = self.opts.scale.max(1);
        let attrs = Window::default_attributes()
            .with_title("Cartbox browse")
            .with_inner_size(PhysicalSize::new(
                grid::WIDTH as u32 * scale,
                grid::HEIGHT as u32 * scale,
            ))
            .with_min_inner_size(PhysicalSize::new(grid::WIDTH as u32, grid::HEIGHT as u32));
        let window = match el.create_window(attrs) {
            Ok(w) => Rc::new(w),
            Err(e) => {
                self.error = Some(format!("cannot open a window: {e}"));
                el.exit();
                return;
            }
        };
        match super::present::Presenter::new(&window) {
            Ok(p) => self.presenter = Some(p),
            Err(e) => {
                self.error = Some(format!("cannot draw in the window: {e}"));
                el.exit();
                return;
            }
        }
        self.window = Some(window);
        self.set_title();
        self.next_tick = Instant::now();
    }

    fn window_event(&mut self, el: &ActiveEventLoop, _id: WindowId, event: WindowEvent) {
        match event {
            WindowEvent::CloseRequested => el.exit(),
            WindowEvent::RedrawRequested => self.present(),
            WindowEvent::KeyboardInput {
                event,
                is_synthetic,
                ..
            } => {
                let Some((code, down)) = super::input::key_of(&event, is_synthetic) else {
                    return;
                };
                match self.playing {
                    Some(_) if down && code == KeyCode::Escape => self.back_to_grid(),
                    Some(i) => {
                        if let (Some(tic), Some(s)) = (
                            tic_key(code),
                            self.tiles.get(&i).and_then(|t| t.supervisor.as_ref()),
                        ) && !(down && event.repeat)
                        {
                            s.key(tic, down);
                        }
                    }
                    None if down => self.grid_key(code, el),
                    None => {}
                }
            }
            WindowEvent::CursorMoved { position, .. } => self.mouse = (position.x, position.y),
            WindowEvent::MouseInput { state, button, .. } => {
                let bit = match button {
                    MouseButton::Left => 1,
                    MouseButton::Middle => 2,
                    MouseButton::Right => 4,
                    _ => 0,
                };
                if state == ElementState::Pressed {
                    self.mouse_buttons |= bit;
                } else {
                    self.mouse_buttons &= !bit;
                }
                if self.playing.is_none()
                    && state == ElementState::Pressed
                    && button == MouseButton::Left
                    && let Some(size) = self.window.as_ref().map(|w| w.inner_size())
                    && let Some((x, y)) = grid::to_picture(
                        self.mouse.0,
                        self.mouse.1,
                        grid::WIDTH,
                        grid::HEIGHT,
                        size.width as usize,
                        size.height as usize,
                    )
                    && let Some(i) = grid::entry_at(x, y, self.entries.len(), self.top)
                {
                    // A click chooses a tile; a click on the chosen one plays it.
                    if i == self.selected {
                        self.activate();
                    } else {
                        self.select(i);
                    }
                }
            }
            WindowEvent::Resized(_) => {
                if let Some(w) = &self.window {
                    w.request_redraw();
                }
            }
            _ => {}
        }
    }

    fn about_to_wait(&mut self, el: &ActiveEventLoop) {
        let now = Instant::now();
        if now >= self.next_tick && self.window.is_some() {
            self.tick(el);
            self.next_tick = (self.next_tick + FRAME_TIME).max(now);
        }
        el.set_control_flow(ControlFlow::WaitUntil(self.next_tick));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiles_share_the_cpus_evenly() {
        let cpus = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
        assert_eq!(tile_rate(1).share, (TILES_SHARE * cpus).min(1.0));
        assert!((tile_rate(64).share - (TILES_SHARE * cpus / 64.0).min(1.0)).abs() < 1e-9);
        assert_eq!(tile_rate(16).interval, Duration::from_millis(50));
    }
}
