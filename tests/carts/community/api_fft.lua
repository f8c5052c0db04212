-- community_api: fft(start [, end]) and ffts(start [, end]), which Byte Jam carts call every
-- frame. With no capture device (TIC-80 opens one only with --fft; a Cartbox runner has no
-- audio input) both return the float 0.0 for any arguments; without an argument they raise.
-- Each line traced names the call and shows the result and its Lua type.
local function show(name, ok, v)
  if ok then
    trace(name .. " -> " .. tostring(v) .. " " .. (math.type(v) or type(v)))
  else
    trace(name .. " error: " .. tostring(v):gsub("\n", "\\n"))
  end
end

-- Called straight from pcall, so that errors carry no chunk name (TIC-80's differ from ours).
local calls = {
  {"fft(0)", fft, 0},
  {"fft(1023)", fft, 1023},
  {"fft(5,10)", fft, 5, 10},
  {"fft(-1,2000)", fft, -1, 2000},
  {"fft(10,5)", fft, 10, 5},
  {"fft(1.5,nil)", fft, 1.5, nil, n = 4},
  {"fft('x',1,2,3)", fft, "x", 1, 2, 3},
  {"fft(0/0)", fft, 0 / 0},
  {"ffts(0)", ffts, 0},
  {"ffts(0,1023)", ffts, 0, 1023},
  {"ffts(-5)", ffts, -5},
  {"fft()", fft},
  {"ffts()", ffts},
}

function TIC()
  trace("frame at " .. time())
  for _, c in ipairs(calls) do
    show(c[1], pcall(c[2], table.unpack(c, 3, c.n or #c)))
  end
  -- a Byte Jam cart's use: bars from the spectrum
  cls(0)
  for i = 0, 29 do
    local h = fft(i * 8, i * 8 + 7) * 100
    rect(i * 8, 136 - h, 7, h, 12)
  end
end

-- <PALETTE>
-- 000:1a1c2c5d275db13e53ef7d57ffcd75a7f07038b76425717929366f3b5dc941a6f673eff7f4f4f494b0c2566c86333c57
-- </PALETTE>
