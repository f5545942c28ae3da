-- Deterministic workload for the Lua 5.4 corpus module (no errors, no coroutines).
local function fib(n) if n < 2 then return n end return fib(n - 1) + fib(n - 2) end
print("fib(15)", fib(15))

local t = {}
for i = 1, 300 do t[i] = (i * 7919) % 1009 end
table.sort(t, function(a, b) return a > b end)
print("sorted", t[1], t[2], t[150], t[300], #t)

local words = {}
for w in string.gmatch("the quick brown fox jumps over the lazy dog the end", "%a+") do
  words[w] = (words[w] or 0) + 1
end
local keys = {}
for k in pairs(words) do keys[#keys + 1] = k end
table.sort(keys)
local counts = {}
for _, k in ipairs(keys) do counts[#counts + 1] = k .. "=" .. words[k] end
print(table.concat(counts, " "))

print(string.format("%5.2f %d %x %q %s", math.pi, 2^40 // 3, 48879, "a\nb", tostring(1/3)))
print(("hello world"):gsub("o", "0"), ("abc"):rep(3, "-"), ("Lua"):upper(), ("%d+"):len())
print(math.maxinteger, math.mininteger, 7 // 2, 7.0 // 2, -7 % 3, 7 % -3, 1e308 * 10, math.floor(-3.5))
print(math.tointeger(3.0), 3 | 5, 6 & 3, 1 << 62, ~0, 5 ~ 3, math.ult(1, -1))
print(utf8.char(72, 228, 8364, 128512), utf8.len("häll€"), string.pack and #string.pack("i4d", 1, 2.5))

local Vec = {}
Vec.__index = Vec
Vec.__add = function(a, b) return setmetatable({x = a.x + b.x, y = a.y + b.y}, Vec) end
Vec.__tostring = function(v) return "(" .. v.x .. "," .. v.y .. ")" end
local v = setmetatable({x = 1, y = 2}, Vec)
for i = 1, 10 do v = v + setmetatable({x = i, y = -i}, Vec) end
print("vec", tostring(v))

local function counter() local c = 0 return function() c = c + 1 return c end end
local c1, c2 = counter(), counter()
for _ = 1, 5 do c1() end
print("closures", c1(), c2())

local parts = {}
for i = 1, 50 do parts[#parts + 1] = string.char(65 + i % 26) end
local s = table.concat(parts)
print("concat", s, #s, s:find("XYZ"), s:sub(-5), s:byte(1, 3))

local acc = 0
for i = 1, 2000 do acc = (acc * 31 + i) % 1000003 end
print("acc", acc, select("#", 1, 2, 3), select(2, "a", "b", "c"))
print(pcall(function() return "no error" end))
