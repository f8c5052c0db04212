-- community_api: paint over ragged regions, where the fill's spans leak round corners and
-- turn back (TIC-80's span order): noise of three colours from a fixed generator, then fills
-- with and without a border, one inside a clip rectangle.
local seed = 2024
local function rnd(n)
  seed = (seed * 1103515245 + 12345) % 2147483648
  return (seed >> 16) % n
end

function TIC()
  cls(0)
  for y = 0, 135 do
    for x = 0, 239 do
      local r = rnd(100)
      if r < 28 then pix(x, y, 1) elseif r < 36 then pix(x, y, 2) end
    end
  end
  -- the colour-0 region round a seed in the middle, as ragged as it gets
  rect(118, 66, 4, 4, 0)
  paint(120, 68, 12)
  -- up to colour 1, inside a clip rectangle: through the 0s, the 2s and the 12s
  clip(160, 10, 70, 70)
  rect(190, 40, 2, 2, 0)
  paint(190, 40, 6, 1)
  -- everything that is not the white region, inside another
  clip(10, 80, 100, 50)
  rect(40, 100, 2, 2, 2)
  paint(40, 100, 4, 12)
  clip()
end

-- <PALETTE>
-- 000:1a1c2c5d275db13e53ef7d57ffcd75a7f07038b76425717929366f3b5dc941a6f673eff7f4f4f494b0c2566c86333c57
-- </PALETTE>
