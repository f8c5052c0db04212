-- title:  MoonScript language trace
-- script: moon

-- What MoonScript's statements and expressions evaluate to, traced one line each: the
-- same cart run on TIC-80 (tests/golden/moon/lang_trace.txt) and on Cartbox must trace
-- the same lines.

show = (label, ...) ->
  n = select "#", ...
  parts = [tostring (select i, ...) for i = 1, n]
  trace label .. ": " .. table.concat parts, " "

-- literals and operators
show "literals", 1, 1.5, 0x10, .5, "a\tb", 'single', [[long]], nil, true, false
show "arith", 1 + 2 * 3, 7 / 2, 7 // 2, -7 % 3, 2 ^ 3, -2 ^ 2, 10 - 2 - 3
show "compare", 1 < 2, 1 == 1.0, 1 != 2, 1 ~= 1, not nil, 3 >= 3
show "logic", (1 and 2), (nil or 3), (false or nil), 1 and nil
show "concat", "a" .. 1 .. "b", #"abcd", #{1, 2, 3}
name = "moon"
show "interp", "hi #{name}!", "#{1 + 2} and #{name\upper!}", 'no #{interp}'

-- assignment and scope
x = 1
a, b = 2, 3
a, b = b, a
f = ->
  x = 10
  y = 20
  y
show "scope", x, a, b, f!, x, y
x += 5
x -= 1
x *= 2
x /= 5
s = "a"
s ..= "b"
o = nil
o or= "default"
show "update", x, s, o
local z
g = -> z = 7
g!
show "local", z
export gl = 99
show "export", gl, _G.gl

-- functions
add = (p, q=10) -> p + q
varargs = (...) -> select "#", ...
multi = -> 1, 2, 3
implicit = (v) ->
  if v > 0
    "pos"
  elseif v < 0
    "neg"
  else
    "zero"
show "functions", add(1), add(1, 2), (add 3, 4), varargs(1, nil, 3), multi!
show "implicit", implicit(1), implicit(-1), implicit(0)
counter = do
  count = 0
  -> count += 1
counter!
show "closure", counter!, counter!
t = {v: 5}
t.get = => @v
t.set = (@v) =>
t\set 8
show "methods", t\get!, t.get(t), "abc"\upper!, ("x")\rep 3

-- tables
tbl = {1, 2, 3, key: "k", "string key": 4, [10]: "ten"}
show "tables", #tbl, tbl.key, tbl["string key"], tbl[10]
multi_line = {
  1
  2
  three: 3
}
show "multiline", #multi_line, multi_line.three
short = {:name}
show "shorthand", short.name
{first, second, key: kv} = {"f", "s", key: "kv"}
show "destructure", first, second, kv

-- control flow
out = {}
for i = 1, 3
  table.insert out, i
for i = 10, 1, -4
  table.insert out, i
for k, v in ipairs {"a", "b"}
  table.insert out, v
for item in *{"x", "y"}
  table.insert out, item
i = 0
while i < 3
  i += 1
for j = 1, 5
  continue if j % 2 == 0
  table.insert out, "j#{j}"
show "loops", table.concat(out, ","), i
show "decorated", table.concat([v for v in *{1, 2, 3} when v > 1], ",")
squares = {k, k * k for k in *{2, 3}}
show "table comp", squares[2], squares[3]
unless false
  show "unless", "ran"
v = if nil then "a" elseif false then "b" else "c"
show "if value", v
choose = (n) ->
  switch n
    when 1, 2
      "small"
    when 3
      "three"
    else
      "big"
show "switch", choose(1), choose(3), choose(9)

-- classes
class Animal
  @count: 0
  new: (@name) =>
    @@count += 1
  speak: => "#{@name} makes a sound"
  kind: "animal"

class Dog extends Animal
  new: (name) =>
    super name
    @tricks = 0
  speak: => super! .. " (woof)"

pet = Animal "cat"
dog = Dog "rex"
show "classes", pet\speak!, dog\speak!, dog.kind, Animal.count, Dog.count, dog.__class.__name
show "instance", dog.tricks, pet.__class == Animal, Dog.__parent == Animal

import insert, concat from table
parts = {}
insert parts, "i"
insert parts, "j"
show "import", concat parts, "+"

-- tables without braces, statements over several lines
player =
  x: 10
  stats:
    hp: 3
    name: "p"
inline = a: 1, b: 2
show "implicit", player.x, player.stats.hp, player.stats.name, inline.a, inline.b
total = 1 +
  2 +
  3
show "continued", total, string.format "%d-%d",
  4, 5
returns_table = ->
  return a: 1
show "return table", returns_table!.a

-- with, switch as a value
class Box
  new: => @items = {}
  add: (v) => table.insert @items, v
boxed = with Box!
  \add 1
  \add 2
  .label = "b"
show "with value", #boxed.items, boxed.label
wt = {}
with wt
  .x = 10
  .y = .x * 2
show "with statement", wt.x, wt.y
kind = (n) ->
  r = switch n
    when 1 then "one"
    when 2, 3 then "few"
    else "many"
  r
show "switch value", kind(1), kind(3), kind(7)
make = ->
  with {}
    .z = 5
show "with return", make!.z

export TIC = ->
  cls 0
