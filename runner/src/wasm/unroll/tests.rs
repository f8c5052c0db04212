use super::*;
use wasmtime::{Engine, Instance, Module, Store};

/// Functions (i32) -> i32 whose loops leave in every way a loop can: falling out, `br_if`
/// back, a break to an outer block, `br_table` to the loop, out of it and out of the
/// function, branches from inside `if`/`else` and nested blocks, a return from inside.
const LOOPS: &str = r#"(module
  (func (export "sum") (param $n i32) (result i32) (local $i i32) (local $s i32)
    (loop $l
      (local.set $s (i32.add (local.get $s) (i32.mul (local.get $i) (local.get $i))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $s))
  (func (export "break") (param $n i32) (result i32) (local $i i32)
    (block $out
      (loop $l
        (br_if $out (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $i (i32.add (local.get $i) (i32.const 3)))
        (br $l)))
    (local.get $i))
  (func (export "table") (param $n i32) (result i32) (local $i i32) (local $s i32)
    (block $done
      (block $out
        (loop $l
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (local.set $s (i32.add (local.get $s) (local.get $i)))
          (block $a
            (block $b
              (br_table $l $b $a $out $done
                (i32.rem_u (i32.add (local.get $i) (local.get $n)) (i32.const 7))))
            ;; $b: once more unless far enough
            (br_if $l (i32.lt_u (local.get $s) (i32.const 200)))
            (br $out))
          ;; $a: counts, then again
          (local.set $s (i32.add (local.get $s) (i32.const 1000)))
          (br_if $l (i32.lt_u (local.get $i) (i32.const 40))))
        (return (i32.sub (i32.const 0) (local.get $s))))
      (return (i32.add (local.get $s) (i32.const 7))))
    (i32.mul (local.get $s) (i32.const 3)))
  (func (export "ifs") (param $n i32) (result i32) (local $i i32) (local $s i32)
    (loop $l
      (if (i32.and (local.get $i) (i32.const 1))
        (then (local.set $s (i32.add (local.get $s) (local.get $i)))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
        (else (local.set $s (i32.sub (local.get $s) (i32.const 1)))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (if (i32.gt_u (local.get $s) (i32.const 100000)) (then (return (i32.const -1))))
              (br $l))))
    (local.get $s))
  (func (export "once") (param $n i32) (result i32) (local $s i32)
    (loop $l (local.set $s (i32.add (local.get $n) (i32.const 5))))
    (local.get $s))
  (func (export "nested") (param $n i32) (result i32) (local $i i32) (local $j i32) (local $s i32)
    (loop $outer
      (local.set $j (i32.const 0))
      (loop $inner
        (local.set $s (i32.add (local.get $s) (i32.mul (local.get $i) (local.get $j))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br_if $inner (i32.lt_u (local.get $j) (local.get $i))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $outer (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $s)))"#;

/// Calls `name(n)`; with fuel for far more than any of them needs, so that a rewrite that
/// loops for ever fails instead of hanging.
fn run(bytes: &[u8], name: &str, n: i32) -> Result<i32, String> {
    let mut config = wasmtime::Config::new();
    config.consume_fuel(true);
    let engine = Engine::new(&config).map_err(|e| e.to_string())?;
    let module = Module::new(&engine, bytes).map_err(|e| e.to_string())?;
    let mut store = Store::new(&engine, ());
    store.set_fuel(10_000_000).map_err(|e| e.to_string())?;
    let instance = Instance::new(&mut store, &module, &[]).map_err(|e| e.to_string())?;
    let f = instance
        .get_typed_func::<i32, i32>(&mut store, name)
        .map_err(|e| e.to_string())?;
    f.call(&mut store, n).map_err(|e| e.to_string())
}

#[test]
fn unrolled_loops_compute_what_the_originals_do() {
    let original = wat::parse_str(LOOPS).unwrap();
    let unrolled = unroll(&original).expect("loops to unroll");
    assert!(unrolled.len() > original.len());
    for name in ["sum", "break", "table", "ifs", "once", "nested"] {
        for n in 0..60 {
            assert_eq!(
                run(&unrolled, name, n),
                run(&original, name, n),
                "{name}({n})"
            );
        }
    }
}

#[test]
fn only_small_innermost_loops_without_types_are_repeated() {
    let count_loops = |bytes: &[u8]| {
        let mut loops = 0;
        for payload in wasmparser::Parser::new(0).parse_all(bytes) {
            if let Ok(wasmparser::Payload::CodeSectionEntry(body)) = payload {
                let mut r = body.get_operators_reader().unwrap();
                while !r.eof() {
                    if matches!(r.read().unwrap(), Operator::Loop { .. }) {
                        loops += 1;
                    }
                }
            }
        }
        loops
    };
    // No loop: nothing to do.
    assert_eq!(unroll(&wat::parse_str("(module (func))").unwrap()), None);
    // A loop with a result type, and one whose body is too long, are kept as they are.
    let long: String = "(drop (i32.const 1))".repeat(MAX_BODY);
    let kept = format!(
        r#"(module (func (result i32) (loop (result i32) (i32.const 1)))
             (func (loop {long})))"#
    );
    assert_eq!(unroll(&wat::parse_str(&kept).unwrap()), None);
    // In nested loops only the inner one is repeated: one loop instruction stays for each.
    let nested = wat::parse_str(LOOPS).unwrap();
    assert_eq!(count_loops(&nested), count_loops(&unroll(&nested).unwrap()));
}
