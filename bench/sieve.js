// sieve: count the primes up to n with a sieve of Eratosthenes, several
// rounds (filling a fresh n-element array, then indexed loads and stores).
function main() {
  const n = 1000000; // @size 1000
  const rounds = 10; // @size 2
  let total = 0;
  for (let r = 0; r < rounds; r++) {
    const composite = new Array(n + 1).fill(false);
    let count = 0;
    for (let i = 2; i <= n; i++) {
      if (!composite[i]) {
        count += 1;
        let j = i * i;
        while (j <= n) {
          composite[j] = true;
          j += i;
        }
      }
    }
    total += count;
  }
  console.log(String(total));
}

main();
