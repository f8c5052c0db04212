-- golden: spr (flip, rotate, scale, colour keys, composites), map with remap, blit segments
function BOOT()
  for x = 0, 9 do
    mset(x, 0, 1 + x % 3)
    mset(x, 1, 3 - x % 3)
  end
end

function TIC()
  cls(0)
  -- every flip and rotation of one tile
  for r = 0, 3 do
    for f = 0, 3 do spr(1, 4 + f * 10, 4 + r * 10, -1, 1, f, r) end
  end
  -- scale 2 and 3, colour key 0, a key table, -1 (no key)
  spr(1, 50, 4, 0, 2)
  spr(1, 70, 4, {0, 12}, 3)
  spr(1, 100, 4, -1, 2, 1, 1)
  -- a 2x2 composite, flipped and rotated
  spr(2, 130, 4, -1, 1, 0, 0, 2, 2)
  spr(2, 150, 4, -1, 1, 1, 0, 2, 2)
  spr(2, 170, 4, -1, 1, 2, 1, 2, 2)
  spr(2, 190, 4, -1, 2, 3, 3, 2, 2)
  -- the map, plain and remapped (tile 3 becomes tile 1 turned)
  map(0, 0, 10, 2, 4, 50)
  map(0, 0, 10, 2, 4, 70, -1, 1, function(t, x, y)
    if t == 3 then return 1, x % 4, 1 end
    return t
  end)
  map(0, 0, 5, 2, 90, 50, 0, 2)
  -- other blit segments: 2 bits per pixel, then 1, then the sprite bank
  poke(0x3FFC, 4)
  spr(1, 4, 100)
  spr(3, 14, 100)
  poke(0x3FFC, 8)
  spr(5, 30, 100)
  spr(6, 40, 100)
  poke(0x3FFC, 3)
  spr(1, 60, 100, 0, 2)
  poke(0x3FFC, 2)
  -- sprite ids past 255 reach the sprite sheet
  spr(257, 90, 100, 0, 2)
end

-- <TILES>
-- 001:cccccc00c3333c00c3000000cccc0000c3330000c3000000c3000000c0000000
-- 002:1212121221212121121212122121212112121212212121211212121221212121
-- 003:5555555550000005504440055040400550444005500000055000000555555555
-- 018:6666666666000066660ff066660ff06666000066666666666666666666666666
-- 019:7000000007000000007000000007000000007000000007000000007000000007
-- </TILES>

-- <SPRITES>
-- 001:0000000000eeee000e9999e00e9999e00e9999e00e9999e000eeee0000000000
-- </SPRITES>

-- <PALETTE>
-- 000:1a1c2c5d275db13e53ef7d57ffcd75a7f07038b76425717929366f3b5dc941a6f673eff7f4f4f494b0c2566c86333c57
-- </PALETTE>
