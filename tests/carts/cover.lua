-- title: cover test
-- The cover tests (tests/all/sharing.rs): every 10 frames the screen takes the next of
-- eight colours, so the frame a cover was taken at shows.
t = 0
function TIC()
  cls(1 + (t // 10) % 8)
  print("FRAME " .. t, 10, 10, 12)
  t = t + 1
end
