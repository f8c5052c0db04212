;; Unbounded recursion: a trap, not a crash.
(module
  (import "env" "memory" (memory 4 4))
  (func $down (param i32) (result i32)
    (i32.add (call $down (i32.add (local.get 0) (i32.const 1))) (i32.const 1)))
  (func (export "TIC") (drop (call $down (i32.const 0)))))
