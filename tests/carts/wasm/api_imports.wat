;; Imports two functions Cartbox does not provide, as real carts do: WASI's proc_exit (TIC-80's
;; Nim template links it for its panic path) and env.reset (declared by TIC-80's Zig and D
;; templates, not in its import table). It never calls them, so it loads and plays, as in
;; TIC-80: each import gets a stub that would trap if called.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (import "env" "reset" (func $reset))
  (import "env" "memory" (memory 4 4))
  (import "env" "cls" (func $cls (param i32)))
  (import "env" "rectb" (func $rectb (param i32 i32 i32 i32 i32)))
  (import "env" "rect" (func $rect (param i32 i32 i32 i32 i32)))
  (import "env" "trace" (func $trace (param i32 i32)))
  (data (i32.const 0x18000) "panic\00")
  (data (i32.const 0x18010) "frame\00")
  ;; What a panic handler and a restart look like: never reached here.
  (func $panic
    (call $trace (i32.const 0x18000) (i32.const -1))
    (call $proc_exit (i32.const 1)))
  (func $restart (call $reset))
  (func $tic (export "TIC")
    (call $cls (i32.const 1))
    (call $rectb (i32.const 10) (i32.const 10) (i32.const 30) (i32.const 20) (i32.const 12))
    (call $rect (i32.const 11) (i32.const 11) (i32.const 28) (i32.const 18) (i32.const 6))
    (call $trace (i32.const 0x18010) (i32.const -1))))
