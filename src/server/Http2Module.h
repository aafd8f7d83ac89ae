// The `http2` module (stdlib.md): HTTP/2 servers in a script, on the same
// event loop as `langoost serve` (HttpWorker, nghttp2, OpenSSL) with the
// handler shape of `http_server`.
#pragma once
#include "vm/VM.h"

namespace langoost {

const NativeModuleDef& http2Module();

} // namespace langoost
