// objects_top: the objects benchmark written at top level (no main function):
// string-keyed map insert, lookup (half misses) and update.
const n = 200000; // @size 1000
const o = {};
for (let i = 0; i < n; i++) {
  o["k" + i] = i;
}
let sum = 0;
let misses = 0;
for (let r = 0; r < 3; r++) {
  for (let i = 0; i < 2 * n; i++) {
    const v = o["k" + i];
    if (v !== undefined) {
      sum = sum + v;
    } else {
      misses = misses + 1;
    }
  }
}
for (let i = 0; i < n; i += 2) {
  const k = "k" + i;
  o[k] = o[k] * 3 + 1;
}
let after = 0;
for (let i = 0; i < n; i++) {
  after = after + o["k" + i];
}
console.log(String(sum + misses + after));
