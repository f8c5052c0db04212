-- golden: every shape primitive and its options
function TIC()
  cls(1)
  -- pix: the 16 colours
  for i = 0, 15 do pix(4 + i * 2, 3, i) end
  -- line: both directions, float coordinates, vertical
  line(4, 8, 60, 30, 12)
  line(60, 8, 4, 30, 4)
  line(10.5, 34, 50.5, 36.7, 6)
  line(30, 10, 30, 30, 11)
  -- rect, rectb, and their edge cases (zero width draws two columns; 1x1)
  rect(70, 4, 20, 12, 2)
  rectb(94, 4, 20, 12, 3)
  rectb(120, 4, 0, 8, 4)
  rect(126, 4, 1, 1, 5)
  rect(130, 4, -5, 5, 6)
  -- circles and ellipses, radius 0 and 1
  circ(80, 30, 8, 5)
  circb(100, 30, 8, 6)
  elli(125, 30, 12, 5, 7)
  ellib(152, 30, 12, 5, 8)
  circ(170, 30, 0, 9)
  circb(180, 30, 1, 10)
  ellib(190, 30, 0, 4, 11)
  -- triangles: filled, outline, a sliver
  tri(4, 50, 30, 44, 20, 70, 10)
  trib(40, 44, 70, 50, 50, 72, 11)
  tri(80, 70, 110, 44, 120, 70, 12)
  tri(125, 44, 126, 70, 125.4, 70, 2)
  -- clip: cls and a circle inside a window
  clip(130, 44, 40, 20)
  cls(13)
  circ(150, 54, 15, 14)
  clip()
  -- the palette map: colour 2 drawn as 9
  poke4(0x3FF0 * 2 + 2, 9)
  rect(180, 44, 20, 20, 2)
  poke4(0x3FF0 * 2 + 2, 2)
  -- shapes off the edges
  circ(0, 136, 20, 3)
  rect(230, 120, 40, 40, 4)
  line(-50, 80, 300, 90, 15)
end
