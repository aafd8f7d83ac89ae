// Tls: TLS for server connections, on OpenSSL. TlsContext holds the
// certificate and key and picks the protocol by ALPN (h2 when offered and
// enabled, else http/1.1); a TlsChannel is one connection's TLS state over
// memory BIOs: the event loop moves ciphertext between the socket and the
// channel itself, so sockets stay non-blocking, sends never raise SIGPIPE
// (MSG_NOSIGNAL) and plain and TLS connections share one loop.
#pragma once
#include <openssl/ssl.h>

#include <string>
#include <string_view>

namespace langoost {

class TlsContext {
  public:
    // Reads a PEM certificate (chain) and private key; throws
    // std::runtime_error with OpenSSL's reason when they cannot be used.
    TlsContext(const std::string& certFile, const std::string& keyFile, bool offerHttp2);
    ~TlsContext();
    TlsContext(const TlsContext&) = delete;
    TlsContext& operator=(const TlsContext&) = delete;
    SSL_CTX* get() const { return ctx_; }
    bool offersHttp2() const { return offerHttp2_; }

  private:
    SSL_CTX* ctx_ = nullptr;
    bool offerHttp2_;
};

class TlsChannel {
  public:
    explicit TlsChannel(const TlsContext& context);
    ~TlsChannel();
    TlsChannel(const TlsChannel&) = delete;
    TlsChannel& operator=(const TlsChannel&) = delete;

    // Ciphertext received from the peer.
    void receive(const char* data, size_t size);
    // Decrypts what it can into `plain` (the handshake first). False on a
    // fatal error; `closed` set when the peer sent close_notify.
    bool decrypt(std::string& plain, bool& closed);
    // Encrypts `plain` (only after the handshake); false on error.
    bool encrypt(std::string_view plain);
    bool handshakeDone() const;
    // The protocol ALPN selected ("h2", "http/1.1"; empty without ALPN).
    std::string_view alpn() const;

    // Ciphertext to send, from `sent` on.
    std::string out;
    size_t sent = 0;
    size_t unsent() const { return out.size() - sent; }

  private:
    void collectOutput();
    SSL* ssl_;
    BIO* in_;  // ciphertext from the peer (owned by ssl_)
    BIO* out_; // ciphertext to the peer (owned by ssl_)
};

} // namespace langoost
