//! `sfx` and `music`: the sequencer, as far as the console RAM shows it.
//!
//! Each tick the engine steps the music (reading the track, frame, row and flags back from
//! RAM, so carts can steer it by poking) and the four sfx channels, and writes what the
//! synthesiser would play into the sound registers (frequency, volume, waveform), the stereo
//! volumes, the sfx positions and the music state. Turning the registers into audio is the
//! host's job (a later piece of work); everything a cart can observe is here.

use cartbox_protocol::ram::{self, RAM_SIZE};

const CHANNELS: usize = 4;
const SFX_TICKS: i32 = 30;
const MUSIC_FRAMES: i32 = 16;
const PATTERN_ROWS: i32 = 64;
const TRACK_SIZE: usize = 51;
const ROW_SIZE: usize = 3;
const PATTERN_SIZE: usize = 192;
const SAMPLE_SIZE: usize = 66;
const REGISTER_SIZE: usize = 18;

/// Status bits of the music state's flags byte.
const STATUS_STOP: u8 = 0;
const STATUS_PLAY_FRAME: u8 = 1;
const STATUS_PLAY: u8 = 2;

/// Note frequencies in Hz: `round(440 * 2^((i - 57) / 12))`, 8 octaves and 8 more notes.
fn note_freq(i: i32) -> i32 {
    let i = i.clamp(0, 103);
    (440.0 * 2f64.powf(f64::from(i - 57) / 12.0)).round() as i32
}

/// One period of the vibrato sine, scaled to 16 bits.
fn vibrato(k: i32) -> i32 {
    ((f64::from(k) * std::f64::consts::TAU / 32.0).sin() * 65536.0).round() as i32
}

/// A channel of the sequencer (sfx or music).
#[derive(Debug, Clone, Copy)]
struct Channel {
    tick: i32,
    pos: [i8; 4],
    index: i32,
    note: i32,
    vol_left: u8,
    vol_right: u8,
    speed: i8,
    duration: i32,
}

impl Default for Channel {
    fn default() -> Self {
        Channel {
            tick: -1,
            pos: [-1; 4],
            index: -1,
            note: 0,
            vol_left: 0,
            vol_right: 0,
            speed: 0,
            duration: -1,
        }
    }
}

/// Effect state of one music channel.
#[derive(Debug, Clone, Copy, Default)]
struct Effects {
    chord: (i32, u8, u8),
    vibrato: (i32, u8, u8),
    slide: (i32, u8, i32),
    finepitch: i32,
    delay_row: Option<usize>,
    delay_ticks: i32,
}

/// The sequencer's state outside RAM.
#[derive(Debug, Clone, Default)]
pub(crate) struct Sound {
    sfx: [Channel; CHANNELS],
    music: [Channel; CHANNELS],
    effects: [Effects; CHANNELS],
    ticks: i32,
    jump: Option<(i32, i32)>,
    tempo_override: i32,
    speed_override: i32,
}

/// An sfx sample, read from RAM.
struct Sample<'a>(&'a [u8]);

impl Sample<'_> {
    fn at(ram: &[u8; RAM_SIZE], index: i32) -> Sample<'_> {
        let at = ram::SFX + SAMPLE_SIZE * (index.clamp(0, 63) as usize);
        Sample(&ram[at..at + SAMPLE_SIZE])
    }
    fn volume(&self, t: usize) -> i32 {
        i32::from(self.0[2 * t] & 0x0f)
    }
    fn wave(&self, t: usize) -> usize {
        usize::from(self.0[2 * t] >> 4)
    }
    fn chord(&self, t: usize) -> i32 {
        i32::from(self.0[2 * t + 1] & 0x0f)
    }
    fn pitch(&self, t: usize) -> i32 {
        i32::from((self.0[2 * t + 1] as i8) >> 4)
    }
    fn octave(&self) -> i32 {
        i32::from(self.0[60] & 7)
    }
    fn pitch16x(&self) -> bool {
        self.0[60] & 8 != 0
    }
    fn speed(&self) -> i8 {
        ((self.0[60] << 1) as i8) >> 5
    }
    fn reverse(&self) -> bool {
        self.0[60] & 0x80 != 0
    }
    fn note(&self) -> i32 {
        i32::from(self.0[61] & 0x0f)
    }
    fn mute_left(&self) -> bool {
        self.0[61] & 0x10 != 0
    }
    fn mute_right(&self) -> bool {
        self.0[61] & 0x20 != 0
    }
    /// Position in envelope `e` after `p` steps, with its loop.
    fn position(&self, e: usize, p: i32) -> i8 {
        let l = self.0[62 + e];
        let (start, size) = (i32::from(l & 0x0f), i32::from(l >> 4));
        let pos = if size == 0 {
            p.min(SFX_TICKS - 1)
        } else if p < start + size {
            p
        } else {
            start + (p - start) % size
        };
        pos.clamp(0, SFX_TICKS - 1) as i8
    }
}

