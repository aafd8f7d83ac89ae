-- objects_top: the objects benchmark written at top level (no main function):
-- string-keyed map insert, lookup (half misses) and update.
local n = 200000 -- @size 1000
local o = {}
for i = 0, n - 1 do
  o["k" .. i] = i
end
local sum = 0
local misses = 0
for r = 0, 2 do
  for i = 0, 2 * n - 1 do
    local v = o["k" .. i]
    if v ~= nil then
      sum = sum + v
    else
      misses = misses + 1
    end
  end
end
for i = 0, n - 1, 2 do
  local k = "k" .. i
  o[k] = o[k] * 3 + 1
end
local after = 0
for i = 0, n - 1 do
  after = after + o["k" .. i]
end
print(sum + misses + after)
