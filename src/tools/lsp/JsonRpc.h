// JsonRpc: the base protocol of LSP and DAP on a pair of streams — each
// message is "Content-Length: N\r\n\r\n" followed by N bytes of JSON.
#pragma once
#include <cstdio>
#include <optional>
#include <string>

namespace langoost::lsp {

class MessageStream {
  public:
    MessageStream(FILE* in, FILE* out) : in_(in), out_(out) {}
    // The next message's body; nullopt at end of input or on a broken header.
    std::optional<std::string> read();
    void write(const std::string& body);

  private:
    FILE* in_;
    FILE* out_;
};

} // namespace langoost::lsp
