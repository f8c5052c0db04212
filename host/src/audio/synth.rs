//! TIC-80's sound chip: the four sound registers of one frame turned into 735 stereo
//! samples at 44,100 Hz, as TIC-80's core synthesises them (`docs/research/tic80-sound.md`,
//! "Synthesis").
//!
//! Per channel a 32-step, 4-bit waveform is stepped at the register's frequency (or a noise
//! generator, when the waveform is all 0 or all 15), scaled by the register's volume and the
//! channel's left or right volume, and every change of level goes into a band-limited step
//! synthesiser (`blip_buf`, as TIC-80 uses) clocked at TIC-80's 2,088,960 Hz. Phases and the
//! noise generator run on from frame to frame, even while a channel is silent, so the same
//! register history gives the same samples as TIC-80, sample for sample.
//!
//! The registers come from a runner and may hold any bytes: every value gives bounded,
//! well-defined output (each channel's level is at most a fifth of full scale, frequencies
//! are clamped to TIC-80's range of step periods, and the band-limited buffer clamps its
//! output to 16 bits).

use blip_buf::BlipBuf;
use cartbox_protocol::ram::SOUND_REGISTERS_SIZE;
use cartbox_protocol::shm::SOUND_SIZE;

/// Output sample rate (TIC-80's default).
pub const SAMPLE_RATE: u32 = 44_100;
/// Stereo samples per frame: 1/60 s.
pub const FRAME_SAMPLES: usize = SAMPLE_RATE as usize / 60;
/// Interleaved left/right values per frame.
pub const FRAME_VALUES: usize = FRAME_SAMPLES * 2;
/// Sound channels (registers).
pub const CHANNELS: usize = 4;

/// TIC-80's sound clock: steps are timed in these units (255 << 13 Hz).
const CLOCK_RATE: i32 = 255 << 13;
/// Clocks per frame.
const FRAME_CLOCKS: i32 = CLOCK_RATE / 60;
/// Steps of a waveform.
const WAVE_STEPS: u32 = 32;
/// `CLOCK_RATE * 2 / 32`: a waveform's step period is this divided by twice the frequency.
const PERIOD_RATE: i32 = CLOCK_RATE * 2 / WAVE_STEPS as i32;
/// Bounds of a step period, in clocks (TIC-80's clamp).
const MIN_PERIOD: i32 = 10;
const MAX_PERIOD: i32 = 4096;
/// Full scale of one 4-bit level: `i16::MAX`.
const FULL: i32 = i16::MAX as i32;
/// TIC-80 divides each channel's level by the number of voices it mixes: four channels
/// and the PCM channel of its current core (silent here, see the research notes).
const VOICES: i32 = CHANNELS as i32 + 1;
/// Capacity of each band-limited buffer, in samples (TIC-80 uses a tenth of a second).
const BLIP_CAPACITY: u32 = SAMPLE_RATE / 10;
/// Entries of TIC-80's ring of register snapshots.
const RING: usize = 12;
/// One ring entry: the registers, the stereo bytes and the (here always silent) PCM buffer.
const ENTRY: usize = SOUND_SIZE + 128;

/// What the synthesiser plays for one frame: the four sound registers and the four stereo
/// volume bytes, as a runner left them at the end of `TIC` (see
/// `cartbox_protocol::shm::SOUND_OFFSET`). Any bytes are valid.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct SoundRegisters(pub [u8; SOUND_SIZE]);

impl std::fmt::Debug for SoundRegisters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries((0..CHANNELS).map(|c| (self.frequency(c), self.volume(c))))
            .finish()
    }
}

impl Default for SoundRegisters {
    /// Silence, as a frame with nothing playing leaves it: registers zero, stereo full.
    fn default() -> Self {
        let mut b = [0u8; SOUND_SIZE];
        b[SOUND_REGISTERS_SIZE..].fill(0xff);
        SoundRegisters(b)
    }
}

