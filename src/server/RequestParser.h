// The server's HTTP/1 request parser lives in stdlib/HttpParser.h (llhttp in
// strict mode), shared with the `http_server` and `websocket` modules.
#pragma once
#include "stdlib/HttpParser.h"
