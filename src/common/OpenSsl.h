// OpenSsl: libssl and libcrypto (OpenSSL 3), loaded with dlopen the first
// time something needs them — a hash, an HMAC, random bytes, a WebSocket
// handshake, a TLS listener, a package checksum. Linked in, OpenSSL's
// relocations and initialisers cost every `langoost run` a third of its
// start-up (1.87 -> 1.50 ms, 376 -> 266 page faults, binary 8.7 -> 3.6 MB)
// although most scripts never use it.
//
// Call sites use OpenSSL's own names through the table:
//   const OpenSsl& ssl = openSsl();  ssl.SHA1(data, n, digest);
// OpenSSL's function-like macros (BIO_reset, SSL_CTX_set_mode, ...) expand
// to calls of the linked symbols, so callers spell them out with BIO_ctrl /
// SSL_CTX_ctrl instead.
#pragma once
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <openssl/ssl.h>

#include <stdexcept>

namespace langoost {

#define LANGOOST_OPENSSL_FUNCTIONS(X)                                                                             \
    X(BIO_ctrl) X(BIO_new) X(BIO_s_mem) X(BIO_write) X(CRYPTO_memcmp) X(ERR_clear_error) X(ERR_error_string_n)    \
    X(ERR_get_error) X(EVP_DecodeBlock) X(EVP_Digest) X(EVP_DigestFinal_ex) X(EVP_DigestInit_ex)                 \
    X(EVP_DigestUpdate) X(EVP_EncodeBlock) X(EVP_MD_CTX_free) X(EVP_MD_CTX_new) X(EVP_md5) X(EVP_sha1)           \
    X(EVP_sha256) X(EVP_sha512) X(HMAC) X(OPENSSL_thread_stop) X(RAND_bytes) X(SHA1)                             \
    X(SSL_CTX_check_private_key) X(SSL_CTX_ctrl) X(SSL_CTX_free) X(SSL_CTX_new) X(SSL_CTX_set_alpn_select_cb)    \
    X(SSL_CTX_set_options) X(SSL_CTX_use_PrivateKey_file) X(SSL_CTX_use_certificate_chain_file) X(SSL_free)      \
    X(SSL_get0_alpn_selected) X(SSL_get_error) X(SSL_is_init_finished) X(SSL_new) X(SSL_read)                    \
    X(SSL_select_next_proto) X(SSL_set_accept_state) X(SSL_set_bio) X(SSL_write) X(TLS_server_method)

struct OpenSsl {
#define LANGOOST_OPENSSL_POINTER(name) decltype(&::name) name;
    LANGOOST_OPENSSL_FUNCTIONS(LANGOOST_OPENSSL_POINTER)
#undef LANGOOST_OPENSSL_POINTER
};

// Thrown by openSsl() when libssl.so.3 (or $LANGOOST_LIBSSL) cannot be
// loaded (package libssl3).
struct OpenSslUnavailable : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// The loaded library; loads it on the first call (thread-safe).
const OpenSsl& openSsl();
// Whether some earlier call loaded it (never loads).
bool openSslLoaded();

} // namespace langoost