impl SoundRegisters {
    fn register(&self, c: usize) -> &[u8] {
        &self.0[c * 18..c * 18 + 18]
    }

    /// Channel `c`'s frequency in Hz (12 bits).
    pub fn frequency(&self, c: usize) -> i32 {
        let r = self.register(c);
        i32::from(r[0]) | i32::from(r[1] & 0x0f) << 8
    }

    /// Channel `c`'s volume, 0..15.
    pub fn volume(&self, c: usize) -> i32 {
        i32::from(self.register(c)[1] >> 4)
    }

    /// Channel `c`'s waveform: 32 samples of 4 bits, low nibble first.
    pub fn waveform(&self, c: usize) -> &[u8] {
        &self.register(c)[2..18]
    }

    /// Channel `c`'s volume on one side (0 left, 1 right), 0..15.
    pub fn stereo(&self, c: usize, side: usize) -> i32 {
        let b = self.0[SOUND_REGISTERS_SIZE + c];
        i32::from(if side == 0 { b & 0x0f } else { b >> 4 })
    }
}

/// What a channel plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// The waveform, stepped at twice the frequency times 32 steps per clock.
    Wave,
    /// Noise from a 17-bit shift register (waveform all 0: long noise).
    LongNoise,
    /// Noise from a 5-bit shift register (waveform all 15: short, metallic noise).
    ShortNoise,
}

fn kind(wave: &[u8]) -> Kind {
    match wave.first() {
        Some(&first @ (0x00 | 0xff)) if wave.iter().all(|b| *b == first) => {
            if first == 0 {
                Kind::LongNoise
            } else {
                Kind::ShortNoise
            }
        }
        _ => Kind::Wave,
    }
}

/// A step period in clocks for a frequency in Hz (TIC-80's `freq2period`).
fn period(freq: i32) -> i32 {
    if freq == 0 {
        return MAX_PERIOD;
    }
    (PERIOD_RATE / freq - 1).clamp(MIN_PERIOD, MAX_PERIOD)
}

/// One channel's running state. TIC-80 keeps it twice, for the left and the right buffer,
/// but both copies step identically (only their levels differ), so one copy serves both.
#[derive(Debug, Clone, Copy, Default)]
struct Voice {
    /// Clock of the next step within the current frame (carried over, less a frame).
    time: i32,
    /// Waveform step (0..32), or the noise shift register.
    phase: u32,
    /// The level last sent to each side's buffer.
    level: [i32; 2],
}

/// TIC-80's synthesiser: feed it each frame's registers, in order, and it gives that
/// frame's samples.
pub struct Synth {
    voices: [Voice; CHANNELS],
    /// Band-limited buffers, left and right.
    blips: [BlipBuf; 2],
    /// The ring of register snapshots TIC-80 synthesises from, as its headless core fills
    /// it (one entry a frame). Only its bytes matter, for one quirk: see [`Synth::nibble`].
    ring: Box<[u8; RING * ENTRY]>,
    /// The entry being synthesised.
    entry: usize,
}

impl std::fmt::Debug for Synth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Synth")
            .field("voices", &self.voices)
            .finish_non_exhaustive()
    }
}

impl Default for Synth {
    fn default() -> Self {
        Synth::new()
    }
}

impl Synth {
    /// A synthesiser in TIC-80's state when its core starts: every phase and level zero.
    pub fn new() -> Synth {
        let blip = || {
            let mut b = BlipBuf::new(BLIP_CAPACITY);
            // The ratio is far inside blip_buf's bounds; the call cannot fail.
            let _ = b.set_rates(f64::from(CLOCK_RATE), f64::from(SAMPLE_RATE));
            b
        };
        Synth {
            voices: [Voice::default(); CHANNELS],
            blips: [blip(), blip()],
            ring: Box::new([0; RING * ENTRY]),
            // TIC-80's first frame reads the last entry, still empty (the entry moves on
            // before each frame).
            entry: RING - 2,
        }
    }

