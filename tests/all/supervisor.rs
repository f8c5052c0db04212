//! The supervisor: a console on its own thread, as a window uses it. The UI side never
//! waits on a runner, even one that hangs until it is killed.

use std::time::{Duration, Instant};

use crate::common::*;
use cartbox_host::supervisor::{Event, Status, Supervisor};
use cartbox_host::zygote::ZygoteCommand;
use cartbox_host::{Cart, ConsoleConfig, Input, Stop};
use cartbox_protocol::shm::FRAME_PIXELS;

fn supervisor(budget_ms: u64, grace_ms: u64) -> Supervisor {
    Supervisor::start(ConsoleConfig {
        budget: Duration::from_millis(budget_ms),
        grace: Duration::from_millis(grace_ms),
        virtual_time: true,
        zygote: Some(ZygoteCommand::binary(bin())),
        ..ConsoleConfig::default()
    })
    .expect("supervisor")
}

/// Events until `want` matches one, or panics after `timeout`.
fn wait_for(s: &Supervisor, timeout: Duration, want: impl Fn(&Event) -> bool) -> Event {
    let end = Instant::now() + timeout;
    loop {
        let left = end.saturating_duration_since(Instant::now());
        match s.wait_event(left) {
            Some(e) if want(&e) => return e,
            Some(_) => {}
            None => panic!("no matching event within {timeout:?}"),
        }
    }
}

#[test]
fn frames_run_at_60_hz_with_the_input_given() {
    let s = supervisor(1000, 1000);
    // Draws colour 5 while button A (bit 4) is held, else colour 1.
    s.load(Cart::from_code(
        "input.lua",
        "function TIC() cls(btn(4) and 5 or 1) end",
    ));
    wait_for(&s, Duration::from_secs(5), |e| *e == Event::Loaded);
    let mut frame = Box::new([0u32; FRAME_PIXELS]);
    let start = Instant::now();
    std::thread::sleep(Duration::from_millis(500));
    let n = s.latest_frame(0, &mut frame);
    // About 30 frames in half a second: paced, not as fast as possible.
    assert!(
        (15..=45).contains(&n),
        "{n} frames in {:?}",
        start.elapsed()
    );
    let centre = 72 * 256 + 128;
    assert_eq!(frame[centre], 0x5d275d, "colour 1 with no input");
    s.set_input(Input {
        gamepads: [1 << 4, 0, 0, 0],
        ..Input::default()
    });
    std::thread::sleep(Duration::from_millis(100));
    s.latest_frame(0, &mut frame);
    assert_eq!(frame[centre], 0xa7f070, "colour 5 with A held");
    assert_eq!(s.status(), Status::Running);
}

#[test]
fn a_hung_cart_never_blocks_the_ui_and_is_killed() {
    let s = supervisor(100, 400);
    s.load(Cart::from_code(
        "hang.lua",
        "n = 0 function TIC() n = n + 1 cls(2) if n > 10 then while true do end end end",
    ));
    wait_for(&s, Duration::from_secs(5), |e| *e == Event::Loaded);
    // Poll as a UI presenting at 60 Hz would, until the runner is killed: no call waits
    // on the runner, and the last frame stays available.
    let mut frame = Box::new([0u32; FRAME_PIXELS]);
    let (mut longest, mut busy_seen, mut have) = (Duration::ZERO, Duration::ZERO, 0);
    let stop = loop {
        let t = Instant::now();
        have = s.latest_frame(have, &mut frame);
        let status = s.status();
        longest = longest.max(t.elapsed());
        if let Status::Busy { since, kill_in, .. } = status {
            busy_seen = busy_seen.max(since);
            assert!(kill_in <= Duration::from_millis(500));
        }
        if let Some(Event::Stopped(stop)) = s.try_event() {
            break stop;
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    // Lua's hook stops `while true do end` at the budget, as a cart error.
    match stop {
        Stop::Cart(f) => assert!(f.message.contains("ran past its budget"), "{f:?}"),
        other => panic!("{other:?}"),
    }
    assert!(
        busy_seen >= Duration::from_millis(50),
        "busy for {busy_seen:?}"
    );
    assert!(
        longest < Duration::from_millis(50),
        "a UI call took {longest:?}"
    );
    assert!(have >= 10, "frames before the hang: {have}");
    assert_eq!(frame[72 * 256 + 128], 0xb13e53, "the last frame is kept");
    assert_eq!(s.status(), Status::Idle);
    // Restart: frames run again.
    s.restart();
    wait_for(&s, Duration::from_secs(5), |e| *e == Event::Loaded);
    std::thread::sleep(Duration::from_millis(100));
    assert!(s.latest_frame(have, &mut frame) > have);
}

#[test]
fn a_runner_stuck_in_c_is_killed_while_the_ui_goes_on() {
    let s = supervisor(100, 200);
    s.load(load("pattern.lua"));
    let mut frame = Box::new([0u32; FRAME_PIXELS]);
    let mut longest = Duration::ZERO;
    let started = Instant::now();
    let stop = loop {
        let t = Instant::now();
        s.latest_frame(0, &mut frame);
        let _ = s.status();
        longest = longest.max(t.elapsed());
        match s.try_event() {
            Some(Event::Stopped(stop)) => break stop,
            _ => std::thread::sleep(Duration::from_millis(2)),
        }
        assert!(started.elapsed() < Duration::from_secs(10), "never stopped");
    };
    assert!(matches!(stop, Stop::NotResponding { .. }), "{stop:?}");
    assert!(
        longest < Duration::from_millis(50),
        "a UI call took {longest:?}"
    );
}

#[test]
fn trace_and_exit_are_reported() {
    let s = supervisor(1000, 1000);
    s.load(Cart::from_code(
        "bye.lua",
        "function TIC() trace('bye') exit() end",
    ));
    wait_for(&s, Duration::from_secs(5), |e| *e == Event::Loaded);
    let trace = wait_for(&s, Duration::from_secs(5), |e| matches!(e, Event::Trace(_)));
    assert!(matches!(trace, Event::Trace(t) if t.text == "bye"));
    wait_for(&s, Duration::from_secs(5), |e| *e == Event::Exited);
    assert_eq!(s.status(), Status::Idle);
}

#[test]
fn key_events_and_the_wheel_reach_the_next_frame_once() {
    let s = supervisor(1000, 1000);
    s.load(Cart::from_code(
        "keys.lua",
        "function TIC() \
           local _, _, _, _, _, _, sy = mouse() \
           if keyp(1) then trace('tap') end \
           if sy ~= 0 then trace('scroll ' .. sy) end \
         end",
    ));
    wait_for(&s, Duration::from_secs(5), |e| *e == Event::Loaded);
    // A tap shorter than a frame: down and up before the next frame.
    s.key(1, true);
    s.key(1, false);
    s.scroll(0, 2);
    s.scroll(0, 1);
    let mut seen = Vec::new();
    let end = Instant::now() + Duration::from_millis(500);
    while let Some(e) = s.wait_event(end.saturating_duration_since(Instant::now())) {
        if let Event::Trace(t) = e {
            seen.push(t.text);
        }
    }
    assert_eq!(seen, ["tap", "scroll 3"], "each once, in the next frame");
}
