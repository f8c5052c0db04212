-- golden: textured triangles from the tiles, the map and the other VRAM bank, with a
-- colour key and with depth
function BOOT()
  for x = 0, 29 do
    for y = 0, 16 do mset(x, y, (x + y) % 2 + 1) end
  end
end

local function quad(x, y, s, u, v, us, src, key)
  ttri(x, y, x + s, y, x, y + s, u, v, u + us, v, u, v + us, src, key)
  ttri(x + s, y, x + s, y + s, x, y + s, u + us, v, u + us, v + us, u, v + us, src, key)
end

function TIC()
  -- the other bank's screen is a texture too; it is cleared again once sampled
  vbank(1)
  cls(0)
  for i = 0, 7 do rect(i * 8, 0, 8, 32, i + 8) end
  vbank(0)
  cls(0)
  quad(4, 4, 32, 8, 0, 16, 0)
  quad(40, 4, 32, 8, 0, 16, 0, 2)
  quad(76, 4, 40, 0, 0, 64, 1)
  quad(120, 4, 40, 0, 0, 64, 2)
  vbank(1)
  cls(0)
  vbank(0)
  -- the deprecated textri: from the tiles with a colour key, then from the map
  textri(166, 4, 202, 4, 166, 40, 8, 0, 16, 0, 8, 8, false, 2)
  textri(236, 4, 236, 40, 204, 40, 0, 0, 0, 24, 24, 24, true)
  -- a floor in perspective (far edge z=4, near edge z=1) over the map, and a
  -- triangle at z=2 that shows only where the floor is farther
  ttri(50, 60, 80, 60, 4, 130, 0, 0, 64, 0, 0, 64, 1, -1, 4, 4, 1)
  ttri(80, 60, 126, 130, 4, 130, 64, 0, 64, 64, 0, 64, 1, -1, 4, 1, 1)
  ttri(20, 62, 110, 62, 65, 120, 8, 0, 16, 0, 8, 8, 0, -1, 2, 2, 2)
  -- the same triangle on an empty part of the screen, at a depth nothing else has
  ttri(140, 62, 230, 62, 185, 120, 8, 0, 16, 0, 8, 8, 0, -1, 0.5, 0.5, 0.5)
end

-- <TILES>
-- 001:2222222223333332234444322345543223455432234444322333333222222222
-- 002:cccccccccbbbbbbccbaaaabccba99abccba99abccbaaaabccbbbbbbccccccccc
-- 003:0000000001111110010000100100001001000010010000100111111000000000
-- </TILES>

-- <PALETTE>
-- 000:1a1c2c5d275db13e53ef7d57ffcd75a7f07038b76425717929366f3b5dc941a6f673eff7f4f4f494b0c2566c86333c57
-- </PALETTE>
