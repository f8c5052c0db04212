-- Writes one counter into all 256 persistent memory slots, every frame, continuing from
-- what the last run saved. A torn save would show slots that disagree.
local n = pmem(0)
function TIC()
  n = n + 1
  for i = 0, 255 do pmem(i, n) end
end
