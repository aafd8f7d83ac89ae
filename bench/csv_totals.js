// csv_totals: a report script over a CSV file. Writes 300,000 sales rows
// (id,customer,region,quantity,price; a fixed pseudo-random sequence) to a
// temporary file, reads it back whole as lines, splits every line and
// totals quantity * price per customer and per region in maps.
const fs = require("fs");

function main() {
  const rows = 300000; // @size 2000
  const path = "/tmp/langoost-bench-csv_totals-" + process.pid + ".csv";
  const fd = fs.openSync(path, "w");
  fs.writeSync(fd, "id,customer,region,quantity,price\n");
  let seed = 42;
  let chunk = "";
  for (let i = 0; i < rows; i++) {
    seed = (seed * 48271) % 2147483647;
    const customer = seed % 5000;
    const region = Math.floor(seed / 5000) % 8;
    const quantity = (Math.floor(seed / 40000) % 20) + 1;
    const price = (Math.floor(seed / 800000) % 1000) + 1;
    chunk = chunk + i + ",c" + customer + ",r" + region + "," + quantity + "," + price + "\n";
    if (i % 1000 === 999) {
      fs.writeSync(fd, chunk);
      chunk = "";
    }
  }
  fs.writeSync(fd, chunk);
  fs.closeSync(fd);

  const byCustomer = new Map();
  const byRegion = new Map();
  const lines = fs.readFileSync(path, "utf8").split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  let header = true;
  for (const line of lines) {
    if (header) {
      header = false;
      continue;
    }
    const fields = line.split(",");
    const amount = parseInt(fields[3], 10) * parseInt(fields[4], 10);
    const customer = fields[1];
    const sofar = byCustomer.get(customer);
    byCustomer.set(customer, sofar === undefined ? amount : sofar + amount);
    const region = fields[2];
    const r = byRegion.get(region);
    byRegion.set(region, r === undefined ? amount : r + amount);
  }
  fs.unlinkSync(path);
  let customers = 0;
  let best = 0;
  for (const c of [...byCustomer.keys()].sort()) {
    customers = customers + 1;
    if (byCustomer.get(c) > best) best = byCustomer.get(c);
  }
  let total = 0;
  for (const r of byRegion.values()) total = total + r;
  console.log(customers + " " + best + " " + total);
}

main();
