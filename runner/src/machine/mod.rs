//! The console itself: RAM, drawing, text, memory and input functions, and the blit into
//! the output frame.
//!
//! This is written once and called by every runtime; a runtime only translates its
//! arguments (see `crate::lua::api`). Behaviour follows TIC-80 1.1 (`TIC80-SPEC.md`):
//! arguments arrive already converted to TIC-80's integer or float types, out-of-range
//! values are clipped or ignored as TIC-80 does, and nothing here panics on any argument.

mod blit;
mod cart;
mod draw;
mod fill;
mod input;
mod memory;
mod sound;
mod text;
mod tiles;
mod tri;

pub use cart::BadBank;
pub use sound::parse_note;
pub use tiles::map_extent;
pub use tri::{TexSource, Vertex};

use std::time::{Duration, Instant};

use cartbox_protocol::cart::{BANKS, Bank, CartImage, Section};
use cartbox_protocol::ram::{self, HEIGHT, RAM_SIZE, VRAM_SIZE, WIDTH};

use crate::shm::SharedMemory;
use cartbox_protocol::font;
use input::Input;
pub use input::{KEY_COUNT, Mouse};

/// The clip rectangle: left, top, right (exclusive), bottom (exclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clip {
    /// Left edge.
    pub l: i32,
    /// Top edge.
    pub t: i32,
    /// Right edge, exclusive.
    pub r: i32,
    /// Bottom edge, exclusive.
    pub b: i32,
}

impl Clip {
    /// The whole screen.
    pub const FULL: Clip = Clip {
        l: 0,
        t: 0,
        r: WIDTH as i32,
        b: HEIGHT as i32,
    };
}

/// Where `time()` comes from.
#[derive(Debug, Clone, Copy)]
enum Clock {
    /// Virtual: the host gives the time of each frame.
    Virtual(f64),
    /// Real: milliseconds since the cart was loaded.
    Real(Instant),
}

/// Trace output waiting to be sent to the host.
#[derive(Debug, Default)]
pub struct Trace {
    /// Pending lines with their colour.
    pub lines: Vec<(String, u8)>,
    /// Bytes pending in `lines`.
    pub bytes: usize,
    /// Bytes dropped this frame because the cap was reached.
    pub dropped: usize,
}

/// Most trace output a cart may produce in one frame; beyond it lines are counted, not kept.
pub const TRACE_FRAME_LIMIT: usize = 256 << 10;
/// Most trace lines a cart may produce in one frame (the host refuses floods of messages).
pub const TRACE_FRAME_LINES: usize = 1000;

/// The console state of one running cart.
pub struct Machine {
    mem: SharedMemory,
    /// The cart as loaded: `sync` and `reset` read from it.
    cart: [Bank; BANKS],
    clip: Clip,
    /// Which VRAM bank is mapped at 0x0000.
    vbank: u8,
    /// The VRAM bank that is not mapped.
    other_vram: Box<[u8; VRAM_SIZE]>,
    /// VRAM bank 1 was mapped at least once since reset; until then it is known to be
    /// fully transparent and the blit skips it.
    vbank1_used: bool,
    input: Input,
    /// The sequencer behind `sfx` and `music`.
    sound: sound::Sound,
    /// The `ttri` depth buffer (1/z per screen pixel), made on first use.
    zbuf: Option<Box<[f64]>>,
    /// Output pixels for each screen byte under the current palette (see `blit`).
    pairs: blit::PairCache,
    clock: Clock,
    trace: Trace,
    exit_requested: bool,
    /// Sections `sync` already moved this frame.
    synced: u32,
    /// The cart called `reset()`.
    reset_requested: bool,
    /// The next frame's sound step already happened: TIC-80 steps the sequencer at the
    /// start of a tick, before the cart's top-level code and `BOOT` run in its first tick,
    /// so an `sfx()` or `music()` called there is first heard in the second frame.
    sound_stepped: bool,
}

impl std::fmt::Debug for Machine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Machine")
            .field("clip", &self.clip)
            .field("vbank", &self.vbank)
            .finish()
    }
}

impl Machine {
    /// A machine on `mem`, with RAM loaded from `cart` as TIC-80 does at start.
    pub fn new(mem: SharedMemory, cart: &CartImage) -> Machine {
        let mut m = Machine {
            mem,
            cart: cart.banks.clone(),
            clip: Clip::FULL,
            vbank: 0,
            other_vram: Box::new([0; VRAM_SIZE]),
            vbank1_used: false,
            input: Input::default(),
            sound: sound::Sound::default(),
            zbuf: None,
            pairs: blit::PairCache::default(),
            clock: Clock::Real(Instant::now()),
            trace: Trace::default(),
            exit_requested: false,
            synced: 0,
            reset_requested: false,
            sound_stepped: false,
        };
        m.reset_ram();
        // The first tick's sound step, before any cart code runs (on a machine just reset
        // it changes nothing; frame 1 then skips it).
        m.sound.tick(m.mem.ram_mut());
        m.sound_stepped = true;
        m
    }

