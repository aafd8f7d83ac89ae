-- loop_top: the loop benchmark written at top level (no main function):
-- integer arithmetic in a plain while loop.
local n = 50000000 -- @size 1000
local s = 0
local i = 0
while i < n do
  s = s + (i * i) % 7
  if i % 3 == 0 then
    s = s + 1
  end
  i = i + 1
end
print(s)
