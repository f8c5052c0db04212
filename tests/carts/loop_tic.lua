-- TIC never returns
function TIC()
  while true do end
end