    /// Sample `step` of channel `c`'s waveform in the current ring entry. Right after
    /// noise the step is still the noise generator's state, far past 32, and TIC-80 reads
    /// that far past the waveform: through the later registers and stereo bytes, the
    /// silent PCM buffer, the entries after this one in its ring (the next frame's
    /// registers, then those of eleven frames before, ten, ...) and the ring's two indices,
    /// then state we cannot know (read as zero). This reproduces those bytes, so
    /// that the one step after noise has TIC-80's level as often as can be.
    fn nibble(&self, c: usize, step: u32) -> u8 {
        let at = (self.entry * ENTRY + c * 18 + 2).saturating_add((step / 2) as usize);
        let byte = match self.ring.get(at) {
            Some(b) => *b,
            None => {
                // The ring's head and tail follow it, in lockstep one and two entries on.
                let head = ((self.entry + 2) % RING) as u32;
                let tail = ((self.entry + 1) % RING) as u32;
                let mut words = [0u8; 8];
                words[..4].copy_from_slice(&head.to_le_bytes());
                words[4..].copy_from_slice(&tail.to_le_bytes());
                words.get(at - RING * ENTRY).copied().unwrap_or(0)
            }
        };
        if step.is_multiple_of(2) {
            byte & 0x0f
        } else {
            byte >> 4
        }
    }

    /// Synthesises one frame of `regs` into `out`: 735 interleaved left/right samples.
    pub fn frame(&mut self, regs: &SoundRegisters, out: &mut [i16; FRAME_VALUES]) {
        self.frame_before(regs, None, out);
    }

    /// As [`Synth::frame`], when the registers of the frame after are known already, as
    /// they are in TIC-80 (its ring holds them, right after the entry it synthesises, when
    /// it synthesises; what TIC-80 reads there is in the research notes, §10.2).
    pub fn frame_before(
        &mut self,
        regs: &SoundRegisters,
        next: Option<&SoundRegisters>,
        out: &mut [i16; FRAME_VALUES],
    ) {
        self.entry = (self.entry + 1) % RING;
        let at = self.entry * ENTRY;
        self.ring[at..at + SOUND_SIZE].copy_from_slice(&regs.0);
        if let Some(next) = next {
            let at = (self.entry + 1) % RING * ENTRY;
            self.ring[at..at + SOUND_SIZE].copy_from_slice(&next.0);
        }
        for c in 0..CHANNELS {
            let mut voice = self.voices[c];
            let wave = regs.waveform(c);
            let volume = regs.volume(c);
            let stereo = [regs.stereo(c, 0), regs.stereo(c, 1)];
            // The level of each side for a 4-bit sample value (TIC-80's integer steps:
            // the value to full scale, times the side's volume, then the register's volume,
            // then the share of one voice).
            let level = |value: i32, side: usize| -> i32 {
                value * FULL / 15 * stereo[side] / 15 * volume / 15 / VOICES
            };
            match kind(wave) {
                Kind::Wave => {
                    let mut levels = [[0i32; 2]; 16];
                    for (v, l) in levels.iter_mut().enumerate() {
                        *l = [level(v as i32, 0), level(v as i32, 1)];
                    }
                    let period = period(regs.frequency(c) * 2);
                    while voice.time < FRAME_CLOCKS {
                        let value = self.nibble(c, voice.phase);
                        set_level(&mut self.blips, &mut voice, levels[usize::from(value)]);
                        voice.time += period;
                        voice.phase = (voice.phase + 1) % WAVE_STEPS;
                    }
                }
                noise => {
                    if voice.phase == 0 {
                        voice.phase = 1;
                    }
                    let feedback = if noise == Kind::LongNoise {
                        0x12000
                    } else {
                        0x14
                    };
                    let on = [level(15, 0), level(15, 1)];
                    let period = period(regs.frequency(c));
                    while voice.time < FRAME_CLOCKS {
                        let l = if voice.phase & 1 != 0 { on } else { [0, 0] };
                        set_level(&mut self.blips, &mut voice, l);
                        voice.time += period;
                        voice.phase = ((voice.phase & 1) * feedback) ^ (voice.phase >> 1);
                    }
                }
            }
            voice.time -= FRAME_CLOCKS;
            self.voices[c] = voice;
        }
        let mut side = [0i16; FRAME_SAMPLES];
        for (s, blip) in self.blips.iter_mut().enumerate() {
            // Deltas are never added past the frame's end plus one period, well inside the
            // buffer, so neither call can fail.
            let _ = blip.end_frame(FRAME_CLOCKS as u32);
            let n = blip.read_samples(&mut side, false);
            side[n..].fill(0);
            for (i, v) in side.iter().enumerate() {
                out[2 * i + s] = *v;
            }
        }
    }
}

