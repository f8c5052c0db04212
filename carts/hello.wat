;; hello.wat: the first cart again (carts/hello.lua), in WebAssembly text.
;;
;; Play it with `cartbox run carts/hello.wat`. Cartbox compiles the text itself, inside the
;; cart's runner; carts/hello.wasmp beside it carries the metadata and the palette, as
;; TIC-80's .wasmp projects do. Imports are TIC-80's (module "env"); the first 96 KiB of
;; memory are the console RAM, so this cart keeps its own data from 0x18000 up.
(module
  (import "env" "memory" (memory 4 4))
  (import "env" "btn" (func $btn (param i32) (result i32)))
  (import "env" "cls" (func $cls (param i32)))
  (import "env" "rect" (func $rect (param i32 i32 i32 i32 i32)))
  (import "env" "rectb" (func $rectb (param i32 i32 i32 i32 i32)))
  (import "env" "line" (func $line (param f32 f32 f32 f32 i32)))
  (import "env" "circ" (func $circ (param i32 i32 i32 i32)))
  (import "env" "circb" (func $circb (param i32 i32 i32 i32)))
  (import "env" "print" (func $print (param i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (import "env" "time" (func $time (result f32)))
  (import "env" "trace" (func $trace (param i32 i32)))

  (global $x (mut i32) (i32.const 120))
  (global $y (mut i32) (i32.const 68))
  (global $dx (mut i32) (i32.const 1))
  (global $dy (mut i32) (i32.const 1))

  (data (i32.const 0x18000) "HELLO CARTBOX\00")
  (data (i32.const 0x18010) "hello from BOOT\00")
  (data (i32.const 0x18020) "t=")

  (func (export "BOOT")
    (call $trace (i32.const 0x18010) (i32.const -1)))

  ;; Writes "t=<n>ms" at 0x18020 and returns its address.
  (func $time_text (param $n i32) (result i32)
    (local $m i32) (local $p i32)
    ;; the end of the digits: one per power of ten
    (local.set $m (local.get $n))
    (local.set $p (i32.const 0x18023))
    (block $done
      (loop $count
        (br_if $done (i32.lt_u (local.get $m) (i32.const 10)))
        (local.set $m (i32.div_u (local.get $m) (i32.const 10)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $count)))
    (i32.store8 (local.get $p) (i32.const 109))          ;; m
    (i32.store8 offset=1 (local.get $p) (i32.const 115)) ;; s
    (i32.store8 offset=2 (local.get $p) (i32.const 0))
    ;; digits from the right
    (loop $write
      (local.set $p (i32.sub (local.get $p) (i32.const 1)))
      (i32.store8 (local.get $p)
        (i32.add (i32.const 48) (i32.rem_u (local.get $n) (i32.const 10))))
      (local.set $n (i32.div_u (local.get $n) (i32.const 10)))
      (br_if $write (i32.gt_u (local.get $p) (i32.const 0x18022))))
    (i32.const 0x18020))

  (func (export "TIC")
    (local $w i32)
    (if (call $btn (i32.const 0))
      (then (global.set $y (i32.sub (global.get $y) (i32.const 1)))))
    (if (call $btn (i32.const 1))
      (then (global.set $y (i32.add (global.get $y) (i32.const 1)))))
    (if (call $btn (i32.const 2))
      (then (global.set $x (i32.sub (global.get $x) (i32.const 1)))))
    (if (call $btn (i32.const 3))
      (then (global.set $x (i32.add (global.get $x) (i32.const 1)))))
    (global.set $x (i32.add (global.get $x) (global.get $dx)))
    (global.set $y (i32.add (global.get $y) (global.get $dy)))
    (if (i32.or (i32.lt_s (global.get $x) (i32.const 8))
                (i32.gt_s (global.get $x) (i32.const 231)))
      (then (global.set $dx (i32.sub (i32.const 0) (global.get $dx)))))
    (if (i32.or (i32.lt_s (global.get $y) (i32.const 20))
                (i32.gt_s (global.get $y) (i32.const 127)))
      (then (global.set $dy (i32.sub (i32.const 0) (global.get $dy)))))

    (call $cls (i32.const 0))
    (call $rect (i32.const 0) (i32.const 0) (i32.const 240) (i32.const 14) (i32.const 1))
    ;; print off screen to measure, then centred
    (local.set $w
      (call $print (i32.const 0x18000) (i32.const 0) (i32.const -10)
                   (i32.const 15) (i32.const 0) (i32.const 1) (i32.const 0)))
    (drop
      (call $print (i32.const 0x18000)
                   (i32.div_s (i32.sub (i32.const 240) (local.get $w)) (i32.const 2))
                   (i32.const 4) (i32.const 12) (i32.const 0) (i32.const 1) (i32.const 0)))
    (call $rectb (i32.const 2) (i32.const 16) (i32.const 236) (i32.const 118) (i32.const 13))
    (call $line (f32.const 2) (f32.const 16) (f32.const 237) (f32.const 133) (i32.const 14))
    (call $circ (global.get $x) (global.get $y) (i32.const 6) (i32.const 3))
    (call $circb (global.get $x) (global.get $y) (i32.const 8) (i32.const 4))
    (drop
      (call $print (call $time_text (i32.trunc_sat_f32_u (f32.nearest (call $time))))
                   (i32.const 6) (i32.const 124) (i32.const 15) (i32.const 0) (i32.const 1)
                   (i32.const 1)))))
