-- arrays: push, indexed read/write and summation over large arrays.
local function main()
  local n = 2000000 -- @size 1000
  local passes = 20 -- @size 2
  local a = {}
  for i = 0, n - 1 do
    a[#a + 1] = (i * 7919) % 10007
  end
  local b = {}
  for i = 0, n - 1 do
    b[#b + 1] = a[n - i]
  end
  for p = 0, passes - 1 do
    for i = 0, n - 1 do
      a[i + 1] = (a[i + 1] + b[i + 1] + p) % 10007
    end
  end
  local sum = 0
  for i = 0, n - 1 do
    sum = sum + a[i + 1]
  end
  print(sum + #a + #b)
end

main()
