//! Sound: TIC-80's synthesiser fed with the registers each frame left, WAV files of it, and
//! (in [`output`]) the thread that plays it on the desktop's sound server.
//!
//! Runners never make sound themselves: a runner steps TIC-80's sequencer into the sound
//! registers and leaves a copy of them for the host at the end of each frame (see
//! `cartbox_protocol::shm::SOUND_OFFSET`); the host turns those 76 bytes into samples. A
//! frame's registers are heard one frame later, as in TIC-80 (its core reads them from a
//! ring buffer one frame behind), so the sound of frame k is the synthesis of frame k-1's
//! registers; a [`Stream`] keeps that order.

pub mod compare;
pub mod output;
mod pulse;
pub mod synth;
pub mod wav;

pub use output::{Audio, AudioConfig, AudioStats, SoundSender};
pub use synth::{FRAME_SAMPLES, FRAME_VALUES, SAMPLE_RATE, SoundRegisters, Synth};

/// The console's sound as a stream of frames: the registers of frame k are synthesised into
/// the samples of frame k+1, and the first frame is the synthesis of silence, as TIC-80's
/// core plays it. A volume (TIC-80's 0..15 setting) scales the result.
#[derive(Debug)]
pub struct Stream {
    synth: Synth,
    pending: SoundRegisters,
    volume: u8,
}

impl Stream {
    /// A stream at `volume` (0..15; larger values are 15).
    pub fn new(volume: u8) -> Stream {
        Stream {
            synth: Synth::new(),
            pending: SoundRegisters::default(),
            volume: volume.min(15),
        }
    }

    /// The samples of the next frame, and `regs` kept for the one after.
    pub fn frame(&mut self, regs: &SoundRegisters, out: &mut [i16; FRAME_VALUES]) {
        let now = std::mem::replace(&mut self.pending, *regs);
        self.synth.frame_before(&now, Some(regs), out);
        scale(out, self.volume);
    }
}

/// Applies TIC-80's volume setting (0..15) to samples, as its studio does.
pub fn scale(samples: &mut [i16], volume: u8) {
    if volume < 15 {
        for s in samples {
            *s = (i32::from(*s) * i32::from(volume) / 15) as i16;
        }
    }
}
