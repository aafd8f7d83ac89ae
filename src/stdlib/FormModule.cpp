// The `form` module (stdlib.md): HTML form bodies.
//   parseURLEncoded(body)             → {fields, files: {}}
//   parseMultipart(body, contentType) → {fields, files}
// A name that occurs more than once maps to an array of its values in
// order. Files are {filename, contentType, data}. Malformed input raises
// ValueError; the parsers only ever index inside the input.
#include <string>
#include <vector>

#include "stdlib/HttpMessage.h"
#include "stdlib/Stdlib.h"
#include "vm/ArrayOps.h"
#include "vm/MapOps.h"

namespace langoost {
namespace {

std::string_view strArg(VM& vm, const char* fn, Value* args, int argc, int i) {
    if (i >= argc || !args[i].isString())
        vm.raise("TypeError", std::string("form.") + fn + ": argument " + std::to_string(i + 1) + " must be a string, got " +
                                  (i < argc ? vm.typeName(args[i]) : "nothing"));
    return args[i].as<StringObject>()->view();
}

Value result(VM& vm, MapObject* fields, MapObject* files) {
    MapObject* out = vm.heap().newMap();
    mapSet(vm.heap(), out, internConstant("fields"), Value::object(fields));
    mapSet(vm.heap(), out, internConstant("files"), Value::object(files));
    return Value::object(out);
}

Value form_parseURLEncoded(VM& vm, Value, Value* a, int n) {
    std::string_view body = strArg(vm, "parseURLEncoded", a, n, 0);
    MapObject* fields = vm.heap().newMap();
    MapObject* files = vm.heap().newMap();
    std::string key, value;
    size_t start = 0;
    while (start <= body.size()) {
        size_t amp = body.find('&', start);
        if (amp == std::string_view::npos) amp = body.size();
        std::string_view pair = body.substr(start, amp - start);
        start = amp + 1;
        if (pair.empty()) continue;
        size_t eq = pair.find('=');
        std::string_view rawKey = pair.substr(0, eq);
        std::string_view rawValue = eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
        if (percentDecode(rawKey, true, key) != std::string_view::npos ||
            percentDecode(rawValue, true, value) != std::string_view::npos) {
            std::string shown(pair.substr(0, 80));
            vm.raise("ValueError", "form.parseURLEncoded: invalid percent-escape in \"" + shown + "\"");
        }
        addRepeatedValue(vm, fields, key, vm.stringValue(value));
    }
    return result(vm, fields, files);
}

// ---- header parameters (RFC 2045/7578): `type; name="value"; other=token` ----

char lower(char c) { return c >= 'A' && c <= 'Z' ? char(c + 32) : c; }

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (lower(a[i]) != lower(b[i])) return false;
    return true;
}

std::string_view trimSpace(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return s;
}

struct HeaderValue {
    std::string value; // the part before the first ';', trimmed
    std::vector<std::pair<std::string, std::string>> params; // names lower-cased
    const std::string* param(std::string_view name) const {
        for (const auto& [k, v] : params)
            if (k == name) return &v;
        return nullptr;
    }
};

// Never fails: unparsable parameters are skipped.
HeaderValue parseHeaderValue(std::string_view s) {
    HeaderValue h;
    size_t i = s.find(';');
    h.value = std::string(trimSpace(s.substr(0, i)));
    while (i != std::string_view::npos && i < s.size()) {
        ++i; // past ';'
        while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
        size_t nameStart = i;
        while (i < s.size() && s[i] != '=' && s[i] != ';') ++i;
        std::string name(trimSpace(s.substr(nameStart, i - nameStart)));
        for (char& c : name) c = lower(c);
        std::string value;
        if (i < s.size() && s[i] == '=') {
            ++i;
            while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
            if (i < s.size() && s[i] == '"') {
                ++i;
                while (i < s.size() && s[i] != '"') {
                    if (s[i] == '\\' && i + 1 < s.size()) ++i;
                    value += s[i++];
                }
                if (i < s.size()) ++i; // closing quote
                while (i < s.size() && s[i] != ';') ++i;
            } else {
                size_t vs = i;
                while (i < s.size() && s[i] != ';') ++i;
                value = std::string(trimSpace(s.substr(vs, i - vs)));
            }
        }
        if (!name.empty()) h.params.emplace_back(std::move(name), std::move(value));
        if (i >= s.size()) break;
        i = s[i] == ';' ? i : s.find(';', i);
    }
    return h;
}

// RFC 5987 ext-value: charset'lang'percent-encoded (UTF-8 or ASCII only).
bool decodeExtValue(const std::string& v, std::string& out) {
    size_t q1 = v.find('\'');
    size_t q2 = q1 == std::string::npos ? std::string::npos : v.find('\'', q1 + 1);
    if (q2 == std::string::npos) return false;
    std::string charset = v.substr(0, q1);
    for (char& c : charset) c = lower(c);
    if (charset != "utf-8" && charset != "us-ascii") return false;
    return percentDecode(std::string_view(v).substr(q2 + 1), false, out) == std::string_view::npos;
}

std::string baseName(std::string_view name) {
    size_t cut = name.find_last_of("/\\");
    return std::string(cut == std::string_view::npos ? name : name.substr(cut + 1));
}

Value form_parseMultipart(VM& vm, Value, Value* a, int n) {
    std::string_view body = strArg(vm, "parseMultipart", a, n, 0);
    std::string_view contentType = strArg(vm, "parseMultipart", a, n, 1);
    auto fail = [&](const std::string& why) { vm.raise("ValueError", "form.parseMultipart: " + why); };

    // Accept the whole header line too ("Content-Type: multipart/form-data; …").
    if (size_t colon = contentType.find(':'); colon != std::string_view::npos &&
                                              iequals(trimSpace(contentType.substr(0, colon)), "content-type"))
        contentType = contentType.substr(colon + 1);
    HeaderValue ct = parseHeaderValue(contentType);
    if (ct.value.size() < 10 || !iequals(std::string_view(ct.value).substr(0, 10), "multipart/"))
        fail("Content-Type is not multipart: \"" + std::string(trimSpace(contentType.substr(0, 80))) + "\"");
    const std::string* boundary = ct.param("boundary");
    if (!boundary || boundary->empty()) fail("no boundary in the Content-Type header");
    if (boundary->size() > 200) fail("boundary is too long");
    std::string delimiter = "--" + *boundary;

    MapObject* fields = vm.heap().newMap();
    MapObject* files = vm.heap().newMap();

    // The first delimiter: at the very start, or at the start of a line.
    size_t pos;
    if (body.starts_with(delimiter)) {
        pos = delimiter.size();
    } else {
        size_t found = body.find("\n" + delimiter);
        if (found == std::string_view::npos) fail("the body has no boundary line");
        pos = found + 1 + delimiter.size();
    }
    for (;;) {
        if (body.substr(pos).starts_with("--")) break; // closing delimiter
        while (pos < body.size() && (body[pos] == ' ' || body[pos] == '\t')) ++pos; // transport padding
        if (body.substr(pos).starts_with("\r\n")) pos += 2;
        else if (body.substr(pos).starts_with("\n")) pos += 1;
        else fail(pos >= body.size() ? "unexpected end of body (no closing boundary)" : "malformed boundary line");

        // Headers, up to an empty line; continuation lines are folded.
        std::vector<std::pair<std::string, std::string>> headers;
        for (;;) {
            size_t eol = body.find('\n', pos);
            if (eol == std::string_view::npos) fail("unexpected end of body in part headers");
            std::string_view line = body.substr(pos, eol - pos);
            if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
            pos = eol + 1;
            if (line.empty()) break;
            if ((line[0] == ' ' || line[0] == '\t') && !headers.empty()) {
                headers.back().second += ' ';
                headers.back().second += trimSpace(line);
                continue;
            }
            size_t colon = line.find(':');
            if (colon == std::string_view::npos) fail("malformed part header \"" + std::string(line.substr(0, 80)) + "\"");
            std::string name(trimSpace(line.substr(0, colon)));
            for (char& c : name) c = lower(c);
            headers.emplace_back(std::move(name), std::string(trimSpace(line.substr(colon + 1))));
            if (headers.size() > 100) fail("too many part headers");
        }

        // The content runs up to the next line that starts with the delimiter.
        // As in Go, "--boundary" followed by anything but `-`, blanks or a
        // line end is still content.
        std::string marker = "\n" + delimiter;
        size_t next = pos;
        for (;; ++next) {
            next = body.find(marker, next);
            if (next == std::string_view::npos) fail("unexpected end of body (no closing boundary)");
            size_t after = next + marker.size();
            if (after >= body.size() || std::string_view("-\r\n \t").find(body[after]) != std::string_view::npos) break;
        }
        size_t contentEnd = next > pos && body[next - 1] == '\r' ? next - 1 : next;
        std::string_view data = body.substr(pos, contentEnd - pos);
        pos = next + 1 + delimiter.size();

        std::string disposition, partType;
        for (const auto& [k, v] : headers) {
            if (k == "content-disposition") disposition = v;
            else if (k == "content-type") partType = v;
        }
        if (disposition.empty()) continue; // not a form field
        HeaderValue cd = parseHeaderValue(disposition);
        const std::string* name = cd.param("name");
        if (!name || name->empty()) continue;
        std::string filename;
        bool hasFilename = false;
        if (const std::string* ext = cd.param("filename*"); ext && decodeExtValue(*ext, filename)) hasFilename = true;
        else if (const std::string* plain = cd.param("filename")) {
            filename = *plain;
            hasFilename = true;
        }
        filename = baseName(filename);
        if (!hasFilename || filename.empty()) {
            // A field (an empty file input also arrives as one, as in Go).
            addRepeatedValue(vm, fields, *name, vm.stringValue(data));
            continue;
        }
        MapObject* file = vm.heap().newMap();
        mapSet(vm.heap(), file, internConstant("filename"), vm.stringValue(filename));
        mapSet(vm.heap(), file, internConstant("contentType"),
               vm.stringValue(partType.empty() ? std::string_view("application/octet-stream") : std::string_view(partType)));
        mapSet(vm.heap(), file, internConstant("data"), vm.stringValue(data));
        addRepeatedValue(vm, files, *name, Value::object(file));
    }
    return result(vm, fields, files);
}

} // namespace

const NativeModuleDef& formModule() {
    static const NativeModuleDef def = {
        "form",
        {
            {"parseURLEncoded", form_parseURLEncoded, 1, 1},
            {"parseMultipart", form_parseMultipart, 2, 2},
        },
        {},
    };
    return def;
}

} // namespace langoost
