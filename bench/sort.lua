-- sort: sort 1,000,000 pseudo-random ints (Park-Miller "minimal standard"
-- LCG, whose products stay below 2^53) with the builtin sort; the checksum
-- is the sum of every 1000th element of the sorted array plus the last one.
local function main()
  local n = 1000000 -- @size 5000
  local a = {}
  local x = 42
  for i = 0, n - 1 do
    x = (x * 16807) % 2147483647
    a[#a + 1] = x
  end
  table.sort(a)
  local sum = 0
  for i = 0, n - 1, 1000 do
    sum = sum + a[i + 1]
  end
  print(string.format("%d", sum + a[n]))
end

main()
