// The `session` module (stdlib.md): signed, timestamped tokens.
//
//   token = B64URL(payload) "." issuedAtMs "." B64URL(HMAC-SHA256(secret, MAC input))
//   MAC input = "langoost-session-v1." B64URL(payload) "." issuedAtMs
//
// B64URL is URL-safe base64 without padding; issuedAtMs is decimal. The MAC
// is OpenSSL's HMAC and the comparison is constant-time (CRYPTO_memcmp).
// verify() never throws on bad tokens or secrets: it answers false.
#include <cstring>
#include <ctime>
#include <string>

#include "common/OpenSsl.h"
#include "stdlib/Stdlib.h"

namespace langoost {
namespace {

constexpr int64_t kDefaultMaxAgeMs = 7LL * 24 * 60 * 60 * 1000;
constexpr int64_t kClockSkewMs = 5 * 60 * 1000; // tolerated "issued in the future"
constexpr size_t kMaxTokenLength = 64u << 20;

int64_t nowMs() {
    timespec ts;
    ::clock_gettime(CLOCK_REALTIME, &ts);
    return int64_t(ts.tv_sec) * 1000 + ts.tv_nsec / 1'000'000;
}

std::string base64Url(std::string_view bytes) {
    std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
    int n = openSsl().EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                            reinterpret_cast<const unsigned char*>(bytes.data()), int(bytes.size()));
    out.resize(size_t(n));
    while (!out.empty() && out.back() == '=') out.pop_back();
    for (char& c : out) c = c == '+' ? '-' : c == '/' ? '_' : c;
    return out;
}

// Strict URL-safe base64 without padding; false on any other input.
bool unbase64Url(std::string_view s, std::string& out) {
    if (s.size() % 4 == 1) return false;
    std::string std(s);
    for (char& c : std) {
        if (c == '-') c = '+';
        else if (c == '_') c = '/';
        else if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) return false;
    }
    size_t padding = (4 - std.size() % 4) % 4;
    std.append(padding, '=');
    out.assign(std.size() / 4 * 3 + 1, '\0');
    int n = openSsl().EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                            reinterpret_cast<const unsigned char*>(std.data()), int(std.size()));
    if (n < 0) return false;
    out.resize(size_t(n) - padding);
    // Canonical form only: re-encoding must give the same text.
    return base64Url(out) == s;
}

bool mac(std::string_view secret, std::string_view encodedPayload, std::string_view issued, std::string& out) {
    std::string input = "langoost-session-v1.";
    input.append(encodedPayload).append(".").append(issued);
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    const OpenSsl& ssl = openSsl();
    if (!ssl.HMAC(ssl.EVP_sha256(), secret.data(), int(secret.size()), reinterpret_cast<const unsigned char*>(input.data()),
              input.size(), digest, &len))
        return false;
    out.assign(reinterpret_cast<const char*>(digest), len);
    return true;
}

Value session_sign(VM& vm, Value, Value* a, int) {
    if (!a[0].isString()) vm.raise("TypeError", std::string("session.sign: payload must be a string, got ") + vm.typeName(a[0]));
    if (!a[1].isString()) vm.raise("TypeError", std::string("session.sign: secret must be a string, got ") + vm.typeName(a[1]));
    std::string_view payload = a[0].as<StringObject>()->view();
    std::string_view secret = a[1].as<StringObject>()->view();
    if (secret.empty()) vm.raise("ValueError", "session.sign: the secret must not be empty");
    if (payload.size() > kMaxTokenLength / 2) vm.raise("ValueError", "session.sign: payload is too large");
    std::string encoded = base64Url(payload);
    std::string issued = std::to_string(nowMs());
    std::string digest;
    if (!mac(secret, encoded, issued, digest)) vm.raise("ValueError", "session.sign: HMAC failed");
    return vm.stringValue(encoded + "." + issued + "." + base64Url(digest));
}

// The payload, or false. Never raises for any argument values.
Value session_verify(VM& vm, Value, Value* a, int n) {
    Value no = Value::boolean(false);
    if (!a[0].isString() || !a[1].isString()) return no;
    std::string_view token = a[0].as<StringObject>()->view();
    std::string_view secret = a[1].as<StringObject>()->view();
    if (secret.empty() || token.size() > kMaxTokenLength) return no;
    int64_t maxAge = kDefaultMaxAgeMs;
    if (n > 2 && a[2].isInt()) maxAge = a[2].asInt();
    else if (n > 2 && a[2].isFloat() && a[2].asFloat() == a[2].asFloat())
        maxAge = a[2].asFloat() > 9e18 ? INT64_MAX : a[2].asFloat() < -9e18 ? INT64_MIN : int64_t(a[2].asFloat());

    size_t dot1 = token.find('.');
    if (dot1 == std::string_view::npos) return no;
    size_t dot2 = token.find('.', dot1 + 1);
    if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) return no;
    std::string_view encoded = token.substr(0, dot1);
    std::string_view issued = token.substr(dot1 + 1, dot2 - dot1 - 1);
    std::string_view signature = token.substr(dot2 + 1);
    if (issued.empty() || issued.size() > 15 || issued.find_first_not_of("0123456789") != std::string_view::npos) return no;

    std::string expected, given;
    if (!mac(secret, encoded, issued, expected)) return no;
    if (!unbase64Url(signature, given) || given.size() != expected.size()) return no;
    if (openSsl().CRYPTO_memcmp(given.data(), expected.data(), expected.size()) != 0) return no;

    int64_t issuedMs = std::stoll(std::string(issued));
    int64_t now = nowMs();
    if (issuedMs > now + kClockSkewMs) return no;
    if (now - issuedMs > maxAge) return no;
    std::string payload;
    if (!unbase64Url(encoded, payload)) return no;
    return vm.stringValue(payload);
}

} // namespace

const NativeModuleDef& sessionModule() {
    static const NativeModuleDef def = {
        "session",
        {
            {"sign", session_sign, 2, 2},
            {"verify", session_verify, 2, 3},
        },
        {},
        {},
        [](VM& vm, MapObject*) { openSslFor(vm, "import session"); }, // HMAC-SHA256 and base64
    };
    return def;
}

} // namespace langoost
