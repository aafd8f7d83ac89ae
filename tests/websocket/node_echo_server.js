// A `ws` echo server for testing Langoost's websocket client.
//   node node_echo_server.js    (prints "listening on PORT")
const WebSocket = require("ws");
const server = new WebSocket.Server({ host: "127.0.0.1", port: 0 }, () => {
  console.log("listening on " + server.address().port);
});
server.on("connection", (ws) => {
  ws.on("message", (data, isBinary) => ws.send(data, { binary: isBinary }));
});
