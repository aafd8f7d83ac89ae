// The `http` client module (stdlib.md): get, post and request over
// HTTP/1.1 with libcurl. Each call is one blocking transfer on its own easy
// handle, so calls from several threads are independent.
//
//   options: {headers: {name: value}, timeout: ms (default 30000),
//             followRedirects: bool (default true), body: string|object}
//   result:  {status: int, headers: {lowercase-name: value}, body: string}
//
// Network failures (refused, DNS, timeout, bad URL) raise IOError; any HTTP
// status, 4xx and 5xx included, is a normal result.
#include "common/Parking.h"
#include "stdlib/CurlLibrary.h"

#include <algorithm>
#include <mutex>
#include <vector>

#include "stdlib/DataArgs.h"
#include "stdlib/HttpMessage.h"
#include "stdlib/Stdlib.h"
#include "vm/MapOps.h"

namespace langoost {
namespace {

struct Transfer {
    std::string body;
    // Header lines of the final response only (earlier ones are from
    // redirects or 100-continue and are dropped when a new status line comes).
    std::vector<std::pair<std::string, std::string>> headers;
    bool tooLarge = false;
};

size_t onBody(char* data, size_t size, size_t count, void* user) {
    auto* t = static_cast<Transfer*>(user);
    size_t n = size * count;
    if (t->body.size() + n > kMaxStringLength) {
        t->tooLarge = true;
        return 0;
    }
    t->body.append(data, n);
    return n;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) s.remove_suffix(1);
    return s;
}

size_t onHeader(char* data, size_t size, size_t count, void* user) {
    auto* t = static_cast<Transfer*>(user);
    size_t n = size * count;
    std::string_view line(data, n);
    if (line.starts_with("HTTP/")) {
        t->headers.clear();
        return n;
    }
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) return n;
    std::string name(trim(line.substr(0, colon)));
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    t->headers.emplace_back(std::move(name), std::string(trim(line.substr(colon + 1))));
    return n;
}

// libcurl, loaded on first use (see CurlLibrary.h).
const CurlLibrary& curl(VM& vm) {
    const char* error = nullptr;
    const CurlLibrary* lib = curlLibrary(&error);
    if (!lib) vm.raise("IOError", std::string("http: ") + error);
    return *lib;
}

// This thread's idle easy handles, reset (every option back to its
// default) and kept for the next transfer, which then skips allocating
// curl's per-handle state (~20 KB) — a server worker makes one per request.
struct IdleHandles {
    static constexpr size_t kMax = 64;
    const CurlLibrary* lib = nullptr;
    std::vector<CURL*> handles;
    ~IdleHandles() {
        for (CURL* h : handles) lib->easy_cleanup(h);
    }
};
thread_local IdleHandles idleHandles;

struct CurlHandle {
    const CurlLibrary* lib;
    CURL* h;
    curl_slist* headers = nullptr;
    explicit CurlHandle(const CurlLibrary& library) : lib(&library) {
        if (idleHandles.handles.empty()) {
            h = library.easy_init();
        } else {
            h = idleHandles.handles.back();
            idleHandles.handles.pop_back();
        }
    }
    ~CurlHandle() {
        lib->slist_free_all(headers);
        if (!h) return;
        if (idleHandles.handles.size() < IdleHandles::kMax) {
            lib->easy_reset(h);
            idleHandles.lib = lib;
            idleHandles.handles.push_back(h);
        } else {
            lib->easy_cleanup(h);
        }
    }
};

Value optionField(MapObject* options, const char* name) {
    if (!options) return Value();
    Value* v = mapFind(options, name);
    return v ? *v : Value();
}