/// The music state bytes at 0x13FFC.
struct State {
    track: i8,
    frame: i8,
    row: i8,
    flags: u8,
}

impl State {
    fn read(ram: &[u8; RAM_SIZE]) -> State {
        let s = &ram[ram::MUSIC_STATE..ram::MUSIC_STATE + 4];
        State {
            track: s[0] as i8,
            frame: s[1] as i8,
            row: s[2] as i8,
            flags: s[3],
        }
    }
    fn write(&self, ram: &mut [u8; RAM_SIZE]) {
        ram[ram::MUSIC_STATE..ram::MUSIC_STATE + 4].copy_from_slice(&[
            self.track as u8,
            self.frame as u8,
            self.row as u8,
            self.flags,
        ]);
    }
    fn status(&self) -> u8 {
        (self.flags >> 1) & 3
    }
    fn set_status(&mut self, s: u8) {
        self.flags = (self.flags & !6) | (s << 1);
    }
    fn looping(&self) -> bool {
        self.flags & 1 != 0
    }
    fn sustain(&self) -> bool {
        self.flags & 8 != 0
    }
}

/// Sets (or with `index` -1 stops) a channel, as TIC-80's `sfx` core does.
fn start_channel(
    ram: &[u8; RAM_SIZE],
    c: &mut Channel,
    index: i32,
    note: i32,
    duration: i32,
    vol: (u8, u8),
    speed: i32,
) {
    c.vol_left = vol.0;
    c.vol_right = vol.1;
    if index >= 0 {
        c.speed = if (-4..=3).contains(&speed) {
            speed as i8
        } else {
            Sample::at(ram, index).speed()
        };
    }
    c.note = note;
    c.duration = duration;
    c.index = index;
    c.pos = [-1; 4];
    c.tick = -1;
}

/// One tick of a channel: positions move on, and if the volume envelope is up, the
/// channel's register and stereo nibbles are written.
fn step_channel(ram: &mut [u8; RAM_SIZE], c: &mut Channel, note: i32, pitch: i32, reg: usize) {
    if c.duration > 0 {
        c.duration -= 1;
    }
    if c.index < 0 || c.duration == 0 {
        c.pos = [-1; 4];
        c.tick = -1;
        return;
    }
    c.tick = c.tick.wrapping_add(1);
    let p = if c.speed > 0 {
        c.tick.wrapping_mul(1 + i32::from(c.speed))
    } else {
        c.tick / (1 - i32::from(c.speed))
    };
    let (vol, freq, wave, left, right) = {
        let s = Sample::at(ram, c.index);
        for e in 0..4 {
            c.pos[e] = s.position(e, p);
        }
        let at = |e: usize| c.pos[e] as usize;
        let vol = 15 - s.volume(at(1));
        let mut arp = s.chord(at(2));
        if s.reverse() {
            arp = -arp;
        }
        let n = (note.wrapping_add(arp)).clamp(0, 103);
        let freq = note_freq(n) + s.pitch(at(3)) * if s.pitch16x() { 16 } else { 1 } + pitch;
        let left = if s.mute_left() { 0 } else { c.vol_left };
        let right = if s.mute_right() { 0 } else { c.vol_right };
        (vol, freq, s.wave(at(0)), left, right)
    };
    if vol <= 0 {
        return;
    }
    let r = ram::SOUND_REGISTERS + REGISTER_SIZE * reg;
    let f = (freq & 0xfff) as u16;
    ram[r] = f as u8;
    ram[r + 1] = ((f >> 8) as u8 & 0x0f) | ((vol as u8) << 4);
    let w = ram::WAVEFORMS + 16 * wave;
    ram.copy_within(w..w + 16, r + 2);
    ram[ram::STEREO_VOLUME + reg] = (left & 0x0f) | (right << 4);
}

