;; Asks for 4 GiB of memory up front.
(module
  (import "env" "memory" (memory 65536))
  (func (export "TIC")))
