//! The audio thread's work: synthesise each frame as it comes, keep the sound server fed,
//! and fill in faded silence just in time when frames are late (see the parent module and
//! `docs/research/sound-output.md`).

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, select};

use super::super::pulse::{self, BYTES_PER_SAMPLE, Buffering, ServerEvent};
use super::super::synth::{FRAME_SAMPLES, FRAME_VALUES, SAMPLE_RATE, SoundRegisters, Synth};
use super::super::wav::WavWriter;
use super::{AudioConfig, Control, Shared, SoundFrame, lock};

/// The latency asked of the server, in frames: it splits it between its own buffer for the
/// stream (three frames) and the sink's (one frame), and the sound is heard about this much
/// after it is made.
pub const LATENCY_FRAMES: u32 = 4;
/// How far below the stream buffer's target it is filled when sound starts, or starts again
/// after a gap (a frame comes as the server asks for one).
const RESUME_BELOW: Duration = Duration::from_millis(8);
/// Silence goes out when the server's queue is down to this much and no frame is here: a
/// frame may be the buffer's target less this much, less [`RESUME_BELOW`], late (22 ms)
/// before a gap is heard.
const GAP_LEVEL: Duration = Duration::from_millis(20);
/// Samples over which sound fades out into a gap, or in from one (3 ms).
pub const FADE: usize = 128;
/// Frames the audio thread holds before it drops the oldest: more would only add latency
/// (the console's clock and the sound card's drift apart by a sample now and then, and a
/// stream starts at any point of the card's period).
const MAX_QUEUED_FRAMES: usize = 2;
/// Latencies kept for [`AudioStats::latencies`].
const LATENCIES_KEPT: usize = 1 << 14;

/// The device side of the audio thread.
struct Device {
    stream: pulse::Stream,
    events: Receiver<ServerEvent>,
    /// Bytes the server asked for and has not had.
    owed: u64,
    /// When the server's queue runs dry unless more comes.
    dry_at: Instant,
}

/// The audio thread's state.
pub(super) struct Player {
    config: AudioConfig,
    shared: Arc<Shared>,
    synth: Synth,
    device: Option<Device>,
    /// Samples synthesised and not yet sent (interleaved).
    queue: VecDeque<i16>,
    /// Where in `queue` each queued frame starts (in values from the front) and when the
    /// console finished it: for latency.
    marks: VecDeque<(usize, Instant)>,
    /// The last sample sent (left, right): where a fade-out starts.
    last: [i16; 2],
    /// The stream is in a gap (silence since the last frame): the next frame fades in.
    in_gap: bool,
    /// Gain for the speakers, 0..=1, moving towards 0 when muted.
    gain: f32,
    recording: Option<WavWriter>,
}

impl Player {
    pub(super) fn new(config: AudioConfig, shared: Arc<Shared>) -> Player {
        let mut recording = None;
        if let Some(path) = &config.record {
            match WavWriter::create(path) {
                Ok(w) => recording = Some(w),
                Err(e) => lock(&shared.notices).push(format!(
                    "{}: cannot write the WAV file: {e}",
                    path.display()
                )),
            }
        }
        let gain = if shared.muted.load(Ordering::Relaxed) {
            0.0
        } else {
            1.0
        };
        Player {
            config,
            shared,
            synth: Synth::new(),
            device: None,
            queue: VecDeque::with_capacity(FRAME_VALUES * (MAX_QUEUED_FRAMES + 1)),
            marks: VecDeque::new(),
            last: [0, 0],
            in_gap: true,
            gain,
            recording,
        }
    }

    fn notice(&self, text: String) {
        lock(&self.shared.notices).push(text);
    }

