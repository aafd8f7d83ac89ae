// ServerOptions: everything `langoost serve` can be told on its command
// line (cli.md, server.md), with the defaults it uses when not told.
#pragma once
#include <cstdint>
#include <string>

#include "modules/ModuleLoader.h"
#include "server/ScriptRunner.h"

namespace langoost {

struct ServerOptions {
    std::string target;            // a script or a directory
    std::string host = "0.0.0.0";
    int port = 8080;               // 0: any free port (printed at start)
    unsigned workers = 0;          // 0: one per core
    std::string core;              // runtime.core backend URL; empty: embedded (or LANGOOST_CORE)
    // sql.open of one URL in any request shares a pool of this many connections.
    unsigned dbPool = 16;
    std::string accessLog;         // file path, "-" for stdout, empty for none
    bool dev = false;              // error details (stack traces) in 500 responses
    ScriptLimits limits;
    // Request size limits: a bigger header section is refused with 431, a
    // bigger body with 413, before it is read.
    uint64_t maxHeaderBytes = 16 * 1024;
    uint64_t maxBodyBytes = 8ull << 20;
    // Slow clients cannot hold a worker: the header section must arrive
    // within headerTimeoutMs and then the whole body within bodyTimeoutMs
    // (else 408); a keep-alive connection idle (or a body or a response
    // stalled) for idleTimeoutMs is closed.
    uint64_t headerTimeoutMs = 10'000;
    uint64_t bodyTimeoutMs = 30'000;
    uint64_t idleTimeoutMs = 15'000;
    // On SIGTERM/SIGINT, in-flight requests get this long to finish.
    uint64_t graceMs = 10'000;
    // Open connections per worker; further ones are refused with 503.
    unsigned maxConnections = 10'000;
    // Long-lived requests (SSE: Accept: text/event-stream; WebSocket
    // upgrades) each hold a thread; further ones get 503.
    unsigned maxStreams = 1'000;
    // Requests parked in a wait (sleep, socket, http client, helper work),
    // over all workers; a request arriving beyond it gets 503 at once.
    unsigned maxWaiting = 50'000;
    // TLS on the listening port when both are set (PEM files); ALPN then
    // picks HTTP/2 or HTTP/1.1 per connection.
    std::string tlsCert, tlsKey;
    // Cleartext HTTP/2 on the same port as HTTP/1.1: a connection opening
    // with the HTTP/2 client preface (prior knowledge), or an HTTP/1.1
    // request with `Upgrade: h2c`.
    bool h2c = false;
};

// Runs the server until SIGTERM/SIGINT; returns the process exit status.
// `loader` and `runtime` know every module a script may import.
int runServer(const ServerOptions& options, std::shared_ptr<ModuleLoader> loader, RuntimeConfig runtime);

} // namespace langoost
