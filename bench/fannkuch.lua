-- fannkuch: fannkuch-redux (Computer Language Benchmarks Game): generate
-- every permutation of 1..n and count the prefix reversals ("flips") until 1
-- is in front; small-integer array reads, writes and swaps.
-- Prints the alternating-sign checksum and the maximum flip count.

local function fannkuch(n)
  local perm = {}
  local perm1 = {}
  local count = {}
  for i = 0, n - 1 do
    perm[i + 1] = 0
    perm1[i + 1] = i
    count[i + 1] = 0
  end
  local maxFlips = 0
  local checksum = 0
  local permCount = 0
  local r = n
  while true do
    while r ~= 1 do
      count[r] = r
      r = r - 1
    end
    for i = 0, n - 1 do
      perm[i + 1] = perm1[i + 1]
    end
    local flips = 0
    local k = perm[1]
    while k ~= 0 do
      local i = 0
      local j = k
      while i < j do
        local t = perm[i + 1]
        perm[i + 1] = perm[j + 1]
        perm[j + 1] = t
        i = i + 1
        j = j - 1
      end
      flips = flips + 1
      k = perm[1]
    end
    if flips > maxFlips then
      maxFlips = flips
    end
    if permCount % 2 == 0 then
      checksum = checksum + flips
    else
      checksum = checksum - flips
    end
    -- Next permutation.
    while true do
      if r == n then
        return checksum, maxFlips
      end
      local perm0 = perm1[1]
      local i = 0
      while i < r do
        perm1[i + 1] = perm1[i + 2]
        i = i + 1
      end
      perm1[r + 1] = perm0
      count[r + 1] = count[r + 1] - 1
      if count[r + 1] > 0 then
        break
      end
      r = r + 1
    end
    permCount = permCount + 1
  end
end

local function main()
  local n = 10 -- @size 7
  local checksum, maxFlips = fannkuch(n)
  print(checksum .. " " .. maxFlips)
end

main()
