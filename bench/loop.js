// loop: integer arithmetic in a plain while loop.
function main() {
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
}

main();
