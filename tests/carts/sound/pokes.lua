-- title:   sound: pokes
-- author:  Cartbox tests
-- desc:    raw register bytes every frame
-- license: MIT
-- script:  lua

-- Covers: the synthesis of any register content: TIC() writes raw sound-register bytes
-- every frame. Register 0 gets all 18 bytes 0xFF (frequency 4095, volume 15, an all-0xFF
-- waveform: noise) until f150; registers 1..3 get bytes from a fixed-seed LCG written here
-- (not math.random, which differs between Lua builds).
-- Timeline:
--   f1..f60    register 0 all 0xFF; registers 1..3 new random bytes every frame
--   f61..f120  the same, and the stereo bytes 0x14000..0x14003 random too
--   f121..f150 registers 1..3 random, new bytes only every 6 frames (steady tones);
--              the stereo bytes random every frame
--   f151..f180 sfx 0 (called at f151) plays on ch2 and ch3 and only some bytes are poked
--              over it: ch2's volume nibble, ch3's waveform bytes; register 0 is left
--              zero except its volume nibble (frequency 0, volume 15, an all-zero
--              waveform: noise at frequency 0); register 1 random
-- Frames: 180. No input needed.

local f = 0
local seed = 20240611

local function rnd()            -- a byte from a 31-bit LCG (integer arithmetic only)
  seed = (seed * 1103515245 + 12345) & 0x7FFFFFFF
  return (seed >> 16) & 0xFF
end

local held = {}

local function randreg(c)
  local a = 0xFF9C + 18 * c
  for i = 0, 17 do poke(a + i, rnd()) end
end

function TIC()
  f = f + 1
  if f <= 150 then
    for i = 0, 17 do poke(0xFF9C + i, 0xFF) end
  end
  if f <= 120 then
    for c = 1, 3 do randreg(c) end
    if f > 60 then
      for c = 0, 3 do poke(0x14000 + c, rnd()) end
    end
  elseif f <= 150 then
    if (f - 121) % 6 == 0 then
      for i = 0, 53 do held[i] = rnd() end
    end
    for i = 0, 53 do poke(0xFFAE + i, held[i]) end
    for c = 0, 3 do poke(0x14000 + c, rnd()) end
  else
    if f == 151 then sfx(0, 45, -1, 2, 15) sfx(0, 64, -1, 3, 12) end
    poke(0xFF9D, 0xF0)                      -- register 0: frequency 0, volume 15
    randreg(1)
    local a2 = 0xFF9C + 36
    poke(a2 + 1, (peek(a2 + 1) & 0x0F) | (rnd() & 0xF0))
    local a3 = 0xFF9C + 54
    for i = 2, 17 do poke(a3 + i, rnd()) end
  end
  cls(0)
  print("sound: pokes", 8, 8, 12)
  print("frame " .. f, 8, 20, 13)
end

-- <WAVES>
-- 000:0000000000000000ffffffffffffffff
-- 001:00112233445566778899aabbccddeeff
-- </WAVES>

-- <SFX>
-- 000:200021002100210021002100210021002100210021002100210021002100210021002100210021002100210021002100210021002100210021002100400002000000
-- </SFX>

-- <PALETTE>
-- 000:1a1c2c5d275db13e53ef7d57ffcd75a7f07038b76425717929366f3b5dc941a6f673eff7f4f4f494b0c2566c86333c57
-- </PALETTE>

