//! Sound: what `cartbox run --wav` writes, sample for sample against what TIC-80's own core
//! synthesised for the same carts (`tests/carts/sound/`, and TIC-80's demo recordings
//! when `../shared/tic80-demos` is here), and the options around it.

use crate::common::*;
use crate::pulse;
use crate::xvfb;
use cartbox_host::audio::compare::compare;
use cartbox_host::audio::wav;
use cartbox_host::conformance;
use cartbox_host::zygote::ZygoteCommand;

/// Our sound test carts and the frames TIC-80 rendered for each.
const CARTS: &[(&str, u32)] = &[
    ("waves", 180),
    ("noise", 180),
    ("envelopes", 200),
    ("song", 200),
    ("pokes", 180),
    ("boot", 30),
    ("switch", 330),
];

#[test]
fn wav_output_equals_tic80_sample_for_sample() {
    let dir = scratch("sound-carts");
    for (name, frames) in CARTS {
        let out_path = dir.join(format!("{name}.wav"));
        let out = cartbox(&[
            "run",
            &test_cart(&format!("sound/{name}.lua")),
            "--headless",
            "--frames",
            &frames.to_string(),
            "--wav",
            out_path.to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(0), "{name}: {:?}", text(&out));
        let want = wav::read(&root().join(format!("tests/carts/sound/{name}.wav"))).unwrap();
        let got = wav::read(&out_path).unwrap();
        let c = compare(&want, &got);
        assert_eq!(got.len(), want.len(), "{name}: length");
        if *name == "switch" {
            // Built to make TIC-80 read past a waveform over a hundred times; three of those
            // reads land in its sequencer's state, which we cannot know (zero here): one
            // step each differs, in frames 24, 142 and 321 (46.0 dB over the whole).
            let frames_differing: std::collections::BTreeSet<usize> = want
                .iter()
                .zip(&got)
                .enumerate()
                .filter(|(_, (a, b))| a != b)
                .map(|(i, _)| i / 1470 + 1)
                .collect();
            assert!(c.snr_db > 40.0, "{name}: {c}");
            assert!(
                frames_differing.iter().all(|f| (24..=30).contains(f)
                    || (142..=148).contains(f)
                    || (321..=329).contains(f)),
                "{name}: frames {frames_differing:?} differ"
            );
        } else {
            assert!(got == want, "{name}: {c}");
        }
    }
}

#[test]
fn demo_recordings_of_tic80_are_reproduced() {
    let dir = root().join("../shared/tic80-demos");
    if !dir.join("audio").is_dir() {
        eprintln!("skipped: {} is not here", dir.display());
        return;
    }
    let results = conformance::sound_all(&dir, Some(ZygoteCommand::binary(bin()))).unwrap();
    let names: Vec<&str> = results.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["music", "sfx"]);
    for r in &results {
        assert_eq!(r.error, None, "{}", r.name);
        let c = r.comparison.expect("compared");
        eprintln!("{}: {c}", r.name);
        assert_eq!(c.frames, 600, "{}", r.name);
        assert!(r.identical, "{}: {c}", r.name);
    }
}

