-- title:   sound: noise
-- author:  Cartbox tests
-- desc:    noise waveforms, raw registers
-- license: MIT
-- script:  lua

-- Covers: TIC-80's two noise kinds, a waveform of 16 bytes 0x00 and one of 16 bytes 0xFF,
-- played through sfx() at low and high notes, then direct pokes of the sound registers
-- (0xFF9C + 18*channel: frequency low byte; frequency high nibble + volume << 4; 16 wave
-- bytes) and of the stereo bytes 0x14000..0x14003 (low nibble left, high nibble right) from
-- TIC(), with register frequencies 0, 1 and 4095 and volumes 0..15.
-- Timeline:
--   f1   noise 00 at note 12 (ch0)       f21  noise 00 at note 84 (ch0)
--   f41  noise FF at note 12 (ch1)       f61  noise FF at note 84 (ch1)
--   f81  both kinds on all four channels, notes 48/60/95/0, the stereo bytes poked
--   f101..f180 registers poked every frame (sfx all stopped at f101):
--     ch0 square, ch1 noise 00, ch2 noise FF, ch3 saw; frequencies and volumes below
-- Frames: 180. No input needed.

local f = 0
local N00, NFF = 0, 1
local SQUARE = {0,0,0,0,0,0,0,0,255,255,255,255,255,255,255,255}
local SAW = {}
for i = 0, 15 do SAW[i + 1] = i | (i << 4) end

local function reg(c, freq, vol, bytes, fill)
  local a = 0xFF9C + 18 * c
  poke(a, freq & 0xFF)
  poke(a + 1, (freq >> 8) & 0x0F | (vol & 15) << 4)
  for i = 0, 15 do poke(a + 2 + i, bytes and bytes[i + 1] or fill) end
end

local steps = {
  [1] = function() sfx(N00, 12, -1, 0, 15) end,
  [21] = function() sfx(N00, 84, -1, 0, 15) end,
  [41] = function() sfx(-1, 0, -1, 0) sfx(NFF, 12, -1, 1, 15) end,
  [61] = function() sfx(NFF, 84, -1, 1, 15) end,
  [81] = function()
    sfx(N00, 48, -1, 0, 15) sfx(NFF, 60, -1, 1, 12)
    sfx(N00, 95, -1, 2, 10) sfx(NFF, 0, -1, 3, 15)
  end,
  [101] = function() for c = 0, 3 do sfx(-1, 0, -1, c) end end,
}

local F0 = {0, 1, 55, 440, 1000, 4095, 4000, 2047}
local F1 = {0, 4095, 30, 3000}
local F2 = {4095, 0, 200, 1}
local ST = {0xFF, 0x0F, 0xF0, 0x00, 0x5A, 0xA5, 0x11, 0xEE}

function TIC()
  f = f + 1
  if steps[f] then steps[f]() end
  if f >= 81 and f < 101 then
    -- override the stereo the sfx channels set this tick
    poke(0x14000, 0x0F) poke(0x14001, 0xF0)
    poke(0x14002, 0x7C) poke(0x14003, f % 2 == 0 and 0xFF or 0x30)
  elseif f >= 101 then
    local j = f - 101                 -- 0..79
    reg(0, F0[j // 10 + 1], (j * 3) % 16, SQUARE)
    reg(1, F1[j // 20 + 1], 15 - j % 16, nil, 0x00)
    reg(2, F2[j // 20 + 1], 8 + j % 8, nil, 0xFF)
    reg(3, j < 70 and j * 59 or 4095, j < 40 and 15 or j % 16, SAW)
    poke(0x14000, ST[j // 10 + 1])
    poke(0x14001, ST[(j // 10 + 3) % 8 + 1])
    poke(0x14002, ST[(j // 10 + 5) % 8 + 1])
    poke4(2 * 0x14003, j % 16)        -- left nibble of channel 3; right stays 15
  end
  cls(0)
  print("sound: noise", 8, 8, 12)
  print("frame " .. f, 8, 20, 13)
end

-- <WAVES>
-- 001:ffffffffffffffffffffffffffffffff
-- 002:0000000000000000ffffffffffffffff
-- 003:00112233445566778899aabbccddeeff
-- </WAVES>

-- <SFX>
-- 000:000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000400000000000
-- 001:010001000100010001000100010001000100010001000100010001000100010001000100010001000100010001000100010001000100010001000100400000000000
-- </SFX>

-- <PALETTE>
-- 000:1a1c2c5d275db13e53ef7d57ffcd75a7f07038b76425717929366f3b5dc941a6f673eff7f4f4f494b0c2566c86333c57
-- </PALETTE>

