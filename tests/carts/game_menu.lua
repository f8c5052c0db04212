-- title: game menu
-- menu: RED GREEN
-- The game menu test (tests/all/window.rs): MENU(i) paints the screen, and says how far
-- time() and the frame count have gone (the time paused in the menu is not counted).
bg = 1
frames = 0
function MENU(i)
  bg = (i == 0) and 2 or 6
  trace(string.format("MENU %d frames=%d time=%.0f", i, frames, time()))
end
function TIC()
  frames = frames + 1
  cls(bg)
end
