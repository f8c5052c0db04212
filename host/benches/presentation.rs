//! Presentation while carts hang: a UI loop presenting at 60 Hz from a [`Supervisor`] while
//! the supervisor plays a cart that hangs in C (killed at budget + grace), restarts it, and
//! so on. It reports the longest interval between two presented frames (goal: at most
//! 25 ms, i.e. the UI never waits on a runner), the intervals' median and 99th percentile,
//! and how many kill-and-restart cycles happened meanwhile.
//!
//! Run with `cargo bench -p cartbox-host --bench presentation` (10 s; pass seconds to
//! change it: `-- 30`).

mod common;

use std::time::{Duration, Instant};

use cartbox_host::supervisor::{Event, FRAME_TIME, Supervisor};
use cartbox_host::zygote::ZygoteCommand;
use cartbox_host::{Cart, ConsoleConfig};
use cartbox_protocol::shm::FRAME_PIXELS;

fn main() {
    if common::listing() {
        return;
    }
    let seconds: u64 = common::number_arg(10);
    let s = Supervisor::start(ConsoleConfig {
        budget: Duration::from_millis(100),
        grace: Duration::from_millis(150),
        zygote: Some(ZygoteCommand::binary(env!("CARGO_BIN_EXE_cartbox"))),
        ..ConsoleConfig::default()
    })
    .expect("supervisor");
    // Twenty good frames, then stuck in the pattern matcher, where no hook runs.
    let cart = Cart::from_code(
        "hang.lua",
        "n = 0 function TIC() n = n + 1 cls(n % 16) \
         if n > 20 then string.find(string.rep('a', 40), string.rep('a*', 40) .. 'b') end end",
    );
    s.load(cart);
    let mut frame = Box::new([0u32; FRAME_PIXELS]);
    let mut have = 0;
    let (mut intervals, mut kills, mut presented_new) = (Vec::new(), 0usize, 0usize);
    let start = Instant::now();
    let mut next = start;
    let mut last = start;
    while start.elapsed() < Duration::from_secs(seconds) {
        // Present: copy the newest frame (the window would scale and show it here).
        let n = s.latest_frame(have, &mut frame);
        if n != have {
            presented_new += 1;
            have = n;
        }
        let _ = s.status();
        while let Some(e) = s.try_event() {
            if let Event::Stopped(_) = e {
                kills += 1;
                s.restart();
            }
        }
        let now = Instant::now();
        intervals.push(now - last);
        last = now;
        next += FRAME_TIME;
        if let Some(wait) = next.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        } else {
            next = Instant::now();
        }
    }
    intervals.remove(0);
    intervals.sort();
    let pick = |q: f64| intervals[((intervals.len() - 1) as f64 * q).round() as usize];
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "Presentation at 60 Hz for {seconds} s while a cart hangs in C, is killed after \
         250 ms and restarted, again and again\n"
    );
    println!(
        "presented {} times ({} new frames), {kills} kill-and-restart cycles",
        intervals.len() + 1,
        presented_new
    );
    println!(
        "interval between presentations: p50 {:.2} ms, p99 {:.2} ms, longest {:.2} ms (goal <= 25 ms)",
        ms(pick(0.5)),
        ms(pick(0.99)),
        ms(*intervals.last().expect("intervals"))
    );
}
