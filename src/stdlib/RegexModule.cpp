// The `regex` module (stdlib.md): RE2 syntax and linear-time matching.
// Compiled patterns are kept in a bounded process-wide cache. Iteration over
// matches follows Go's regexp (empty matches right after a match are skipped;
// after an empty match the search moves on by one UTF-8 character), and
// replace() expands `$1`, `${1}`, `$name`, `${name}` and `$$` as Go does.
#include <memory>
#include <mutex>
#include <re2/re2.h>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/SipHash.h"
#include "stdlib/Stdlib.h"
#include "vm/ArrayOps.h"

namespace langoost {
namespace {

std::string_view strArg(VM& vm, const char* fn, Value* args, int argc, int i) {
    if (i >= argc || !args[i].isString())
        vm.raise("TypeError", std::string("regex.") + fn + ": argument " + std::to_string(i + 1) + " must be a string, got " +
                                  (i < argc ? vm.typeName(args[i]) : "nothing"));
    return args[i].as<StringObject>()->view();
}

class PatternCache {
  public:
    static constexpr size_t kCapacity = 512;

    // The compiled pattern, or null with `error` set.
    std::shared_ptr<const RE2> get(std::string_view pattern, std::string& error) {
        std::lock_guard lock(mutex_);
        auto it = map_.find(pattern);
        if (it != map_.end()) return it->second;
        RE2::Options options;
        options.set_log_errors(false);
        auto re = std::make_shared<const RE2>(re2::StringPiece(pattern.data(), pattern.size()), options);
        if (!re->ok()) {
            error = re->error();
            return nullptr;
        }
        if (map_.size() >= kCapacity) map_.clear(); // simple and bounded; hot patterns come right back
        map_.emplace(std::string(pattern), re);
        return re;
    }

