-- counts its runs in persistent memory slot 0
local runs = pmem(0) + 1
pmem(0, runs)
function TIC()
  trace("run " .. runs)
  exit()
end
