-- trace output, time(), and a terminal escape sequence that must not reach the terminal
function TIC()
  trace(string.format("time %.3f", time()))
  if time() > 30 then
    trace("bold \27[1mtext\27[0m")
    exit()
  end
end
