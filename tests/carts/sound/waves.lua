-- title:   sound: waves
-- author:  Cartbox tests
-- desc:    waveforms, pitches, stereo
-- license: MIT
-- script:  lua

-- Covers: each waveform (square, saw, triangle, sine-like, a custom jagged one, a 25% pulse)
-- at several pitches, from note 0 (16 Hz) to note 95, and chord offsets pushing the note
-- past 95 (clamped to 103, register frequency wrapping past 4095 Hz), through sfx() on all
-- four channels, with sfx() volumes 1..15 and a volume table ({15,2}: TIC-80 1.1 stores 3
-- and 3), and the samples' stereo-left / stereo-right mute bits so left and right differ.
-- Timeline (f = frame, 1-based; sound starts one tick after the call):
--   f1   square A-3 alone on ch0          f17  saw A-4 alone on ch1
--   f33  triangle A-2 alone on ch2        f49  sine A-5 alone on ch3
--   f65  jagged C-5 alone on ch0          f81  very low notes (0,1,5,0) on ch0-3
--   f97  very high notes (95,93,90,84)    f113 chords past 95 (notes 95, 90, 88 + offsets)
--   f129 left/right mutes, volumes        f145 envelope volume 9, volumes 7/13/1, table
--   f161 a chord on all four channels     f175 all stopped (silence to the end)
-- Frames: 180. No input needed.

local f = 0
local SQ, SAW, TRI, SIN, JAG, PUL = 0, 1, 2, 3, 4, 5
local ARP, ARP2, HIGH = 8, 12, 13
local MUTEL, MUTER, SOFT = 9, 10, 11

local function stopall()
  for c = 0, 3 do sfx(-1, 0, -1, c) end
end

local steps = {
  [1] = function() sfx(SQ, 45, -1, 0, 15) end,
  [17] = function() stopall() sfx(SAW, 57, -1, 1, 15) end,
  [33] = function() stopall() sfx(TRI, 33, -1, 2, 15) end,
  [49] = function() stopall() sfx(SIN, 69, -1, 3, 15) end,
  [65] = function() stopall() sfx(JAG, 60, -1, 0, 15) end,
  [81] = function()
    sfx(SQ, 0, -1, 0, 15) sfx(SAW, 1, -1, 1, 12)
    sfx(TRI, 5, -1, 2, 9) sfx(JAG, 0, -1, 3, 6)
  end,
  [97] = function()
    sfx(SQ, 95, -1, 0, 15) sfx(SAW, 93, -1, 1, 5)
    sfx(TRI, 90, -1, 2, 10) sfx(SIN, 84, -1, 3, 2)
  end,
  [113] = function()
    sfx(ARP, 95, -1, 0, 15) sfx(ARP, 90, -1, 1, 8)
    sfx(HIGH, 88, -1, 2, 12) sfx(ARP2, 94, -1, 3, 10)
  end,
  [129] = function()
    sfx(MUTEL, 48, -1, 0, 15) sfx(MUTER, 55, -1, 1, 15)
    sfx(SAW, 60, -1, 2, 4) sfx(SIN, 72, -1, 3, 11)
  end,
  [145] = function()
    sfx(SOFT, 36, -1, 0, 15) sfx(PUL, 64, -1, 1, 7)
    sfx(JAG, 79, -1, 2, 13) sfx(SQ, 12, -1, 3, {15, 2})
  end,
  [161] = function()
    sfx(TRI, 48, -1, 0, 15) sfx(MUTEL, 52, -1, 1, 9)
    sfx(MUTER, 55, -1, 2, 9) sfx(SIN, 60, -1, 3, 14)
  end,
  [175] = stopall,
}

function TIC()
  f = f + 1
  if steps[f] then steps[f]() end
  cls(0)
  print("sound: waves", 8, 8, 12)
  print("frame " .. f, 8, 20, 13)
end

-- <WAVES>
-- 000:0000000000000000ffffffffffffffff
-- 001:00112233445566778899aabbccddeeff
-- 002:0123456789abcdeffedcba9876543210
-- 003:89acdeefffeedca98653211000112356
-- 004:f0c396e1782d5a0f4b1e873c69f0a5d2
-- 005:ffffffff000000000000000000000000
-- </WAVES>

-- <SFX>
-- 000:000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000400000000000
-- 001:010001000100010001000100010001000100010001000100010001000100010001000100010001000100010001000100010001000100010001000100400000000000
-- 002:020002000200020002000200020002000200020002000200020002000200020002000200020002000200020002000200020002000200020002000200400000000000
-- 003:030003000300030003000300030003000300030003000300030003000300030003000300030003000300030003000300030003000300030003000300400000000000
-- 004:040004000400040004000400040004000400040004000400040004000400040004000400040004000400040004000400040004000400040004000400400000000000
-- 005:050005000500050005000500050005000500050005000500050005000500050005000500050005000500050005000500050005000500050005000500400000000000
-- 008:01000140017001c001f001f001f001f001f001f001f001f001f001f001f001f001f001f001f001f001f001f001f001f001f001f001f001f001f001f0400000000500
-- 009:000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000400100000000
-- 010:020002000200020002000200020002000200020002000200020002000200020002000200020002000200020002000200020002000200020002000200400200000000
-- 011:630063006300630063006300630063006300630063006300630063006300630063006300630063006300630063006300630063006300630063006300400000000000
-- 012:0520059005f0055005500550055005500550055005500550055005500550055005500550055005500550055005500550055005500550055005500550400000000400
-- 013:04f004f004f004f004f004f004f004f004f004f004f004f004f004f004f004f004f004f004f004f004f004f004f004f004f004f004f004f004f004f0400000000000
-- </SFX>

-- <PALETTE>
-- 000:1a1c2c5d275db13e53ef7d57ffcd75a7f07038b76425717929366f3b5dc941a6f673eff7f4f4f494b0c2566c86333c57
-- </PALETTE>

