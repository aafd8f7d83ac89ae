#include "server/Tls.h"

#include "common/OpenSsl.h"

#include <cstring>
#include <stdexcept>

namespace langoost {
namespace {

std::string opensslError(const std::string& what) {
    const OpenSsl& lib = openSsl();
    unsigned long code = lib.ERR_get_error();
    char reason[256] = "unknown error";
    if (code) lib.ERR_error_string_n(code, reason, sizeof reason);
    lib.ERR_clear_error();
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
    if (openSsl().SSL_select_next_proto(&chosen, outLength, ours, oursLength, in, inLength) != OPENSSL_NPN_NEGOTIATED)
        return SSL_TLSEXT_ERR_NOACK; // no common protocol: go on without ALPN (HTTP/1.1)
    *out = chosen;
    return SSL_TLSEXT_ERR_OK;
}

} // namespace

TlsContext::TlsContext(const std::string& certFile, const std::string& keyFile, bool offerHttp2)
    : offerHttp2_(offerHttp2) {
    const OpenSsl& lib = openSsl();
    ctx_ = lib.SSL_CTX_new(lib.TLS_server_method());
    if (!ctx_) throw std::runtime_error(opensslError("TLS"));
    lib.SSL_CTX_ctrl(ctx_, SSL_CTRL_SET_MIN_PROTO_VERSION, TLS1_2_VERSION, nullptr); // RFC 9113 9.2: HTTP/2 needs TLS 1.2 or later
    lib.SSL_CTX_set_options(ctx_, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
    lib.SSL_CTX_ctrl(ctx_, SSL_CTRL_MODE, SSL_MODE_RELEASE_BUFFERS, nullptr);
    if (lib.SSL_CTX_use_certificate_chain_file(ctx_, certFile.c_str()) != 1) {
        std::string message = opensslError("cannot use certificate '" + certFile + "'");
        lib.SSL_CTX_free(ctx_);
        throw std::runtime_error(message);
    }
    if (lib.SSL_CTX_use_PrivateKey_file(ctx_, keyFile.c_str(), SSL_FILETYPE_PEM) != 1 || lib.SSL_CTX_check_private_key(ctx_) != 1) {
        std::string message = opensslError("cannot use private key '" + keyFile + "'");
        lib.SSL_CTX_free(ctx_);
        throw std::runtime_error(message);
    }
    lib.SSL_CTX_set_alpn_select_cb(ctx_, selectAlpn, &offerHttp2_);
}

TlsContext::~TlsContext() { openSsl().SSL_CTX_free(ctx_); }

TlsChannel::TlsChannel(const TlsContext& context) : ssl_(openSsl().SSL_new(context.get())) {
    const OpenSsl& lib = openSsl();
    if (!ssl_) throw std::bad_alloc();
    in_ = lib.BIO_new(lib.BIO_s_mem());
    out_ = lib.BIO_new(lib.BIO_s_mem());
    lib.BIO_ctrl(in_, BIO_C_SET_BUF_MEM_EOF_RETURN, -1, nullptr); // empty means "wait for more", not end of file
    lib.SSL_set_bio(ssl_, in_, out_);
    lib.SSL_set_accept_state(ssl_);
}

TlsChannel::~TlsChannel() { openSsl().SSL_free(ssl_); }

void TlsChannel::receive(const char* data, size_t size) { openSsl().BIO_write(in_, data, int(size)); }

void TlsChannel::collectOutput() {
    const OpenSsl& lib = openSsl();
    char* bytes;
    long n = lib.BIO_ctrl(out_, BIO_CTRL_INFO, 0, &bytes);
    if (n <= 0) return;
    if (sent == out.size()) {
        out.clear();
        sent = 0;
    }
    out.append(bytes, size_t(n));
    lib.BIO_ctrl(out_, BIO_CTRL_RESET, 0, nullptr);
}

bool TlsChannel::decrypt(std::string& plain, bool& closed) {
    const OpenSsl& lib = openSsl();
    char buf[16 * 1024];
    bool ok = true;
    for (;;) {
        int n = lib.SSL_read(ssl_, buf, sizeof buf);
        if (n > 0) {
            plain.append(buf, size_t(n));
            continue;
        }
        int error = lib.SSL_get_error(ssl_, n);
        if (error == SSL_ERROR_ZERO_RETURN) closed = true;
        else if (error != SSL_ERROR_WANT_READ && error != SSL_ERROR_WANT_WRITE) ok = false;
        break;
    }
    lib.ERR_clear_error();
    collectOutput();
    return ok;
}

bool TlsChannel::encrypt(std::string_view plain) {
    const OpenSsl& lib = openSsl();
    while (!plain.empty()) {
        int n = lib.SSL_write(ssl_, plain.data(), int(std::min<size_t>(plain.size(), 1 << 30)));
        if (n <= 0) {
            lib.ERR_clear_error();
            collectOutput();
            return false;
        }
        plain.remove_prefix(size_t(n));
    }
    collectOutput();
    return true;
}

bool TlsChannel::handshakeDone() const { return openSsl().SSL_is_init_finished(ssl_); }

std::string_view TlsChannel::alpn() const {
    const unsigned char* name = nullptr;
    unsigned length = 0;
    openSsl().SSL_get0_alpn_selected(ssl_, &name, &length);
    return {reinterpret_cast<const char*>(name), length};
}

} // namespace langoost