impl Sound {
    /// The state after a console reset: every channel idle, music stopped.
    pub(crate) fn reset(&mut self, ram: &mut [u8; RAM_SIZE]) {
        *self = Sound::default();
        ram[ram::SFX_STATE..ram::SFX_STATE + 16].fill(0xff);
        ram[ram::SOUND_REGISTERS..ram::SOUND_REGISTERS + REGISTER_SIZE * CHANNELS].fill(0);
        self.stop_music(ram);
    }

    fn mirror_sfx_positions(&self, ram: &mut [u8; RAM_SIZE]) {
        for (c, ch) in self.sfx.iter().enumerate() {
            for (e, p) in ch.pos.iter().enumerate() {
                ram[ram::SFX_STATE + 4 * c + e] = *p as u8;
            }
        }
    }

    /// `sfx(...)` after argument parsing: takes effect at once.
    #[allow(clippy::too_many_arguments)] // TIC-80's own signature.
    pub(crate) fn sfx(
        &mut self,
        ram: &mut [u8; RAM_SIZE],
        index: i32,
        note: i32,
        octave: i32,
        duration: i32,
        channel: usize,
        vol: (u8, u8),
        speed: i32,
    ) {
        let Some(c) = self.sfx.get_mut(channel) else {
            return;
        };
        start_channel(
            ram,
            c,
            index,
            note.wrapping_add(octave.wrapping_mul(12)),
            duration,
            vol,
            speed,
        );
        self.mirror_sfx_positions(ram);
    }

    /// `music(...)` after argument parsing; a negative track stops.
    #[allow(clippy::too_many_arguments)] // TIC-80's own signature.
    pub(crate) fn music(
        &mut self,
        ram: &mut [u8; RAM_SIZE],
        track: i32,
        frame: i32,
        row: i32,
        looping: bool,
        sustain: bool,
        tempo: i32,
        speed: i32,
    ) {
        let mut st = State::read(ram);
        st.track = track as i8;
        if track < 0 {
            st.set_status(STATUS_STOP);
            st.write(ram);
            self.reset_music_channels(ram);
            return;
        }
        for c in 0..CHANNELS {
            start_channel(ram, &mut self.music[c], -1, 0, -1, (15, 15), 8);
        }
        st.row = -1;
        st.frame = frame.max(0) as i8;
        st.flags =
            (st.flags & 0xf0) | u8::from(looping) | (STATUS_PLAY << 1) | (u8::from(sustain) << 3);
        st.write(ram);
        self.tempo_override = tempo;
        self.speed_override = speed;
        self.ticks = if row >= 0 {
            self.row_to_tick(ram, track, row)
        } else {
            0
        };
    }

    fn stop_music(&mut self, ram: &mut [u8; RAM_SIZE]) {
        self.music(ram, -1, 0, 0, false, false, -1, -1);
    }

    fn reset_music_channels(&mut self, ram: &[u8; RAM_SIZE]) {
        for c in &mut self.music {
            start_channel(ram, c, -1, 0, -1, (0, 0), 8);
        }
        self.effects = [Effects::default(); CHANNELS];
        self.jump = None;
    }

    fn track_at(track: i32) -> usize {
        ram::MUSIC_TRACKS + TRACK_SIZE * (track.clamp(0, 7) as usize)
    }

    fn tempo(&self, ram: &[u8; RAM_SIZE], track: i32) -> i32 {
        if self.tempo_override >= 0 {
            self.tempo_override
        } else {
            150 + i32::from(ram[Self::track_at(track) + 48] as i8)
        }
    }

    fn speed(&self, ram: &[u8; RAM_SIZE], track: i32) -> i32 {
        if self.speed_override >= 0 {
            self.speed_override
        } else {
            6 + i32::from(ram[Self::track_at(track) + 50] as i8)
        }
    }

    fn tick_to_row(&self, ram: &[u8; RAM_SIZE], track: i32, t: i32) -> i32 {
        let speed = self.speed(ram, track);
        if speed == 0 {
            0
        } else {
            t.wrapping_mul(self.tempo(ram, track)).wrapping_mul(6) / speed / 900
        }
    }

    fn row_to_tick(&self, ram: &[u8; RAM_SIZE], track: i32, r: i32) -> i32 {
        let tempo = self.tempo(ram, track);
        if tempo == 0 {
            0
        } else {
            r.wrapping_mul(self.speed(ram, track)).wrapping_mul(900) / tempo / 6
        }
    }

