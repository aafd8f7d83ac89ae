// The Node.js peer for bench/http/run: a hello-world on the built-in `http`
// module, answering every request with a small JSON body (keep-alive on,
// Content-Length set), like GET /health of examples/http_server.goost.
//   node bench/http/hello.js [port]    (0 lets the OS pick; prints "listening on PORT")
const http = require("http");

const started = Date.now();
const server = http.createServer((req, res) => {
  const body = JSON.stringify({ status: "ok", uptimeMs: Date.now() - started }) + "\n";
  res.writeHead(200, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) });
  res.end(body);
});
server.keepAliveTimeout = 5000;
server.listen(Number(process.argv[2] || 8080), "127.0.0.1", () => {
  console.log("listening on " + server.address().port);
});
