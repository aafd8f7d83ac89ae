// arrays: push, indexed read/write and summation over large arrays.
function main() {
  const n = 2000000; // @size 1000
  const passes = 20; // @size 2
  const a = [];
  for (let i = 0; i < n; i++) {
    a.push((i * 7919) % 10007);
  }
  const b = [];
  for (let i = 0; i < n; i++) {
    b.push(a[n - 1 - i]);
  }
  for (let p = 0; p < passes; p++) {
    for (let i = 0; i < n; i++) {
      a[i] = (a[i] + b[i] + p) % 10007;
    }
  }
  let sum = 0;
  for (let i = 0; i < n; i++) {
    sum = sum + a[i];
  }
  console.log(String(sum + a.length + b.length));
}

main();
