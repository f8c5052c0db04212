-- title:  cursor
-- desc:   for the window tests: the cart's own mouse cursor, sprite 1 (white, its
--         top-left pixel transparent), drawn by the host where the pointer is
-- script: lua

function TIC()
  cls(0)
  poke(0x3FFB, 1)
end

-- <SPRITES>
-- 001:0ccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc
-- </SPRITES>
