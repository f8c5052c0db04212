;; Imports WASI's proc_exit, which Cartbox does not provide, and calls it from its panic
;; handler in the second frame: the stub traps there, naming the import, with the call stack.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (import "env" "memory" (memory 4 4))
  (import "env" "cls" (func $cls (param i32)))
  (global $frames (mut i32) (i32.const 0))
  (func $panic (call $proc_exit (i32.const 101)))
  (func $check (param $frame i32)
    (if (i32.eq (local.get $frame) (i32.const 2)) (then (call $panic))))
  (func $tic (export "TIC")
    (global.set $frames (i32.add (global.get $frames) (i32.const 1)))
    (call $cls (i32.const 5))
    (call $check (global.get $frames))))
