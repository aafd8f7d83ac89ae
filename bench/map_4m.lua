-- map_4m: an object used as a hash map at scale: insert 4,000,000 string
-- keys "k" + i, look every one up, then 4,000,000 lookups of which half miss.
local function main()
  local n = 4000000 -- @size 5000
  local o = {}
  for i = 0, n - 1 do
    o["k" .. i] = i
  end
  local sum = 0
  for i = 0, n - 1 do
    sum = sum + o["k" .. i]
  end
  local misses = 0
  local half = n / 2
  if math.type then
    half = math.tointeger(half) -- Lua 5.4: keep "k" .. i free of ".0"
  end
  for i = 0, n - 1 do
    local v = o["k" .. (i + half)]
    if v ~= nil then
      sum = sum + v
    else
      misses = misses + 1
    end
  end
  print(string.format("%d", sum + misses))
end

main()