    /// Pattern id of channel `c` in `frame` of the track at `t` (read as flat RAM).
    fn pattern_id(ram: &[u8; RAM_SIZE], t: usize, frame: i32, c: usize) -> usize {
        let at = t as i64 + 3 * i64::from(frame);
        let byte = |i: i64| {
            usize::try_from(at + i)
                .ok()
                .and_then(|a| ram.get(a))
                .copied()
                .unwrap_or(0)
        };
        let v = u32::from(byte(0)) | u32::from(byte(1)) << 8 | u32::from(byte(2)) << 16;
        ((v >> (6 * c)) & 63) as usize
    }

    /// One tick: the music, then the sfx channels. Registers and stereo are reset first.
    pub(crate) fn tick(&mut self, ram: &mut [u8; RAM_SIZE]) {
        ram[ram::SOUND_REGISTERS..ram::SOUND_REGISTERS + REGISTER_SIZE * CHANNELS].fill(0);
        ram[ram::STEREO_VOLUME..ram::STEREO_VOLUME + 4].fill(0xff);
        self.music_step(ram);
        for c in 0..CHANNELS {
            if self.sfx[c].index >= 0 {
                let mut ch = self.sfx[c];
                let note = ch.note;
                step_channel(ram, &mut ch, note, 0, c);
                self.sfx[c] = ch;
            }
        }
        self.mirror_sfx_positions(ram);
    }

    fn music_step(&mut self, ram: &mut [u8; RAM_SIZE]) {
        let mut st = State::read(ram);
        if st.status() == STATUS_STOP {
            return;
        }
        let track = i32::from(st.track);
        let t = Self::track_at(track);
        let mut row = self.tick_to_row(ram, track, self.ticks);
        if row != i32::from(st.row)
            && let Some((frame, beat)) = self.jump.take()
        {
            st.frame = frame as i8;
            row = beat * 4;
            self.ticks = self.row_to_tick(ram, track, row);
        }
        let rows = PATTERN_ROWS - i32::from(ram[t + 49]);
        if row >= rows {
            row = 0;
            self.ticks = 0;
            if !st.sustain() {
                self.reset_music_channels(ram);
                for c in 0..CHANNELS {
                    start_channel(ram, &mut self.music[c], -1, 0, -1, (15, 15), 8);
                }
            }
            match st.status() {
                STATUS_PLAY => {
                    st.frame = st.frame.wrapping_add(1);
                    let empty = (0..CHANNELS)
                        .all(|c| Self::pattern_id(ram, t, i32::from(st.frame), c) == 0);
                    if i32::from(st.frame) >= MUSIC_FRAMES || empty {
                        if st.looping() {
                            st.frame = 0;
                        } else {
                            st.write(ram);
                            self.stop_music(ram);
                            return;
                        }
                    }
                }
                STATUS_PLAY_FRAME if !st.looping() => {
                    st.write(ram);
                    self.stop_music(ram);
                    return;
                }
                _ => {}
            }
        }
        if row != i32::from(st.row) {
            st.row = row as i8;
            for c in 0..CHANNELS {
                let pid = Self::pattern_id(ram, t, i32::from(st.frame), c);
                if pid == 0 {
                    continue;
                }
                let at = ram::MUSIC_PATTERNS + PATTERN_SIZE * (pid - 1) + ROW_SIZE * row as usize;
                self.process_row(ram, c, at);
            }
        }
        st.write(ram);
        for c in 0..CHANNELS {
            let mut ch = self.music[c];
            let k = &mut self.effects[c];
            if ch.index >= 0 {
                let mut n = ch.note;
                let mut pitch = 0;
                let (ctick, n1, n2) = k.chord;
                let steps = if n2 == 0 { 2 } else { 3 };
                n += [0, i32::from(n1), i32::from(n2)][ctick.rem_euclid(steps) as usize];
                let (vtick, period, depth) = k.vibrato;
                if period != 0 && depth != 0 {
                    let per = 2 * i32::from(period);
                    pitch += (vibrato(vtick.rem_euclid(per) * 32 / per) * i32::from(depth)) >> 16;
                }
                let (stick, snote, sdur) = k.slide;
                if stick < sdur {
                    pitch += (note_freq(ch.note) - note_freq(i32::from(snote))) * stick / sdur;
                    n = i32::from(snote);
                }
                pitch += k.finepitch;
                step_channel(ram, &mut ch, n, pitch, c);
                self.music[c] = ch;
            }
            let k = &mut self.effects[c];
            k.chord.0 = k.chord.0.wrapping_add(1);
            k.vibrato.0 = k.vibrato.0.wrapping_add(1);
            k.slide.0 = k.slide.0.wrapping_add(1);
            if k.delay_ticks != 0 {
                k.delay_ticks -= 1;
            }
        }
        self.ticks = self.ticks.wrapping_add(1);
    }

