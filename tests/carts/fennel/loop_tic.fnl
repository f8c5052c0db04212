;; script: fennel
(fn _G.TIC []
  (while true (cls 1)))
