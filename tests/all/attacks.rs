//! Hostile carts through the real host: each case is a cart written to hurt (CPU in the VM
//! and inside C functions, memory with the collector stopped, stacks, floods, parser and
//! compiler bombs, absurd API arguments), with the exact outcome asserted. After every
//! case the same console plays a well-behaved cart, so the host is shown still drawing.

use std::time::{Duration, Instant};

use crate::common::*;
use cartbox_host::zygote::ZygoteCommand;
use cartbox_host::{Cart, Console, ConsoleConfig, Input, Stop};
use cartbox_protocol::message::FaultKind;

/// How a hostile cart must end.
#[derive(Debug)]
enum Outcome {
    /// Stopped by the runtime with this kind of fault and a message containing the text.
    Fault(FaultKind, &'static str),
    /// Killed by the host at the hard deadline (stuck inside a C function).
    Killed,
    /// Killed by the host while still compiling its module.
    CompileKilled,
    /// Not stopped at all: the frames run (absurd input is clipped or ignored).
    Runs,
    /// Runs, and its trace output is exactly this.
    Traces(&'static str),
}

fn wasm(name: &str, wat: &str) -> Cart {
    Cart::from_bytes(name, wat.as_bytes().to_vec())
}

fn lua(name: &str, code: &str) -> Cart {
    Cart::from_code(name, code)
}

fn js(name: &str, code: &str) -> Cart {
    Cart::from_bytes(name, code.as_bytes().to_vec())
}

fn fnl(name: &str, code: &str) -> Cart {
    Cart::from_bytes(name, code.as_bytes().to_vec())
}

fn cases() -> Vec<(Cart, Outcome)> {
    let nested_fnl = format!("{}1{}", "(do ".repeat(10_000), ")".repeat(10_000));
    let thread_fnl = format!("(-?> x {})", "f ".repeat(30_000));
    let nested_lua = format!("x = {}1{}", "(".repeat(100_000), ")".repeat(100_000));
    let nested_wasm = format!(
        r#"(module (import "env" "memory" (memory 4 4)) (func (export "TIC") {}{}))"#,
        "(block ".repeat(100_000),
        ")".repeat(100_000)
    );
    vec![
        // CPU in the VM and in C functions.
        (
            lua(
                "sort.lua",
                "function TIC() local t = {} for i = 1, 100 do t[i] = i end \
                 table.sort(t, function(a, b) while true do end end) end",
            ),
            Outcome::Fault(FaultKind::Budget, "ran past its budget"),
        ),
        (
            lua(
                "pattern.lua",
                "function TIC() local s = string.rep('a', 40) .. 'b' \
                 string.find(s, string.rep('a*', 40) .. 'c') end",
            ),
            Outcome::Killed,
        ),
        // Memory: strings, tables with the collector stopped, coroutines.
        (
            lua(
                "rep.lua",
                "function TIC() local s = string.rep('x', 1 << 40) end",
            ),
            Outcome::Fault(FaultKind::Runtime, "resulting string too large"),
        ),
        (
            lua(
                "tables.lua",
                "collectgarbage('stop') local t = {} \
                 function TIC() while true do t[#t + 1] = {1, 2, 3, 4} end end",
            ),
            Outcome::Fault(
                FaultKind::OutOfMemory,
                "Lua heap reached its limit of 32 MiB",
            ),
        ),
        (
            lua(
                "coroutines.lua",
                "collectgarbage('stop') local t = {} \
                 function TIC() while true do t[#t + 1] = coroutine.create(print) end end",
            ),
            Outcome::Fault(
                FaultKind::OutOfMemory,
                "Lua heap reached its limit of 32 MiB",
            ),
        ),
        // Stacks: Lua recursion, and recursion through C (pcall).
        (
            // Lua's stack grows on the heap: at 32 MiB the cap comes before Lua's own
            // stack limit (with the default 256 MiB it is "stack overflow").
            lua(
                "recurse.lua",
                "local function f(n) return f(n + 1) + 1 end function TIC() f(1) end",
            ),
            Outcome::Fault(
                FaultKind::OutOfMemory,
                "Lua heap reached its limit of 32 MiB",
            ),
        ),
        (
            lua(
                "crecurse.lua",
                "local function f() return pcall(f) end function TIC() f() end",
            ),
            Outcome::Runs,
        ),
        // Parser and compiler bombs.
        (
            lua("nested.lua", &nested_lua),
            Outcome::Fault(FaultKind::Syntax, "too many"),
        ),
        (wasm("nested.wat", &nested_wasm), Outcome::CompileKilled),
        // Integrity: every way around the text-only loader, and poisoned shared state.
        (
            lua(
                "loader.lua",
                r#"local f = function() return 1 end
                local function try(name, g)
                  local ok, r = pcall(g)
                  return name .. "=" .. ((ok and r) and "OPEN" or "closed")
                end
                local out = {
                  try("dump", function() return load(string.dump(f)) end),
                  try("mode-b", function() return load(string.dump(f), "x", "b") end),
                  try("reader", function()
                    local s = string.dump(f)
                    return load(function() local c = s s = nil return c end)
                  end),
                  try("env", function() return load("return io", "x", "t", {io = 1})() == 1 end),
                  try("debug", function() return debug.getinfo or debug.sethook end),
                }
                getmetatable("").__index = function() error("poisoned") end
                cls = nil
                local said
                function TIC() if not said then trace(table.concat(out, " ")) said = true end end"#,
            ),
            Outcome::Traces("dump=closed mode-b=closed reader=closed env=OPEN debug=closed"),
        ),
        // Floods: trace output, persistent memory.
        (
            lua(
                "trace.lua",
                "function TIC() for i = 1, 20000 do trace(('\\27[2J'):rep(100)) end end",
            ),
            Outcome::Runs,
        ),
        (
            lua(
                "pmem.lua",
                "function TIC() for i = 1, 1000000 do pmem(i % 256, i) end end",
            ),
            Outcome::Runs,
        ),
        // Absurd API arguments: clipped or ignored, never a crash.
        (
            lua(
                "args.lua",
                "function TIC() \
                   spr(1e300, -1e300, 0/0, 255, 1e9, 7, 9, 1e9, 1e9) \
                   map(-1e9, -1e9, 1e9, 1e9, 0/0, 1/0) \
                   print(('x'):rep(100000), -5, -5, 12, true, 1e9) \
                   memcpy(-1, 2^40, 2^31) memset(0x17ffff, 1, 1e9) \
                   poke(2^53, 1) peek(-2^53) line(0/0, 1/0, -1/0, 1e308, 3) \
                   tri(1e30, 1e30, -1e30, 0, 0, 1e30, 2) circ(120, 68, 2^31, 4) \
                   clip(0/0, 0/0, 1e9, -1e9) textri(0,0,1e9,1e9,0,1e9, 0/0,0,0,0,0,0) \
                 end",
            ),
            Outcome::Runs,
        ),
        (
            wasm(
                "args.wat",
                r#"(module (import "env" "memory" (memory 4 4))
                     (import "env" "map" (func $map (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32)))
                     (import "env" "memset" (func $memset (param i32 i32 i32)))
                     (import "env" "sfx" (func $sfx (param i32 i32 i32 i32 i32 i32 i32 i32)))
                     (func (export "TIC")
                       (call $map (i32.const -2147483648) (i32.const 2147483647)
                                  (i32.const 2147483647) (i32.const 2147483647) (i32.const 0)
                                  (i32.const 0) (i32.const 0) (i32.const 0) (i32.const -128)
                                  (i32.const 0))
                       (call $memset (i32.const 0) (i32.const 255) (i32.const -1))
                       (call $sfx (i32.const 63) (i32.const -2147483648) (i32.const 2147483647)
                                  (i32.const 2147483647) (i32.const 3) (i32.const 99)
                                  (i32.const -99) (i32.const -2147483648))))"#,
            ),
            Outcome::Runs,
        ),
        // A string with no end: 8 MiB of 'A' with no NUL, traced.
        (
            wasm(
                "endless_string.wat",
                r#"(module (import "env" "memory" (memory 4))
                     (import "env" "trace" (func $trace (param i32 i32)))
                     (func (export "TIC")
                       (drop (memory.grow (i32.const 128)))
                       (memory.fill (i32.const 0x20000) (i32.const 65) (i32.const 0x800000))
                       (call $trace (i32.const 0x20000) (i32.const 12))))"#,
            ),
            Outcome::Fault(FaultKind::Runtime, "is longer than 1048576 bytes"),
        ),
        // JavaScript: the engine and the console, nothing else. No module is loaded (a
        // dynamic import is only a promise that never settles), no host object is there,
        // local time is read without opening a file, blocking is refused.
        (
            js(
                "escape.js",
                r#"var out = [];
function t(name, f) { try { out.push(name + ": " + f()); } catch (e) { out.push(name + ": threw " + e); } }
t("import", function () { return typeof import("/etc/passwd"); });
t("globals", function () { return Object.getOwnPropertyNames(globalThis).filter(function (k) {
  return /^(std|os|require|process|scriptArgs|console|WebAssembly|setTimeout|fetch|XMLHttpRequest)$/.test(k); }).join(","); });
t("date", function () { return typeof new Date().toString(); });
t("atomics", function () { return Atomics.wait(new Int32Array(new SharedArrayBuffer(16)), 0, 0); });
function TIC() { if (out.length) { trace(out.join("; ")); out = []; } }
"#,
            ),
            Outcome::Traces(
                "import: object; globals: ; date: string; atomics: threw TypeError: cannot \
                 block in this thread",
            ),
        ),
        (
            js(
                "backtrack.js",
                r#"function TIC() { /(a+)+$/.test("a".repeat(40) + "b") }"#,
            ),
            Outcome::Fault(FaultKind::Budget, "ran past its budget"),
        ),
        (
            js(
                "arrays.js",
                "var a = []; function TIC() { for (;;) a.push(new Array(100000).fill(a.length)) }",
            ),
            Outcome::Fault(
                FaultKind::OutOfMemory,
                "JavaScript heap reached its limit of 32 MiB",
            ),
        ),
        (
            js(
                "string.js",
                "function TIC() { var s = 'x'.repeat(2 ** 40) }",
            ),
            Outcome::Fault(FaultKind::Runtime, "RangeError: invalid repeat count"),
        ),
        // Fennel: compiled by our compiler inside the runner (bounded nesting, bounded
        // macro expansion), then the same Lua environment: no io, no os, text chunks only,
        // no debug introspection, `lua` forms included.
        (
            fnl(
                "escape.fnl",
                r#"(local out [])
(fn t [name f]
  (let [(ok v) (pcall f)]
    (table.insert out (.. name ": " (if ok (tostring v) (.. "threw " (tostring v)))))))
(t :io #(type io))
(t :os #(type os))
(t :lua #(lua nil "type(io) .. type(os)"))
(t :bytecode #(select 2 (load "\27Lua")))
(t :debug #(debug.getinfo 1))
(fn _G.TIC []
  (when (< 0 (length out))
    (trace (table.concat out "; "))
    (for [i (length out) 1 -1] (table.remove out i))))
"#,
            ),
            Outcome::Traces(
                "io: nil; os: nil; lua: nilnil; bytecode: attempt to load a binary chunk \
                 (mode is 't'); debug: threw escape.fnl:9: debug.getinfo is not available in \
                 Cartbox: carts cannot inspect or change the VM",
            ),
        ),
        // MoonScript: the same, through our MoonScript compiler.
        (
            fnl(
                "escape.moon",
                r#"out = {}
t = (name, f) ->
  ok, v = pcall f
  table.insert out, name .. ": " .. (ok and tostring(v) or "threw " .. tostring(v))
t "io", -> type io
t "os", -> type os
t "bytecode", -> select 2, load "\27Lua"
export TIC = ->
  if #out > 0
    trace table.concat out, "; "
    out = {}
"#,
            ),
            Outcome::Traces(
                "io: nil; os: nil; bytecode: attempt to load a binary chunk (mode is 't')",
            ),
        ),
        (
            fnl("loop.moon", "export TIC = ->\n  while true do nil\n"),
            Outcome::Fault(FaultKind::Budget, "ran past its budget"),
        ),
        (
            fnl(
                "nested.moon",
                &format!("x = {}1{}", "(".repeat(10_000), ")".repeat(10_000)),
            ),
            Outcome::Fault(
                FaultKind::Syntax,
                "nested.moon:1: brackets nested too deeply",
            ),
        ),
        (
            fnl("loop.fnl", "(fn _G.TIC [] (while true nil))"),
            Outcome::Fault(FaultKind::Budget, "ran past its budget"),
        ),
        (
            fnl("nested.fnl", &nested_fnl),
            Outcome::Fault(FaultKind::Syntax, "forms nested too deeply"),
        ),
        (
            fnl("thread.fnl", &thread_fnl),
            Outcome::Fault(FaultKind::Syntax, "thread.fnl:1:1: too many forms in -?>"),
        ),
    ]
}

#[test]
fn hostile_carts_end_as_expected_and_the_host_keeps_drawing() {
    // A 32 MiB memory cap, so that memory bombs hit it well within the budget.
    let mut console = Console::new(ConsoleConfig {
        budget: Duration::from_millis(300),
        grace: Duration::from_millis(300),
        memory_limit: 32 << 20,
        virtual_time: true,
        zygote: Some(ZygoteCommand::binary(bin())),
        ..ConsoleConfig::default()
    })
    .expect("console");
    let good = Cart::from_code(
        "good.lua",
        "function TIC() cls(5) assert(('x'):rep(2) == 'xx') end",
    );
    // Nothing any case does creates a file: the working directory stays as it was.
    let listing = || -> Vec<_> {
        let mut v: Vec<_> = std::fs::read_dir(".")
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        v.sort();
        v
    };
    let before = listing();
    for (cart, want) in cases() {
        let name = cart.name.clone();
        let started = Instant::now();
        let result = console.load(cart).and_then(|()| {
            for _ in 0..3 {
                console.frame(&Input::default())?;
            }
            Ok(())
        });
        let elapsed = started.elapsed();
        let trace: Vec<String> = console.take_trace().into_iter().map(|t| t.text).collect();
        match (&want, &result) {
            (Outcome::Runs, Ok(())) => {}
            (Outcome::Traces(text), Ok(())) if trace == [*text] => {}
            (Outcome::Killed, Err(Stop::NotResponding { .. })) => {}
            (Outcome::CompileKilled, Err(Stop::CompileTimeout { .. })) => {}
            (Outcome::Fault(kind, text), Err(Stop::Cart(f)))
                if f.kind == *kind && f.message.contains(text) => {}
            _ => panic!("{name}: expected {want:?}, got {result:?}, trace {trace:?}"),
        }
        // Never past three frames' worth of deadlines (and the load's).
        assert!(
            elapsed < Duration::from_millis(4 * 600) + Duration::from_secs(3),
            "{name}: took {elapsed:?}"
        );
        // The same console plays a good cart at once, in a fresh VM (poisoned globals and
        // metatables stayed behind).
        console.load(good.clone()).unwrap();
        console.frame(&Input::default()).unwrap();
        let (_, _, rgb) = console.screenshot(false).unwrap();
        assert_eq!(
            &rgb[..3],
            [0xa7, 0xf0, 0x70],
            "{name}: the host draws again"
        );
    }
    assert_eq!(listing(), before, "a file appeared");
}
