-- title:  mouse
-- desc:   for the window tests: the pointer's pixel, a square while the left button
--         is held, a mark while the right one is, a bar the wheel moves
-- script: lua

wy = 0

function TIC()
  local mx, my, l, m, r, sx, sy = mouse()
  wy = wy + sy
  cls(0)
  if l then rect(mx - 1, my - 1, 3, 3, 12) else pix(mx, my, 4) end
  if r then rect(56, 0, 8, 4, 2) end
  rect(100 + wy * 8, 118, 8, 6, 5)
end
