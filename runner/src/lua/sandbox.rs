//! What a cart's Lua may use: TIC-80's environment minus every way out.
//!
//! Opened: base, string, table, math, coroutine, as TIC-80 (which also opens package and
//! debug). Closed: `dofile`, `loadfile`, `require` and `package` (files and modules), `debug`
//! (except `debug.traceback`, which many carts hand to `xpcall` and which only reads), `io`
//! and `os` (not opened by TIC-80 either). `load` accepts text chunks only: binary chunks
//! are the classic way to break the VM's own safety. A cart that reaches for a closed
//! function gets an error saying so, with its line.

/// Run once in every new VM, before the cart, with the original `load` at hand.
pub(super) const PRELUDE: &str = r#"
local error, setmetatable, tostring, load = error, setmetatable, tostring, load
local traceback = ...

local function unavailable(name, why)
  return function()
    error(name .. " is not available in Cartbox: " .. why, 2)
  end
end

local function closed(lib, why, open)
  return setmetatable(open or {}, {
    __index = function(_, key)
      error(lib .. "." .. tostring(key) .. " is not available in Cartbox: " .. why, 2)
    end,
    __newindex = function(_, key)
      error(lib .. "." .. tostring(key) .. " cannot be set: " .. why, 2)
    end,
    __metatable = false,
  })
end

_G.load = function(chunk, chunkname, mode, ...)
  return load(chunk, chunkname, "t", ...)
end
_G.dofile = unavailable("dofile", "carts cannot read files")
_G.loadfile = unavailable("loadfile", "carts cannot read files")
_G.require = unavailable("require", "a cart is a single file and cannot load modules")
_G.package = closed("package", "a cart is a single file and cannot load modules")
_G.debug = closed("debug", "carts cannot inspect or change the VM", { traceback = traceback })
_G.io = nil
_G.os = nil
_G.utf8 = nil
"#;
