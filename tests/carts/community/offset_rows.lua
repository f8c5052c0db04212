-- community_draw: screen offsets changed per row from BDR and SCN, as the per-scanline
-- scrollers of community carts do. Bank 0 sways by a row-dependent x offset set in BDR;
-- bank 1 gets its offset from SCN (rows 0..135), and BDR of the top border rows moves
-- bank 0 up by one row for the first screen row only.
function TIC()
  vbank(1)
  cls(0)
  for i = 0, 7 do rect(20 + i * 25, 30, 12, 80, 8 + i) end
  vbank(0)
  cls(0)
  for y = 0, 135, 8 do rect(0, y, 240, 4, 1 + (y // 8) % 15) end
  for x = 0, 239, 30 do rect(x, 0, 6, 136, 12) end
end

function BDR(row)
  local v = vbank(0)
  poke(0x3FF9, (row * 7) % 23 - 11)
  if row < 4 then poke(0x3FFA, 1) else poke(0x3FFA, -(row // 20)) end
  vbank(v)
end

function SCN(row)
  vbank(1)
  poke(0x3FF9, -((row * 3) % 40))
  poke(0x3FFA, row % 3)
  vbank(0)
end

-- <PALETTE>
-- 000:1a1c2c5d275db13e53ef7d57ffcd75a7f07038b76425717929366f3b5dc941a6f673eff7f4f4f494b0c2566c86333c57
-- </PALETTE>
