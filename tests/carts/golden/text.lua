-- golden: print's options, the small font, font() with sprite glyphs
function TIC()
  cls(0)
  local w = print("Hello, World! 0123456789", 4, 4)
  rect(4, 11, w, 1, 2)
  print("fixed width", 4, 14, 12, true)
  print("scale 2", 4, 22, 4, false, 2)
  print("small font, and fixed", 4, 36, 11, false, 1, true)
  print("small fixed", 4, 44, 11, true, 1, true)
  print("two\nlines", 4, 52, 5)
  print("colour -1 draws nothing", 4, 66, -1)
  print("clipped text at the edge", 200, 70, 6)
  print(12.5, 4, 74, 10)
  print(nil, 40, 74, 10)
  -- font(): glyphs are sprites 256 + code; 'A' and 'B' are drawn there
  font("ABBA", 4, 90, 0, 8, 8)
  font("AB", 4, 100, 0, 8, 8, true, 2)
  print(string.format("%d", print("measured", 0, -20)), 120, 90, 12)
end

-- <SPRITES>
-- 065:0033300003000300030003000333330003000300030003000300030000000000
-- 066:0444400004000400044440000400040004000400044440000000000000000000
-- </SPRITES>

-- <PALETTE>
-- 000:1a1c2c5d275db13e53ef7d57ffcd75a7f07038b76425717929366f3b5dc941a6f673eff7f4f4f494b0c2566c86333c57
-- </PALETTE>
