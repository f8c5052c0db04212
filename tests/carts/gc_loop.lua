-- an endless finalizer: hooks do not run inside __gc
setmetatable({}, { __gc = function() while true do end end })
function TIC()
  collectgarbage()
end