Value perform(VM& vm, const char* fn, std::string method, std::string_view url, Value body, MapObject* options) {
    const CurlLibrary* lib = &curl(vm);
    CurlHandle c(*lib);
    if (!c.h) vm.raise("IOError", std::string(fn) + ": could not create a transfer");
    std::string urlCopy(url);
    std::transform(method.begin(), method.end(), method.begin(), [](unsigned char ch) { return char(std::toupper(ch)); });

    // Request body: a string as is; an object or array as JSON.
    std::string payload;
    bool hasBody = false, jsonBody = false;
    if (body.isString()) {
        payload = std::string(body.as<StringObject>()->view());
        hasBody = true;
    } else if (body.isObjType(ObjType::Map) || body.isObjType(ObjType::Array)) {
        payload = jsonStringify(vm, body, 0);
        hasBody = jsonBody = true;
    } else if (!body.isNil()) {
        vm.raise("TypeError", std::string(fn) + ": the body must be a string, object or array, got " + vm.typeName(body));
    }

    bool hasContentType = false;
    Value headers = optionField(options, "headers");
    if (!headers.isNil()) {
        if (!headers.isObjType(ObjType::Map))
            vm.raise("TypeError", std::string(fn) + ": options.headers must be an object, got " + vm.typeName(headers));
        auto* hm = headers.as<MapObject>();
        for (StringObject* k : mapSortedKeys(hm)) {
            Value v = *mapFind(hm, k);
            std::string line(k->view());
            std::string value = v.isString() ? std::string(v.as<StringObject>()->view()) : vm.toString(v);
            checkScriptHeader(vm, fn, line, value);
            std::string lower = line;
            std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char ch) { return char(std::tolower(ch)); });
            if (lower == "content-type") hasContentType = true;
            line += value.empty() ? ";" : ": " + value; // "Name;" sends an empty header in curl
            c.headers = lib->slist_append(c.headers, line.c_str());
        }
    }
    if (jsonBody && !hasContentType) c.headers = lib->slist_append(c.headers, "Content-Type: application/json");
    // Do not wait for "100 Continue" on large bodies.
    c.headers = lib->slist_append(c.headers, "Expect:");

    int64_t timeoutMs = 30000;
    Value timeout = optionField(options, "timeout");
    if (!timeout.isNil()) {
        if (!timeout.isNumber() || timeout.asNumber() < 0)
            vm.raise("TypeError", std::string(fn) + ": options.timeout must be a non-negative number of milliseconds");
        timeoutMs = int64_t(timeout.asNumber());
    }
    Value follow = optionField(options, "followRedirects");
    bool followRedirects = follow.isNil() ? true : follow.truthy();

    Transfer t;
    lib->easy_setopt(c.h, CURLOPT_URL, urlCopy.c_str());
    lib->easy_setopt(c.h, CURLOPT_PROTOCOLS_STR, "http,https");
    lib->easy_setopt(c.h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    lib->easy_setopt(c.h, CURLOPT_HTTP_VERSION, long(CURL_HTTP_VERSION_1_1));
    lib->easy_setopt(c.h, CURLOPT_NOSIGNAL, 1L);
    lib->easy_setopt(c.h, CURLOPT_TIMEOUT_MS, long(timeoutMs));
    lib->easy_setopt(c.h, CURLOPT_FOLLOWLOCATION, followRedirects ? 1L : 0L);
    lib->easy_setopt(c.h, CURLOPT_MAXREDIRS, 10L);
    lib->easy_setopt(c.h, CURLOPT_USERAGENT, "langoost");
    lib->easy_setopt(c.h, CURLOPT_ACCEPT_ENCODING, ""); // any encoding curl can decode
    lib->easy_setopt(c.h, CURLOPT_WRITEFUNCTION, onBody);
    lib->easy_setopt(c.h, CURLOPT_WRITEDATA, &t);
    lib->easy_setopt(c.h, CURLOPT_HEADERFUNCTION, onHeader);
    lib->easy_setopt(c.h, CURLOPT_HEADERDATA, &t);
    lib->easy_setopt(c.h, CURLOPT_HTTPHEADER, c.headers);
    if (method == "GET") {
        lib->easy_setopt(c.h, CURLOPT_HTTPGET, 1L);
    } else if (method == "HEAD") {
        lib->easy_setopt(c.h, CURLOPT_NOBODY, 1L);
    } else {
        for (char ch : method)
            if (!std::isalpha(static_cast<unsigned char>(ch)) && ch != '-' && ch != '_')
                vm.raise("ValueError", std::string(fn) + ": invalid method \"" + method + "\"");
        lib->easy_setopt(c.h, CURLOPT_CUSTOMREQUEST, method.c_str());
    }
    if (hasBody) {
        lib->easy_setopt(c.h, CURLOPT_POSTFIELDS, payload.data());
        lib->easy_setopt(c.h, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(payload.size()));
    }
    if (method == "POST" && !hasBody) lib->easy_setopt(c.h, CURLOPT_POSTFIELDSIZE, 0L);

    CURLcode rc;
    int waitEnd = 0;
    {
        BlockingSection io(vm); // the transfer touches only C++ buffers
        if (Parker* parker = currentParker()) rc = performParked(*lib, c.h, *parker, waitEnd); // the request parks
        else rc = lib->easy_perform(c.h);
    }
    vm.afterWait(waitEnd);
    if (t.tooLarge) vm.raise("IOError", std::string(fn) + ": response body exceeds the maximum string length");
    if (rc != CURLE_OK) vm.raise("IOError", std::string(fn) + ": " + lib->easy_strerror(rc) + " (" + urlCopy + ")");
    long status = 0;
    lib->easy_getinfo(c.h, CURLINFO_RESPONSE_CODE, &status);

    MapObject* result = vm.heap().newMap();
    MapObject* hm = vm.heap().newMap();
    for (auto& [name, value] : t.headers) {
        StringObject* k = vm.newString(name);
        Value* existing = mapFind(hm, k);
        if (existing) {
            std::string joined(existing->as<StringObject>()->view());
            joined += ", ";
            joined += value;
            mapSet(vm.heap(), hm, k, vm.stringValue(joined));
        } else {
            mapSet(vm.heap(), hm, k, vm.stringValue(value));
        }
    }
    mapSet(vm.heap(), result, internConstant("status"), Value::integer(status));
    mapSet(vm.heap(), result, internConstant("headers"), Value::object(hm));
    mapSet(vm.heap(), result, internConstant("body"), vm.stringValue(t.body));
    return Value::object(result);
}

