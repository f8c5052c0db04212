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

/// Whether cargo only asks for the list of benchmarks (`--list`): nothing to measure.
pub fn listing() -> bool {
    std::env::args().any(|a| a == "--list")
}

/// The first number among the arguments (`cargo bench ... -- 30`), or `default`.
pub fn number_arg<T: std::str::FromStr>(default: T) -> T {
    std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(default)
}
