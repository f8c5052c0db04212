-- title:  window
-- desc:   for the window tests: a square that right/left move one step per press,
--         a marker while Q is held, a border in its own colour
-- script: lua

x = 20

function BOOT()
  trace("window cart booted")
end

function TIC()
  if btnp(3) then x = x + 8 end
  if btnp(2) then x = x - 8 end
  poke(0x3FF8, 9)
  cls(1)
  for i = 0, 15 do rect(i * 15, 0, 15, 8, i) end
  print("WINDOW TEST", 60, 40, 12)
  rect(x, 100, 8, 8, 4)
  if key(17) then rect(200, 100, 10, 10, 6) end
end
