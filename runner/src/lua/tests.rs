//! The Lua runtime in-process: environment, API bindings and error reports. The soft stop
//! needs a real runner and is tested end to end.

use super::*;
use crate::machine::Machine;
use crate::shm::SharedMemory;
use cartbox_protocol::cart::{CartImage, Section};
use cartbox_protocol::ram;

fn cart(code: &str) -> Result<LuaCart, CartFault> {
    let mut image = CartImage::default();
    image.banks[0].section_mut(Section::Palette)[..48].copy_from_slice(&ram::SWEETIE16);
    let machine = Machine::new(SharedMemory::anonymous().expect("mapping"), &image);
    let mut c = LuaCart::new(machine, "carts/test.lua", 64 << 20)?;
    c.boot(code, 1)?;
    Ok(c)
}

/// Runs `code` and returns what it traced during boot and one frame.
fn traced(code: &str) -> Vec<String> {
    let mut c = cart(code).unwrap_or_else(|f| panic!("boot failed: {f:?}"));
    c.frame(2, Some(0.0), true)
        .unwrap_or_else(|f| panic!("frame failed: {f:?}"));
    c.machine()
        .take_trace()
        .lines
        .into_iter()
        .map(|(t, _)| t)
        .collect()
}

#[test]
fn drawing_reaches_the_screen() {
    let mut c = cart("function TIC() cls(1) rect(10,10,5,5,12) pix(0,0,2) end").unwrap();
    c.frame(1, Some(0.0), true).unwrap();
    let m = c.machine();
    assert_eq!(m.pix_get(0, 0), 2);
    assert_eq!(m.pix_get(12, 12), 12);
    assert_eq!(m.pix_get(20, 20), 1);
    // The blit ran: screen pixel (12,12) in the output frame.
    assert_eq!(m.frame()[(4 + 12) * 256 + 8 + 12], 0xf4f4f4);
}

#[test]
fn tic80_environment() {
    let out = traced(
        r#"
        trace(math.pow(2, 10))
        trace(tostring(io) .. " " .. tostring(os) .. " " .. type(coroutine.wrap))
        trace(print("Hello"))
        trace(type(debug.traceback("x")))
        function TIC() trace(time()) end
        "#,
    );
    assert_eq!(
        out,
        vec!["1024.0", "nil nil function", "28", "string", "0.0"]
    );
}

#[test]
fn closed_functions_say_why_with_the_line() {
    for (code, want) in [
        (
            "require('x')",
            "carts/test.lua:1: require is not available in Cartbox",
        ),
        (
            "\ndofile('/etc/passwd')",
            "carts/test.lua:2: dofile is not available in Cartbox",
        ),
        (
            "local f = debug.sethook",
            "carts/test.lua:1: debug.sethook is not available in Cartbox",
        ),
        (
            "package.path = 'x'",
            "carts/test.lua:1: package.path cannot be set",
        ),
    ] {
        let f = cart(code).expect_err(code);
        assert!(f.message.starts_with(want), "{code}: {}", f.message);
        assert_eq!(f.kind, FaultKind::Runtime);
    }
}

#[test]
fn binary_chunks_are_refused() {
    let out = traced(
        r#"
        local f, err = load(string.dump(function() return 1 end))
        trace(tostring(f) .. " " .. err)
        local g = load("return 7", "x", "b")
        trace(g())
        function TIC() end
        "#,
    );
    assert_eq!(out[0], "nil attempt to load a binary chunk (mode is 't')");
    assert_eq!(out[1], "7");
}

#[test]
fn runtime_errors_name_file_line_and_callback() {
    let mut c = cart("x = 1\nfunction TIC()\n  local a = nil\n  a.b = 1\nend").unwrap();
    let f = c.frame(5, Some(0.0), true).unwrap_err();
    assert_eq!(f.kind, FaultKind::Runtime);
    assert_eq!(f.line, Some(4));
    assert_eq!(f.callback, "TIC");
    assert!(
        f.message
            .starts_with("carts/test.lua:4: attempt to index a nil value (local 'a')"),
        "{}",
        f.message
    );
    assert!(
        f.traceback.contains("carts/test.lua:4: in function 'TIC'"),
        "{}",
        f.traceback
    );
}

#[test]
fn syntax_errors_name_the_line() {
    let f = cart("function TIC()\n  x = = 1\nend").unwrap_err();
    assert_eq!(f.kind, FaultKind::Syntax);
    assert_eq!(f.line, Some(2));
    assert!(
        f.message.contains("unexpected symbol near '='"),
        "{}",
        f.message
    );
}

#[test]
fn api_argument_errors_use_tic80_messages() {
    let f = cart("line(1,2,3)").unwrap_err();
    assert_eq!(
        f.message,
        "carts/test.lua:1: invalid parameters, line(x0,y0,x1,y1,color)\n"
    );
    assert_eq!(f.line, Some(1));
    let f = cart("\n\nbtnp(1, 2)").unwrap_err();
    assert_eq!(f.line, Some(3));
}

