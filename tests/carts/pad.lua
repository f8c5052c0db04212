-- title: pad test
-- The gamepad test (tests/all/window.rs): the screen shows which of player 1's buttons
-- are held: colour 6 for A, 2 for left, 1 for none.
function TIC()
  if btn(4) then cls(6) elseif btn(2) then cls(2) else cls(1) end
end
