// loop_top: the loop benchmark written at top level (no main function):
// integer arithmetic in a plain while loop.
const n = 50000000; // @size 1000
let s = 0;
let i = 0;
while (i < n) {
  s = s + (i * i) % 7;
  if (i % 3 === 0) {
    s = s + 1;
  }
  i = i + 1;
}
console.log(String(s));
