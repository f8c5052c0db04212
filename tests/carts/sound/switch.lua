-- title:   sound: noise turning into tones
-- author:  Cartbox tests
-- desc:    the first step of a tone right after noise
-- license: MIT
-- script:  lua

-- Covers: a channel that plays noise keeps the noise generator's state as its phase, and
-- TIC-80 reads the first step of the tone that follows at that phase, far past the
-- waveform (through the rest of its snapshot ring). Every channel switches between long
-- noise, short noise and a jagged tone, at frequencies that move every frame, poked
-- straight into the sound registers from TIC, so that many of those first steps land in
-- every part of the ring.
-- Frames: 330. No input needed.

local jag = {0x1f,0x3c,0x5a,0x78,0x96,0xb4,0xd2,0xf0,0x0e,0x2d,0x4b,0x69,0x87,0xa5,0xc3,0xe1}
local f = 0

function TIC()
  f = f + 1
  for c = 0, 3 do
    local r = 0xFF9C + 18 * c
    local k = (f + c * 3) % 7
    local freq
    if k < 1 then
      freq = (1500 + f * 31 + c * 7) % 4096
      for i = 0, 15 do poke(r + 2 + i, 255) end
    elseif k < 4 then
      freq = (97 + f * 53 + c * 211) % 4096
      for i = 0, 15 do poke(r + 2 + i, 0) end
    else
      freq = 110 + (f * 17 + c * 101) % 900
      for i = 0, 15 do poke(r + 2 + i, jag[1 + (i + c) % 16]) end
    end
    poke(r, freq % 256)
    poke(r + 1, (freq // 256) + 16 * (12 + c))
    poke(0x14000 + c, 0x9f - c * 0x10 + c)
  end
end
