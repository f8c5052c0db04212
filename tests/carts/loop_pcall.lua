-- a cart that tries to survive the soft stop by catching it
function TIC()
  while true do
    pcall(function()
      while true do end
    end)
  end
end
