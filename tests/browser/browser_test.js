// Loads a page served by `langoost serve` in Debian's headless Chromium
// (driven by playwright-core) and checks what it shows: three Server-Sent
// Events from an EventSource and a WebSocket conversation.
//   node browser_test.js LANGOOST_BINARY
const { chromium } = require("playwright-core");
const { spawn } = require("child_process");
const path = require("path");

const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";

function startServer(binary) {
  return new Promise((resolve, reject) => {
    const proc = spawn(binary, ["serve", path.join(__dirname, "site"), "--host", "127.0.0.1", "--port", "0"],
                       { stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    proc.stderr.on("data", (d) => {
      err += d;
      const m = /http:\/\/[^:]+:(\d+)/.exec(err);
      if (m) resolve({ proc, port: Number(m[1]) });
    });
    proc.on("exit", () => reject(new Error("server exited: " + err)));
  });
}

(async () => {
  const { proc, port } = await startServer(process.argv[2]);
  let browser;
  let failed = false;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${port}/index.html`);
    await page.waitForFunction(() => document.querySelectorAll("#events li").length === 3 &&
                                     document.querySelectorAll("#socket li").length === 3, null, { timeout: 15000 });
    const events = await page.$$eval("#events li", (items) => items.map((i) => i.textContent));
    const socket = await page.$$eval("#socket li", (items) => items.map((i) => i.textContent));
    const want = { events: ["tick 0", "tick 1", "tick 2"], socket: ["welcome", "echo: hello from the browser", "closed 1000"] };
    for (const [name, got] of [["events", events], ["socket", socket]]) {
      const ok = JSON.stringify(got) === JSON.stringify(want[name]);
      console.log(`${ok ? "ok  " : "FAIL"} ${name}: ${JSON.stringify(got)}`);
      failed = failed || !ok;
    }
  } catch (e) {
    console.log("FAIL " + e.message);
    failed = true;
  } finally {
    if (browser) await browser.close();
    proc.kill("SIGTERM");
  }
  process.exit(failed ? 1 : 0);
})();
