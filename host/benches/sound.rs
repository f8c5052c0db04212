//! Sound: what synthesis costs, how late sound reaches the server, whether it ever runs dry,
//! and what sound costs the frames.
//!
//! 1. Synthesis CPU per frame: TIC-80's synthesiser on three register streams: the music of
//!    TIC-80's `music.lua` as a real runner plays it, four channels busy with four waveforms
//!    (one of them noise) moving every frame, and the worst bytes a runner can leave (every
//!    channel at its highest frequency with a waveform that changes level at every step).
//!    Goal: at most 30 µs a frame with four channels busy.
//! 2. 60 seconds of music through a real PulseAudio daemon (the test's own, with a null
//!    sink) from a `Supervisor`, while the cart now and then runs late, hangs inside Lua
//!    (stopped at its budget), hangs in C (killed), and is restarted: underruns (goal 0),
//!    gaps filled with silence, and the latency from the end of a frame to its first sample
//!    leaving for the server (goal at most 40 ms).
//! 3. Sound on against sound off, interleaved: presentation at 60 Hz through a `Supervisor`
//!    (interval median and 99th percentile), and TIC-80's bunnymark at 4,000 bunnies (wall
//!    time of a frame in a real runner, the audio thread synthesising every frame).
//!    Goal: within 2 %.
//!
//! Run with `cargo bench -p cartbox-host --bench sound` (about 2 minutes; pass seconds for
//! part 2: `-- 20`). Parts 2 and 3 need `pulseaudio` and `pactl` (Debian's pulseaudio and
//! pulseaudio-utils); without them they are skipped.

mod common;
#[path = "../../tests/pulse/mod.rs"]
mod pulse;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use cartbox_host::audio::{Audio, AudioConfig, FRAME_VALUES, SoundRegisters, Synth};
use cartbox_host::supervisor::{Event, FRAME_TIME, Supervisor};
use cartbox_host::zygote::ZygoteCommand;
use cartbox_host::{Cart, Console, ConsoleConfig, Input};
use cartbox_protocol::shm::{FRAME_PIXELS, SOUND_SIZE};
use common::{ms, percentile};

fn zygote() -> Option<ZygoteCommand> {
    Some(ZygoteCommand::binary(env!("CARGO_BIN_EXE_cartbox")))
}

fn demo(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("../../shared/tic80-demos/carts/{name}"))
}

fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

/// The registers of `frames` frames of a cart, as a runner leaves them (UP held in frame 1).
fn recorded(path: &std::path::Path, frames: usize) -> Vec<SoundRegisters> {
    let mut console = Console::new(ConsoleConfig {
        virtual_time: true,
        zygote: zygote(),
        ..ConsoleConfig::default()
    })
    .expect("console");
    console.load(Cart::load(path).expect("cart")).expect("load");
    (1..=frames)
        .map(|n| {
            let mut input = Input::default();
            if n == 1 {
                input.gamepads[0] = 1;
            }
            console.run_frame(&input, false).expect("frame");
            console.take_sound().expect("sound")
        })
        .collect()
}

/// Four channels busy: square, saw, a triangle and long noise, at notes that move every
/// frame, on both sides.
fn four_busy(frames: usize) -> Vec<SoundRegisters> {
    let waves: [[u8; 16]; 4] = [
        [
            0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        ],
        [
            0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe, 0x10, 0x32, 0x54, 0x76, 0x98, 0xba,
            0xdc, 0xfe,
        ],
        [
            0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe, 0xef, 0xcd, 0xab, 0x89, 0x67, 0x45,
            0x23, 0x01,
        ],
        [0; 16],
    ];
    (0..frames)
        .map(|f| {
            let mut r = [0u8; SOUND_SIZE];
            for (c, wave) in waves.iter().enumerate() {
                let freq = [220, 330, 440, 1200][c] + (f % 30) as u16 * 3;
                r[c * 18] = freq as u8;
                r[c * 18 + 1] = (freq >> 8) as u8 & 0x0f | 0xf0;
                r[c * 18 + 2..c * 18 + 18].copy_from_slice(wave);
                r[72 + c] = [0xff, 0x8f, 0xf8, 0xaa][c];
            }
            SoundRegisters(r)
        })
        .collect()
}

/// The most work a runner can ask for: every channel at 4095 Hz, alternating 0 and 15.
fn worst(frames: usize) -> Vec<SoundRegisters> {
    let mut r = [0xffu8; SOUND_SIZE];
    for c in 0..4 {
        r[c * 18 + 2..c * 18 + 18].fill(0xf0);
    }
    vec![SoundRegisters(r); frames]
}

