-- the top-level code never finishes
local t = {}
repeat t[1] = 1 until false
function TIC() end