    /// The console RAM.
    pub fn ram(&mut self) -> &mut [u8; RAM_SIZE] {
        self.mem.ram_mut()
    }

    /// Moves the console RAM to `at` (see [`SharedMemory::relocate_ram`]).
    ///
    /// # Safety
    /// As for [`SharedMemory::relocate_ram`].
    pub unsafe fn relocate_ram(&mut self, at: std::ptr::NonNull<u8>) {
        // SAFETY: the caller's contract is the callee's.
        unsafe { self.mem.relocate_ram(at) }
    }

    /// Copies relocated RAM to the shared region, where the host reads it.
    pub fn publish_ram(&mut self) {
        self.mem.publish_ram();
    }

    /// Writes into the shared region's RAM as the host would (see
    /// [`SharedMemory::write_shared_ram`]).
    pub fn write_shared_ram(&mut self, at: usize, bytes: &[u8]) {
        self.mem.write_shared_ram(at, bytes);
    }

    /// Copies `range` of the shared region's RAM into relocated RAM (see
    /// [`SharedMemory::receive_ram`]).
    pub fn receive_ram(&mut self, range: std::ops::Range<usize>) {
        self.mem.receive_ram(range);
    }

    /// Resets RAM as TIC-80 does on start and `reset()`: everything but persistent memory
    /// and the input registers cleared, both VRAM banks' registers reset, fonts and button
    /// mapping restored, then bank 0 of the cart copied in.
    fn reset_ram(&mut self) {
        let bank0 = &self.cart[0];
        let ram = self.mem.ram_mut();
        let mut pmem = [0u8; ram::PMEM_SIZE];
        pmem.copy_from_slice(&ram[ram::PMEM..ram::PMEM + ram::PMEM_SIZE]);
        let mut input = [0u8; ram::SFX_STATE - ram::GAMEPADS];
        input.copy_from_slice(&ram[ram::GAMEPADS..ram::SFX_STATE]);
        ram.fill(0);
        ram[ram::PMEM..ram::PMEM + ram::PMEM_SIZE].copy_from_slice(&pmem);
        ram[ram::GAMEPADS..ram::SFX_STATE].copy_from_slice(&input);
        ram[ram::FONT..ram::FONT + ram::FONT_SIZE].copy_from_slice(font::regular());
        ram[ram::ALT_FONT..ram::ALT_FONT + ram::FONT_SIZE].copy_from_slice(font::small());
        ram[ram::BUTTON_MAPPING..ram::BUTTON_MAPPING + 32].copy_from_slice(&input::DEFAULT_MAPPING);
        ram[ram::STEREO_VOLUME..ram::STEREO_VOLUME + 4].fill(0xff);

        // Both VRAM banks: registers zeroed, identity palette map, blit segment 2, the
        // cart's first palette. The second cart palette goes to bank 1 if non-zero.
        let pal = bank0.section(Section::Palette);
        init_vram(&mut ram[..VRAM_SIZE], &pal[..48]);
        init_vram(&mut self.other_vram[..], &pal[..48]);
        if pal[48..].iter().any(|b| *b != 0) {
            self.other_vram[ram::PALETTE..ram::PALETTE + 48].copy_from_slice(&pal[48..]);
        }
        // Every other section goes to its place in RAM; the palette went to VRAM above.
        for s in Section::ALL
            .into_iter()
            .filter(|s| !matches!(s, Section::Screen | Section::Palette))
        {
            let a = s.ram_address();
            ram[a..a + s.size()].copy_from_slice(bank0.section(s));
        }
        // The cover screen is loaded only when the cart has one.
        let screen = bank0.section(Section::Screen);
        if screen.iter().any(|b| *b != 0) {
            ram[..ram::SCREEN_SIZE].copy_from_slice(screen);
        }
        self.sound.reset(self.mem.ram_mut());
        self.vbank = 0;
        self.vbank1_used = false;
        self.clip = Clip::FULL;
    }

    /// Prepares a frame: sets the clock, applies the button mapping, updates input history.
    pub fn begin_frame(&mut self, time_ms: Option<f64>) {
        if let Some(t) = time_ms {
            self.clock = Clock::Virtual(t);
        } else if let Clock::Virtual(_) = self.clock {
            self.clock = Clock::Real(Instant::now());
        }
        let ram = self.mem.ram_mut();
        // The sequencer rewrites the sound registers, positions and music state every tick.
        if !std::mem::take(&mut self.sound_stepped) {
            self.sound.tick(ram);
        }
        self.synced = 0;
        // The cursor byte is reset every frame: a cart that wants its own cursor writes it
        // every frame, as on TIC-80.
        ram[ram::MOUSE_CURSOR] = 0x80;
        self.input.begin_frame(self.mem.ram_mut());
    }

    /// Finishes a frame's script part: input history moves on, and the sound registers as
    /// they are now (after `TIC` and `OVR`, before the scanline and border callbacks) go to
    /// the host's synthesiser, as TIC-80 snapshots them at the end of its tick.
    pub fn end_frame(&mut self) {
        self.input.end_frame();
        self.mem.publish_sound();
    }