fn synthesis() {
    println!("1. Synthesis CPU per frame (735 stereo samples), one thread\n");
    let mut streams: Vec<(&str, Vec<SoundRegisters>)> = Vec::new();
    let music = demo("music.lua");
    if music.exists() {
        streams.push(("music.lua (TIC-80's demo)", recorded(&music, 600)));
    }
    streams.push(("four channels busy", four_busy(600)));
    streams.push(("worst case (hostile registers)", worst(600)));
    for (name, regs) in &streams {
        let mut synth = Synth::new();
        let mut out = [0i16; FRAME_VALUES];
        let mut times = Vec::with_capacity(regs.len() * 20);
        for _ in 0..20 {
            for r in regs {
                let t = Instant::now();
                synth.frame(r, &mut out);
                times.push(t.elapsed());
            }
        }
        let p50 = percentile(&mut times, 0.5);
        let p99 = percentile(&mut times, 0.99);
        println!(
            "{name:<32} p50 {:6.1} µs ({:.3} % of a frame), p99 {:6.1} µs",
            us(p50),
            us(p50) / 16_666.7 * 100.0,
            us(p99)
        );
    }
    println!();
}

/// Four tones, and every three seconds one of: a late frame (120 ms), a hang in Lua (stopped
/// at the budget), a hang in C (killed at budget + grace). Which one follows the wall clock
/// (a restarted cart counts its frames from 1 again).
const TROUBLE: &str = "
local t={0x10,0x32,0x54,0x76,0x98,0xba,0xdc,0xfe,0xef,0xcd,0xab,0x89,0x67,0x45,0x23,0x01}
for i=1,16 do poke(0xFFE4+15+i,t[i]) end
for i=0,59,2 do poke(0x100E4+i,0x10) end
for c=0,3 do sfx(0,45+c*4,-1,c,12) end
f=0
function TIC()
 f=f+1
 local k=f%180
 if k==0 then
  local m=(tstamp()//3)%3
  if m==0 then local s=time() while time()-s<120 do end
  elseif m==1 then while true do end
  else string.find(string.rep('a',40),string.rep('a*',40)..'b') end
 end
end
";

/// Sound output to the bench's own sound server.
fn audio(p: &pulse::Pulse) -> Audio {
    Audio::start(AudioConfig {
        volume: 15,
        name: "bench".into(),
        server: Some(p.server.clone()),
        ..AudioConfig::default()
    })
    .expect("audio")
}

fn live(seconds: u64, p: &pulse::Pulse) {
    println!(
        "2. {seconds} s of four tones through PulseAudio (null sink) from a Supervisor; every \
         3 s a late frame (120 ms), a hang in Lua (stopped at 150 ms) or a hang in C (killed \
         at 300 ms), each stop followed by a restart\n"
    );
    let s = Supervisor::start(ConsoleConfig {
        budget: Duration::from_millis(150),
        grace: Duration::from_millis(150),
        zygote: zygote(),
        ..ConsoleConfig::default()
    })
    .expect("supervisor");
    let audio = audio(p);
    s.play_sound(Some(audio.sender()));
    s.load(Cart::from_code("trouble.lua", TROUBLE));
    let start = Instant::now();
    let (mut stops, mut kills, mut restarts_due) = (0, 0, None);
    while start.elapsed() < Duration::from_secs(seconds) {
        while let Some(e) = s.try_event() {
            if let Event::Stopped(stop) = e {
                stops += 1;
                kills += usize::from(stop.runner_killed());
                restarts_due = Some(Instant::now() + Duration::from_millis(100));
            }
        }
        if restarts_due.is_some_and(|t| Instant::now() >= t) {
            restarts_due = None;
            s.restart();
        }
        for n in audio.take_notices() {
            println!("notice: {n}");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    drop(s);
    let mut stats = audio.stats();
    drop(audio);
    let mut l: Vec<Duration> = std::mem::take(&mut stats.latencies).into();
    println!(
        "{} frames synthesised, {stops} stops ({kills} of them kills) and restarts; {} \
         underruns (goal 0), {} gaps filled with silence, {} frames dropped, {} skipped",
        stats.frames, stats.underruns, stats.gaps, stats.dropped, stats.skipped
    );
    if !l.is_empty() {
        let (p50, p99) = (percentile(&mut l, 0.5), percentile(&mut l, 0.99));
        println!(
            "end of a frame to its first sample sent: p50 {:.2} ms, p99 {:.2} ms, longest {:.2} ms \
             (goal <= 40 ms)\n",
            ms(p50),
            ms(p99),
            ms(*l.last().expect("latencies"))
        );
    }
}

/// Presentation intervals over `seconds` of a 60 Hz UI loop on a supervisor playing `cart`.
fn present(seconds: f64, audio: Option<&Audio>, cart: &Cart) -> Vec<Duration> {
    let s = Supervisor::start(ConsoleConfig {
        zygote: zygote(),
        ..ConsoleConfig::default()
    })
    .expect("supervisor");
    if let Some(a) = audio {
        s.play_sound(Some(a.sender()));
    }
    s.load(cart.clone());
    let mut frame = Box::new([0u32; FRAME_PIXELS]);
    let mut have = 0;
    while have < 10 {
        have = s.latest_frame(have, &mut frame);
        std::thread::sleep(Duration::from_millis(1));
    }
    let mut intervals = Vec::new();
    let start = Instant::now();
    let mut last = start;
    let mut next = start;
    while start.elapsed().as_secs_f64() < seconds {
        have = s.latest_frame(have, &mut frame);
        let now = Instant::now();
        intervals.push(now - last);
        last = now;
        next += FRAME_TIME;
        match next.checked_duration_since(Instant::now()) {
            Some(w) => std::thread::sleep(w),
            None => next = Instant::now(),
        }
    }
    intervals.remove(0);
    intervals
}

/// Wall time per frame at 4,000 bunnies, `frames` frames, sound sent to `audio` if given.
fn bunnies(console: &mut Console, audio: Option<&Audio>, frames: usize) -> Vec<Duration> {
    let sender = audio.map(Audio::sender);
    (0..frames)
        .map(|_| {
            let t = Instant::now();
            console.run_frame(&Input::default(), true).expect("frame");
            if let (Some(s), Some(r)) = (&sender, console.take_sound()) {
                s.send(r, false);
            }
            t.elapsed()
        })
        .collect()
}

fn on_off(p: &pulse::Pulse) {
    println!("3. Sound on against sound off (interleaved rounds)\n");
    let audio = audio(p);
    let music = demo("music.lua");
    let cart = if music.exists() {
        Cart::load(&music).expect("music.lua")
    } else {
        Cart::load(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/carts/sound/song.lua"))
            .expect("song.lua")
    };
    let (mut off, mut on) = (Vec::new(), Vec::new());
    for _ in 0..3 {
        off.extend(present(5.0, None, &cart));
        on.extend(present(5.0, Some(&audio), &cart));
    }
    let (off50, off99) = (percentile(&mut off, 0.5), percentile(&mut off, 0.99));
    let (on50, on99) = (percentile(&mut on, 0.5), percentile(&mut on, 0.99));
    println!(
        "presentation interval: sound off p50 {:.3} ms, p99 {:.3} ms; sound on p50 {:.3} ms, \
         p99 {:.3} ms; ratio on/off p50 {:.4}, p99 {:.4}",
        ms(off50),
        ms(off99),
        ms(on50),
        ms(on99),
        on50.as_secs_f64() / off50.as_secs_f64(),
        on99.as_secs_f64() / off99.as_secs_f64()
    );

    let luamark = demo("luamark.lua");
    if !luamark.exists() {
        println!("bunnymark: skipped ({} is not here)", luamark.display());
        return;
    }
    let mut console = Console::new(ConsoleConfig {
        virtual_time: true,
        zygote: zygote(),
        ..ConsoleConfig::default()
    })
    .expect("console");
    console
        .load(Cart::load(&luamark).expect("luamark"))
        .expect("load");
    // 800 frames of UP: 4,000 bunnies.
    let up = Input {
        gamepads: [1, 0, 0, 0],
        ..Input::default()
    };
    for _ in 0..800 {
        console.run_frame(&up, false).expect("frame");
    }
    let (mut off, mut on) = (Vec::new(), Vec::new());
    for _ in 0..10 {
        off.extend(bunnies(&mut console, None, 60));
        on.extend(bunnies(&mut console, Some(&audio), 60));
    }
    let (off50, on50) = (percentile(&mut off, 0.5), percentile(&mut on, 0.5));
    println!(
        "bunnymark at 4,000 bunnies, frame wall time: sound off p50 {:.3} ms, sound on p50 \
         {:.3} ms; ratio on/off {:.4} (goal within 2 %)",
        ms(off50),
        ms(on50),
        on50.as_secs_f64() / off50.as_secs_f64()
    );
    let stats = audio.stats();
    println!(
        "(audio meanwhile: {} frames, {} underruns, {} dropped)",
        stats.frames, stats.underruns, stats.dropped
    );
}

fn main() {
    if common::listing() {
        return;
    }
    let seconds: u64 = common::number_arg(60);
    synthesis();
    let Some(p) = pulse::Pulse::start("bench") else {
        println!("2. and 3. skipped: PulseAudio is not installed");
        return;
    };
    live(seconds, &p);
    on_off(&p);
}
