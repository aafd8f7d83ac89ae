-- fib_top: the fib benchmark written at top level (no main function):
-- naive recursive Fibonacci of 36 (function-call overhead).
local function fib(n)
  if n < 2 then return n end
  return fib(n - 1) + fib(n - 2)
end

local n = 36 -- @size 15
print(fib(n))
