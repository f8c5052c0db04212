//! The audio thread: synthesises the frames a console sends and plays them on the sound
//! server, never waiting on the console and never making it wait.
//!
//! The supervisor hands over each finished frame's registers with [`SoundSender::send`],
//! which never blocks (a full queue drops the frame and counts it). The audio thread keeps
//! the server's buffer fed: it sends samples as soon as it has them and the server has room,
//! and when a frame is late (a slow, hung, stopped or restarting cart) it sends silence just
//! in time to keep the server from running dry, fading out from the last sample and back in
//! when frames return, so that gaps never click. The stream stays open for the life of the
//! [`Audio`], whatever happens to carts and runners. Without a sound server, frames are
//! still synthesised (for `--wav`) and a notice says why nothing is heard.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender};

use super::synth::SoundRegisters;
use player::Player;
pub use player::{FADE, LATENCY_FRAMES};

mod player;

/// Frames waiting for the audio thread before the console's new ones are dropped.
const CHANNEL_FRAMES: usize = 8;

/// How to play.
#[derive(Debug, Clone, Default)]
pub struct AudioConfig {
    /// TIC-80's volume setting, 0..15 (15: unchanged).
    pub volume: u8,
    /// Start muted.
    pub muted: bool,
    /// Also write the sound to this WAV file: everything sent to the sound server (before
    /// muting), or without one, every frame as synthesised.
    pub record: Option<PathBuf>,
    /// Do not look for a sound server (play silently).
    pub no_device: bool,
    /// The stream's name on the server.
    pub name: String,
    /// The sound server's address (`unix:PATH`, as in `PULSE_SERVER`); `None`: where
    /// PulseAudio's own clients look for it.
    pub server: Option<String>,
}

/// One frame's sound, from the console.
#[derive(Debug, Clone, Copy)]
struct SoundFrame {
    regs: SoundRegisters,
    /// The first frame of a freshly loaded cart: the synthesiser starts afresh.
    first: bool,
    /// When the console finished the frame.
    done: Instant,
}

/// How the sound output is doing.
#[derive(Debug, Clone, Default)]
pub struct AudioStats {
    /// The sink playing the sound, once connected.
    pub sink: Option<String>,
    /// Why nothing is heard (no server, the server went away), if so.
    pub problem: Option<String>,
    /// Frames synthesised.
    pub frames: u64,
    /// Frames the console sent that were dropped (the audio thread was behind).
    pub dropped: u64,
    /// Times silence had to fill in because no frame was there in time.
    pub gaps: u64,
    /// Times the server itself ran out of samples (underruns: heard as a click or stutter).
    pub underruns: u64,
    /// Frames skipped because the console ran ahead of the sound card.
    pub skipped: u64,
    /// From the end of a frame to its first sample leaving for the server, for the last
    /// frames (at most 16,384).
    pub latencies: VecDeque<Duration>,
}

impl AudioStats {
    /// One line for people: `sound: N frames to SINK; latency p50 X ms, p99 Y ms; G gaps
    /// filled with silence, U underruns, D frames dropped, S skipped`.
    pub fn summary(&self) -> String {
        let mut l: Vec<Duration> = self.latencies.iter().copied().collect();
        l.sort();
        let pct = |p: usize| {
            l.get(l.len().saturating_sub(1) * p / 100)
                .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
        };
        let to = match (&self.sink, &self.problem) {
            (_, Some(p)) => p.clone(),
            (Some(s), None) => format!("to {s}"),
            (None, None) => "no sound server".into(),
        };
        format!(
            "sound: {} frames {to}; frame to server p50 {:.2} ms, p99 {:.2} ms; \
             {} gaps filled with silence, {} underruns, {} frames dropped, {} skipped",
            self.frames,
            pct(50),
            pct(99),
            self.gaps,
            self.underruns,
            self.dropped,
            self.skipped
        )
    }
}

struct Shared {
    muted: AtomicBool,
    /// TIC-80's volume setting now, 0..=15 (the game menu changes it).
    volume: AtomicU8,
    dropped: AtomicU64,
    /// A cart's first frame was dropped: the next frame that gets through starts the cart.
    first_pending: AtomicBool,
    stats: Mutex<AudioStats>,
    /// Messages for people (no server, a lost server, a recording that failed), taken by
    /// the front-end.
    notices: Mutex<Vec<String>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Where a console sends its frames' sound. Cheap to clone; never blocks.
#[derive(Clone)]
pub struct SoundSender {
    tx: Sender<SoundFrame>,
    shared: Arc<Shared>,
}

impl std::fmt::Debug for SoundSender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SoundSender").finish_non_exhaustive()
    }
}

impl SoundSender {
    /// Hands over a finished frame's registers; `first` for the first frame after a load or
    /// restart.
    pub fn send(&self, regs: SoundRegisters, first: bool) {
        let first = first || self.shared.first_pending.swap(false, Ordering::Relaxed);
        let frame = SoundFrame {
            regs,
            first,
            done: Instant::now(),
        };
        if self.tx.try_send(frame).is_err() {
            self.shared.dropped.fetch_add(1, Ordering::Relaxed);
            if first {
                self.shared.first_pending.store(true, Ordering::Relaxed);
            }
        }
    }
}

enum Control {
    Stop,
}

