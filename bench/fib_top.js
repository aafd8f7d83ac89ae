// fib_top: the fib benchmark written at top level (no main function):
// naive recursive Fibonacci of 36 (function-call overhead).
function fib(n) {
  if (n < 2) return n;
  return fib(n - 1) + fib(n - 2);
}

const n = 36; // @size 15
console.log(String(fib(n)));
