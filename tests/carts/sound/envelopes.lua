-- title:   sound: envelopes
-- author:  Cartbox tests
-- desc:    sfx envelopes, loops, speeds
-- license: MIT
-- script:  lua

-- Covers: sfx samples' volume, wave, chord and pitch envelopes; loops with a start and a
-- size on each envelope; speeds -4..3 (the sfx() speed argument, and a sample's own stored
-- speed -4 and 3 used by default); the reverse-chord bit; pitch x16; durations 0, 1, 2, 5,
-- 12 and 30 ticks (a duration of N sounds for N-1 ticks); envelope volume 0 ticks in the
-- middle of a sound; and a sample using every envelope, loop and bit at once.
-- Timeline:
--   f1   ch0 volume decay (sfx 0); ch1 wave envelope looping 4 waves (sfx 2), duration 40
--   f31  ch0 tremolo: volume loop start 2 size 4 (sfx 1)
--   f41  ch1 arpeggio: chord loop start 1 size 3 (sfx 3); ch2 pitch envelope -8..7, then
--        looping -7..7 (loop start 1 size 15) (sfx 4)
--   f61  ch2 the same with pitch x16 (sfx 5); ch3 reverse chord (sfx 6)
--   f81  all stopped; ch0 speed probe (sfx 7) at speeds -4,-3,-2,-1,0,1,2,3, 10 frames each;
--        ch1 durations 1,2,5,12,30,0 (sfx 9); ch2 stored speed -4 (sfx 8)
--   f101 ch3 everything at once (sfx 11)
--   f121 ch2 stored speed 3 with loops (sfx 10)
--   f161 all four channels: gated sample (sfx 12, volume 0 every third tick) at speeds
--        -1, 0, 1, 2 and volumes 15, 11, 7, 3
--   f190 all stopped
-- Frames: 200. No input needed.

local f = 0

local steps = {
  [1] = function() sfx(0, 48, -1, 0, 15) sfx(2, 45, 40, 1, 10) end,
  [31] = function() sfx(1, 52, -1, 0, 15) end,
  [41] = function() sfx(3, 48, -1, 1, 15) sfx(4, 60, -1, 2, 12) end,
  [61] = function() sfx(5, 60, -1, 2, 12) sfx(6, 57, -1, 3, 15) end,
  [81] = function()
    for c = 0, 3 do sfx(-1, 0, -1, c) end
    sfx(9, 60, 1, 1, 15)
    sfx(8, 48, -1, 2, 9)
  end,
  [84] = function() sfx(9, 62, 2, 1, 15) end,
  [88] = function() sfx(9, 64, 5, 1, 15) end,
  [95] = function() sfx(9, 67, 12, 1, 15) end,
  [101] = function() sfx(11, 50, -1, 3, 13) end,
  [110] = function() sfx(9, 72, 30, 1, 15) end,
  [121] = function() sfx(10, 50, -1, 2, 9) end,
  [145] = function() sfx(9, 55, 0, 1, 15) end,
  [161] = function()
    sfx(12, 48, -1, 0, 15, -1) sfx(12, 55, -1, 1, 11, 0)
    sfx(12, 60, -1, 2, 7, 1) sfx(12, 64, -1, 3, 3, 2)
  end,
  [190] = function() for c = 0, 3 do sfx(-1, 0, -1, c) end end,
}

function TIC()
  f = f + 1
  if steps[f] then steps[f]() end
  -- the speed probe: speeds -4..3 in turn on channel 0, 10 frames each
  if f >= 81 and f < 161 and (f - 81) % 10 == 0 then
    sfx(7, 36, -1, 0, 15, (f - 81) // 10 - 4)
  end
  cls(0)
  print("sound: envelopes", 8, 8, 12)
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
-- 000:00000000100010002000200030003000400040005000500060006000700070008000800090009000a000a000b000b000c000c000d000d000e000e000400000000000
-- 001:0200320002005200a200e200020002000200020002000200020002000200020002000200020002000200020002000200020002000200020002000200400000240000
-- 002:200020002100210023002300240024002400240024002400240024002400240024002400240024002400240024002400240024002400240024002400400008000000
-- 003:01c001000140017001700170017001700170017001700170017001700170017001700170017001700170017001700170017001700170017001700170400000001300
-- 004:03080309030a030b030c030d030e030f030003010302030303040305030603070307030703070307030703070307030703070307030703070307030740000000001f
-- 005:03080309030a030b030c030d030e030f0300030103020303030403050306030703070307030703070307030703070307030703070307030703070307c0000000001f
-- 006:01000130017001c001c001c001c001c001c001c001c001c001c001c001c001c001c001c001c001c001c001c001c001c001c001c001c001c001c001c0480000000400
-- 007:050015102520353045405550656075700580159025a035b045c055d065e075f0050015102520353045405550656075700580159025a035b045c055d0400000000000
-- 008:34003420344034503470349034b034c034003420344034503470349034b034c034003420344034503470349034b034c034c034c034c034c034c034c0440000000000
-- 009:100030005050705010003000505070501000300050507050100030005050705010003000505070501000300050507050100030005050705090509050400000000000
-- 010:5100327313cd74c674ca74ca74ca74ca74ca74ca74ca74ca74ca74ca74ca74ca74ca74ca74ca74ca74ca74ca74ca74ca74ca74ca74ca74ca74ca74ca430004220314
-- 011:00002151429263cf443e2537243823382338233823382338233823382338233823382338233823382338233823382338233823382338233823382338bf7226150534
-- 012:01000100f10001c001c0f1c001c001c0f1c001c001c0f1c001c001c0f1c001c001c0f1c001c001c0f1c001c001c0f1c001c001c0f1c001c001c0f1c0400000030600
-- </SFX>

-- <PALETTE>
-- 000:1a1c2c5d275db13e53ef7d57ffcd75a7f07038b76425717929366f3b5dc941a6f673eff7f4f4f494b0c2566c86333c57
-- </PALETTE>

