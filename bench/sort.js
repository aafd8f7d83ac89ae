// sort: sort 1,000,000 pseudo-random ints (Park-Miller "minimal standard"
// LCG, whose products stay below 2^53) with the builtin sort; the checksum
// is the sum of every 1000th element of the sorted array plus the last one.
// (JavaScript's default sort compares strings, so it gets a numeric comparator.)
function main() {
  const n = 1000000; // @size 5000
  const a = [];
  let x = 42;
  for (let i = 0; i < n; i++) {
    x = (x * 16807) % 2147483647;
    a.push(x);
  }
  a.sort((p, q) => p - q);
  let sum = 0;
  for (let i = 0; i < n; i += 1000) {
    sum = sum + a[i];
  }
  console.log(String(sum + a[n - 1]));
}

main();
