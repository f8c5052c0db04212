;; title:  Bunnymark in Fennel
;; desc:   bunnies flying around the screen, to measure Fennel carts: hold UP for five
;;         more a frame, DOWN for five fewer (the protocol of TIC-80's luamark.lua)
;; input:  gamepad
;; script: fennel

(local screen-width 240)
(local screen-height 136)
(local toolbar-height 6)
(local bunny-width 26)
(local bunny-height 32)

(fn random-float [lower greater]
  (+ lower (* (math.random) (- greater lower))))

(fn new-bunny []
  {:x (math.random 0 (- screen-width bunny-width))
   :y (math.random 0 (- screen-height bunny-height))
   :dx (/ (random-float -100 100) 60)
   :dy (/ (random-float -100 100) 60)})

(fn update [b]
  (set b.x (+ b.x b.dx))
  (set b.y (+ b.y b.dy))
  (when (> (+ b.x bunny-width) screen-width)
    (set b.x (- screen-width bunny-width))
    (set b.dx (- b.dx)))
  (when (< b.x 0)
    (set b.x 0)
    (set b.dx (- b.dx)))
  (when (> (+ b.y bunny-height) screen-height)
    (set b.y (- screen-height bunny-height))
    (set b.dy (- b.dy)))
  (when (< b.y toolbar-height)
    (set b.y toolbar-height)
    (set b.dy (- b.dy))))

(local fps {:value 0 :frames 0 :last 0})

(fn fps-value []
  (if (<= (- (time) fps.last) 1000)
      (set fps.frames (+ fps.frames 1))
      (do
        (set fps.value fps.frames)
        (set fps.frames 0)
        (set fps.last (time))))
  fps.value)

(local bunnies [(new-bunny)])

(fn _G.TIC []
  (when (btn 0)
    (for [_ 1 5] (table.insert bunnies (new-bunny))))
  (when (btn 1)
    (for [_ 1 5]
      (when (< 0 (length bunnies)) (table.remove bunnies))))
  (each [_ b (ipairs bunnies)] (update b))
  (cls 15)
  (each [_ b (ipairs bunnies)]
    (spr 1 b.x b.y 1 1 0 0 4 4))
  (rect 0 0 screen-width toolbar-height 0)
  (print (.. "Bunnies: " (length bunnies)) 1 0 11 false 1 false)
  (print (.. "FPS: " (fps-value)) (/ screen-width 2) 0 11 false 1 false))

;; <TILES>
;; 001:11111100111110dd111110dc111110dc111110dc111110dc111110dd111110dd
;; 002:00011110ddd0110dccd0110dccd0110dccd0110dccd0110dcddd00dddddddddd
;; 003:00001111dddd0111cccd0111cccd0111cccd0111cccd0111dcdd0111dddd0111
;; 004:1111111111111111111111111111111111111111111111111111111111111111
;; 017:111110dd111110dd111110dd111110dd10000ddd1eeeeddd1eeeeedd10000eed
;; 018:d0ddddddd0ddddddddddddddddd0000dddddccddddddccdddddddddddddddddd
;; 019:0ddd01110ddd0111dddd0111dddd0111ddddd000ddddddddddddddddddddd000
;; 020:1111111111111111111111111111111101111111d0111111d011111101111111
;; 033:111110ee111110ee111110ee111110ee111110ee111110ee111110ee111110ee
;; 034:dddcccccddccccccddccccccddccccccddccccccdddcccccdddddddddddddddd
;; 035:dddd0111cddd0111cddd0111cddd0111cddd0111dddd0111dddd0111dddd0111
;; 036:1111111111111111111111111111111111111111111111111111111111111111
;; 049:111110ee111110ee111110ee111110ee111110ee111110ee111110ee11111100
;; 050:dddeeeeeddeeeeeed00000000111111101111111011111110111111111111111
;; 051:eddd0111eedd01110eed011110ee011110ee011110ee011110ee011111001111
;; 052:1111111111111111111111111111111111111111111111111111111111111111
;; </TILES>

;; <PALETTE>
;; 000:1a1c2c5d275db13e53ef7d57ffcd75a7f07038b76425717929366f3b5dc941a6f673eff7f4f4f494b0c2566c86333c57
;; </PALETTE>
