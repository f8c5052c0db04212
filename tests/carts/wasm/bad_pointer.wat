;; Passes print a pointer far past the end of memory.
(module
  (import "env" "memory" (memory 4 4))
  (import "env" "print" (func $print (param i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (func (export "TIC")
    (drop (call $print (i32.const 0x7ffffff0) (i32.const 0) (i32.const 0) (i32.const 12)
                       (i32.const 0) (i32.const 1) (i32.const 0)))))
