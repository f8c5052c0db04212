-- golden: what TIC-80 reads from RAM at blit time: a palette swap, a raster effect in BDR
-- (border and palette per row), VRAM bank 1 over bank 0, and the screen offset
function TIC()
  cls(0)
  for i = 0, 15 do rect(i * 15, 0, 15, 136, i) end
  -- bank 1: a box with a transparent (colour 0) hole, over the stripes
  vbank(1)
  cls(0)
  rect(40, 40, 80, 50, 12)
  rect(60, 55, 40, 20, 0)
  vbank(0)
  -- colour 1 becomes pure red for the whole frame
  poke(0x3FC0 + 3, 255)
  poke(0x3FC0 + 4, 0)
  poke(0x3FC0 + 5, 0)
  -- the picture moves 4 right and 2 down, wrapping
  poke(0x3FF9, 4)
  poke(0x3FFA, 2)
end

-- a raster: the border steps through the colours, and colour 2 fades row by row
function BDR(row)
  poke(0x3FF8, row // 9)
  poke(0x3FC0 + 6, row)
  poke(0x3FC0 + 7, 255 - row)
end

-- <PALETTE>
-- 000:1a1c2c5d275db13e53ef7d57ffcd75a7f07038b76425717929366f3b5dc941a6f673eff7f4f4f494b0c2566c86333c57
-- </PALETTE>
