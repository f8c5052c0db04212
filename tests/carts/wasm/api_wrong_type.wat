;; Imports WASI's proc_exit (which would get a stub) and Cartbox's paint with a type that is
;; not its binding's, (i32 i32 i32) -> i32: that is a bug in the cart, refused at load with
;; both types named, stubs or not.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (import "env" "memory" (memory 4 4))
  (import "env" "paint" (func $paint (param i32 i32 i32) (result i32)))
  (func $tic (export "TIC")
    (drop (call $paint (i32.const 0) (i32.const 0) (i32.const 1)))))
