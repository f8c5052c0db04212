//! Presentation figures (`--stats`): how regularly frames reached the screen, and how many
//! cart frames were never shown or shown twice.

use std::time::{Duration, Instant};

/// Presentation figures: how regularly frames reached the screen.
#[derive(Debug, Default)]
pub(super) struct Stats {
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
    /// Counts a presentation at `now` of cart frame `frame`; `running`: whether cart frames
    /// were coming then (repeats and skips count only while they were).
    pub(super) fn presented(&mut self, now: Instant, frame: u64, running: bool) {
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
    pub(super) fn summary(&self) -> String {
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
