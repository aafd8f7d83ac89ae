// json_roundtrip: build a nested document (objects, arrays, strings, ints,
// bools), then json.stringify / json.parse it repeatedly, each round parsing
// the previous round's output. The checksum is the total length of the texts
// plus a sum over the last parsed document.
// Keys are inserted in sorted order, so JSON.stringify's insertion order
// gives the same text as Langoost's sorted-key json.stringify.
function makeDoc(m) {
  const items = [];
  for (let i = 0; i < m; i++) {
    items.push({
      active: i % 3 === 0,
      id: i,
      name: "item-" + i,
      nested: {x: i * 2, y: [i, i + 1, i + 2]},
      score: (i * 37) % 101,
      tags: ["alpha", "beta", "t" + (i % 10)],
    });
  }
  return {count: m, items: items, title: "benchmark \"document\""};
}

function main() {
  const m = 2000; // @size 50
  const rounds = 40; // @size 3
  let doc = makeDoc(m);
  let total = 0;
  for (let r = 0; r < rounds; r++) {
    const text = JSON.stringify(doc);
    total = total + text.length;
    doc = JSON.parse(text);
  }
  for (const it of doc.items) {
    total = total + it.id + it.score + it.nested.y[2] + it.tags[2].length;
    if (it.active) {
      total = total + 1;
    }
  }
  console.log(String(total + doc.count));
}

main();
