-- title:  hello
-- author: Cartbox
-- desc:   the first cart: text, shapes and a bouncing ball
-- script: lua

x, y, dx, dy = 120, 68, 1, 1

function BOOT()
  trace("hello from BOOT")
end

function TIC()
  if btn(0) then y = y - 1 end
  if btn(1) then y = y + 1 end
  if btn(2) then x = x - 1 end
  if btn(3) then x = x + 1 end
  x, y = x + dx, y + dy
  if x < 8 or x > 231 then dx = -dx end
  if y < 20 or y > 127 then dy = -dy end

  cls(0)
  rect(0, 0, 240, 14, 1)
  local w = print("HELLO CARTBOX", 0, -10)
  print("HELLO CARTBOX", (240 - w) // 2, 4, 12)
  rectb(2, 16, 236, 118, 13)
  line(2, 16, 237, 133, 14)
  circ(x, y, 6, 3)
  circb(x, y, 8, 4)
  print(string.format("t=%.0fms", time()), 6, 124, 15, false, 1, true)
end

-- <PALETTE>
-- 000:1a1c2c5d275db13e53ef7d57ffcd75a7f07038b76425717929366f3b5dc941a6f673eff7f4f4f494b0c2566c86333c57
-- </PALETTE>
