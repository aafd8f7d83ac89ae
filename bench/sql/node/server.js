// bench/sql peer: Node's http with better-sqlite3 (synchronous, one
// connection) or pg (a pool of POOL connections), answering the same query
// as rows.goost. Usage: node server.js sqlite:PATH|postgres://… PORT
const http = require("http");
const [url, port] = process.argv.slice(2);
const group = () => 1 + Math.floor(Math.random() * 10000);
const sql = "SELECT id, name, score FROM items WHERE grp = $1 ORDER BY id";
let handler;
if (url.startsWith("sqlite:")) {
  const db = new (require("better-sqlite3"))(url.slice(7));
  db.pragma("journal_mode = WAL");
  const stmt = db.prepare(sql.replace("$1", "?"));
  handler = (req, res) => {
    const body = JSON.stringify(stmt.all(group()));
    res.writeHead(200, { "Content-Type": "application/json" });
    res.end(body);
  };
} else {
  const pool = new (require("pg").Pool)({ connectionString: url, max: Number(process.env.POOL || 16) });
  handler = (req, res) => {
    pool.query({ name: "rows", text: sql, values: [group()] }).then((r) => {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(JSON.stringify(r.rows));
    }, (e) => { res.writeHead(500); res.end(String(e)); });
  };
}
http.createServer(handler).listen(Number(port), "127.0.0.1", () => console.log("listening on " + port));
