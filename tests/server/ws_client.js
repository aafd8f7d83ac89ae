// A WebSocket client for serve_test.py (Node's `ws`, from tests/websocket).
//   node ws_client.js URL IDLE_MS   -> prints a JSON line: {messages, code}
// Receives the welcome, waits IDLE_MS, sends "echo me" and a binary
// message, receives both echoes, closes with 1000.
const path = require("path");
const WebSocket = require(path.join(__dirname, "..", "websocket", "node_modules", "ws"));
const [url, idleMs] = [process.argv[2], Number(process.argv[3] || 0)];
const ws = new WebSocket(url);
const messages = [];
ws.on("message", (data, isBinary) => {
  messages.push(isBinary ? "binary:" + Buffer.from(data).toString("hex") : data.toString());
  if (messages.length === 1) setTimeout(() => { ws.send("echo me"); ws.send(Buffer.from([1, 2, 255])); }, idleMs);
  if (messages.length === 3) ws.close(1000);
});
ws.on("close", (code) => { console.log(JSON.stringify({ messages, code })); process.exit(0); });
ws.on("unexpected-response", (req, res) => { console.log(JSON.stringify({ status: res.statusCode })); process.exit(0); });
ws.on("error", (e) => { console.log(JSON.stringify({ error: e.message })); process.exit(0); });