/// The sound output: an audio thread and its stream on the sound server.
pub struct Audio {
    frames: Sender<SoundFrame>,
    control: Sender<Control>,
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
    /// Closed by the audio thread when it ends.
    done: Receiver<()>,
}

/// How long stopping waits for the audio thread (its fade, the server playing what it has)
/// before leaving it behind: every step it takes has its own deadline, so this is only a
/// last guard.
const STOP_WAIT: Duration = Duration::from_secs(3);

impl std::fmt::Debug for Audio {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Audio").finish_non_exhaustive()
    }
}

impl Audio {
    /// Starts the audio thread; it connects to the sound server by itself (a missing
    /// server is a notice, not an error: the console plays silently).
    pub fn start(config: AudioConfig) -> std::io::Result<Audio> {
        let shared = Arc::new(Shared {
            muted: AtomicBool::new(config.muted),
            volume: AtomicU8::new(config.volume.min(15)),
            dropped: AtomicU64::new(0),
            first_pending: AtomicBool::new(false),
            stats: Mutex::new(AudioStats::default()),
            notices: Mutex::new(Vec::new()),
        });
        let (frames, frame_rx) = crossbeam_channel::bounded(CHANNEL_FRAMES);
        let (control, control_rx) = crossbeam_channel::bounded(1);
        let (done_tx, done) = crossbeam_channel::bounded::<()>(0);
        let thread_shared = shared.clone();
        let thread = std::thread::Builder::new()
            .name("cartbox-audio".into())
            .spawn(move || {
                Player::new(config, thread_shared).run(&frame_rx, &control_rx);
                drop(done_tx);
            })?;
        Ok(Audio {
            frames,
            control,
            shared,
            thread: Some(thread),
            done,
        })
    }

    /// The handle a console sends its sound through.
    pub fn sender(&self) -> SoundSender {
        SoundSender {
            tx: self.frames.clone(),
            shared: self.shared.clone(),
        }
    }

    /// Mutes or unmutes the speakers (with a short fade; a recording is not affected).
    pub fn set_muted(&self, muted: bool) {
        self.shared.muted.store(muted, Ordering::Relaxed);
    }

    /// Sets TIC-80's volume setting, 0..=15 (more is 15), from the next frame on.
    pub fn set_volume(&self, volume: u8) {
        self.shared.volume.store(volume.min(15), Ordering::Relaxed);
    }

    /// TIC-80's volume setting now.
    pub fn volume(&self) -> u8 {
        self.shared.volume.load(Ordering::Relaxed)
    }

    /// Whether the speakers are muted.
    pub fn muted(&self) -> bool {
        self.shared.muted.load(Ordering::Relaxed)
    }

    /// How the output is doing.
    pub fn stats(&self) -> AudioStats {
        let mut s = lock(&self.shared.stats).clone();
        s.dropped = self.shared.dropped.load(Ordering::Relaxed);
        s
    }

    /// Takes the messages for people gathered since the last call.
    pub fn take_notices(&self) -> Vec<String> {
        std::mem::take(&mut *lock(&self.shared.notices))
    }

    /// Stops the sound (fading out), closes the stream and finishes the recording;
    /// returns why the recording could not be written, if it could not.
    pub fn stop(mut self) -> Vec<String> {
        self.shutdown();
        self.take_notices()
    }

    fn shutdown(&mut self) {
        let _ = self.control.try_send(Control::Stop);
        if let Some(t) = self.thread.take() {
            // The thread ends by itself within its deadlines (its end drops the sender of
            // `done`, which this wait then sees); if it somehow does not, it is left behind
            // rather than holding whoever stops it.
            if let Err(crossbeam_channel::RecvTimeoutError::Timeout) =
                self.done.recv_timeout(STOP_WAIT)
            {
                lock(&self.shared.notices).push("the sound thread did not stop in time".into());
                return;
            }
            let _ = t.join();
        }
    }
}

impl Drop for Audio {
    fn drop(&mut self) {
        self.shutdown();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audio::FRAME_VALUES;

    #[test]
    fn without_a_device_frames_are_still_recorded() {
        let dir = std::env::temp_dir().join(format!("cartbox-out-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("r.wav");
        let audio = Audio::start(AudioConfig {
            volume: 15,
            record: Some(path.clone()),
            no_device: true,
            ..AudioConfig::default()
        })
        .unwrap();
        let tx = audio.sender();
        let mut regs = SoundRegisters::default();
        regs.0[0] = 0xb8;
        regs.0[1] = 0xf1;
        regs.0[2..10].fill(0);
        regs.0[10..18].fill(0xff);
        for i in 0..10 {
            tx.send(regs, i == 0);
            std::thread::sleep(Duration::from_millis(2));
        }
        assert!(audio.stop().is_empty());
        let got = super::super::wav::read(&path).unwrap();
        // What a headless run writes (TIC-80's frame of silence first, each frame's
        // registers heard in the next), plus the last frame, which a live stream plays at
        // once instead of a frame later.
        let mut s = super::super::Stream::new(15);
        let mut want = Vec::new();
        let mut buf = [0i16; FRAME_VALUES];
        for _ in 0..10 {
            s.frame(&regs, &mut buf);
            want.extend_from_slice(&buf);
        }
        assert_eq!(got.len(), want.len() + FRAME_VALUES);
        assert!(got[..want.len()] == want[..]);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