    fn connect(&mut self) {
        if self.config.no_device {
            return;
        }
        let frame_bytes = FRAME_SAMPLES as u32 * BYTES_PER_SAMPLE;
        let want = Buffering {
            target: frame_bytes * LATENCY_FRAMES,
            min_request: frame_bytes,
        };
        match pulse::Stream::open(self.config.server.as_deref(), &self.config.name, want) {
            Ok((stream, events)) => {
                lock(&self.shared.stats).sink = Some(stream.sink.clone());
                self.device = Some(Device {
                    owed: u64::from(stream.initial_request),
                    dry_at: Instant::now(),
                    stream,
                    events,
                });
            }
            Err(why) => {
                let why = format!("no sound: {why}; playing silently");
                lock(&self.shared.stats).problem = Some(why.clone());
                self.notice(why);
            }
        }
    }

    pub(super) fn run(mut self, frames: &Receiver<SoundFrame>, control: &Receiver<Control>) {
        self.connect();
        loop {
            let events = self
                .device
                .as_ref()
                .map(|d| d.events.clone())
                .unwrap_or_else(crossbeam_channel::never);
            let deadline = self.deadline();
            select! {
                recv(frames) -> f => match f {
                    Ok(f) => self.frame(f),
                    Err(_) => break,
                },
                recv(events) -> e => self.server_event(e.unwrap_or_else(|_| {
                    ServerEvent::Gone("the sound server's reader stopped".into())
                })),
                recv(control) -> _ => {
                    // Frames already sent still play (and are recorded).
                    while let Ok(f) = frames.try_recv() {
                        self.frame(f);
                    }
                    break;
                }
                default(deadline.saturating_duration_since(Instant::now())) => self.fill_gap(),
            }
        }
        self.finish();
    }

    fn frame(&mut self, f: SoundFrame) {
        if f.first {
            self.restart();
        }
        self.synthesise(&f.regs, Some(f.done));
        self.send_queued();
    }

    /// A cart starts (or starts again): the synthesiser starts afresh, as TIC-80's does on
    /// a reset, with its frame of silence. What was playing fades out first.
    fn restart(&mut self) {
        if !self.in_gap && self.device.is_some() {
            let mut tail = vec![0i16; FADE * 2];
            let n = self.queue.len();
            let from = if n >= 2 {
                [self.queue[n - 2], self.queue[n - 1]]
            } else {
                self.last
            };
            fade_out_from(&mut tail, from);
            self.queue.extend(tail);
            self.in_gap = true;
        }
        self.synth = Synth::new();
        // TIC-80's frame of silence: the synthesiser goes through it (its phases move on),
        // but it is not queued for the speakers, where it would only add a frame of
        // latency. Without speakers, the recording has it, as a headless run's does.
        let mut silence = [0i16; FRAME_VALUES];
        self.synth.frame(&SoundRegisters::default(), &mut silence);
        if self.device.is_none() {
            self.record(&silence);
        }
    }

    /// When silence must go out if no frame comes.
    fn deadline(&self) -> Instant {
        match &self.device {
            Some(d) if d.owed >= u64::from(BYTES_PER_SAMPLE) => {
                d.dry_at.checked_sub(GAP_LEVEL).unwrap_or(d.dry_at)
            }
            // Nothing owed (or no device): wake up now and then anyway.
            _ => Instant::now() + Duration::from_secs(1),
        }
    }

    /// Synthesises one frame into the queue (without a device, into the recording only).
    fn synthesise(&mut self, regs: &SoundRegisters, done: Option<Instant>) {
        let mut buf = [0i16; FRAME_VALUES];
        self.synth.frame(regs, &mut buf);
        crate::audio::scale(&mut buf, self.shared.volume.load(Ordering::Relaxed));
        lock(&self.shared.stats).frames += 1;
        if self.device.is_none() {
            self.record(&buf);
            return;
        }
        if self.in_gap {
            // Sound starts again: silence first, to bring the server's queue (and ours) up
            // to where a late frame has time to come, but no more than the server has room
            // for with this frame: a frame kept waiting here would stay late for good.
            if let Some(d) = &self.device {
                let queued = values_duration(self.queue.len());
                let level = d.dry_at.saturating_duration_since(Instant::now()) + queued;
                let resume =
                    duration_of(u64::from(d.stream.buffering.target)).saturating_sub(RESUME_BELOW);
                let room = duration_of(d.owed)
                    .saturating_sub(queued)
                    .saturating_sub(values_duration(FRAME_VALUES));
                let pad = resume.saturating_sub(level).min(room);
                let values = (pad.as_secs_f64() * f64::from(SAMPLE_RATE)) as usize * 2;
                self.queue.extend(std::iter::repeat_n(0, values));
            }
            ramp(&mut buf[..FADE * 2], true);
            self.in_gap = false;
        } else if self.queue.len() > FRAME_VALUES * (MAX_QUEUED_FRAMES - 1) {
            // The console ran ahead of the sound card: a frame's worth of the oldest goes,
            // faded out before the cut and in after it.
            self.skip(FRAME_VALUES);
        }
        if let Some(done) = done {
            self.marks.push_back((self.queue.len(), done));
        }
        self.queue.extend(buf);
    }

