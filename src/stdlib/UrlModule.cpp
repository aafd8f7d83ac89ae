// The `url` module (stdlib.md): percent-encoding, URL splitting and query
// strings.
#include <algorithm>

#include "stdlib/DataArgs.h"
#include "stdlib/HttpMessage.h"
#include "stdlib/Stdlib.h"
#include "vm/ArrayOps.h"
#include "vm/MapOps.h"

namespace langoost {
namespace {

bool unreserved(unsigned char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
           c == '.' || c == '~';
}

void percentEncode(std::string& out, std::string_view s) {
    static const char* hex = "0123456789ABCDEF";
    for (unsigned char c : s) {
        if (unreserved(c)) {
            out += char(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
}

// Percent-decoding; `plusIsSpace` for query strings (form encoding).
std::string decodeOrRaise(VM& vm, const char* fn, std::string_view s, bool plusIsSpace) {
    std::string out;
    size_t bad = percentDecode(s, plusIsSpace, out);
    if (bad != std::string_view::npos)
        vm.raise("ValueError", std::string(fn) + ": malformed percent escape at byte " + std::to_string(bad));
    return out;
}

Value u_encode(VM& vm, Value, Value* a, int n) {
    auto s = argString(vm, "url.encode", a, n, 0);
    if (s.size() > kMaxStringLength / 3) vm.raise("ValueError", "url.encode: input is too large");
    std::string out;
    out.reserve(s.size());
    percentEncode(out, s);
    return makeString(vm, out);
}

Value u_decode(VM& vm, Value, Value* a, int n) {
    return makeString(vm, decodeOrRaise(vm, "url.decode", argString(vm, "url.decode", a, n, 0), false));
}

void setString(VM& vm, MapObject* m, const char* key, std::string_view v) {
    mapSet(vm.heap(), m, internConstant(key), vm.stringValue(v));
}

int64_t defaultPort(std::string_view scheme) {
    std::string s(scheme);
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    if (s == "http" || s == "ws") return 80;
    if (s == "https" || s == "wss") return 443;
    if (s == "ftp") return 21;
    return 0;
}

// parse(u) -> {scheme, host, port, path, query, fragment}; RFC 3986 split,
// components left percent-encoded. `user` is added when the authority has
// userinfo. A missing port is the scheme's default (80, 443, …) or 0.
Value u_parse(VM& vm, Value, Value* a, int n) {
    std::string_view s = argString(vm, "url.parse", a, n, 0);
    std::string_view scheme, authority, path, query, fragment;
    bool hasAuthority = false;
    if (size_t hash = s.find('#'); hash != std::string_view::npos) {
        fragment = s.substr(hash + 1);
        s = s.substr(0, hash);
    }
    // scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":"
    size_t colon = s.find(':');
    if (colon != std::string_view::npos && colon > 0 && std::isalpha(static_cast<unsigned char>(s[0]))) {
        bool ok = true;
        for (size_t i = 1; i < colon; ++i) {
            unsigned char c = static_cast<unsigned char>(s[i]);
            if (!std::isalnum(c) && c != '+' && c != '-' && c != '.') ok = false;
        }
        if (ok) {
            scheme = s.substr(0, colon);
            s = s.substr(colon + 1);
        }
    }
    if (size_t q = s.find('?'); q != std::string_view::npos) {
        query = s.substr(q + 1);
        s = s.substr(0, q);
    }
    if (s.starts_with("//")) {
        hasAuthority = true;
        s.remove_prefix(2);
        size_t slash = s.find('/');
        authority = s.substr(0, slash);
        path = slash == std::string_view::npos ? std::string_view() : s.substr(slash);
    } else {
        path = s;
    }
    std::string_view user, host;
    int64_t port = defaultPort(scheme);
    if (hasAuthority) {
        if (size_t at = authority.rfind('@'); at != std::string_view::npos) {
            user = authority.substr(0, at);
            authority = authority.substr(at + 1);
        }
        std::string_view portText;
        if (authority.starts_with('[')) {
            size_t close = authority.find(']');
            if (close == std::string_view::npos) vm.raise("ValueError", "url.parse: missing ']' in IPv6 host");
            host = authority.substr(1, close - 1);
            std::string_view rest = authority.substr(close + 1);
            if (!rest.empty()) {
                if (rest[0] != ':') vm.raise("ValueError", "url.parse: unexpected text after IPv6 host");
                portText = rest.substr(1);
                if (portText.empty()) portText = {};
            }
        } else if (size_t c = authority.rfind(':'); c != std::string_view::npos) {
            host = authority.substr(0, c);
            portText = authority.substr(c + 1);
        } else {
            host = authority;
        }
        if (!portText.empty()) {
            int64_t p = 0;
            for (char c : portText) {
                if (c < '0' || c > '9' || (p = p * 10 + (c - '0')) > 65535)
                    vm.raise("ValueError", "url.parse: invalid port \"" + std::string(portText) + "\"");
            }
            port = p;
        }
    }
    MapObject* m = vm.heap().newMap();
    setString(vm, m, "scheme", scheme);
    setString(vm, m, "host", host);
    mapSet(vm.heap(), m, internConstant("port"), Value::integer(port));
    setString(vm, m, "path", path);
    setString(vm, m, "query", query);
    setString(vm, m, "fragment", fragment);
    if (!user.empty()) setString(vm, m, "user", user);
    return Value::object(m);
}

// parseQuery("a=1&b=x+y&a=2") -> {a: ["1", "2"], b: "x y"}
Value u_parseQuery(VM& vm, Value, Value* a, int n) {
    std::string_view q = argString(vm, "url.parseQuery", a, n, 0);
    if (q.starts_with('?')) q.remove_prefix(1);
    MapObject* m = vm.heap().newMap();
    while (!q.empty()) {
        size_t amp = q.find('&');
        std::string_view pair = q.substr(0, amp);
        q = amp == std::string_view::npos ? std::string_view() : q.substr(amp + 1);
        if (pair.empty()) continue;
        size_t eq = pair.find('=');
        std::string key = decodeOrRaise(vm, "url.parseQuery", pair.substr(0, eq), true);
        std::string value =
            eq == std::string_view::npos ? std::string() : decodeOrRaise(vm, "url.parseQuery", pair.substr(eq + 1), true);
        addRepeatedValue(vm, m, key, vm.stringValue(value));
    }
    return Value::object(m);
}

void appendScalar(VM& vm, std::string& out, Value v) {
    if (v.isString()) {
        percentEncode(out, v.as<StringObject>()->view());
    } else if (v.isNumber() || v.isBool()) {
        percentEncode(out, vm.toString(v));
    } else {
        vm.raise("TypeError", std::string("url.buildQuery: cannot encode a value of type ") + vm.typeName(v));
    }
}

// buildQuery({b: "x y", a: [1, 2]}) -> "a=1&a=2&b=x%20y" (sorted keys)
Value u_buildQuery(VM& vm, Value, Value* a, int n) {
    if (n < 1 || !a[0].isObjType(ObjType::Map))
        vm.raise("TypeError", std::string("url.buildQuery: argument 1 must be an object, got ") + vm.typeName(a[0]));
    auto* m = a[0].as<MapObject>();
    std::string out;
    for (StringObject* k : mapSortedKeys(m)) {
        Value v = *mapFind(m, k);
        auto emit = [&](Value item) {
            if (!out.empty()) out += '&';
            percentEncode(out, k->view());
            out += '=';
            appendScalar(vm, out, item);
        };
        if (v.isObjType(ObjType::Array)) {
            auto* arr = v.as<ArrayObject>();
            for (uint32_t i = 0; i < arr->length; ++i) emit(arr->at(i));
        } else {
            emit(v);
        }
        if (out.size() > kMaxStringLength) vm.raise("ValueError", "url.buildQuery: result is too large");
    }
    return makeString(vm, out);
}

} // namespace

const NativeModuleDef& urlModule() {
    static const NativeModuleDef def = {
        "url",
        {
            {"encode", u_encode, 1, 1},
            {"decode", u_decode, 1, 1},
            {"parse", u_parse, 1, 1},
            {"parseQuery", u_parseQuery, 1, 1},
            {"buildQuery", u_buildQuery, 1, 1},
        },
        {},
    };
    return def;
}

} // namespace langoost
