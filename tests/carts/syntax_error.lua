-- a cart that does not compile
function TIC()
  x = = 1
end