    /// Drops `n` values from the queue, after a fade-out of what is kept before them and
    /// before a fade-in of what follows.
    fn skip(&mut self, n: usize) {
        let keep = (FADE * 2).min(self.queue.len());
        // Never cut to the end: the fade-in needs what follows the cut (a frame appended
        // right after would otherwise start at full level after the fade-out: a click).
        let n = n.min(self.queue.len().saturating_sub(keep + FADE * 2));
        let mut head: Vec<i16> = self.queue.drain(..keep).collect();
        ramp(&mut head, false);
        self.queue.drain(..n);
        let mut next: Vec<i16> = self
            .queue
            .drain(..(FADE * 2).min(self.queue.len()))
            .collect();
        ramp(&mut next, true);
        for v in head.into_iter().chain(next).rev() {
            self.queue.push_front(v);
        }
        // Frames that started in the cut are not measured; the others move up.
        self.marks.retain_mut(|m| {
            if m.0 < keep {
                true
            } else if m.0 < keep + n {
                false
            } else {
                m.0 -= n;
                true
            }
        });
        lock(&self.shared.stats).skipped += 1;
    }

    /// Sends as much of the queue as the server has asked for.
    fn send_queued(&mut self) {
        let Some(d) = self.device.as_ref() else {
            return;
        };
        let values = (d.owed / u64::from(BYTES_PER_SAMPLE) * 2).min(self.queue.len() as u64);
        let values = values as usize & !1;
        if values == 0 {
            return;
        }
        let chunk: Vec<i16> = self.queue.drain(..values).collect();
        let now = Instant::now();
        let mut latencies = Vec::new();
        while let Some(&(at, done)) = self.marks.front() {
            if at < values {
                latencies.push(now.saturating_duration_since(done));
                self.marks.pop_front();
            } else {
                break;
            }
        }
        for m in self.marks.iter_mut() {
            m.0 -= values;
        }
        if !latencies.is_empty() {
            let mut stats = lock(&self.shared.stats);
            for l in latencies {
                if stats.latencies.len() >= LATENCIES_KEPT {
                    stats.latencies.pop_front();
                }
                stats.latencies.push_back(l);
            }
        }
        self.write(chunk);
    }

    /// The server's queue is about to run dry and no frame is here: silence for one frame
    /// (at least a whole fade-out from the last sample when a gap starts).
    fn fill_gap(&mut self) {
        let Some(d) = self.device.as_ref() else {
            return;
        };
        let owed_values = (d.owed / u64::from(BYTES_PER_SAMPLE) * 2) as usize;
        if owed_values == 0 || Instant::now() + GAP_LEVEL < d.dry_at {
            return;
        }
        // Whatever is queued goes first (part of a frame), then silence.
        let mut chunk: Vec<i16> = self.queue.drain(..).collect();
        self.marks.clear();
        let start = chunk.len();
        let mut silence = FRAME_VALUES.min(owed_values.saturating_sub(start));
        if !self.in_gap {
            silence = silence.max(FADE * 2);
        }
        chunk.resize(start + silence, 0);
        if !self.in_gap {
            let from = if start >= 2 {
                [chunk[start - 2], chunk[start - 1]]
            } else {
                self.last
            };
            fade_out_from(&mut chunk[start..], from);
            self.in_gap = true;
            lock(&self.shared.stats).gaps += 1;
        }
        if !chunk.is_empty() {
            self.write(chunk);
        }
    }

