//! The `Console` library API on real runners: restarts, hangs, and recovery.

use std::time::{Duration, Instant};

use crate::common::*;
use cartbox_host::{Cart, Input, Stop};
use cartbox_protocol::message::FaultKind;

#[test]
fn a_killed_runner_is_replaced_and_the_next_cart_runs() {
    let mut console = console(100, 200);
    console.load(load("pattern.lua")).unwrap();
    let first = console.runner_pid().unwrap();
    let started = Instant::now();
    let stop = console.frame(&Input::default()).unwrap_err();
    assert_eq!(
        stop,
        Stop::NotResponding {
            waited: Duration::from_millis(300)
        }
    );
    assert!(
        started.elapsed() < Duration::from_millis(1500),
        "took {:?}",
        started.elapsed()
    );
    assert!(console.runner_pid().is_none());
    // The same console plays another cart at once, in a new runner.
    console
        .load(Cart::from_code("ok.lua", "function TIC() cls(5) end"))
        .unwrap();
    assert_ne!(console.runner_pid(), Some(first));
    console.frame(&Input::default()).unwrap();
    let (_, _, rgb) = console.screenshot(false).unwrap();
    assert_eq!(&rgb[..3], [0xa7, 0xf0, 0x70]);
}

#[test]
fn restart_gives_a_fresh_vm() {
    let mut console = console(1000, 1000);
    let cart = Cart::from_code(
        "count.lua",
        "n = (n or 0) + 1\nfunction TIC() trace(n) n = n + 1 end",
    );
    console.load(cart).unwrap();
    for _ in 0..3 {
        console.frame(&Input::default()).unwrap();
    }
    console.restart().unwrap();
    console.frame(&Input::default()).unwrap();
    let lines: Vec<String> = console.take_trace().into_iter().map(|t| t.text).collect();
    assert_eq!(lines, ["1", "2", "3", "1"]);
}

#[test]
fn a_soft_stopped_cart_can_be_restarted() {
    let mut console = console(100, 2000);
    console.load(load("loop_tic.lua")).unwrap();
    match console.frame(&Input::default()) {
        Err(Stop::Cart(f)) => {
            assert_eq!(f.kind, FaultKind::Budget);
            assert_eq!(f.line, Some(3));
            assert!(f.traceback.contains("loop_tic.lua:3"), "{}", f.traceback);
        }
        other => panic!("expected a soft stop, got {other:?}"),
    }
    console.restart().unwrap();
    assert!(console.runner_pid().is_some());
}

#[test]
fn slow_frames_within_budget_are_not_stopped() {
    // About 50 ms of work per frame against a 400 ms budget.
    let code = "function TIC() local t = time() local x = 0 for i = 1, 2e6 do x = x + i end end";
    let mut console = console(400, 400);
    console.load(Cart::from_code("slow.lua", code)).unwrap();
    for _ in 0..3 {
        console
            .frame(&Input::default())
            .expect("a slow frame is not a hang");
    }
}

#[test]
fn trace_floods_are_capped_not_fatal() {
    let mut console = console(1000, 1000);
    console
        .load(Cart::from_code(
            "chatty.lua",
            "function TIC() for i = 1, 5000 do trace(i) end end",
        ))
        .unwrap();
    for _ in 0..12 {
        console
            .frame(&Input::default())
            .expect("a chatty cart is not killed");
    }
    let lines = console.take_trace();
    // 1000 lines and a note per frame reach the host; it keeps the last 10,000 lines.
    assert_eq!(lines.len(), cartbox_host::console::TRACE_KEPT + 1);
    assert_eq!(lines[0].text, "[2012 older trace lines dropped]");
    // Lines 1001 to 5000 (four digits each) were dropped in the runner.
    assert_eq!(
        lines.last().unwrap().text,
        "[16000 bytes of trace output dropped this frame]"
    );
}

