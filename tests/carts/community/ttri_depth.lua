-- community_draw: ttri with depth (z arguments) in both windings. The z values differ per
-- vertex, so a vertex given another's z would bend the texture and move the depth test.
function BOOT()
  -- tiles 0..127: a checkerboard of colours 4 and 12; tiles 128..255: of colours 2 and 10
  for y = 0, 127 do
    for x = 0, 127 do
      local c = (x // 4 + y // 4) % 2 * 8
      if y < 64 then c = c + 4 else c = c + 2 end
      poke4(0x8000 + ((y // 8) * 16 + x // 8) * 64 + (y % 8) * 8 + x % 8, c)
    end
  end
  -- the map uses tiles 128..255
  for y = 0, 16 do
    for x = 0, 29 do mset(x, y, 128 + (x + y) % 2 * 16 + (x * y) % 7) end
  end
end

function TIC()
  cls(0)
  -- a floor in perspective (far edge z = 4, near edge z = 1): the left quad's triangles
  -- in one winding, the right quad's in the other
  ttri(30, 10, 80, 10, 2, 80, 0, 0, 64, 0, 0, 64, 0, -1, 4, 4, 1)
  ttri(80, 10, 110, 80, 2, 80, 64, 0, 64, 64, 0, 64, 0, -1, 4, 1, 1)
  ttri(150, 10, 122, 80, 200, 10, 0, 0, 0, 64, 64, 0, 0, -1, 4, 1, 4)
  ttri(200, 10, 122, 80, 230, 80, 64, 0, 0, 64, 64, 64, 0, -1, 4, 1, 1)
  -- triangles at z = 2 through both floors: shown only where the floor is farther;
  -- one is drawn in each winding, from the map
  ttri(10, 20, 100, 30, 60, 75, 0, 0, 90, 0, 40, 60, 1, -1, 2, 1.5, 3)
  ttri(130, 20, 180, 75, 220, 30, 0, 0, 40, 60, 90, 0, 1, -1, 2, 3, 1.5)
  -- z below FLT_EPSILON turns depth off (drawn over everything), in both windings
  ttri(10, 90, 60, 90, 30, 130, 0, 0, 50, 0, 20, 40, 0, -1, 1, 0, 1)
  ttri(70, 90, 90, 130, 120, 90, 0, 0, 20, 40, 50, 0, 0, -1, 1, 0, 1)
  -- a NaN z keeps the depth test on, which no pixel then passes: nothing is drawn
  ttri(130, 90, 180, 90, 150, 130, 0, 0, 50, 0, 20, 40, 0, -1, 1, 0 / 0, 1)
  ttri(190, 90, 210, 130, 238, 90, 0, 0, 20, 40, 50, 0, 0, -1, 1, 0 / 0, 1)
end

-- <PALETTE>
-- 000:1a1c2c5d275db13e53ef7d57ffcd75a7f07038b76425717929366f3b5dc941a6f673eff7f4f4f494b0c2566c86333c57
-- </PALETTE>
