#include "tools/lsp/JsonRpc.h"

#include <cstdlib>
#include <string>

namespace langoost::lsp {

namespace {
constexpr size_t kMaxMessage = 256u << 20; // a larger Content-Length is a broken client
}

std::optional<std::string> MessageStream::read() {
    size_t length = 0;
    bool haveLength = false;
    std::string line;
    for (;;) {
        int c = std::fgetc(in_);
        if (c == EOF) return std::nullopt;
        if (c != '\n') {
            line += char(c);
            if (line.size() > 4096) return std::nullopt;
            continue;
        }
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty()) {
            if (haveLength) break;
            continue; // stray blank line between messages
        }
        constexpr std::string_view kHeader = "content-length:";
        std::string lower;
        for (char ch : line.substr(0, kHeader.size())) lower += char(std::tolower(static_cast<unsigned char>(ch)));
        if (lower == kHeader) {
            char* end = nullptr;
            unsigned long long n = std::strtoull(line.c_str() + kHeader.size(), &end, 10);
            if (n > kMaxMessage) return std::nullopt;
            length = size_t(n);
            haveLength = true;
        }
        line.clear();
    }
    std::string body(length, '\0');
    if (length && std::fread(body.data(), 1, length, in_) != length) return std::nullopt;
    return body;
}

void MessageStream::write(const std::string& body) {
    std::string header = "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
    std::fwrite(header.data(), 1, header.size(), out_);
    std::fwrite(body.data(), 1, body.size(), out_);
    std::fflush(out_);
}

} // namespace langoost::lsp