    /// Writes samples to the server (muted as asked) and the recording.
    fn write(&mut self, chunk: Vec<i16>) {
        if chunk.len() >= 2 {
            self.last = [chunk[chunk.len() - 2], chunk[chunk.len() - 1]];
        }
        self.record(&chunk);
        let target = if self.shared.muted.load(Ordering::Relaxed) {
            0.0
        } else {
            1.0
        };
        let mut out = chunk;
        if self.gain != target || target == 0.0 {
            let step = 1.0 / FADE as f32;
            for pair in out.chunks_mut(2) {
                if self.gain < target {
                    self.gain = (self.gain + step).min(target);
                } else if self.gain > target {
                    self.gain = (self.gain - step).max(target);
                }
                for v in pair {
                    *v = (f32::from(*v) * self.gain) as i16;
                }
            }
        }
        let Some(d) = self.device.as_mut() else {
            return;
        };
        let bytes = out.len() as u64 / 2 * u64::from(BYTES_PER_SAMPLE);
        let now = Instant::now();
        d.owed = d.owed.saturating_sub(bytes);
        d.dry_at = d.dry_at.max(now) + duration_of(bytes);
        let written = d.stream.write(&out);
        if let Err(e) = written {
            self.lose_device(e);
        }
    }

    fn record(&mut self, samples: &[i16]) {
        if let Some(w) = self.recording.as_mut()
            && let Err(e) = w.write(samples)
        {
            let path = self.config.record.clone().unwrap_or_default();
            self.notice(format!(
                "{}: cannot write the WAV file: {e}",
                path.display()
            ));
            if let Some(w) = self.recording.take() {
                w.abandon();
            }
        }
    }

    fn server_event(&mut self, e: ServerEvent) {
        let Some(d) = self.device.as_mut() else {
            return;
        };
        match e {
            ServerEvent::Request(n) => {
                d.owed += u64::from(n);
                // The server asks for what its queue lacks: the rest is still queued.
                let queued = u64::from(d.stream.buffering.target).saturating_sub(d.owed);
                d.dry_at = Instant::now() + duration_of(queued);
                self.send_queued();
            }
            ServerEvent::Underflow => lock(&self.shared.stats).underruns += 1,
            ServerEvent::Drained => {}
            ServerEvent::Gone(why) => self.lose_device(why),
        }
    }

    fn lose_device(&mut self, why: String) {
        self.device = None;
        self.queue.clear();
        self.marks.clear();
        let why = format!("no sound: {why}; playing silently");
        lock(&self.shared.stats).problem = Some(why.clone());
        self.notice(why);
    }

    /// Fades out what is playing, lets the server play it, and finishes the recording.
    fn finish(&mut self) {
        if self.device.is_some() {
            let mut tail: Vec<i16> = self.queue.drain(..).collect();
            let start = tail.len();
            tail.resize(start + FADE * 2, 0);
            let from = if start >= 2 {
                [tail[start - 2], tail[start - 1]]
            } else {
                self.last
            };
            fade_out_from(&mut tail[start..], from);
            self.write(tail);
        }
        if let Some(d) = self.device.as_mut()
            && d.stream.drain().is_ok()
        {
            // Wait for what is queued to play (a few frames), but not for a stuck server.
            let until = Instant::now() + duration_of(u64::from(d.stream.buffering.target) * 2);
            while let Ok(e) = d.events.recv_deadline(until) {
                if matches!(e, ServerEvent::Drained | ServerEvent::Gone(_)) {
                    break;
                }
            }
        }
        self.device = None;
        if let Some(w) = self.recording.take()
            && let Err(e) = w.finish()
        {
            let path = self.config.record.clone().unwrap_or_default();
            self.notice(format!(
                "{}: cannot write the WAV file: {e}",
                path.display()
            ));
        }
    }
}

/// How long `values` interleaved values play.
fn values_duration(values: usize) -> Duration {
    duration_of(values as u64 * 2)
}

