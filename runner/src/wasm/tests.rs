//! Tests of the WebAssembly runtime as a whole: compiling modules, and TIC-80's import
//! table exercised through whole carts. They sit above both `api` and `cart`, as a runner
//! does, so that the import table's module never has to use the cart's.

use super::*;
use crate::machine::testing::machine;

const LIMIT: u64 = 1 << 20;

#[test]
fn compiles_text_and_names_unknown_imports() {
    let engine = engine(1 << 20).unwrap();
    let module = compile(
        &engine,
        br#"(module
              (import "env" "memory" (memory 4 4))
              (import "env" "cls" (func (param i32)))
              (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))
              (func (export "TIC")))"#,
    )
    .unwrap();
    assert_eq!(
        unknown_import(&module, &["cls"]).as_deref(),
        Some(
            "the cart imports function wasi_snapshot_preview1.fd_write, which Cartbox does \
             not provide"
        )
    );
    let err = compile(&engine, b"\0asm\x01\0\0\0\x01").unwrap_err();
    assert!(matches!(err, WasmError::Compile(_)), "{err:?}");
    assert!(!err.to_string().is_empty());
    // No threads: a shared memory does not compile.
    assert!(compile(&engine, b"(module (memory 1 1 shared))").is_err());
}

#[test]
fn load_errors_keep_their_words_and_kinds() {
    use cartbox_protocol::message::FaultKind;
    let engine = engine(LIMIT).unwrap();
    let load = |wat: &str| {
        WasmCart::load(&engine, machine(), "t.wat", wat.as_bytes(), LIMIT)
            .err()
            .expect("refused")
    };
    // What cart authors read: the variants' messages are the ones carts always got.
    let f = load(r#"(module (func (export "TIC")))"#);
    assert_eq!(
        (f.kind, f.message.as_str()),
        (
            FaultKind::Runtime,
            "t.wat: the cart has no memory for the console RAM (import env.memory)"
        )
    );
    let f = load(r#"(module (memory (export "memory") 1) (func (export "TIC")))"#);
    assert_eq!(
        (f.kind, f.message.as_str()),
        (
            FaultKind::Runtime,
            "t.wat: the cart's memory is smaller than the 96 KiB console RAM"
        )
    );
    // A module that does not parse is the cart's syntax error, at its line and column.
    let f = load("(module (func (export \"TIC\")");
    assert_eq!(f.kind, FaultKind::Syntax, "{}", f.message);
    assert_eq!(f.message, "t.wat:1:29: expected `)`");
    assert_eq!(f.line, Some(1));
}

#[test]
fn tic80_demo_modules_compile() {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/tic80-demos/wasm");
    if !dir.is_dir() {
        eprintln!("skipped: {} is not here", dir.display());
        return;
    }
    let engine = engine(1 << 20).unwrap();
    for name in ["wasmdemo.wasm", "wasmmark.wasm"] {
        let bytes = std::fs::read(dir.join(name)).unwrap();
        let module = compile(&engine, &bytes).unwrap();
        let provided = ["btn", "cls", "spr", "print", "rect", "time", "music"];
        assert_eq!(unknown_import(&module, &provided), None, "{name}");
        assert!(module.get_export("TIC").is_some(), "{name} exports TIC");
    }
}

// TIC-80's import table (`api`), through carts.

/// Every import with the type TIC-80 1.1 registers it with (its signature strings).
const TABLE: &[(&str, &str)] = &[
    ("btn", "i(i)"),
    ("btnp", "i(iii)"),
    ("clip", "v(iiii)"),
    ("cls", "v(i)"),
    ("circ", "v(iiii)"),
    ("circb", "v(iiii)"),
    ("elli", "v(iiiii)"),
    ("ellib", "v(iiiii)"),
    ("exit", "v()"),
    ("fget", "i(ii)"),
    ("fset", "v(iii)"),
    ("font", "i(iiiiiiiiii)"),
    ("key", "i(i)"),
    ("keyp", "i(iii)"),
    ("line", "v(ffffi)"),
    ("map", "v(iiiiiiiiii)"),
    ("memcpy", "v(iii)"),
    ("memset", "v(iii)"),
    ("mget", "i(ii)"),
    ("mset", "v(iii)"),
    ("mouse", "v(i)"),
    ("music", "v(iiiiiii)"),
    ("pix", "i(iii)"),
    ("peek", "i(ii)"),
    ("peek4", "i(i)"),
    ("peek2", "i(i)"),
    ("peek1", "i(i)"),
    ("pmem", "i(ii)"),
    ("poke", "v(iii)"),
    ("poke4", "v(ii)"),
    ("poke2", "v(ii)"),
    ("poke1", "v(ii)"),
    ("print", "i(iiiiiii)"),
    ("rect", "v(iiiii)"),
    ("rectb", "v(iiiii)"),
    ("sfx", "v(iiiiiiii)"),
    ("spr", "v(iiiiiiiiii)"),
    ("sync", "v(iii)"),
    ("time", "f()"),
    ("tstamp", "i()"),
    ("trace", "v(ii)"),
    ("tri", "v(ffffffi)"),
    ("trib", "v(ffffffi)"),
    ("ttri", "v(ffffffffffffiiifffi)"),
    ("vbank", "i(i)"),
];

fn wat_type(sig: &str) -> String {
    let ty = |c: char| match c {
        'i' => "i32",
        'I' => "i64",
        'f' => "f32",
        _ => unreachable!("{c}"),
    };
    let (result, params) = sig.split_once('(').unwrap();
    let params: Vec<&str> = params.trim_end_matches(')').chars().map(ty).collect();
    let mut out = format!("(param {})", params.join(" "));
    if result != "v" {
        out += &format!(" (result {})", ty(result.chars().next().unwrap()));
    }
    out
}

fn cart(imports: &str, body: &str) -> WasmCart {
    let wat = format!(
        r#"(module (import "env" "memory" (memory 4 4)) {imports}
             (func (export "TIC") {body}))"#
    );
    let engine = engine(LIMIT).unwrap();
    WasmCart::load(&engine, machine(), "t.wat", wat.as_bytes(), LIMIT)
        .unwrap_or_else(|f| panic!("{}", f.message))
}

#[test]
fn the_whole_table_links_with_tic80_signatures() {
    assert_eq!(TABLE.len(), PROVIDED.len());
    let imports: String = TABLE
        .iter()
        .map(|(name, sig)| format!(r#"(import "env" "{name}" (func {}))"#, wat_type(sig)))
        .collect();
    cart(&imports, "");
    // The post-1.1 pmem with an i64 value links too.
    cart(
        r#"(import "env" "pmem" (func $pmem (param i32 i64) (result i32)))"#,
        "(drop (call $pmem (i32.const 3) (i64.const 77)))",
    );
}

#[test]
fn arguments_follow_tic80s_rules() {
    let mut c = cart(
        r#"(import "env" "pix" (func $pix (param i32 i32 i32) (result i32)))
           (import "env" "clip" (func $clip (param i32 i32 i32 i32)))
           (import "env" "rect" (func $rect (param i32 i32 i32 i32 i32)))
           (import "env" "peek" (func $peek (param i32 i32) (result i32)))
           (import "env" "pmem" (func $pmem (param i32 i32) (result i32)))
           (import "env" "vbank" (func $vbank (param i32) (result i32)))
           (import "env" "mouse" (func $mouse (param i32)))"#,
        r#"
           ;; colour 0x107 is colour 7; pix with colour 255 (i8 -1) reads
           (drop (call $pix (i32.const 1) (i32.const 1) (i32.const 0x107)))
           (i32.store8 (i32.const 0x18000) (call $pix (i32.const 1) (i32.const 1) (i32.const 255)))
           ;; clip(-1, -1, 5, -1): x 0, y 0, w 5, h 136
           (call $clip (i32.const -1) (i32.const -1) (i32.const 5) (i32.const -1))
           (call $rect (i32.const 0) (i32.const 3) (i32.const 240) (i32.const 1) (i32.const 2))
           (call $clip (i32.const -1) (i32.const -1) (i32.const -1) (i32.const -1))
           ;; peek with bits 3 reads 0; with 8 the colour byte written above
           (i32.store8 (i32.const 0x18001) (call $peek (i32.const 0) (i32.const 3)))
           (i32.store8 (i32.const 0x18002) (call $peek (i32.const 60) (i32.const 8)))
           ;; pmem: stores 99, then -1 reads it back
           (drop (call $pmem (i32.const 2) (i32.const 99)))
           (i32.store8 (i32.const 0x18003) (call $pmem (i32.const 2) (i32.const -1)))
           (i32.store8 (i32.const 0x18004) (call $pmem (i32.const 256) (i32.const 5)))
           ;; vbank(-1) changes nothing and says 0
           (i32.store8 (i32.const 0x18005) (call $vbank (i32.const -1)))
           (call $mouse (i32.const 0x18010))"#,
    );
    c.frame(1, Some(0.0), true).unwrap();
    let m = c.machine();
    assert_eq!(m.pix_get(1, 1), 7);
    assert_eq!((m.pix_get(4, 3), m.pix_get(5, 3)), (2, 0), "clip w 5");
    let mem = c.memory_bytes(0x18000, 0x1a);
    assert_eq!(&mem[..6], &[7, 0, 0, 99, 0, 0]);
    // mouse at rest: x -8, y -4 (the register is 0), no buttons
    assert_eq!(&mem[0x10..0x19], &[0xf8, 0xff, 0xfc, 0xff, 0, 0, 0, 0, 0]);
}

#[test]
fn hostile_pointers_trap_and_values_are_clipped() {
    for body in [
        // a string that runs off the end of memory
        "(i32.store8 (i32.const 0x3ffff) (i32.const 65))
         (drop (call $print (i32.const 0x3ffff) (i32.const 0) (i32.const 0) (i32.const 1)
                            (i32.const 0) (i32.const 1) (i32.const 0)))",
        // a key list past the end
        "(call $spr (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0x3fff0) (i32.const -1)
                    (i32.const 1) (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 1))",
        // the mouse struct written past the end
        "(call $mouse (i32.const 0x3fffa))",
        "(call $mouse (i32.const -1))",
    ] {
        let mut c = cart(
            r#"(import "env" "print" (func $print (param i32 i32 i32 i32 i32 i32 i32) (result i32)))
               (import "env" "spr" (func $spr (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32)))
               (import "env" "mouse" (func $mouse (param i32)))"#,
            body,
        );
        let f = c.frame(1, Some(0.0), true).unwrap_err();
        assert!(
            f.message.contains("[trap] out of bounds memory access"),
            "{body}: {}",
            f.message
        );
    }
    // Extreme values everywhere draw what they can and do not panic.
    let mut c = cart(
        r#"(import "env" "spr" (func $spr (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32)))
           (import "env" "map" (func $map (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32)))
           (import "env" "circ" (func $circ (param i32 i32 i32 i32)))
           (import "env" "sfx" (func $sfx (param i32 i32 i32 i32 i32 i32 i32 i32)))
           (import "env" "line" (func $line (param f32 f32 f32 f32 i32)))
           (import "env" "memcpy" (func $memcpy (param i32 i32 i32)))
           (import "env" "sync" (func $sync (param i32 i32 i32)))"#,
        r#"(call $spr (i32.const 0x7fffffff) (i32.const 0x80000000) (i32.const 5) (i32.const 0)
                      (i32.const 0) (i32.const 0x7fffffff) (i32.const 7) (i32.const 9)
                      (i32.const 0x7fffffff) (i32.const 0x7fffffff))
           (call $map (i32.const 0x7fffffff) (i32.const -5) (i32.const 0x7fffffff) (i32.const 0x7fffffff)
                      (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 127) (i32.const 0))
           (call $circ (i32.const 100) (i32.const 100) (i32.const 0x7fffffff) (i32.const 3))
           (call $sfx (i32.const 1000) (i32.const 0x7fffffff) (i32.const 0x7fffffff) (i32.const -1)
                      (i32.const 0) (i32.const -1) (i32.const -1) (i32.const 0x7fffffff))
           (call $sfx (i32.const 3) (i32.const 0x7fffffff) (i32.const 0x7fffffff) (i32.const -1)
                      (i32.const 3) (i32.const -1) (i32.const -1) (i32.const 0x7fffffff))
           (call $line (f32.const nan) (f32.const inf) (f32.const -inf) (f32.const 1e30) (i32.const 1))
           (call $memcpy (i32.const 0x17000) (i32.const 0) (i32.const 0x2000))
           (call $sync (i32.const -1) (i32.const 100) (i32.const 1))"#,
    );
    for frame in 0..3 {
        c.frame(1, Some(f64::from(frame) * 16.0), true).unwrap();
    }
}
