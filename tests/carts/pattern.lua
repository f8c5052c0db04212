-- stuck inside a C function (the pattern matcher), where no VM hook runs
function TIC()
  local s = string.rep("a", 40)
  string.find(s, string.rep("a*", 40) .. "b")
end