  private:
    std::mutex mutex_;
    // Keyed hash: patterns may come from requests.
    std::unordered_map<std::string, std::shared_ptr<const RE2>, KeyedStringHash, std::equal_to<>> map_;
};

PatternCache& cache() {
    static PatternCache c;
    return c;
}

std::shared_ptr<const RE2> compile(VM& vm, const char* fn, Value* a, int n) {
    std::string_view pattern = strArg(vm, fn, a, n, 0);
    std::string error;
    auto re = cache().get(pattern, error);
    if (!re) {
        std::string shown(pattern.substr(0, 200));
        vm.raise("RegexError", std::string("regex.") + fn + ": invalid pattern \"" + shown + "\": " + error);
    }
    return re;
}

// Length of the UTF-8 character starting at s[i] (1 for invalid bytes).
size_t charLength(std::string_view s, size_t i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80 ? 1 : c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c < 0xE0 ? 2 : 1;
    if (i + len > s.size()) return 1;
    for (size_t k = 1; k < len; ++k)
        if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return 1;
    return len;
}

// Calls `each(groups)` for successive non-overlapping matches (Go semantics);
// groups[0] is the whole match. Stops after `limit` matches when limit >= 0,
// or when `each` returns false.
// Each search may scan the rest of the text: the time limit is checked
// between searches (each one on long texts, every 256th on short ones).
template <typename F>
void forEachMatch(VM& vm, const RE2& re, std::string_view s, int64_t limit, int ngroups, F each) {
    std::vector<re2::StringPiece> groups(size_t(ngroups) + 1);
    size_t pos = 0;
    ptrdiff_t prevEnd = -1;
    int64_t count = 0;
    re2::StringPiece text(s.data(), s.size());
    uint32_t searches = 0;
    while (pos <= s.size() && (limit < 0 || count < limit)) {
        if ((++searches & 255) == 0 || s.size() - pos > (64u << 10)) vm.checkDeadline();
        if (!re.Match(text, pos, s.size(), RE2::UNANCHORED, groups.data(), int(groups.size()))) break;
        size_t start = size_t(groups[0].data() - s.data());
        size_t end = start + groups[0].size();
        bool accept = !(groups[0].empty() && ptrdiff_t(start) == prevEnd);
        if (end > pos) pos = end;
        else pos = start < s.size() ? start + charLength(s, start) : s.size() + 1;
        if (accept) {
            prevEnd = ptrdiff_t(end);
            ++count;
            if (!each(groups, start, end)) break;
        }
    }
}

Value re_match(VM& vm, Value, Value* a, int n) {
    auto re = compile(vm, "match", a, n);
    std::string_view s = strArg(vm, "match", a, n, 1);
    return Value::boolean(RE2::PartialMatch(re2::StringPiece(s.data(), s.size()), *re));
}

Value re_find(VM& vm, Value, Value* a, int n) {
    auto re = compile(vm, "find", a, n);
    std::string_view s = strArg(vm, "find", a, n, 1);
    re2::StringPiece m;
    if (!re->Match(re2::StringPiece(s.data(), s.size()), 0, s.size(), RE2::UNANCHORED, &m, 1)) return Value();
    return vm.stringValue(std::string_view(m.data(), m.size()));
}

int64_t limitArg(VM& vm, const char* fn, Value* a, int n, int i) {
    if (n <= i || a[i].isNil()) return -1;
    vm.checkArgs(fn, a, n, i, ValueType::Int);
    return a[i].asInt();
}

Value re_findAll(VM& vm, Value, Value* a, int n) {
    auto re = compile(vm, "findAll", a, n);
    std::string_view s = strArg(vm, "findAll", a, n, 1);
    int64_t limit = limitArg(vm, "regex.findAll", a, n, 2);
    ArrayObject* out = vm.heap().newArray(0);
    GrowthGuard growth(vm, "regex.findAll");
    forEachMatch(vm, *re, s, limit, 0, [&](auto& g, size_t, size_t) {
        arrayPush(vm, out, vm.stringValue(std::string_view(g[0].data(), g[0].size())));
        growth.tick();
        return out->length < kMaxArrayLength;
    });
    return Value::object(out);
}

Value re_groups(VM& vm, Value, Value* a, int n) {
    auto re = compile(vm, "groups", a, n);
    std::string_view s = strArg(vm, "groups", a, n, 1);
    int ng = re->NumberOfCapturingGroups();
    std::vector<re2::StringPiece> g(size_t(ng) + 1);
    if (!re->Match(re2::StringPiece(s.data(), s.size()), 0, s.size(), RE2::UNANCHORED, g.data(), ng + 1)) return Value();
    ArrayObject* out = vm.heap().newArray(0, uint32_t(ng + 1));
    for (auto& piece : g) arrayPush(vm, out, vm.stringValue(std::string_view(piece.data(), piece.size())));
    return Value::object(out);
}

// Appends `repl` with $-references expanded against the match groups.
void expand(const RE2& re, std::string_view repl, const std::vector<re2::StringPiece>& g, std::string& out) {
    auto isName = [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    };
    for (size_t i = 0; i < repl.size(); ++i) {
        if (repl[i] != '$' || i + 1 >= repl.size()) {
            out += repl[i];
            continue;
        }
        std::string_view name;
        size_t next;
        if (repl[i + 1] == '$') {
            out += '$';
            ++i;
            continue;
        }
        if (repl[i + 1] == '{') {
            size_t close = repl.find('}', i + 2);
            if (close == std::string_view::npos) {
                out += repl[i];
                continue;
            }
            name = repl.substr(i + 2, close - i - 2);
            next = close + 1;
        } else {
            size_t j = i + 1;
            while (j < repl.size() && isName(repl[j])) ++j;
            name = repl.substr(i + 1, j - i - 1);
            next = j;
        }
        bool valid = !name.empty();
        for (char c : name) valid = valid && isName(c);
        if (!valid) { // not a reference: keep the `$` literally
            out += repl[i];
            continue;
        }
        int index = -1;
        if (name.find_first_not_of("0123456789") == std::string_view::npos) {
            index = name.size() > 9 ? -1 : std::stoi(std::string(name));
        } else {
            auto it = re.NamedCapturingGroups().find(std::string(name));
            if (it != re.NamedCapturingGroups().end()) index = it->second;
        }
        if (index >= 0 && size_t(index) < g.size()) out.append(g[size_t(index)].data(), g[size_t(index)].size());
        i = next - 1;
    }
}

Value re_replace(VM& vm, Value, Value* a, int n) {
    auto re = compile(vm, "replace", a, n);
    std::string_view s = strArg(vm, "replace", a, n, 1);
    std::string_view repl = strArg(vm, "replace", a, n, 2);
    std::string out;
    size_t last = 0;
    bool tooLong = false;
    forEachMatch(vm, *re, s, -1, re->NumberOfCapturingGroups(), [&](auto& g, size_t start, size_t end) {
        out.append(s.substr(last, start - last));
        expand(*re, repl, g, out);
        last = end;
        tooLong = out.size() > kMaxStringLength;
        if (!tooLong) vm.checkBuilding(out, "regex.replace");
        return !tooLong;
    });
    if (tooLong) vm.raise("ValueError", "regex.replace: result would exceed the maximum string length");
    out.append(s.substr(last));
    return vm.stringValue(out);
}

Value re_split(VM& vm, Value, Value* a, int n) {
    auto re = compile(vm, "split", a, n);
    std::string_view s = strArg(vm, "split", a, n, 1);
    ArrayObject* out = vm.heap().newArray(0);
    if (s.empty()) {
        arrayPush(vm, out, vm.stringValue(""));
        return Value::object(out);
    }
    // Go's Regexp.Split(s, -1): an empty match at 0 splits nothing, and no
    // trailing piece follows a match that starts at the very end.
    size_t begin = 0, lastStart = 0;
    GrowthGuard growth(vm, "regex.split");
    forEachMatch(vm, *re, s, -1, 0, [&](auto&, size_t start, size_t end) {
        lastStart = start;
        if (end != 0) arrayPush(vm, out, vm.stringValue(s.substr(begin, start - begin)));
        growth.tick();
        begin = end;
        return out->length < kMaxArrayLength;
    });
    if (lastStart != s.size()) arrayPush(vm, out, vm.stringValue(s.substr(begin)));
    return Value::object(out);
}

Value re_escape(VM& vm, Value, Value* a, int n) {
    std::string_view s = strArg(vm, "escape", a, n, 0);
    return vm.stringValue(RE2::QuoteMeta(re2::StringPiece(s.data(), s.size())));
}

} // namespace

const NativeModuleDef& regexModule() {
    static const NativeModuleDef def = {
        "regex",
        {
            {"match", re_match, 2, 2},
            {"find", re_find, 2, 2},
            {"findAll", re_findAll, 2, 3},
            {"groups", re_groups, 2, 2},
            {"replace", re_replace, 3, 3},
            {"split", re_split, 2, 2},
            {"escape", re_escape, 1, 1},
        },
        {},
    };
    return def;
}

} // namespace langoost
