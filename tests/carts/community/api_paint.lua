-- community_api: paint(x, y, color [, bordercolor]), TIC-80's flood fill (its commit
-- e63ab8d2): 4-connected, span by span, inside the clip rectangle, on the mapped VRAM bank,
-- with colours through the palette map. Without a border it fills the seed's colour; with one
-- it fills everything that is neither the border nor the fill colour.
function TIC()
  cls(0)
  -- 4-connected: outlines drawn with diagonal steps hold the fill in
  circb(30, 30, 22, 12)
  paint(30, 30, 2)
  line(60, 8, 110, 52, 12)
  line(110, 52, 60, 52, 12)
  line(60, 52, 60, 8, 12)
  paint(70, 45, 3)
  -- the seed's colour only: the specks of other colours stay
  rect(120, 8, 50, 44, 5)
  for i = 0, 9 do pix(125 + i * 4, 12 + i * 3, 6 + i % 3) end
  rect(140, 20, 12, 12, 7)
  paint(122, 10, 10)
  -- a border: everything up to colour 4 is filled, specks and all
  rectb(180, 8, 50, 44, 4)
  for i = 0, 9 do pix(184 + i * 4, 12 + i * 3, 6 + i % 3) end
  rect(200, 20, 12, 12, 7)
  paint(190, 30, 9, 4)
  -- the clip rectangle bounds the fill; a seed outside it fills nothing
  rectb(8, 60, 60, 40, 12)
  clip(20, 66, 30, 28)
  paint(38, 80, 11)
  paint(10, 62, 13)
  clip()
  -- the palette map: colour 3 draws 14 and border 4 is looked for as 15
  rectb(80, 60, 40, 40, 15)
  rect(90, 70, 20, 20, 6)
  poke4(0x3FF0 * 2 + 3, 14)
  poke4(0x3FF0 * 2 + 4, 15)
  paint(85, 65, 3, 4)
  poke4(0x3FF0 * 2 + 3, 3)
  poke4(0x3FF0 * 2 + 4, 4)
  -- arguments: floats truncate, colours are bytes (17 is 1, 255 and -1 are "no border"),
  -- seeds off screen or on the fill colour do nothing
  rectb(130, 60, 30, 30, 12)
  paint(140.9, 70.2, 17.6, 255)
  paint(140, 70, 1)
  paint(-1, 70, 2)
  paint(240, 70, 2)
  paint(140, 136, 2)
  rectb(170, 60, 30, 30, 12)
  paint(180, 70, 8, -1)
  -- bank 1: its own screen, its own palette map, the same clip
  vbank(1)
  cls(0)
  circb(60, 118, 14, 10)
  paint(60, 118, 4)
  rectb(210, 100, 28, 34, 2)
  clip(0, 0, 225, 136)
  paint(220, 110, 5, 2)
  clip()
  vbank(0)
end

-- <PALETTE>
-- 000:1a1c2c5d275db13e53ef7d57ffcd75a7f07038b76425717929366f3b5dc941a6f673eff7f4f4f494b0c2566c86333c57
-- </PALETTE>
