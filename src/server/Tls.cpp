#include "server/Tls.h"

#include <openssl/err.h>

#include <cstring>
#include <stdexcept>

namespace langoost {
namespace {

std::string opensslError(const std::string& what) {
    unsigned long code = ERR_get_error();
    char reason[256] = "unknown error";
    if (code) ERR_error_string_n(code, reason, sizeof reason);
    ERR_clear_error();
    return what + ": " + reason;
}

// ALPN wire format: length-prefixed protocol names, in server preference order.
constexpr unsigned char kAlpnH2[] = {2, 'h', '2', 8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
constexpr unsigned char kAlpnHttp11[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};

int selectAlpn(SSL*, const unsigned char** out, unsigned char* outLength, const unsigned char* in,
               unsigned int inLength, void* arg) {
    bool h2 = *static_cast<bool*>(arg);
    const unsigned char* ours = h2 ? kAlpnH2 : kAlpnHttp11;
    unsigned oursLength = h2 ? sizeof kAlpnH2 : sizeof kAlpnHttp11;
    unsigned char* chosen;
    if (SSL_select_next_proto(&chosen, outLength, ours, oursLength, in, inLength) != OPENSSL_NPN_NEGOTIATED)
        return SSL_TLSEXT_ERR_NOACK; // no common protocol: go on without ALPN (HTTP/1.1)
    *out = chosen;
    return SSL_TLSEXT_ERR_OK;
}

} // namespace

TlsContext::TlsContext(const std::string& certFile, const std::string& keyFile, bool offerHttp2)
    : offerHttp2_(offerHttp2) {
    ctx_ = SSL_CTX_new(TLS_server_method());
    if (!ctx_) throw std::runtime_error(opensslError("TLS"));
    SSL_CTX_set_min_proto_version(ctx_, TLS1_2_VERSION); // RFC 9113 9.2: HTTP/2 needs TLS 1.2 or later
    SSL_CTX_set_options(ctx_, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
    SSL_CTX_set_mode(ctx_, SSL_MODE_RELEASE_BUFFERS);
    if (SSL_CTX_use_certificate_chain_file(ctx_, certFile.c_str()) != 1) {
        std::string message = opensslError("cannot use certificate '" + certFile + "'");
        SSL_CTX_free(ctx_);
        throw std::runtime_error(message);
    }
    if (SSL_CTX_use_PrivateKey_file(ctx_, keyFile.c_str(), SSL_FILETYPE_PEM) != 1 || SSL_CTX_check_private_key(ctx_) != 1) {
        std::string message = opensslError("cannot use private key '" + keyFile + "'");
        SSL_CTX_free(ctx_);
        throw std::runtime_error(message);
    }
    SSL_CTX_set_alpn_select_cb(ctx_, selectAlpn, &offerHttp2_);
}

TlsContext::~TlsContext() { SSL_CTX_free(ctx_); }

TlsChannel::TlsChannel(const TlsContext& context) : ssl_(SSL_new(context.get())) {
    if (!ssl_) throw std::bad_alloc();
    in_ = BIO_new(BIO_s_mem());
    out_ = BIO_new(BIO_s_mem());
    BIO_set_mem_eof_return(in_, -1); // empty means "wait for more", not end of file
    SSL_set_bio(ssl_, in_, out_);
    SSL_set_accept_state(ssl_);
}

TlsChannel::~TlsChannel() { SSL_free(ssl_); }

void TlsChannel::receive(const char* data, size_t size) { BIO_write(in_, data, int(size)); }

void TlsChannel::collectOutput() {
    char* bytes;
    long n = BIO_get_mem_data(out_, &bytes);
    if (n <= 0) return;
    if (sent == out.size()) {
        out.clear();
        sent = 0;
    }
    out.append(bytes, size_t(n));
    (void)BIO_reset(out_);
}

bool TlsChannel::decrypt(std::string& plain, bool& closed) {
    char buf[16 * 1024];
    bool ok = true;
    for (;;) {
        int n = SSL_read(ssl_, buf, sizeof buf);
        if (n > 0) {
            plain.append(buf, size_t(n));
            continue;
        }
        int error = SSL_get_error(ssl_, n);
        if (error == SSL_ERROR_ZERO_RETURN) closed = true;
        else if (error != SSL_ERROR_WANT_READ && error != SSL_ERROR_WANT_WRITE) ok = false;
        break;
    }
    ERR_clear_error();
    collectOutput();
    return ok;
}

bool TlsChannel::encrypt(std::string_view plain) {
    while (!plain.empty()) {
        int n = SSL_write(ssl_, plain.data(), int(std::min<size_t>(plain.size(), 1 << 30)));
        if (n <= 0) {
            ERR_clear_error();
            collectOutput();
            return false;
        }
        plain.remove_prefix(size_t(n));
    }
    collectOutput();
    return true;
}

std::string_view TlsChannel::alpn() const {
    const unsigned char* name = nullptr;
    unsigned length = 0;
    SSL_get0_alpn_selected(ssl_, &name, &length);
    return {reinterpret_cast<const char*>(name), length};
}

} // namespace langoost
