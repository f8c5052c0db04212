-- title:   sound: sfx and music from BOOT and the top level
-- author:  Cartbox tests
-- desc:    when sound asked for before the first TIC is first heard
-- license: MIT
-- script:  lua

-- Covers: TIC-80 steps its sequencer at the start of a tick, before the top-level code and
-- BOOT run in the first tick, so an sfx() asked for there is processed at the start of
-- frame 2 and heard from frame 3 (one frame later again, as every register snapshot is).
-- The sfx positions traced in TIC show it: 255 in frame 1, 0 in frame 2.
-- Frames: 30. No input needed.

-- A square wave and a sample at full volume on wave 0, written by the top-level code.
poke(0xFFE4, 0x00)
for i = 8, 15 do poke(0xFFE4 + i, 0xFF) end
for i = 0, 59, 2 do poke(0x100E4 + i, 0x00) end
sfx(0, 60, -1, 1, 9)

function BOOT()
  sfx(0, 48, -1, 0, 15)
end

local f = 0
function TIC()
  f = f + 1
  trace(f .. " " .. peek(0xFF8C) .. " " .. peek(0xFF90))
end
