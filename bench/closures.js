// closures: create adders/counters in a loop and call them many times.
function makeAdder(n) {
  return function (x) { return x + n; };
}

function makeCounter() {
  let c = 0;
  return function () {
    c = c + 1;
    return c;
  };
}

function compose(f, g) {
  return function (x) { return f(g(x)); };
}

function main() {
  const n = 3000000; // @size 500
  const adders = [];
  for (let k = 0; k < 10; k++) {
    adders.push(makeAdder(k));
  }
  let total = 0;
  for (let i = 0; i < n; i++) {
    const add = makeAdder(i % 7);
    const counter = makeCounter();
    for (let j = 0; j < 3; j++) {
      counter();
    }
    const both = compose(add, adders[i % 10]);
    total = total + add(counter()) + both(i % 100);
  }
  console.log(String(total));
}

main();
