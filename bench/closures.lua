-- closures: create adders/counters in a loop and call them many times.
local function makeAdder(n)
  return function(x) return x + n end
end

local function makeCounter()
  local c = 0
  return function()
    c = c + 1
    return c
  end
end

local function compose(f, g)
  return function(x) return f(g(x)) end
end

local function main()
  local n = 3000000 -- @size 500
  local adders = {}
  for k = 0, 9 do
    adders[k + 1] = makeAdder(k)
  end
  local total = 0
  for i = 0, n - 1 do
    local add = makeAdder(i % 7)
    local counter = makeCounter()
    for j = 0, 2 do
      counter()
    end
    local both = compose(add, adders[i % 10 + 1])
    total = total + add(counter()) + both(i % 100)
  end
  print(total)
end

main()
