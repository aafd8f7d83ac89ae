// bench/serve: the Node.js `http` peer of bench/serve/waits (one process).
//   node peer.js MODE [PORT] [UPSTREAM_URL]    (port 0 lets the OS pick; prints "listening on PORT")
// Modes as in go/main.go: hello, sleep (50 ms, then "ok"), upstream (GET the
// URL through a keep-alive agent, then "ok"), park (/?ms=M: M ms, default 20 s,
// then "ok"; /_health at once), mix
// (/heavy?n=N: a CPU loop of N iterations; any other path: hello world).
const http = require("http");
const [mode, port = "0", upstream] = process.argv.slice(2);
const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 4096 });

function text(res, body) {
  res.writeHead(200, { "Content-Type": "text/plain; charset=utf-8", "Content-Length": Buffer.byteLength(body) });
  res.end(body);
}

function spin(n) {
  let acc = 0;
  for (let i = 0; i < n; i++) acc = (acc + i * i) % 1000003;
  return acc;
}

const handlers = {
  hello: (req, res) => text(res, "hello world\n"),
  sleep: (req, res) => setTimeout(() => text(res, "ok\n"), 50),
  park: (req, res) => {
    const url = new URL(req.url, "http://x");
    if (url.pathname === "/_health") return text(res, "ok\n");
    setTimeout(() => text(res, "ok\n"), Number(url.searchParams.get("ms") || 20000));
  },
  upstream: (req, res) => {
    http
      .get(upstream, { agent }, (up) => {
        up.resume();
        up.on("end", () => text(res, "ok\n"));
      })
      .on("error", (e) => {
        res.writeHead(502);
        res.end(String(e));
      });
  },
  mix: (req, res) => {
    const url = new URL(req.url, "http://x");
    if (url.pathname === "/heavy") text(res, spin(Number(url.searchParams.get("n"))) + "\n");
    else text(res, "hello world\n");
  },
};

if (!handlers[mode]) {
  console.error("unknown mode " + mode);
  process.exit(2);
}
const server = http.createServer(handlers[mode]);
server.keepAliveTimeout = 30000;
server.headersTimeout = 60000;
server.requestTimeout = 0;
server.maxConnections = 20000;
server.listen(Number(port), "127.0.0.1", 16384, () => console.log("listening on " + server.address().port));