#[test]
fn menu_items_come_from_the_metadata_and_call_menu() {
    let mut console = console(1000, 1000);
    console.load(load("menu.lua")).unwrap();
    assert_eq!(console.info().unwrap().menu, ["EASY", "HARD", "QUIT"]);
    console.frame(&Input::default()).unwrap();
    console.menu(1).unwrap();
    console.frame(&Input::default()).unwrap();
    assert_eq!(
        console
            .take_trace()
            .into_iter()
            .map(|t| t.text)
            .collect::<Vec<_>>(),
        ["menu 1"]
    );
    let (_, _, rgb) = console.screenshot(false).unwrap();
    assert_eq!(
        &rgb[..3],
        [0xb1, 0x3e, 0x53],
        "MENU changed the cart's state"
    );
}

#[test]
fn restarts_and_kills_leave_no_records_behind() {
    // Every way a runner ends, many times: restarted while fine, failing, hung and killed.
    let mut console = console(50, 50);
    let ok = Cart::from_code("ok.lua", "function TIC() cls(1) end");
    let fails = Cart::from_code("fails.lua", "function TIC() error('no') end");
    for round in 0..30 {
        console.load(ok.clone()).unwrap();
        console.frame(&Input::default()).unwrap();
        console.restart().unwrap();
        console.load(fails.clone()).unwrap();
        assert!(console.frame(&Input::default()).is_err());
        if round % 10 == 0 {
            console.load(load("pattern.lua")).unwrap();
            assert!(console.frame(&Input::default()).is_err(), "hung and killed");
        }
    }
    console.load(ok).unwrap();
    // Let the last reports arrive, then look: only the running runner is remembered.
    std::thread::sleep(Duration::from_millis(200));
    console.frame(&Input::default()).unwrap();
    let (alive, exits, forgotten) = console.zygote().bookkeeping();
    assert_eq!((alive, exits, forgotten), (1, 0, 0));
}

#[test]
fn keys_press_gamepad_buttons_through_the_hosts_mapping() {
    use cartbox_host::ConsoleConfig;
    use cartbox_host::frontend::keys::{KeyMap, key_code};
    use cartbox_host::zygote::ZygoteCommand;
    // Colour 5 while A (button 4) is pressed, else 1; a cart poking the mapping changes
    // nothing past its own frame (the host writes the mapping before each frame).
    let cart = Cart::from_code(
        "map.lua",
        "function TIC() cls(btn(4) and 5 or 1) poke(0x14E04 + 4, 0) end",
    );
    let colour = |console: &mut cartbox_host::Console, keys: [u8; 4]| {
        let input = Input {
            keyboard: keys,
            ..Input::default()
        };
        console.frame(&input).unwrap();
        let mut px = Box::new([0u32; cartbox_protocol::shm::FRAME_PIXELS]);
        assert!(console.copy_frame(&mut px));
        px[72 * 256 + 128]
    };
    let (green, purple) = (0xa7f070, 0x5d275d);
    let z = key_code("z").unwrap();
    let j = key_code("j").unwrap();

    let mut default = console(1000, 1000);
    default.load(cart.clone()).unwrap();
    assert_eq!(
        colour(&mut default, [z, 0, 0, 0]),
        green,
        "Z is A by default"
    );
    assert_eq!(
        colour(&mut default, [z, 0, 0, 0]),
        green,
        "and still after the poke"
    );
    assert_eq!(colour(&mut default, [j, 0, 0, 0]), purple);

    let mut remapped = cartbox_host::Console::new(ConsoleConfig {
        keymap: KeyMap::parse("a=j").unwrap().0,
        virtual_time: true,
        zygote: Some(ZygoteCommand::binary(bin())),
        ..ConsoleConfig::default()
    })
    .unwrap();
    remapped.load(cart).unwrap();
    assert_eq!(colour(&mut remapped, [j, 0, 0, 0]), green, "J is A now");
    assert_eq!(colour(&mut remapped, [z, 0, 0, 0]), purple, "and Z is not");
}
