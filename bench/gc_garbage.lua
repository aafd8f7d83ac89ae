-- gc_garbage: the 20 million short-lived objects of gc_live_heap with no live heap.
local function main()
  local live = 0 -- @size 0
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
