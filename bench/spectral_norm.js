// spectral_norm: the classic (Computer Language Benchmarks Game): power
// iteration with the infinite matrix A(i,j) = 1/((i+j)(i+j+1)/2+i+1), float
// arithmetic in nested loops over arrays. Prints round(norm * 1e9).

function evalA(i, j) {
  return 1.0 / ((i + j) * (i + j + 1) / 2 + i + 1);
}

function multiplyAv(n, v, av) {
  for (let i = 0; i < n; i++) {
    let sum = 0.0;
    for (let j = 0; j < n; j++) {
      sum = sum + evalA(i, j) * v[j];
    }
    av[i] = sum;
  }
}

function multiplyAtv(n, v, atv) {
  for (let i = 0; i < n; i++) {
    let sum = 0.0;
    for (let j = 0; j < n; j++) {
      sum = sum + evalA(j, i) * v[j];
    }
    atv[i] = sum;
  }
}

function multiplyAtAv(n, v, out, tmp) {
  multiplyAv(n, v, tmp);
  multiplyAtv(n, tmp, out);
}

// Newton's method, written out so that every language does the same steps.
function squareRoot(x) {
  let r = 1.0;
  for (let k = 0; k < 60; k++) {
    r = (r + x / r) / 2.0;
  }
  return r;
}

function main() {
  const n = 800; // @size 30
  const u = [];
  const v = [];
  const tmp = [];
  for (let i = 0; i < n; i++) {
    u.push(1.0);
    v.push(0.0);
    tmp.push(0.0);
  }
  for (let i = 0; i < 10; i++) {
    multiplyAtAv(n, u, v, tmp);
    multiplyAtAv(n, v, u, tmp);
  }
  let vBv = 0.0;
  let vv = 0.0;
  for (let i = 0; i < n; i++) {
    vBv = vBv + u[i] * v[i];
    vv = vv + v[i] * v[i];
  }
  console.log(String(Math.floor(squareRoot(vBv / vv) * 1e9 + 0.5)));
}

main();
