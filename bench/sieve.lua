-- sieve: count the primes up to n with a sieve of Eratosthenes, several
-- rounds (filling a fresh n-element array, then indexed loads and stores).
local function main()
  local n = 1000000 -- @size 1000
  local rounds = 10 -- @size 2
  local total = 0
  for r = 0, rounds - 1 do
    local composite = {}
    for i = 0, n do
      composite[i] = false
    end
    local count = 0
    for i = 2, n do
      if not composite[i] then
        count = count + 1
        local j = i * i
        while j <= n do
          composite[j] = true
          j = j + i
        end
      end
    end
    total = total + count
  end
  print(total)
end

main()
