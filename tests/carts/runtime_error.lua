-- a cart whose TIC fails on its fourth line
function TIC()
  cls(0)
  local player = nil
  print(player.name)
end
