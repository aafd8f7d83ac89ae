// bench/serve: the Node.js `http` hello-world peer (same body and type as hello.goost).
//   node hello.js PORT    (0 lets the OS pick; prints "listening on PORT")
const http = require("http");
const server = http.createServer((req, res) => {
  res.writeHead(200, { "Content-Type": "text/html; charset=utf-8", "Content-Length": 12 });
  res.end("hello world\n");
});
server.keepAliveTimeout = 5000;
server.listen(Number(process.argv[2] || 8080), "127.0.0.1", () => {
  console.log("listening on " + server.address().port);
});
