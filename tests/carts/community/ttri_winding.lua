-- community_draw: ttri from the tiles, the map and the other VRAM bank, each triangle in
-- both windings. TIC-80's rasteriser swaps vertices 2 and 3 of a triangle of negative area
-- (counter-clockwise on the screen) and its shader reads the swapped vertices, so every
-- vertex keeps its own texture coordinates either way.
function BOOT()
  -- tiles 0..255 hold a 128x128 picture with colour (x + y) % 15 + 1 at (x, y)
  -- (poke4 addresses nibbles: nibble 0x8000 is byte 0x4000, the tiles)
  for y = 0, 127 do
    for x = 0, 127 do
      poke4(0x8000 + ((y // 8) * 16 + x // 8) * 64 + (y % 8) * 8 + x % 8, (x + y) % 15 + 1)
    end
  end
  for y = 0, 135 do
    for x = 0, 239 do mset(x, y, (x * 3 + y * 5) % 256) end
  end
end

function TIC()
  -- the other bank's screen, to be sampled by texsrc 2, then cleared again
  vbank(1)
  cls(0)
  for i = 0, 15 do rect(i * 8, 0, 8, 64, i) end
  circ(40, 32, 20, 12)
  vbank(0)
  cls(0)
  -- issue 13's repro (negative area): uv = xy copies the sheet exactly
  ttri(20, 40, 100, 40, 90, 10, 20, 40, 100, 40, 90, 10, 0)
  -- the same in the other winding, 100 to the right (uv = (x - 100, y))
  ttri(120, 40, 190, 10, 200, 40, 20, 40, 90, 10, 100, 40, 0)
  -- a rotated, scaled mapping from the tiles: vertices 1 2 3, then 1 3 2
  ttri(4, 50, 60, 58, 20, 92, 0, 0, 64, 8, 8, 64, 0)
  ttri(64, 50, 80, 92, 120, 58, 0, 0, 8, 64, 64, 8, 0)
  -- from the map (texsrc 1, and the boolean form), with colour key 3
  ttri(124, 50, 180, 50, 150, 92, 0, 0, 120, 0, 60, 90, 1, 3)
  ttri(184, 50, 210, 92, 238, 50, 0, 0, 60, 90, 120, 0, true, 3)
  -- from the other bank's screen (texsrc 2), with keys {0, 12}
  ttri(4, 98, 60, 132, 56, 100, 0, 0, 60, 64, 120, 0, 2, {0, 12})
  ttri(64, 98, 116, 100, 120, 132, 0, 0, 120, 0, 60, 64, 2, {0, 12})
  -- two thin slivers, one in each winding
  ttri(130, 100, 230, 100.9, 131, 101, 0, 0, 100, 50, 3, 60, 0)
  ttri(130, 110, 131, 111, 230, 110.9, 0, 0, 3, 60, 100, 50, 0)
  -- tiny triangles: area 0.2 is skipped, area -0.2 is drawn (one pixel, at (140, 120))
  ttri(130, 120.5, 131, 120.4, 131, 120.6, 5, 5, 9, 9, 20, 20, 0)
  ttri(140, 120.5, 141, 120.6, 141, 120.4, 5, 5, 9, 9, 20, 20, 0)
  vbank(1)
  cls(0)
  vbank(0)
end

-- <PALETTE>
-- 000:1a1c2c5d275db13e53ef7d57ffcd75a7f07038b76425717929366f3b5dc941a6f673eff7f4f4f494b0c2566c86333c57
-- </PALETTE>