    fn process_row(&mut self, ram: &[u8; RAM_SIZE], c: usize, at: usize) {
        let row = |at: usize| {
            let b = |i: usize| ram.get(at + i).copied().unwrap_or(0);
            let (b0, b1, b2) = (b(0), b(1), b(2));
            let note = b0 & 0x0f;
            let x = b0 >> 4;
            let y = b1 & 0x0f;
            let command = (b1 >> 4) & 7;
            let sfx = (i32::from(b1 >> 7) << 5) | i32::from(b2 & 0x1f);
            let octave = i32::from(b2 >> 5);
            (note, x, y, command, sfx, octave)
        };
        let mut current = Some(at);
        if row(at).3 == 7 {
            self.effects[c].delay_row = Some(at);
            self.effects[c].delay_ticks = i32::from(row(at).1) * 16 + i32::from(row(at).2);
            current = None;
        }
        if self.effects[c].delay_row.is_some() && self.effects[c].delay_ticks == 0 {
            current = self.effects[c].delay_row.take();
        }
        let Some(at) = current else { return };
        let (note, x, y, command, sfx, octave) = row(at);
        let ch = self.music[c];
        if note != 0 {
            self.effects[c].slide.0 = 0;
            self.effects[c].slide.1 = ch.note as u8;
        }
        let vol = (ch.vol_left, ch.vol_right);
        if note == 1 {
            start_channel(ram, &mut self.music[c], -1, 0, -1, vol, 8);
        } else if note >= 4 {
            let n = i32::from(note) - 4 + 12 * octave;
            start_channel(ram, &mut self.music[c], sfx, n, -1, vol, 8);
        }
        let k = &mut self.effects[c];
        match command {
            1 => {
                self.music[c].vol_left = x;
                self.music[c].vol_right = y;
            }
            2 => k.chord = (0, x, y),
            3 => self.jump = Some((i32::from(x), i32::from(y))),
            4 => k.slide.2 = i32::from(x) * 16 + i32::from(y),
            5 => k.finepitch = i32::from(x) * 16 + i32::from(y) - 128,
            6 => k.vibrato = (0, x, y),
            _ => {}
        }
    }
}

/// The note, octave and speed sample `id` plays by default.
pub(crate) fn sample_defaults(ram: &[u8; RAM_SIZE], id: i32) -> (i32, i32, i32) {
    let s = Sample::at(ram, id);
    (s.note(), s.octave(), i32::from(s.speed()))
}

/// A note string that is not three characters long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BadNote;

/// Parses a note name such as "C#4" or "D-2" into (note, octave); `Ok(None)` for a
/// three-character string that names no note (TIC-80 then keeps the sample's note).
pub fn parse_note(s: &[u8]) -> Result<Option<(i32, i32)>, BadNote> {
    const NAMES: [&[u8; 2]; 12] = [
        b"C-", b"C#", b"D-", b"D#", b"E-", b"F-", b"F#", b"G-", b"G#", b"A-", b"A#", b"B-",
    ];
    if s.len() != 3 {
        return Err(BadNote);
    }
    Ok(NAMES
        .iter()
        .position(|n| &s[..2] == n.as_slice())
        .map(|i| (i as i32, i32::from(s[2]) - i32::from(b'1'))))
}

