-- gc_live_heap: 2 million small objects kept alive while 20 million short-lived ones are allocated (compare gc_garbage).
local function main()
  local live = 2000000 -- @size 1000
  local garbage = 20000000 -- @size 10000
  local keep = {}
  for i = 0, live - 1 do
    keep[#keep + 1] = {v = i}
  end
  local acc = 0
  for i = 0, garbage - 1 do
    local o = {v = i}
    acc = (acc + o.v) % 1000003
  end
  print(acc + #keep)
end

main()
