-- community_draw: the screen offset (0x3FF9/0x3FFA) of both VRAM banks. TIC-80 shows
-- screen pixel (x+ox, y+oy) at (x, y), wrapping: a positive offset moves the picture left
-- and up (TIC-80 #2028). Bank 0 moves by (4, 5) as in issue 13's repro, bank 1 by (-20, -9).
function TIC()
  -- bank 1: a box with a hole (colour 0 shows bank 0), and a bar on the right edge
  vbank(1)
  cls(0)
  rect(60, 50, 50, 30, 12)
  rect(70, 58, 20, 12, 0)
  rect(230, 20, 10, 40, 9)
  poke(0x3FF9, -20)
  poke(0x3FFA, -9)
  -- bank 0: issue 13's red square in the top-left corner, stripes, and a marker on
  -- each edge so that the wrap shows on all four sides
  vbank(0)
  cls(0)
  for i = 0, 15 do rect(i * 15, 20, 15, 96, i) end
  rect(0, 0, 4, 4, 2)
  rect(100, 0, 10, 3, 5)
  rect(100, 133, 10, 3, 6)
  rect(0, 60, 3, 10, 10)
  rect(237, 60, 3, 10, 11)
  poke(0x3FF9, 4)
  poke(0x3FFA, 5)
end

-- <PALETTE>
-- 000:1a1c2c5d275db13e53ef7d57ffcd75a7f07038b76425717929366f3b5dc941a6f673eff7f4f4f494b0c2566c86333c57
-- </PALETTE>
