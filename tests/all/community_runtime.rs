//! Issue 13 (community carts): when things happen while a cart loads, and how errors name
//! long cart paths. The expected outputs are what TIC-80's own core prints for the same
//! carts (`tic80run`, commit 9b79d496).

use crate::common::*;

/// Writes `code` as a cart in a scratch folder and plays it headless with `--trace`.
fn trace_of(name: &str, code: &str) -> String {
    let dir = scratch(name);
    let cart = dir.join("c.lua");
    std::fs::write(&cart, code).unwrap();
    run_expect(&["run", cart.to_str().unwrap(), "--headless", "--trace"], 0).0
}

#[test]
fn time_is_zero_while_a_cart_loads() {
    // Top-level code and BOOT run inside TIC-80's first tick: time() is 0 there, as in
    // frame 1, on the virtual clock of a headless run (it read the real clock before).
    let out = trace_of(
        "time-at-load",
        "st=time()\nfunction BOOT() b=time() end\n\
         function TIC() trace(st..\" \"..b..\" \"..time()) exit() end\n",
    );
    assert_eq!(out, "0.0 0.0 0.0\n");
}

#[test]
fn sound_asked_for_while_loading_reaches_the_registers_in_frame_two() {
    // TIC-80 steps its sequencer at the start of a tick, before the top-level code runs in
    // the first one: register 0 is still empty in frame 1.
    let out = trace_of(
        "sfx-at-load",
        "for i=0,59,2 do poke(0x100E4+i,0) end\n\
         poke(0xFFE4,0) for i=8,15 do poke(0xFFE4+i,255) end\n\
         sfx(0,60,30,0,15)\nf=0\n\
         function TIC() f=f+1 trace(f..\" \"..peek(0xFF9C)..\" \"..peek(0xFF9D))\n\
         if f==3 then exit() end end\n",
    );
    assert_eq!(out, "1 0 0\n2 11 242\n3 11 242\n");
}

#[test]
fn errors_name_long_cart_paths_once_and_whole() {
    // Lua shortens chunk names of 60 characters or more to "...<the last 56>"; reports
    // name the cart by its whole path, once.
    let dir = scratch("long-name");
    let deep = dir.join("a-folder-name-long-enough-to-make-the-path-over-sixty-characters");
    std::fs::create_dir_all(&deep).unwrap();
    let cart = deep.join("broken.lua");
    std::fs::write(&cart, "function TIC()\n local x=nil\n x.y=1\nend\n").unwrap();
    let path = cart.to_str().unwrap();
    assert!(path.len() >= 60);
    let (_, err) = run_expect(&["run", path, "--headless", "--frames", "1"], 1);
    let first = err.lines().next().unwrap_or_default();
    assert_eq!(
        first,
        format!("cartbox: error: {path}:3: attempt to index a nil value (local 'x')")
    );
    assert!(!err.contains("..."), "{err}");
    assert_contains(&err, &[&format!("  {path}:3: in function 'TIC'")]);
    // A soft stop's traceback too, and under one heading.
    let looping = deep.join("loop.lua");
    std::fs::write(&looping, "function TIC()\n while true do end\nend\n").unwrap();
    let lpath = looping.to_str().unwrap();
    let (_, err) = run_expect(
        &[
            "run",
            lpath,
            "--headless",
            "--frames",
            "1",
            "--budget-ms",
            "100",
        ],
        1,
    );
    assert_contains(
        &err,
        &[&format!(
            "stopped: {lpath}:2: ran past its budget of 100 ms"
        )],
    );
    assert_eq!(err.matches("stack traceback:").count(), 1, "{err}");
    assert!(!err.contains("..."), "{err}");
}
