#include "stdlib/HttpMessage.h"

#include <cstdio>

#include "stdlib/DataArgs.h"
#include "vm/ArrayOps.h"
#include "vm/MapOps.h"

namespace langoost {
namespace {

int hexDigit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

size_t decode(std::string_view s, bool plusIsSpace, bool lenient, std::string& out) {
    out.clear();
    out.reserve(s.size());
    for (size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (c == '+' && plusIsSpace) {
            out += ' ';
        } else if (c == '%') {
            int hi = i + 1 < s.size() ? hexDigit(s[i + 1]) : -1;
            int lo = i + 2 < s.size() ? hexDigit(s[i + 2]) : -1;
            if (hi < 0 || lo < 0) {
                if (!lenient) return i;
                out += c;
                continue;
            }
            out += char(hi << 4 | lo);
            i += 2;
        } else {
            out += c;
        }
    }
    return std::string_view::npos;
}

std::string asciiLower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = char(c + 32);
    return out;
}

void setField(VM& vm, MapObject* map, std::string_view key, Value value) {
    mapSet(vm.heap(), map, vm.newString(key), value);
}

// {status, headers, body} with nothing else and an int status.
bool isExplicitResponse(MapObject* m) {
    Value* status = mapFind(m, "status");
    if (!status || !status->isInt()) return false;
    size_t known = 1 + (mapFind(m, "headers") != nullptr) + (mapFind(m, "body") != nullptr);
    return known == m->count;
}

void setDefaultType(HttpResponseData& out, const char* type) {
    if (!out.hasHeader("content-type")) out.headers.emplace_back("Content-Type", type);
}

} // namespace

size_t percentDecode(std::string_view s, bool plusIsSpace, std::string& out) {
    return decode(s, plusIsSpace, false, out);
}

std::string percentDecodeLenient(std::string_view s, bool plusIsSpace) {
    std::string out;
    decode(s, plusIsSpace, true, out);
    return out;
}

void addRepeatedValue(VM& vm, MapObject* map, std::string_view key, Value value) {
    Value* existing = mapFind(map, key);
    if (!existing) {
        setField(vm, map, key, value);
    } else if (existing->isObjType(ObjType::Array)) {
        arrayPush(vm, existing->as<ArrayObject>(), value);
    } else {
        ArrayObject* both = vm.heap().newArray(0, 2);
        arrayPush(vm, both, *existing);
        arrayPush(vm, both, value);
        setField(vm, map, key, Value::object(both));
    }
}

Value parseQueryString(VM& vm, std::string_view qs) {
    MapObject* query = vm.heap().newMap();
    TempRoot root(vm, Value::object(query));
    while (!qs.empty()) {
        size_t amp = qs.find('&');
        std::string_view pair = qs.substr(0, amp);
        size_t eq = pair.find('=');
        std::string key = percentDecodeLenient(pair.substr(0, eq), true);
        if (!key.empty()) {
            std::string value = eq == std::string_view::npos ? "" : percentDecodeLenient(pair.substr(eq + 1), true);
            addRepeatedValue(vm, query, key, makeString(vm, value));
        }
        if (amp == std::string_view::npos) break;
        qs.remove_prefix(amp + 1);
    }
    return Value::object(query);
}

Value buildRequestValue(VM& vm, const HttpRequestData& request) {
    MapObject* req = vm.heap().newMap();
    TempRoot root(vm, Value::object(req));
    setField(vm, req, "method", vm.stringValue(request.method));
    setField(vm, req, "path", makeString(vm, request.path));
    MapObject* params = vm.heap().newMap();
    setField(vm, req, "params", Value::object(params));
    for (const auto& [name, value] : request.params) setField(vm, params, name, makeString(vm, value));
    setField(vm, req, "rawQuery", makeString(vm, request.rawQuery));
    setField(vm, req, "query", parseQueryString(vm, request.rawQuery));
    MapObject* headers = vm.heap().newMap();
    setField(vm, req, "headers", Value::object(headers));
    for (size_t i = 0; i < request.headers.size(); ++i) {
        const auto& [name, value] = request.headers[i];
        if (mapFind(headers, name)) continue; // joined below, at its first occurrence
        std::string joined = value;
        for (size_t j = i + 1; j < request.headers.size(); ++j)
            if (request.headers[j].first == name) joined += ", " + request.headers[j].second;
        setField(vm, headers, name, makeString(vm, joined));
    }
    setField(vm, req, "body", makeString(vm, request.body));
    setField(vm, req, "remoteAddr", vm.stringValue(request.remoteAddr));
    return Value::object(req);
}