/// How long `bytes` of stereo 16-bit samples play.
fn duration_of(bytes: u64) -> Duration {
    Duration::from_secs_f64(bytes as f64 / f64::from(SAMPLE_RATE * BYTES_PER_SAMPLE))
}

/// Replaces interleaved samples with a straight line from the level `from` (left, right)
/// down to silence over [`FADE`] samples, then silence: the start of a gap.
fn fade_out_from(samples: &mut [i16], from: [i16; 2]) {
    for (i, pair) in samples.chunks_mut(2).enumerate() {
        let t = 1.0 - (i as f32 / FADE as f32).min(1.0);
        for (v, f) in pair.iter_mut().zip(from) {
            *v = (f32::from(f) * t) as i16;
        }
    }
}

/// Scales interleaved samples by a ramp, up from silence (`up`) or down to it.
fn ramp(samples: &mut [i16], up: bool) {
    let n = (samples.len() / 2).max(1) as f32;
    for (i, pair) in samples.chunks_mut(2).enumerate() {
        let t = i as f32 / n;
        let g = if up { t } else { 1.0 - t };
        for v in pair {
            *v = (f32::from(*v) * g) as i16;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn player() -> Player {
        let shared = Arc::new(Shared {
            muted: std::sync::atomic::AtomicBool::new(false),
            volume: std::sync::atomic::AtomicU8::new(15),
            dropped: std::sync::atomic::AtomicU64::new(0),
            first_pending: std::sync::atomic::AtomicBool::new(false),
            stats: std::sync::Mutex::new(Default::default()),
            notices: std::sync::Mutex::new(Vec::new()),
        });
        Player::new(AudioConfig::default(), shared)
    }

    /// The largest step between neighbouring samples of one side.
    fn largest_step(v: &[i16]) -> i32 {
        (0..2)
            .flat_map(|s| {
                let side: Vec<i32> = v.iter().skip(s).step_by(2).map(|x| i32::from(*x)).collect();
                side.windows(2)
                    .map(|w| (w[1] - w[0]).abs())
                    .collect::<Vec<_>>()
            })
            .max()
            .unwrap_or(0)
    }

    #[test]
    fn skips_fade_out_and_in_whatever_is_queued() {
        // A loud, constant level: any step in what is queued is the skip's own.
        for queued in [
            FRAME_VALUES + 2,
            FRAME_VALUES + 600,
            2 * FRAME_VALUES,
            3 * FRAME_VALUES,
        ] {
            let mut p = player();
            p.queue.extend(std::iter::repeat_n(20_000i16, queued));
            p.skip(FRAME_VALUES);
            p.queue.extend(std::iter::repeat_n(20_000i16, FRAME_VALUES));
            let all: Vec<i16> = p.queue.iter().copied().collect();
            let step = largest_step(&all);
            assert!(
                step <= 20_000 / FADE as i32 + 1,
                "{queued} queued: a step of {step}"
            );
            assert!(
                all.len() < queued + FRAME_VALUES,
                "{queued} queued: nothing was cut"
            );
        }
    }

    #[test]
    fn fades_are_smooth() {
        let mut out = vec![0i16; FADE * 2 + 20];
        fade_out_from(&mut out, [10_000, -10_000]);
        assert_eq!(out[..2], [10_000, -10_000]);
        for w in out.chunks(2).collect::<Vec<_>>().windows(2) {
            assert!((i32::from(w[0][0]) - i32::from(w[1][0])).abs() <= 10_000 / FADE as i32 + 1);
        }
        assert!(out[FADE * 2..].iter().all(|v| *v == 0));
        let mut up = vec![8_000i16; FADE * 2];
        ramp(&mut up, true);
        assert_eq!(up[0], 0);
        assert!(up[FADE * 2 - 1] > 7_900);
        let mut down = vec![8_000i16; FADE * 2];
        ramp(&mut down, false);
        assert_eq!(down[0], 8_000);
        assert!(down[FADE * 2 - 1] < 100);
    }
}