/// Moves a voice to `level` (left, right) at its current time.
fn set_level(blips: &mut [BlipBuf; 2], voice: &mut Voice, level: [i32; 2]) {
    for s in 0..2 {
        let delta = level[s] - voice.level[s];
        if delta != 0 {
            // `time` is below a frame plus a period: inside the buffer.
            let _ = blips[s].add_delta(voice.time as u32, delta);
            voice.level[s] = level[s];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square(freq: i32, volume: u8, stereo: u8) -> SoundRegisters {
        let mut r = SoundRegisters::default();
        r.0[0] = freq as u8;
        r.0[1] = (freq >> 8) as u8 & 0x0f | volume << 4;
        r.0[2..10].fill(0x00);
        r.0[10..18].fill(0xff);
        r.0[SOUND_REGISTERS_SIZE] = stereo;
        r
    }

    fn render(frames: &[SoundRegisters]) -> Vec<i16> {
        let mut s = Synth::new();
        let mut out = Vec::new();
        let mut buf = [0i16; FRAME_VALUES];
        for f in frames {
            s.frame(f, &mut buf);
            out.extend_from_slice(&buf);
        }
        out
    }

    #[test]
    fn periods_follow_tic80() {
        assert_eq!(period(0), 4096);
        assert_eq!(period(880), 130560 / 880 - 1);
        assert_eq!(period(1), 4096);
        // The highest register frequency: 4095 Hz, doubled for a waveform.
        assert_eq!(period(8190), 14);
        assert_eq!(period(1 << 20), MIN_PERIOD);
        assert_eq!(FRAME_CLOCKS, 34816);
    }

    #[test]
    fn noise_kinds() {
        assert_eq!(kind(&[0; 16]), Kind::LongNoise);
        assert_eq!(kind(&[0xff; 16]), Kind::ShortNoise);
        let mut w = [0xff; 16];
        w[15] = 0xfe;
        assert_eq!(kind(&w), Kind::Wave);
        assert_eq!(kind(&[0x11; 16]), Kind::Wave);
    }

    #[test]
    fn silence_is_silent() {
        let out = render(&[SoundRegisters::default(); 10]);
        assert!(out.iter().all(|v| *v == 0));
    }

    #[test]
    fn a_square_wave_has_its_frequency_level_and_sides() {
        // 441 Hz, full volume, left only (right volume 0).
        let out = render(&[square(441, 15, 0x0f); 20]);
        let left: Vec<i16> = out.iter().step_by(2).copied().collect();
        let right: Vec<i16> = out.iter().skip(1).step_by(2).copied().collect();
        assert!(right.iter().all(|v| *v == 0));
        // Past the first frames (the high-pass settles), count rising zero crossings.
        let tail = &left[FRAME_SAMPLES * 10..];
        let crossings = tail.windows(2).filter(|w| w[0] < 0 && w[1] >= 0).count();
        let seconds = tail.len() as f64 / f64::from(SAMPLE_RATE);
        let hz = crossings as f64 / seconds;
        // The step period is whole clocks: 130560/882 - 1 = 147 clocks.
        let expected = f64::from(CLOCK_RATE) / (32.0 * 147.0);
        assert!((hz - expected).abs() < 5.0, "{hz} Hz, expected {expected}");
        // Peak to peak is one voice's full level (a fifth of full scale), give or take the
        // band-limited overshoot.
        let (lo, hi) = tail
            .iter()
            .fold((i16::MAX, i16::MIN), |(a, b), v| (a.min(*v), b.max(*v)));
        let p2p = i32::from(hi) - i32::from(lo);
        let one_voice = FULL / VOICES;
        assert!(
            (one_voice * 9 / 10..one_voice * 13 / 10).contains(&p2p),
            "{p2p}"
        );
    }

    #[test]
    fn volumes_scale_the_level() {
        let loud = render(&[square(300, 15, 0xff); 12]);
        let quiet = render(&[square(300, 5, 0xff); 12]);
        let rms = |v: &[i16]| {
            (v.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>() / v.len() as f64).sqrt()
        };
        let ratio = rms(&quiet[FRAME_VALUES * 6..]) / rms(&loud[FRAME_VALUES * 6..]);
        assert!((ratio - 5.0 / 15.0).abs() < 0.02, "{ratio}");
    }

    #[test]
    fn any_register_bytes_give_bounded_output() {
        // Every byte pattern a hostile runner might leave, including the fastest steps
        // on all channels at once: no panic, samples within 16 bits (trivially) and the
        // buffers never overflow, frame after frame.
        let mut s = Synth::new();
        let mut buf = [0i16; FRAME_VALUES];
        let mut x = 0x1234_5678u32;
        for frame in 0..600 {
            let mut r = SoundRegisters([0u8; SOUND_SIZE]);
            for b in r.0.iter_mut() {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                *b = match frame % 4 {
                    0 => x as u8,
                    1 => 0xff,
                    2 => {
                        if x & 1 == 0 {
                            0x0f
                        } else {
                            0xf0
                        }
                    }
                    _ => 0,
                };
            }
            s.frame(&r, &mut buf);
        }
        // Alternating full-scale steps at the shortest period on every channel.
        let mut r = SoundRegisters([0xff; SOUND_SIZE]);
        for c in 0..CHANNELS {
            r.0[c * 18..c * 18 + 2].copy_from_slice(&[0xff, 0xff]);
            r.0[c * 18 + 2..c * 18 + 18].fill(0xf0);
        }
        let mut peak = 0;
        for _ in 0..120 {
            s.frame(&r, &mut buf);
            peak = peak.max(buf.iter().map(|v| i32::from(*v).abs()).max().unwrap_or(0));
        }
        // Four voices at most, each a fifth of full scale, and the band-limited steps'
        // overshoot: loud, but never clipped.
        assert!(peak > FULL / VOICES, "{peak}");
        assert!(peak < i32::from(i16::MAX), "{peak}");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

        /// Any register bytes, frame after frame: no panic, and once the registers fall
        /// silent the output returns to exact silence (nothing a runner leaves lingers).
        #[test]
        fn any_bytes_then_silence(frames in proptest::collection::vec(
            proptest::collection::vec(proptest::prelude::any::<u8>(), SOUND_SIZE), 1..12)
        ) {
            let mut s = Synth::new();
            let mut buf = [0i16; FRAME_VALUES];
            for f in &frames {
                let mut r = [0u8; SOUND_SIZE];
                r.copy_from_slice(f);
                s.frame(&SoundRegisters(r), &mut buf);
            }
            for _ in 0..60 {
                s.frame(&SoundRegisters::default(), &mut buf);
            }
            proptest::prop_assert!(buf.iter().all(|v| *v == 0));
        }
    }
}
