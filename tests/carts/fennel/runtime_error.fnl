;; script: fennel
(fn boom [t]
  (. t.missing :x))
(fn _G.TIC []
  (boom {}))
