// gc_garbage: the 20 million short-lived objects of gc_live_heap with no live heap.
function main() {
  const live = 0; // @size 0
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
