// strings_top: the strings benchmark written at top level (no main function):
// build a line by concatenation, split it, join it, compare pieces.
const rounds = 60000; // @size 20
let total = 0;
for (let r = 0; r < rounds; r++) {
  let s = "";
  for (let i = 0; i < 50; i++) {
    s = s + "w" + (i + r % 10) + ",";
  }
  const parts = s.split(",");
  const joined = parts.join(";");
  let hits = 0;
  for (let k = 0; k < parts.length; k++) {
    if (parts[k] === "w12") {
      hits = hits + 1;
    }
  }
  // s and joined are ASCII, so .length is the byte length.
  total = total + s.length + joined.length + parts.length + hits;
}
console.log(String(total));