MapObject* optionsArg(VM& vm, const char* fn, Value* a, int n, int i) {
    if (i >= n || a[i].isNil()) return nullptr;
    if (!a[i].isObjType(ObjType::Map))
        vm.raise("TypeError", std::string(fn) + ": argument " + std::to_string(i + 1) + " (options) must be an object, got " +
                                  vm.typeName(a[i]));
    return a[i].as<MapObject>();
}

Value h_get(VM& vm, Value, Value* a, int n) {
    auto url = argString(vm, "http.get", a, n, 0);
    return perform(vm, "http.get", "GET", url, Value(), optionsArg(vm, "http.get", a, n, 1));
}

Value h_post(VM& vm, Value, Value* a, int n) {
    auto url = argString(vm, "http.post", a, n, 0);
    return perform(vm, "http.post", "POST", url, n > 1 ? a[1] : Value(), optionsArg(vm, "http.post", a, n, 2));
}

Value h_request(VM& vm, Value, Value* a, int n) {
    auto method = argString(vm, "http.request", a, n, 0);
    auto url = argString(vm, "http.request", a, n, 1);
    MapObject* options = optionsArg(vm, "http.request", a, n, 2);
    if (method.empty()) vm.raise("ValueError", "http.request: empty method");
    return perform(vm, "http.request", std::string(method), url, optionField(options, "body"), options);
}

} // namespace

const NativeModuleDef& httpModule() {
    static const NativeModuleDef def = {
        "http",
        {
            {"get", h_get, 1, 2},
            {"post", h_post, 2, 3},
            {"request", h_request, 2, 3},
        },
        {},
    };
    return def;
}

} // namespace langoost