#[test]
fn missing_tic_and_empty_code() {
    let mut c = cart("x = 1").unwrap();
    let f = c.frame(1, None, true).unwrap_err();
    assert_eq!(f.message, "'function TIC()...' isn't found :(");
    assert_eq!(cart("").unwrap_err().message, "the code is empty");
}

#[test]
fn memory_cap_gives_a_clean_error() {
    let mut image = CartImage::default();
    image.banks[0].section_mut(Section::Palette)[..48].copy_from_slice(&ram::SWEETIE16);
    let machine = Machine::new(SharedMemory::anonymous().unwrap(), &image);
    let mut c = LuaCart::new(machine, "hog.lua", 8 << 20).unwrap();
    let f = c
        .boot(
            "local t = {} for i = 1, 1e9 do t[i] = ('x'):rep(100) .. i end",
            1,
        )
        .unwrap_err();
    assert_eq!(f.kind, FaultKind::OutOfMemory);
    assert!(f.message.contains("limit of 8 MiB"), "{}", f.message);
}

#[test]
fn tracked_coroutines_behave_like_lua() {
    let out = traced(
        r#"
        local co = coroutine.create(function(a, b)
          local c = coroutine.yield(a + b)
          error("boom " .. c)
        end)
        local ok0, sum = coroutine.resume(co, 1, 2)
        trace(tostring(ok0) .. "," .. sum)
        local ok, err = coroutine.resume(co, "x")
        trace(tostring(ok) .. " " .. err)
        trace(tostring(select(2, coroutine.resume(co))))
        local gen = coroutine.wrap(function() for i = 1, 3 do coroutine.yield(i) end end)
        trace(gen() + gen() + gen())
        local bad = coroutine.wrap(function() error("inner") end)
        local ok2, err2 = pcall(bad)
        trace(err2)
        trace(select(2, pcall(coroutine.resume, 5)))
        function TIC() end
        "#,
    );
    assert_eq!(out[0], "true,3");
    assert_eq!(out[1], "false carts/test.lua:4: boom x");
    assert_eq!(out[2], "cannot resume dead coroutine");
    assert_eq!(out[3], "6");
    assert!(out[4].ends_with("carts/test.lua:13: inner"), "{}", out[4]);
    assert!(
        out[5].contains("bad argument #1 to 'resume' (coroutine expected)"),
        "{}",
        out[5]
    );
}

#[test]
fn scanline_callbacks_change_the_border_per_row() {
    let mut c = cart(
        r#"
        function TIC() cls(0) end
        function BDR(row) poke(0x3ff8, row < 72 and 2 or 5) end
        "#,
    )
    .unwrap();
    c.frame(1, Some(0.0), true).unwrap();
    let f = c.machine().frame().to_vec();
    assert_eq!(f[10 * 256], 0xb13e53);
    assert_eq!(f[100 * 256], 0xa7f070);
}

#[test]
fn exit_is_reported_after_the_frame() {
    let mut c = cart("function TIC() exit() trace('after') end").unwrap();
    assert!(c.frame(1, None, true).unwrap().exit);
    assert_eq!(c.machine().take_trace().lines.len(), 1);
}

#[test]
fn fft_and_ffts_are_floats_and_need_a_start() {
    // TIC-80 without a capture device: 0.0 (a float) for any arguments, and the argument count
    // is all it checks.
    let out = traced(
        r#"
        for _, args in ipairs({{0}, {5, 10}, {-1, 2000}, {"x", 1, 2, 3}, {0/0}}) do
          local a, b = fft(table.unpack(args)), ffts(table.unpack(args))
          trace(tostring(a) .. " " .. math.type(a) .. " " .. tostring(b) .. " " .. math.type(b))
        end
        trace(select(2, pcall(fft)))
        trace(select(2, pcall(ffts)))
        function TIC() end
        "#,
    );
    let mut want = vec!["0.0 float 0.0 float"; 5];
    want.push("invalid params, fft(start_freq, end_freq=-1)\n");
    want.push("invalid params, ffts(start_freq, end_freq=-1)\n");
    assert_eq!(out, want);
}

#[test]
fn paint_takes_three_or_four_arguments() {
    let mut c = cart(
        r#"
        rectb(0, 0, 5, 5, 1)
        paint(2, 2, 3)            -- the seed's colour: the inside of the box
        paint(9, 9, 4, 1)         -- up to border 1: all the rest
        paint(2, 2, 5, -1)        -- -1 is "no border": colour 3 becomes 5
        paint(0, 0, 6, 255)       -- as is 255
        function TIC() end
        "#,
    )
    .unwrap();
    c.frame(2, Some(0.0), true).unwrap();
    let m = c.machine();
    assert_eq!(
        [m.pix_get(0, 0), m.pix_get(2, 2), m.pix_get(239, 135)],
        [6, 5, 4]
    );
    let out = traced(
        r#"
        for _, args in ipairs({{1, 2}, {1, 2, 3, 4, 5}, {}}) do
          local ok, e = pcall(paint, table.unpack(args))
          trace(tostring(ok) .. " " .. e)
        end
        function TIC() end
        "#,
    );
    assert_eq!(
        out,
        vec!["false invalid parameters, paint(x y color [bordercolor])\n"; 3]
    );
}