bool HttpResponseData::hasHeader(std::string_view lowerName) const {
    for (const auto& [name, value] : headers)
        if (asciiLower(name) == lowerName) return true;
    return false;
}

void applyHandlerResult(VM& vm, Value result, HttpResponseData& out) {
    if (result.isNil()) return;
    if (result.isString()) {
        setDefaultType(out, "text/plain; charset=utf-8");
        out.body += result.as<StringObject>()->view();
        return;
    }
    if (result.isObjType(ObjType::Map) && isExplicitResponse(result.as<MapObject>())) {
        auto* m = result.as<MapObject>();
        int64_t status = mapFind(m, "status")->asInt();
        if (status < 100 || status > 999) vm.raise("ValueError", "response status " + std::to_string(status) + " is out of range");
        out.status = int(status);
        if (Value* hs = mapFind(m, "headers"); hs && hs->isObjType(ObjType::Map))
            for (StringObject* k : mapSortedKeys(hs->as<MapObject>())) {
                std::string v = vm.toString(*mapFind(hs->as<MapObject>(), k));
                checkScriptHeader(vm, "response headers", k->view(), v);
                out.headers.emplace_back(std::string(k->view()), v);
            }
        Value* body = mapFind(m, "body");
        if (!body || body->isNil()) return;
        if (body->isString()) {
            setDefaultType(out, "text/plain; charset=utf-8");
            out.body += body->as<StringObject>()->view();
        } else {
            setDefaultType(out, "application/json");
            out.body += jsonStringify(vm, *body, 0);
        }
        return;
    }
    setDefaultType(out, "application/json");
    out.body += jsonStringify(vm, result, 0);
}

bool unsafeHeaderText(std::string_view text) { return text.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos; }

bool isHeaderName(std::string_view name) {
    if (name.empty()) return false;
    for (char ch : name) {
        bool alnum = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
        if (!alnum && std::string_view("!#$%&'*+-.^_`|~").find(ch) == std::string_view::npos) return false;
    }
    return true;
}

namespace {

// A header name as an error message can show it: quoted, control bytes escaped.
std::string quotedForMessage(std::string_view text) {
    std::string out = "'";
    for (char ch : text.substr(0, 200)) {
        auto byte = static_cast<unsigned char>(ch);
        if (byte < 0x20 || byte == 0x7f) {
            char hex[8];
            std::snprintf(hex, sizeof hex, "\\x%02x", byte);
            out += hex;
        } else {
            out += ch;
        }
    }
    return out + (text.size() > 200 ? "...'" : "'");
}

} // namespace

void checkScriptHeader(VM& vm, std::string_view fn, std::string_view name, std::string_view value) {
    if (!isHeaderName(name))
        vm.raise("ValueError", std::string(fn) + ": invalid header name " + quotedForMessage(name) +
                                   " (a name is letters, digits and !#$%&'*+-.^_`|~)");
    if (unsafeHeaderText(value))
        vm.raise("ValueError", std::string(fn) + ": the value of header " + quotedForMessage(name) + " contains CR, LF or NUL");
}

const char* httpReason(int status) {
    switch (status) {
    case 100: return "Continue";
    case 101: return "Switching Protocols";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 206: return "Partial Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 411: return "Length Required";
    case 413: return "Payload Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 417: return "Expectation Failed";
    case 422: return "Unprocessable Content";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    default: return status < 300 ? "OK" : status < 400 ? "Redirect" : status < 500 ? "Client Error" : "Server Error";
    }
}

} // namespace langoost
