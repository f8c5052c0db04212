;; TIC calls a function that never returns: the soft stop must end it and name it.
(module
  (import "env" "memory" (memory 4 4))
  (func $spin (loop $forever (br $forever)))
  (func (export "TIC") (call $spin)))