    /// Milliseconds for `time()`.
    pub fn time(&self) -> f64 {
        match self.clock {
            Clock::Virtual(t) => t,
            Clock::Real(start) => start.elapsed().as_secs_f64() * 1000.0,
        }
    }

    /// Leaves `ms` milliseconds (the player paused the cart) out of the real clock, so that
    /// `time()` goes on from where it was. Nothing for a virtual clock, or a value that is
    /// not a positive number of at most a day.
    pub fn leave_out(&mut self, ms: f64) {
        if let Clock::Real(start) = &mut self.clock
            && ms > 0.0
            && ms <= 86_400_000.0
        {
            let now = Instant::now();
            // Never after now: time() does not go below zero.
            *start = (*start + Duration::from_secs_f64(ms / 1000.0)).min(now);
        }
    }

    /// Makes `time()` return `ms` until a frame says otherwise (a virtual clock: the cart's
    /// top-level code and `BOOT` run at 0, inside TIC-80's first tick).
    pub fn set_virtual_time(&mut self, ms: f64) {
        self.clock = Clock::Virtual(ms);
    }

    /// Starts the real clock at zero (when a cart is loaded).
    pub fn start_clock(&mut self) {
        if let Clock::Real(_) = self.clock {
            self.clock = Clock::Real(Instant::now());
        }
    }

    /// `trace(text, color)`.
    pub fn trace(&mut self, text: &str, color: u8) {
        if self.trace.bytes + text.len() > TRACE_FRAME_LIMIT
            || self.trace.lines.len() >= TRACE_FRAME_LINES
        {
            self.trace.dropped += text.len().max(1);
            return;
        }
        self.trace.bytes += text.len();
        self.trace.lines.push((text.to_owned(), color));
    }

    /// Takes the pending trace output.
    pub fn take_trace(&mut self) -> Trace {
        std::mem::take(&mut self.trace)
    }

    /// `exit()`: stop after this frame.
    pub fn request_exit(&mut self) {
        self.exit_requested = true;
    }

    /// `sfx(id, note, octave, duration, channel, volume, speed)` after argument parsing.
    #[allow(clippy::too_many_arguments)] // TIC-80's own signature.
    pub fn sfx(
        &mut self,
        id: i32,
        note: i32,
        octave: i32,
        duration: i32,
        channel: usize,
        vol: (u8, u8),
        speed: i32,
    ) {
        let ram = self.mem.ram_mut();
        self.sound
            .sfx(ram, id, note, octave, duration, channel, vol, speed);
    }

    /// The default note, octave and speed of sfx sample `id` (0..64).
    pub fn sfx_defaults(&mut self, id: i32) -> (i32, i32, i32) {
        sound::sample_defaults(self.ram(), id)
    }

    /// `music(track, frame, row, loop, sustain, tempo, speed)` after argument parsing.
    #[allow(clippy::too_many_arguments)] // TIC-80's own signature.
    pub fn music(
        &mut self,
        track: i32,
        frame: i32,
        row: i32,
        looping: bool,
        sustain: bool,
        tempo: i32,
        speed: i32,
    ) {
        let ram = self.mem.ram_mut();
        self.sound
            .music(ram, track, frame, row, looping, sustain, tempo, speed);
    }

    /// `reset()`: restart the cart at the next frame.
    pub fn request_reset(&mut self) {
        self.reset_requested = true;
    }

    /// Takes a pending `reset()` request.
    pub fn take_reset(&mut self) -> bool {
        std::mem::take(&mut self.reset_requested)
    }

    /// Whether `reset()` was called this frame.
    pub fn reset_requested(&self) -> bool {
        self.reset_requested
    }

    /// Whether the cart called `exit()`.
    pub fn exit_requested(&self) -> bool {
        self.exit_requested
    }
}

/// Fills one VRAM bank's registers as TIC-80's reset does.
fn init_vram(vram: &mut [u8], palette: &[u8]) {
    vram.fill(0);
    vram[ram::PALETTE..ram::PALETTE + 48].copy_from_slice(palette);
    for i in 0..8u8 {
        vram[ram::PALETTE_MAP + i as usize] = (2 * i) | ((2 * i + 1) << 4);
    }
    vram[ram::BLIT_SEGMENT] = 2;
}

#[cfg(test)]
pub(crate) mod testing {
    use super::*;

    /// A machine on private memory with a SWEETIE-16 cart.
    pub(crate) fn machine() -> Machine {
        let mut cart = CartImage::default();
        cart.banks[0].section_mut(Section::Palette)[..48].copy_from_slice(&ram::SWEETIE16);
        Machine::new(SharedMemory::anonymous().expect("anonymous mapping"), &cart)
    }

    /// The screen as one hex digit per pixel, rows separated by newlines, cropped.
    pub(crate) fn screen(m: &mut Machine, w: usize, h: usize) -> String {
        let mut s = String::new();
        for y in 0..h {
            for x in 0..w {
                let v = m.peek4((y * WIDTH + x) as i32);
                s.push(char::from_digit(u32::from(v), 16).unwrap_or('?'));
            }
            s.push('\n');
        }
        s
    }
}
