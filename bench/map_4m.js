// map_4m: an object used as a hash map at scale: insert 4,000,000 string
// keys "k" + i, look every one up, then 4,000,000 lookups of which half miss.
function main() {
  const n = 4000000; // @size 5000
  const o = {};
  for (let i = 0; i < n; i++) {
    o["k" + i] = i;
  }
  let sum = 0;
  for (let i = 0; i < n; i++) {
    sum = sum + o["k" + i];
  }
  let misses = 0;
  const half = n / 2;
  for (let i = 0; i < n; i++) {
    const v = o["k" + (i + half)];
    if (v !== undefined) {
      sum = sum + v;
    } else {
      misses = misses + 1;
    }
  }
  console.log(String(sum + misses));
}

main();
