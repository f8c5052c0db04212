-- keeps every string it makes
local keep = {}
function TIC()
  for i = 1, 100000 do
    keep[#keep + 1] = string.rep("x", 1000) .. i
  end
end
