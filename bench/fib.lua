-- fib: naive recursive Fibonacci of 36 (function-call overhead).
local function fib(n)
  if n < 2 then return n end
  return fib(n - 1) + fib(n - 2)
end

local function main()
  print(fib(36))
end

main()
