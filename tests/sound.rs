//! Sound: what `cartbox run --wav` writes, sample for sample against what TIC-80's own core
//! synthesised for the same carts (`tests/carts/sound/`, and TIC-80's demo recordings
//! when `../shared/tic80-demos` is here), and the options around it.

mod common;

use cartbox_host::audio::compare::compare;
use cartbox_host::audio::wav;
use cartbox_host::conformance;
use cartbox_host::zygote::ZygoteCommand;
use common::*;

/// Our sound test carts and the frames TIC-80 rendered for each.
const CARTS: &[(&str, u32)] = &[
    ("waves", 180),
    ("noise", 180),
    ("envelopes", 200),
    ("song", 200),
    ("pokes", 180),
    ("boot", 30),
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
        assert!(got == want, "{name}: {c}");
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
    // --mute silences the speakers, not the recording.
    assert_eq!(run(&["--mute"], "muted.wav"), full);
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
