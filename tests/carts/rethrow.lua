-- A cart that catches an error with its traceback and raises it again, as carts do to
-- log and rethrow (tests/all/cli.rs: the error reads once, with the first traceback).
function explode()
  local t = nil
  return t.x
end
function TIC()
  local ok, e = xpcall(explode, debug.traceback)
  if not ok then error(e, 0) end
end
