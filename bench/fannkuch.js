// fannkuch: fannkuch-redux (Computer Language Benchmarks Game): generate
// every permutation of 1..n and count the prefix reversals ("flips") until 1
// is in front; small-integer array reads, writes and swaps.
// Prints the alternating-sign checksum and the maximum flip count.

function fannkuch(n) {
  const perm = [];
  const perm1 = [];
  const count = [];
  for (let i = 0; i < n; i++) {
    perm.push(0);
    perm1.push(i);
    count.push(0);
  }
  let maxFlips = 0;
  let checksum = 0;
  let permCount = 0;
  let r = n;
  while (true) {
    while (r !== 1) {
      count[r - 1] = r;
      r = r - 1;
    }
    for (let i = 0; i < n; i++) {
      perm[i] = perm1[i];
    }
    let flips = 0;
    let k = perm[0];
    while (k !== 0) {
      let i = 0;
      let j = k;
      while (i < j) {
        const t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
        i = i + 1;
        j = j - 1;
      }
      flips = flips + 1;
      k = perm[0];
    }
    if (flips > maxFlips) {
      maxFlips = flips;
    }
    if (permCount % 2 === 0) {
      checksum = checksum + flips;
    } else {
      checksum = checksum - flips;
    }
    // Next permutation.
    while (true) {
      if (r === n) {
        return [checksum, maxFlips];
      }
      const perm0 = perm1[0];
      let i = 0;
      while (i < r) {
        perm1[i] = perm1[i + 1];
        i = i + 1;
      }
      perm1[r] = perm0;
      count[r] = count[r] - 1;
      if (count[r] > 0) {
        break;
      }
      r = r + 1;
    }
    permCount = permCount + 1;
  }
}

function main() {
  const n = 10; // @size 7
  const res = fannkuch(n);
  console.log(res[0] + " " + res[1]);
}

main();
