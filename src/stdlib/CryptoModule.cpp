// The `crypto` module (stdlib.md): digests, HMAC and random bytes, all
// through OpenSSL's libcrypto (EVP digests, HMAC, RAND_bytes,
// CRYPTO_memcmp), loaded on first use (common/OpenSsl.h). Digests and MACs
// are returned as lowercase hex.
#include "common/OpenSsl.h"
#include "stdlib/DataArgs.h"
#include "stdlib/Stdlib.h"

namespace langoost {

const OpenSsl& openSslFor(VM& vm, const char* who) {
    try {
        return openSsl();
    } catch (const OpenSslUnavailable& e) {
        vm.raise("IOError", std::string(who) + ": " + e.what());
    }
}

namespace {

// Which EVP digest: EVP_md5, EVP_sha1, ... picked from the loaded table.
using DigestPick = decltype(OpenSsl::EVP_md5) OpenSsl::*;

Value digest(VM& vm, const char* fn, DigestPick pick, Value* a, int n) {
    auto s = argString(vm, fn, a, n, 0);
    const OpenSsl& ssl = openSslFor(vm, fn);
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (!ssl.EVP_Digest(s.data(), s.size(), out, &len, (ssl.*pick)(), nullptr))
        vm.raise("ValueError", std::string(fn) + ": digest failed");
    return vm.stringValue(hexEncode(std::string_view(reinterpret_cast<char*>(out), len)));
}

Value c_md5(VM& vm, Value, Value* a, int n) { return digest(vm, "crypto.md5", &OpenSsl::EVP_md5, a, n); }
Value c_sha1(VM& vm, Value, Value* a, int n) { return digest(vm, "crypto.sha1", &OpenSsl::EVP_sha1, a, n); }
Value c_sha256(VM& vm, Value, Value* a, int n) { return digest(vm, "crypto.sha256", &OpenSsl::EVP_sha256, a, n); }
Value c_sha512(VM& vm, Value, Value* a, int n) { return digest(vm, "crypto.sha512", &OpenSsl::EVP_sha512, a, n); }

Value mac(VM& vm, const char* fn, DigestPick pick, Value* a, int n) {
    auto key = argString(vm, fn, a, n, 0);
    auto msg = argString(vm, fn, a, n, 1);
    const OpenSsl& ssl = openSslFor(vm, fn);
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    static const unsigned char empty = 0;
    const void* keyData = key.empty() ? static_cast<const void*>(&empty) : key.data();
    if (key.size() > size_t(INT32_MAX) ||
        !ssl.HMAC((ssl.*pick)(), keyData, int(key.size()), reinterpret_cast<const unsigned char*>(msg.data()), msg.size(), out, &len))
        vm.raise("ValueError", std::string(fn) + ": HMAC failed");
    return vm.stringValue(hexEncode(std::string_view(reinterpret_cast<char*>(out), len)));
}

Value h_sha1(VM& vm, Value, Value* a, int n) { return mac(vm, "crypto.hmac.sha1", &OpenSsl::EVP_sha1, a, n); }
Value h_sha256(VM& vm, Value, Value* a, int n) { return mac(vm, "crypto.hmac.sha256", &OpenSsl::EVP_sha256, a, n); }
Value h_sha512(VM& vm, Value, Value* a, int n) { return mac(vm, "crypto.hmac.sha512", &OpenSsl::EVP_sha512, a, n); }

constexpr int64_t kMaxRandom = 1 << 24; // 16 MiB per call

std::string random(VM& vm, const char* fn, Value* a, int n) {
    int64_t count = argInt(vm, fn, a, n, 0);
    if (count < 0 || count > kMaxRandom)
        vm.raise("ValueError", std::string(fn) + ": count must be between 0 and " + std::to_string(kMaxRandom) + ", got " +
                                   std::to_string(count));
    std::string out(size_t(count), '\0');
    if (count && openSslFor(vm, fn).RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), int(count)) != 1)
        vm.raise("IOError", std::string(fn) + ": the system random generator failed");
    return out;
}

Value c_randomBytes(VM& vm, Value, Value* a, int n) { return vm.stringValue(random(vm, "crypto.randomBytes", a, n)); }
Value c_randomHex(VM& vm, Value, Value* a, int n) { return vm.stringValue(hexEncode(random(vm, "crypto.randomHex", a, n))); }

Value c_constantTimeEq(VM& vm, Value, Value* a, int n) {
    auto x = argString(vm, "crypto.constantTimeEq", a, n, 0);
    auto y = argString(vm, "crypto.constantTimeEq", a, n, 1);
    if (x.size() != y.size()) return Value::boolean(false);
    return Value::boolean(x.empty() ||
                          openSslFor(vm, "crypto.constantTimeEq").CRYPTO_memcmp(x.data(), y.data(), x.size()) == 0);
}

} // namespace

const NativeModuleDef& cryptoModule() {
    static const NativeModuleDef def = {
        "crypto",
        {
            {"md5", c_md5, 1, 1},
            {"sha1", c_sha1, 1, 1},
            {"sha256", c_sha256, 1, 1},
            {"sha512", c_sha512, 1, 1},
            {"randomBytes", c_randomBytes, 1, 1},
            {"randomHex", c_randomHex, 1, 1},
            {"constantTimeEq", c_constantTimeEq, 2, 2},
        },
        {
            {"hmac", {{"sha1", h_sha1, 2, 2}, {"sha256", h_sha256, 2, 2}, {"sha512", h_sha512, 2, 2}}, {}},
        },
    };
    return def;
}

} // namespace langoost
