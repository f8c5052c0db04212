-- the loop runs inside a coroutine, resumed from TIC
local worker = coroutine.create(function()
  local i = 0
  while true do
    i = i + 1
  end
end)
function TIC()
  coroutine.resume(worker)
  while true do end
end
