//! Measuring helpers shared by the benchmarks.
#![allow(dead_code)]

use std::time::Duration;

use nix::time::{ClockId, clock_gettime};

/// The CPU time this thread has used.
pub fn thread_cpu() -> Duration {
    Duration::from(clock_gettime(ClockId::CLOCK_THREAD_CPUTIME_ID).expect("clock_gettime"))
}

/// The `q` quantile of `v` (sorts it).
pub fn percentile(v: &mut [Duration], q: f64) -> Duration {
    v.sort();
    v[((v.len() - 1) as f64 * q).round() as usize]
}

/// Milliseconds, for printing.
pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}
