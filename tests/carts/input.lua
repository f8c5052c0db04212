-- reports which buttons are held and which were just pressed
function TIC()
  trace(string.format("%d %d", btn(), btnp()))
end
