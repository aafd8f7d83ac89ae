// gc_live_heap: 2 million small objects kept alive while 20 million short-lived ones are allocated (compare gc_garbage).
function main() {
  const live = 2000000; // @size 1000
  const garbage = 20000000; // @size 10000
  const keep = [];
  for (let i = 0; i < live; i++) {
    keep.push({ v: i });
  }
  let acc = 0;
  for (let i = 0; i < garbage; i++) {
    const o = { v: i };
    acc = (acc + o.v) % 1000003;
  }
  console.log(acc + keep.length);
}

main();
