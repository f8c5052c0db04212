;; Grows its memory a page at a time until memory.grow says no, then traces how far it got
;; (in pages) and goes on drawing.
(module
  (import "env" "memory" (memory 2))
  (import "env" "trace" (func $trace (param i32 i32)))
  (import "env" "cls" (func $cls (param i32)))
  (data (i32.const 0x18000) "stopped at 00000 pages\00")
  (func $grow (result i32)
    (block $done
      (loop $more
        (br_if $done (i32.eq (memory.grow (i32.const 1)) (i32.const -1)))
        (br $more)))
    (memory.size))
  (func $put_digits (param $n i32)
    (local $p i32)
    (local.set $p (i32.const 0x1800f))
    (loop $next
      (i32.store8 (local.get $p)
        (i32.add (i32.const 48) (i32.rem_u (local.get $n) (i32.const 10))))
      (local.set $n (i32.div_u (local.get $n) (i32.const 10)))
      (local.set $p (i32.sub (local.get $p) (i32.const 1)))
      (br_if $next (i32.ge_u (local.get $p) (i32.const 0x1800b)))))
  (func (export "BOOT")
    (call $put_digits (call $grow))
    (call $trace (i32.const 0x18000) (i32.const 12)))
  (func (export "TIC") (call $cls (i32.const 2))))
