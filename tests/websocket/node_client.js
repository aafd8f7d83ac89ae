// Drives a Langoost WebSocket echo server with the `ws` package (an
// independent implementation): text, binary, fragmented text, ping/pong,
// a 1 MiB message, a close code, then 100 concurrent clients with
// byte-exact echoes. Prints "ok N" or "FAIL ..." lines; exits 1 on failure.
//   node node_client.js PORT
const WebSocket = require("ws");
const crypto = require("crypto");
const url = `ws://127.0.0.1:${process.argv[2]}/`;
let failures = 0, passed = 0;
const check = (cond, what) => { if (cond) passed++; else { failures++; console.log("FAIL " + what); } };

function open() {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const queue = [], waiters = [];
    ws.on("message", (data, isBinary) => {
      const m = { data: Buffer.from(data), isBinary };
      if (waiters.length) waiters.shift()(m); else queue.push(m);
    });
    ws.next = () => new Promise((res) => (queue.length ? res(queue.shift()) : waiters.push(res)));
    ws.on("open", () => resolve(ws));
    ws.on("error", reject);
  });
}

async function basics() {
  const ws = await open();
  ws.send("hello, wörld");
  let m = await ws.next();
  check(!m.isBinary && m.data.toString() === "hello, wörld", "text echo");
  const bytes = crypto.randomBytes(70000);
  ws.send(bytes);
  m = await ws.next();
  check(m.isBinary && m.data.equals(bytes), "binary echo (16-bit length)");
  ws.send("frag", { fin: false });
  ws.send("men", { fin: false });
  ws.send("ted", { fin: true });
  m = await ws.next();
  check(m.data.toString() === "fragmented", "fragmented text reassembled");
  const pong = new Promise((res) => ws.once("pong", (d) => res(d.toString())));
  ws.ping("are you there");
  check((await pong) === "are you there", "ping answered with pong");
  const big = crypto.randomBytes(1 << 20).toString("base64");
  ws.send(big);
  m = await ws.next();
  check(m.data.toString() === big, "1 MiB text (64-bit length)");
  const closed = new Promise((res) => ws.on("close", (code, reason) => res([code, reason.toString()])));
  ws.close(4000, "bye");
  const [code] = await closed;
  check(code === 4000, `close code echoed (${code})`);
}

async function concurrent() {
  const clients = await Promise.all(Array.from({ length: 100 }, open));
  await Promise.all(clients.map(async (ws, i) => {
    for (let k = 0; k < 20; k++) {
      const text = `client ${i} message ${k} ` + "x".repeat((i * 7 + k * 13) % 300);
      ws.send(text);
      const m = await ws.next();
      if (m.data.toString() !== text) throw new Error(`client ${i} got a different echo`);
    }
    ws.close();
  }));
  passed++;
}

(async () => {
  try {
    await basics();
    await concurrent();
  } catch (e) {
    failures++;
    console.log("FAIL " + e.message);
  }
  console.log(`ok ${passed}`);
  process.exit(failures ? 1 : 0);
})();