impl super::Machine {
    /// `fft(start, end)`, and with `smoothed` `ffts(start, end)`: how loud the sound a capture
    /// device hears is in frequency bucket `start` (of 1024), or summed over `start..=end`.
    ///
    /// TIC-80 (since its commit 43a03178) opens a capture device only when started with
    /// `--fft`; without one, and on platforms without audio input, both return 0.0 for any
    /// arguments, which it does not even read. A runner has no audio input (its sandbox opens
    /// no device), so this is always TIC-80 without `--fft`: 0.0.
    pub fn fft(&self, start: i32, end: i32, smoothed: bool) -> f64 {
        let _ = (start, end, smoothed);
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::machine;
    use super::*;

    fn ram(m: &mut super::super::Machine) -> &mut [u8; RAM_SIZE] {
        m.ram()
    }

    #[test]
    fn tables_match_tic80() {
        assert_eq!(
            [note_freq(0), note_freq(57), note_freq(96), note_freq(103)],
            [16, 440, 4186, 6272]
        );
        assert_eq!(
            [vibrato(0), vibrato(1), vibrato(8), vibrato(24)],
            [0, 12785, 65536, -65536]
        );
        assert_eq!(parse_note(b"C#4"), Ok(Some((1, 3))));
        assert_eq!(parse_note(b"c#4"), Ok(None));
        assert_eq!(parse_note(b"14.0"), Err(BadNote));
    }

    #[test]
    fn sfx_positions_registers_and_duration() {
        let mut m = machine();
        let r = ram(&mut m);
        // Sample 5: volume column 0 (loudest), wave 1, note C, octave 4.
        for t in 0..30 {
            r[ram::SFX + 5 * 66 + 2 * t] = 0x10;
        }
        r[ram::SFX + 5 * 66 + 60] = 4;
        r[ram::WAVEFORMS + 16] = 0xab;
        let mut s = Sound::default();
        s.reset(r);
        assert_eq!(&r[ram::SFX_STATE..ram::SFX_STATE + 4], &[0xff; 4]);
        s.sfx(r, 5, 0, 4, 4, 0, (15, 7), 8);
        for expect in [0u8, 1, 2] {
            s.tick(r);
            assert_eq!(&r[ram::SFX_STATE..ram::SFX_STATE + 4], &[expect; 4]);
        }
        let reg = &r[ram::SOUND_REGISTERS..ram::SOUND_REGISTERS + 18];
        // C-4 = 262 Hz = 0x106, volume 15.
        assert_eq!((reg[0], reg[1], reg[2]), (0x06, 0xf1, 0xab));
        assert_eq!(r[ram::STEREO_VOLUME], 0x7f);
        // Duration 4: three audible ticks, then idle.
        s.tick(r);
        assert_eq!(&r[ram::SFX_STATE..ram::SFX_STATE + 4], &[0xff; 4]);
        assert_eq!(r[ram::SOUND_REGISTERS + 1], 0);
    }

    #[test]
    fn music_walks_rows_and_stops_at_the_end() {
        let mut m = machine();
        let r = ram(&mut m);
        // Track 0, frame 0 plays pattern 1 on channel 0; frame 1 is empty.
        r[ram::MUSIC_TRACKS] = 1;
        r[ram::MUSIC_PATTERNS] = 0x04; // C, sfx 0, octave 0
        let mut s = Sound::default();
        s.reset(r);
        s.music(r, 0, -1, -1, false, false, -1, -1);
        assert_eq!(
            &r[ram::MUSIC_STATE..ram::MUSIC_STATE + 4],
            &[0, 0, 0xff, 0x04]
        );
        s.tick(r);
        assert_eq!(r[ram::MUSIC_STATE + 2], 0);
        for _ in 0..6 {
            s.tick(r);
        }
        assert_eq!(
            r[ram::MUSIC_STATE + 2],
            1,
            "six ticks per row at tempo 150, speed 6"
        );
        for _ in 0..(64 * 6) {
            s.tick(r);
        }
        // Frame 1 is empty and the music does not loop: stopped.
        assert_eq!(r[ram::MUSIC_STATE], 0xff);
        assert_eq!(r[ram::MUSIC_STATE + 3] >> 1 & 3, 0);
    }

    #[test]
    fn fft_hears_nothing_without_a_capture_device() {
        let mut m = machine();
        m.sfx(0, 0, 4, -1, 0, (15, 15), 0);
        for (start, end) in [
            (0, -1),
            (5, 10),
            (-1, 2000),
            (1023, 0),
            (i32::MIN, i32::MAX),
        ] {
            assert_eq!(m.fft(start, end, false).to_bits(), 0.0f64.to_bits());
            assert_eq!(m.fft(start, end, true).to_bits(), 0.0f64.to_bits());
        }
    }
}
