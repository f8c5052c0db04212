-- community_draw: the deprecated textri, in both windings, from the tiles and the map.
-- It is TIC-80's old span rasteriser (no vertex swap), shared with nothing in ttri.
function BOOT()
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
  cls(0)
  textri(20, 40, 100, 40, 90, 10, 20, 40, 100, 40, 90, 10)
  textri(120, 40, 190, 10, 200, 40, 20, 40, 90, 10, 100, 40)
  textri(4, 50, 60, 58, 20, 92, 0, 0, 64, 8, 8, 64, false, 5)
  textri(64, 50, 80, 92, 120, 58, 0, 0, 8, 64, 64, 8, false, 5)
  textri(124, 50, 180, 50, 150, 92, 0, 0, 120, 0, 60, 90, true)
  textri(184, 50, 210, 92, 238, 50, 0, 0, 60, 90, 120, 0, true)
end

-- <PALETTE>
-- 000:1a1c2c5d275db13e53ef7d57ffcd75a7f07038b76425717929366f3b5dc941a6f673eff7f4f4f494b0c2566c86333c57
-- </PALETTE>
