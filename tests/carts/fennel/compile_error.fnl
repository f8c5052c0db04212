;; script: fennel
;; strict: true
(global score 0)
(fn _G.TIC []
  (cls zz)
  (set score (+ score 1)))
