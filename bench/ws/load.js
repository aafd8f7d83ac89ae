// bench/ws load generator: C connections to a WebSocket echo server, each
// sending a message and waiting for its echo, in a loop, for D seconds.
//   node load.js URL CONNECTIONS SECONDS [MESSAGE_BYTES]
// Prints one JSON line: {messages, seconds, perSecond, p50Ms, p99Ms, errors}.
const path = require("path");
const WebSocket = require(path.join(__dirname, "..", "..", "tests", "websocket", "node_modules", "ws"));
const [url, connections, seconds, size] = [process.argv[2], Number(process.argv[3] || 64), Number(process.argv[4] || 10),
                                           Number(process.argv[5] || 64)];
const payload = "x".repeat(size);
let messages = 0, errors = 0, running = true;
const latencies = [];
const start = process.hrtime.bigint();

function client() {
  return new Promise((resolve) => {
    const ws = new WebSocket(url);
    let sentAt = 0n;
    const sendOne = () => { sentAt = process.hrtime.bigint(); ws.send(payload); };
    ws.on("open", sendOne);
    ws.on("message", (data) => {
      if (data.length !== payload.length) errors++;
      messages++;
      if (latencies.length < 2e6) latencies.push(Number(process.hrtime.bigint() - sentAt) / 1e6);
      if (running) sendOne(); else ws.close();
    });
    ws.on("close", resolve);
    ws.on("error", () => { errors++; resolve(); });
  });
}

setTimeout(() => { running = false; }, seconds * 1000);
Promise.all(Array.from({ length: connections }, client)).then(() => {
  const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  latencies.sort((a, b) => a - b);
  const pct = (p) => latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] : 0;
  console.log(JSON.stringify({ messages, seconds: elapsed, perSecond: messages / elapsed, p50Ms: pct(0.5), p99Ms: pct(0.99), errors }));
});