#[test]
fn volume_scales_every_sample_as_tic80_does() {
    let dir = scratch("sound-volume");
    let run = |extra: &[&str], name: &str| {
        let path = dir.join(name);
        let mut args = vec![
            "run",
            "tests/carts/sound/waves.lua",
            "--headless",
            "--frames",
            "60",
            "--wav",
            path.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        let out = cartbox(&args);
        assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
        wav::read(&path).unwrap()
    };
    let full = run(&[], "full.wav");
    let seven = run(&["--volume", "7"], "seven.wav");
    let zero = run(&["--volume", "0"], "zero.wav");
    assert!(full.iter().any(|s| *s != 0));
    let scaled: Vec<i16> = full
        .iter()
        .map(|s| (i32::from(*s) * 7 / 15) as i16)
        .collect();
    assert_eq!(seven, scaled);
    assert!(zero.iter().all(|s| *s == 0));
}

#[test]
fn wav_errors_are_reported() {
    let out = cartbox(&[
        "run",
        "carts/hello.lua",
        "--headless",
        "--frames",
        "2",
        "--wav",
        "/proc/nope/x.wav",
    ]);
    assert_eq!(out.status.code(), Some(73));
    let (_, err) = text(&out);
    assert!(
        err.contains("/proc/nope/x.wav: cannot write the WAV file"),
        "{err}"
    );

    let out = cartbox(&["run", "carts/hello.lua", "--volume", "16"]);
    assert_eq!(out.status.code(), Some(64));
    assert!(text(&out).1.contains("--volume must be 0 to 15"));

    // Never over the cart being played.
    let dir = scratch("sound-over-cart");
    let cart = dir.join("c.lua");
    std::fs::copy(root().join("carts/hello.lua"), &cart).unwrap();
    let before = std::fs::read(&cart).unwrap();
    let out = cartbox(&[
        "run",
        cart.to_str().unwrap(),
        "--headless",
        "--frames",
        "2",
        "--wav",
        cart.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(73));
    assert!(
        text(&out)
            .1
            .contains("refusing to write a WAV file over the cart")
    );
    assert_eq!(std::fs::read(&cart).unwrap(), before);
}

#[test]
fn a_cart_that_fails_leaves_the_sound_it_made() {
    // The WAV of a run that stops with an error is still written, up to the error.
    let dir = scratch("sound-error");
    let cart = dir.join("e.lua");
    std::fs::write(
        &cart,
        "poke(0xFFE4,0) for i=8,15 do poke(0xFFE4+i,255) end\n\
         for i=0,59,2 do poke(0x100E4+i,0) end\n\
         f=0 function TIC() f=f+1 if f==1 then sfx(0,60) end if f==20 then error('boom') end end\n",
    )
    .unwrap();
    let path = dir.join("e.wav");
    let out = cartbox(&[
        "run",
        cart.to_str().unwrap(),
        "--headless",
        "--frames",
        "60",
        "--wav",
        path.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1), "{:?}", text(&out));
    let got = wav::read(&path).unwrap();
    assert_eq!(got.len(), 20 * 735 * 2);
    // Heard from frame 3 on.
    assert!(got[..2 * 1470].iter().all(|s| *s == 0));
    assert!(got[2 * 1470..3 * 1470].iter().any(|s| *s != 0));
}

// ---------------------------------------------------------------------------------------
// The real output path: a window under Xvfb playing through a PulseAudio daemon of the
// test's own, whose null sink's monitor is recorded with parec.

use std::time::Duration;

use cartbox_host::audio::compare::{correlation, envelope};

/// The `sound:` line `--stats` prints.
fn sound_line(stderr: &str) -> &str {
    stderr
        .lines()
        .find(|l| l.starts_with("sound: "))
        .unwrap_or_else(|| panic!("no sound figures in {stderr}"))
}

/// A figure from the `sound:` line, e.g. `figure(line, "underruns")`.
fn figure(line: &str, name: &str) -> u64 {
    line.split(", ")
        .chain(line.split("; "))
        .find_map(|part| part.strip_suffix(&format!(" {name}")))
        .and_then(|n| n.rsplit(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no '{name}' in {line}"))
}

#[test]
fn the_window_plays_music_through_the_sound_server() {
    let _one = serial();
    let Some(x) = xvfb::Xvfb::start() else { return };
    let Some(p) = pulse::Pulse::start("music") else {
        return;
    };
    let dir = scratch("sound-window-music");
    let demo = root().join("../shared/tic80-demos/carts/music.lua");
    let cart = if demo.exists() {
        demo
    } else {
        root().join("tests/carts/sound/song.lua")
    };
    let monitor = dir.join("monitor.raw");
    let rec = p.record(&monitor);
    let wav_path = dir.join("sent.wav");
    let child = x.cartbox_with(
        &dir,
        &[
            "run",
            cart.to_str().unwrap(),
            "--frames",
            "420",
            "--stats",
            "--wav",
            wav_path.to_str().unwrap(),
        ],
        &[("PULSE_SERVER", &p.server)],
    );
    let conn = x.connect();
    let w = xvfb::find_window(&conn);
    std::thread::sleep(Duration::from_millis(300));
    // music.lua starts its track when a button is pressed.
    xvfb::tap(&conn, w, xvfb::keycode::UP);
    let (code, _, err) = xvfb::finish(child, Duration::from_secs(30));
    assert_eq!(code, Some(0), "{err}");
    // What the sink plays after the window closed: silence.
    std::thread::sleep(Duration::from_millis(400));
    let heard = pulse::stop_recording(rec, &monitor);
    let sent = wav::read(&wav_path).unwrap();
    let line = sound_line(&err);
    assert!(line.contains(&format!("to {}", pulse::SINK)), "{line}");
    assert_eq!(figure(line, "underruns"), 0, "{line}");
    assert!(
        sent.iter().any(|v| v.unsigned_abs() > 1000),
        "music was sent"
    );

    let offset = pulse::find(&heard, &sent).expect("the sent sound is in the recording");
    let (h, s) = pulse::overlap(&heard, &sent, offset);
    let c = compare(s, h);
    eprintln!("sent vs heard: {c}; {line}");
    assert!(c.frames > 300, "{c}");
    assert!(
        correlation(&envelope(s), &envelope(h)) >= 0.95,
        "envelopes differ: {c}"
    );
    assert!(c.snr_db >= 30.0, "{c}");
    // The sink falls silent with the window.
    let end = (offset.max(0) as usize + sent.len()).min(heard.len());
    let after = &heard[end..];
    assert!(after.len() > 44_100 / 5, "recorded on after the end");
    assert!(
        after.iter().all(|v| *v == 0),
        "sound after the window closed"
    );
}

/// A cart playing a steady tone that hangs in C (the pattern matcher, where no hook runs)
/// in its frame 90, until the host kills it.
const HANGING_TONE: &str = "\
poke(0xFFE4+16,0x10)
local t={0x10,0x32,0x54,0x76,0x98,0xba,0xdc,0xfe,0xef,0xcd,0xab,0x89,0x67,0x45,0x23,0x01}
for i=1,16 do poke(0xFFE4+15+i,t[i]) end
for i=0,59,2 do poke(0x100E4+i,0x10) end
sfx(0,57,-1,0)
f=0
function TIC() f=f+1 if f==90 then string.find(string.rep('a',40),string.rep('a*',40)..'b') end end
";

/// A child's stderr, read line by line as it comes.
struct Stderr {
    lines: crossbeam_channel::Receiver<String>,
    all: std::sync::Arc<std::sync::Mutex<String>>,
}

impl Stderr {
    fn take(child: &mut std::process::Child) -> Stderr {
        use std::io::BufRead;
        let pipe = child.stderr.take().expect("stderr piped");
        let (tx, lines) = crossbeam_channel::unbounded();
        let all = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let keep = all.clone();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(pipe).lines().map_while(Result::ok) {
                if let Ok(mut a) = keep.lock() {
                    a.push_str(&line);
                    a.push('\n');
                }
                let _ = tx.send(line);
            }
        });
        Stderr { lines, all }
    }

    /// Waits for a line containing `what`.
    fn wait_for(&self, what: &str) {
        let end = std::time::Instant::now() + Duration::from_secs(20);
        while let Ok(line) = self.lines.recv_deadline(end) {
            if line.contains(what) {
                return;
            }
        }
        panic!("no line with '{what}' in {}", self.text());
    }

    fn text(&self) -> String {
        self.all.lock().map(|a| a.clone()).unwrap_or_default()
    }
}

/// One test at a time plays through a window and a sound server: on two cores, several at
/// once would be late for their frames and measure the machine, not Cartbox.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

#[test]
fn hangs_kills_and_restarts_are_silent_without_clicks_on_one_stream() {
    let _one = serial();
    let Some(x) = xvfb::Xvfb::start() else { return };
    let Some(p) = pulse::Pulse::start("hang") else {
        return;
    };
    let dir = scratch("sound-window-hang");
    let cart = dir.join("tone.lua");
    std::fs::write(&cart, HANGING_TONE).unwrap();
    let monitor = dir.join("monitor.raw");
    let rec = p.record(&monitor);
    let wav_path = dir.join("sent.wav");
    let mut child = x.cartbox_with(
        &dir,
        &[
            "run",
            "tone.lua",
            "--budget-ms",
            "150",
            "--grace-ms",
            "100",
            "--stats",
            "--wav",
            wav_path.to_str().unwrap(),
        ],
        &[("PULSE_SERVER", &p.server)],
    );
    let err = Stderr::take(&mut child);
    let conn = x.connect();
    let w = xvfb::find_window(&conn);
    // Playing: one stream on the server.
    let streams = p.wait_streams(1);
    assert_eq!(streams.len(), 1);
    // Frame 90 hangs in C: killed at budget + grace (the tone stops, in silence).
    err.wait_for("not responding");
    std::thread::sleep(Duration::from_millis(300));
    // Restart (R once stopped); let it play; restart it while it plays (F5).
    xvfb::tap(&conn, w, xvfb::keycode::R);
    std::thread::sleep(Duration::from_millis(700));
    xvfb::tap(&conn, w, xvfb::keycode::F5);
    std::thread::sleep(Duration::from_millis(700));
    // Mute and unmute while it plays.
    xvfb::tap(&conn, w, xvfb::keycode::F6);
    err.wait_for("sound off");
    std::thread::sleep(Duration::from_millis(200));
    xvfb::tap(&conn, w, xvfb::keycode::F6);
    err.wait_for("sound on");
    std::thread::sleep(Duration::from_millis(200));
    // Still the same stream: it was never reopened.
    assert_eq!(p.sink_inputs(), streams);
    xvfb::quit_from_menu(&conn, w);
    let _ = xvfb::finish(child, Duration::from_secs(30));
    std::thread::sleep(Duration::from_millis(300));
    let heard = pulse::stop_recording(rec, &monitor);
    let err = err.text();
    let line = sound_line(&err);
    eprintln!("{line}");
    assert_eq!(figure(line, "underruns"), 0, "{line}");
    assert!(figure(line, "gaps filled with silence") >= 1, "{line}");

    // The tone's own largest step between samples (its attack included), as a headless
    // run synthesises it, with no gap and no fade.
    let sent = wav::read(&wav_path).unwrap();
    let headless = dir.join("headless.wav");
    run_expect(
        &[
            "run",
            cart.to_str().unwrap(),
            "--headless",
            "--frames",
            "85",
            "--wav",
            headless.to_str().unwrap(),
        ],
        0,
    );
    let tone = wav::read(&headless).unwrap();
    assert!(
        tone.iter().any(|v| v.unsigned_abs() > 1000),
        "the tone plays"
    );
    assert!(
        sent.iter().any(|v| v.unsigned_abs() > 1000),
        "the tone played"
    );
    let tone_step = pulse::largest_step(&tone);
    // Nowhere, neither in what was sent nor in what the sink played (the mute included),
    // is there a step larger than the tone's own: no clicks.
    for (what, s) in [("sent", &sent[..]), ("heard", &heard[..])] {
        let step = pulse::largest_step(s);
        assert!(
            step <= tone_step + tone_step / 5,
            "{what}: a step of {step} against the tone's {tone_step}"
        );
    }
    // There was silence between the kill and the restart, and the mute was heard: the
    // sink played less sound than was sent.
    let silent_frames = envelope(&sent).iter().filter(|e| **e < 1.0).count();
    assert!(silent_frames >= 10, "{silent_frames} silent frames");
    let loud = |s: &[i16]| s.iter().filter(|v| v.unsigned_abs() > 100).count();
    assert!(
        loud(&heard) + 735 * 2 * 6 < loud(&sent),
        "muting took nothing away"
    );
}

#[test]
fn without_a_sound_server_the_cart_plays_silently_and_says_why() {
    let _one = serial();
    let Some(x) = xvfb::Xvfb::start() else { return };
    let dir = scratch("sound-no-server");
    let wav_path = dir.join("sent.wav");
    let home = dir.to_str().unwrap();
    let child = x.cartbox_with(
        &dir,
        &[
            "run",
            root().join("tests/carts/sound/waves.lua").to_str().unwrap(),
            "--frames",
            "60",
            "--stats",
            "--wav",
            wav_path.to_str().unwrap(),
        ],
        &[
            ("PULSE_SERVER", "unix:/nonexistent/native"),
            ("HOME", home),
            ("XDG_RUNTIME_DIR", home),
        ],
    );
    let (code, _, err) = xvfb::finish(child, Duration::from_secs(30));
    assert_eq!(code, Some(0), "{err}");
    let said: Vec<&str> = err.lines().filter(|l| l.contains("no sound")).collect();
    assert_eq!(said.len(), 2, "one line, and the --stats line: {err}");
    assert!(
        said[0].starts_with("cartbox: no sound: the sound server given")
            && said[0].ends_with("playing silently"),
        "{err}"
    );
    // Without speakers, the recording is what a headless run writes, and one frame more
    // (a live stream plays a frame's sound at once instead of a frame later).
    let live = wav::read(&wav_path).unwrap();
    let headless_path = dir.join("headless.wav");
    let out = cartbox(&[
        "run",
        "tests/carts/sound/waves.lua",
        "--headless",
        "--frames",
        "60",
        "--wav",
        headless_path.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0));
    let headless = wav::read(&headless_path).unwrap();
    assert!(live.len() >= headless.len());
    assert!(live[..headless.len()] == headless[..], "the same samples");
}

#[test]
fn watch_keeps_the_sound_stream_across_reloads() {
    let _one = serial();
    let Some(x) = xvfb::Xvfb::start() else { return };
    let Some(p) = pulse::Pulse::start("watch") else {
        return;
    };
    let dir = scratch("sound-watch");
    let cart = dir.join("tone.lua");
    let tone = |note: u32| {
        format!(
            "poke(0xFFE4,0) for i=8,15 do poke(0xFFE4+i,255) end\n\
             for i=0,59,2 do poke(0x100E4+i,0) end\n\
             sfx(0,{note},-1,0,10)\nfunction TIC() end\n"
        )
    };
    std::fs::write(&cart, tone(45)).unwrap();
    let wav_path = dir.join("sent.wav");
    let child = x.cartbox_with(
        &dir,
        &[
            "watch",
            "tone.lua",
            "--stats",
            "--wav",
            wav_path.to_str().unwrap(),
        ],
        &[("PULSE_SERVER", &p.server)],
    );
    let conn = x.connect();
    xvfb::find_window(&conn);
    let streams = p.wait_streams(1);
    assert_eq!(streams.len(), 1);
    std::thread::sleep(Duration::from_millis(500));
    // Save a new note twice, as an editor does.
    for note in [52, 57] {
        let tmp = dir.join(".tone.lua.tmp");
        std::fs::write(&tmp, tone(note)).unwrap();
        std::fs::rename(&tmp, &cart).unwrap();
        std::thread::sleep(Duration::from_millis(600));
        assert_eq!(p.sink_inputs(), streams, "the stream was not reopened");
    }
    // `quit` on stdin: the game menu would pause the cart (and silence the end).
    let mut child = child;
    use std::io::Write as _;
    child
        .stdin
        .as_mut()
        .expect("stdin")
        .write_all(b"quit\n")
        .expect("quit");
    let (_, _, err) = xvfb::finish(child, Duration::from_secs(30));
    assert!(err.matches("reloaded").count() >= 2, "{err}");
    let line = sound_line(&err);
    assert_eq!(figure(line, "underruns"), 0, "{line}");
    // The last note plays at the end: its rising zero crossings give its pitch. Note 57 is
    // A-4, 440 Hz; the register's step period makes it 438.9 Hz.
    let sent = wav::read(&wav_path).unwrap();
    let tail: Vec<i16> = sent[sent.len() - 735 * 2 * 20..sent.len() - 735 * 2 * 2]
        .iter()
        .step_by(2)
        .copied()
        .collect();
    let crossings = tail.windows(2).filter(|w| w[0] < 0 && w[1] >= 0).count();
    let hz = crossings as f64 / (tail.len() as f64 / 44_100.0);
    assert!((hz - 439.0).abs() < 15.0, "{hz} Hz at the end: {line}");
    let largest = pulse::largest_step(&sent);
    let first_note = pulse::largest_step(&sent[..735 * 2 * 25]);
    assert!(
        largest <= first_note + first_note / 5,
        "a click: {largest} against {first_note}"
    );
}
