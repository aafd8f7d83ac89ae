// The `time` module (stdlib.md): clocks (time.clock.*), sleep, now() as
// ISO-8601 UTC with milliseconds, format(unixMilli, layout) and
// parse(iso) → unixMilli. All calendar work is UTC (proleptic Gregorian).
// Layouts use Go's reference time ("2006-01-02T15:04:05.000Z07:00") or, when
// they contain '%', strftime-style conversions.
#include <cerrno>
#include <cmath>
#include <cstring>
#include <ctime>
#include <string>

#include "stdlib/Stdlib.h"

namespace langoost {
namespace {

int64_t clockNs(clockid_t id) {
    timespec ts;
    ::clock_gettime(id, &ts);
    return int64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

Value clock_unixMilli(VM&, Value, Value*, int) { return Value::integer(clockNs(CLOCK_REALTIME) / 1'000'000); }
Value clock_unixNano(VM&, Value, Value*, int) { return Value::integer(clockNs(CLOCK_REALTIME)); }
Value clock_monotonicMs(VM&, Value, Value*, int) { return Value::integer(clockNs(CLOCK_MONOTONIC) / 1'000'000); }


Value time_sleep(VM& vm, Value, Value* a, int) {
    if (!a[0].isNumber()) vm.raise("TypeError", std::string("time.sleep: milliseconds must be a number, got ") + vm.typeName(a[0]));
    double ms = a[0].asNumber();
    if (std::isnan(ms)) vm.raise("ValueError", "time.sleep: NaN milliseconds");
    vm.flush(); // output printed before a pause should be visible during it
    if (ms > 0) vm.sleepMs(ms); // parks a request; other threads run meanwhile
    return Value();
}

// ---- calendar (UTC) ----

// Days since 1970-01-01 of a civil date (H. Hinnant's algorithm).
int64_t daysFromCivil(int64_t y, int64_t m, int64_t d) {
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

struct Civil {
    int64_t year;
    int month, day, hour, minute, second, milli, weekday, yearDay;
};

int64_t floorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

Civil civilFromMillis(int64_t ms) {
    int64_t days = floorDiv(ms, 86'400'000);
    int64_t rem = ms - days * 86'400'000;
    Civil c;
    c.hour = int(rem / 3'600'000);
    c.minute = int(rem / 60'000 % 60);
    c.second = int(rem / 1000 % 60);
    c.milli = int(rem % 1000);
    c.weekday = int(((days % 7) + 11) % 7); // 1970-01-01 was a Thursday (4)
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    c.day = int(doy - (153 * mp + 2) / 5 + 1);
    c.month = int(mp < 10 ? mp + 3 : mp - 9);
    c.year = yoe + era * 400 + (c.month <= 2);
    c.yearDay = int(days - daysFromCivil(c.year, 1, 1) + 1);
    return c;
}

const char* const kMonths[] = {"January", "February", "March",     "April",   "May",      "June",
                               "July",    "August",   "September", "October", "November", "December"};
const char* const kDays[] = {"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"};

void pad(std::string& out, int64_t v, int width, char fill = '0') {
    bool neg = v < 0;
    std::string digits = std::to_string(neg ? -v : v);
    if (neg) out += '-';
    for (int i = int(digits.size()); i < width; ++i) out += fill;
    out += digits;
}

std::string isoString(int64_t ms) {
    Civil c = civilFromMillis(ms);
    std::string out;
    if (c.year < 0 || c.year > 9999) {
        out += c.year < 0 ? '-' : '+';
        pad(out, c.year < 0 ? -c.year : c.year, 6);
    } else {
        pad(out, c.year, 4);
    }
    out += '-';
    pad(out, c.month, 2);
    out += '-';
    pad(out, c.day, 2);
    out += 'T';
    pad(out, c.hour, 2);
    out += ':';
    pad(out, c.minute, 2);
    out += ':';
    pad(out, c.second, 2);
    out += '.';
    pad(out, c.milli, 3);
    out += 'Z';
    return out;
}

Value time_now(VM& vm, Value, Value*, int) { return vm.stringValue(isoString(clockNs(CLOCK_REALTIME) / 1'000'000)); }

// Go reference-time layouts, evaluated in UTC.
std::string formatGo(const Civil& c, std::string_view layout) {
    std::string out;
    size_t i = 0;
    auto take = [&](std::string_view token) {
        if (layout.substr(i).starts_with(token)) {
            i += token.size();
            return true;
        }
        return false;
    };
    while (i < layout.size()) {
        int hour12 = c.hour % 12 == 0 ? 12 : c.hour % 12;
        if (take("January")) out += kMonths[c.month - 1];
        else if (take("Jan")) out += std::string_view(kMonths[c.month - 1], 3);
        else if (take("Monday")) out += kDays[c.weekday];
        else if (take("Mon")) out += std::string_view(kDays[c.weekday], 3);
        else if (take("MST")) out += "UTC";
        else if (take("2006")) pad(out, c.year, 4);
        else if (take("002")) pad(out, c.yearDay, 3);
        else if (take("__2")) pad(out, c.yearDay, 3, ' ');
        else if (take("_2")) pad(out, c.day, 2, ' ');
        else if (take("01")) pad(out, c.month, 2);
        else if (take("02")) pad(out, c.day, 2);
        else if (take("03")) pad(out, hour12, 2);
        else if (take("04")) pad(out, c.minute, 2);
        else if (take("05")) pad(out, c.second, 2);
        else if (take("06")) pad(out, ((c.year % 100) + 100) % 100, 2);
        else if (take("15")) pad(out, c.hour, 2);
        else if (take("Z07:00") || take("Z0700") || take("Z07")) out += 'Z';
        else if (take("-07:00")) out += "+00:00";
        else if (take("-0700")) out += "+0000";
        else if (take("-07")) out += "+00";
        else if (take("PM")) out += c.hour >= 12 ? "PM" : "AM";
        else if (take("pm")) out += c.hour >= 12 ? "pm" : "am";
        else if ((layout[i] == '.' || layout[i] == ',') && i + 1 < layout.size() &&
                 (layout[i + 1] == '0' || layout[i + 1] == '9')) {
            // Fractional seconds: .000 (fixed) or .999 (trailing zeros trimmed).
            char sep = layout[i], digit = layout[i + 1];
            size_t j = i + 1;
            while (j < layout.size() && layout[j] == digit) ++j;
            int width = int(j - i - 1);
            i = j;
            std::string frac;
            pad(frac, c.milli, 3);
            frac.resize(size_t(width), '0');
            if (digit == '9') {
                while (!frac.empty() && frac.back() == '0') frac.pop_back();
                if (frac.empty()) continue;
            }
            out += sep;
            out += frac;
        } else if (take("1")) out += std::to_string(c.month);
        else if (take("2")) out += std::to_string(c.day);
        else if (take("3")) out += std::to_string(hour12);
        else if (take("4")) out += std::to_string(c.minute);
        else if (take("5")) out += std::to_string(c.second);
        else out += layout[i++];
    }
    return out;
}

// strftime-style layouts ("%Y-%m-%d %H:%M:%S"), plus %L for milliseconds.
std::string formatPercent(const Civil& c, std::string_view layout) {
    std::string out;
    for (size_t i = 0; i < layout.size(); ++i) {
        if (layout[i] != '%' || i + 1 >= layout.size()) {
            out += layout[i];
            continue;
        }
        int hour12 = c.hour % 12 == 0 ? 12 : c.hour % 12;
        switch (layout[++i]) {
        case 'Y': pad(out, c.year, 4); break;
        case 'y': pad(out, ((c.year % 100) + 100) % 100, 2); break;
        case 'm': pad(out, c.month, 2); break;
        case 'd': pad(out, c.day, 2); break;
        case 'e': pad(out, c.day, 2, ' '); break;
        case 'j': pad(out, c.yearDay, 3); break;
        case 'H': pad(out, c.hour, 2); break;
        case 'I': pad(out, hour12, 2); break;
        case 'M': pad(out, c.minute, 2); break;
        case 'S': pad(out, c.second, 2); break;
        case 'L': pad(out, c.milli, 3); break;
        case 'p': out += c.hour >= 12 ? "PM" : "AM"; break;
        case 'B': out += kMonths[c.month - 1]; break;
        case 'b': out += std::string_view(kMonths[c.month - 1], 3); break;
        case 'A': out += kDays[c.weekday]; break;
        case 'a': out += std::string_view(kDays[c.weekday], 3); break;
        case 'u': out += std::to_string(c.weekday == 0 ? 7 : c.weekday); break;
        case 'w': out += std::to_string(c.weekday); break;
        case 'Z': out += "UTC"; break;
        case 'z': out += "+0000"; break;
        case 'F': out += formatPercent(c, "%Y-%m-%d"); break;
        case 'T': out += formatPercent(c, "%H:%M:%S"); break;
        case 's': {
            int64_t days = daysFromCivil(c.year, c.month, c.day);
            out += std::to_string(days * 86400 + c.hour * 3600 + c.minute * 60 + c.second);
            break;
        }
        case '%': out += '%'; break;
        default:
            out += '%';
            out += layout[i];
        }
    }
    return out;
}

constexpr int64_t kMaxMillis = 253402300799999;  // 9999-12-31T23:59:59.999Z
constexpr int64_t kMinMillis = -62135596800000;  // 0001-01-01T00:00:00.000Z

Value time_format(VM& vm, Value, Value* a, int n) {
    if (!a[0].isNumber()) vm.raise("TypeError", std::string("time.format: unixMilli must be a number, got ") + vm.typeName(a[0]));
    double d = a[0].asNumber();
    if (std::isnan(d)) vm.raise("ValueError", "time.format: NaN time");
    int64_t ms = a[0].isInt() ? a[0].asInt() : int64_t(std::floor(d < -1e17 ? -1e17 : d > 1e17 ? 1e17 : d));
    if (ms > kMaxMillis || ms < kMinMillis) vm.raise("ValueError", "time.format: time is outside years 1..9999");
    if (n < 2 || a[1].isNil()) return vm.stringValue(isoString(ms));
    if (!a[1].isString()) vm.raise("TypeError", std::string("time.format: layout must be a string, got ") + vm.typeName(a[1]));
    std::string_view layout = a[1].as<StringObject>()->view();
    Civil c = civilFromMillis(ms);
    if (layout.find('%') != std::string_view::npos) return vm.stringValue(formatPercent(c, layout));
    return vm.stringValue(formatGo(c, layout));
}

// ---- parse: ISO-8601 / RFC 3339 ----

bool digits(std::string_view s, size_t& i, int count, int& out) {
    if (i + size_t(count) > s.size()) return false;
    out = 0;
    for (int k = 0; k < count; ++k) {
        char ch = s[i + size_t(k)];
        if (ch < '0' || ch > '9') return false;
        out = out * 10 + (ch - '0');
    }
    i += size_t(count);
    return true;
}

int daysInMonth(int64_t y, int m) {
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : days[m - 1];
}

// Accepts YYYY-MM-DD, optionally followed by T (or t, or a space)
// HH:MM[:SS[.fraction]] and a zone (Z, ±HH:MM, ±HHMM, ±HH); no zone = UTC.
bool parseIso(std::string_view s, int64_t& out) {
    size_t i = 0;
    int year, month, day, hour = 0, minute = 0, second = 0;
    int64_t fracMs = 0;
    if (!digits(s, i, 4, year) || i >= s.size() || s[i++] != '-') return false;
    if (!digits(s, i, 2, month) || i >= s.size() || s[i++] != '-') return false;
    if (!digits(s, i, 2, day)) return false;
    if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return false;
    int64_t offsetMin = 0;
    if (i < s.size()) {
        if (s[i] != 'T' && s[i] != 't' && s[i] != ' ') return false;
        ++i;
        if (!digits(s, i, 2, hour) || i >= s.size() || s[i++] != ':' || !digits(s, i, 2, minute)) return false;
        if (i < s.size() && s[i] == ':') {
            ++i;
            if (!digits(s, i, 2, second)) return false;
            if (i < s.size() && (s[i] == '.' || s[i] == ',')) {
                ++i;
                size_t start = i;
                int64_t scale = 100;
                while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
                    fracMs += (s[i] - '0') * scale;
                    scale /= 10;
                    ++i;
                }
                if (i == start) return false;
            }
        }
        if (hour > 23 || minute > 59 || second > 60) return false; // 60: a leap second
        if (i < s.size()) {
            char z = s[i++];
            if (z == 'Z' || z == 'z') {
                // UTC
            } else if (z == '+' || z == '-') {
                int oh, om = 0;
                if (!digits(s, i, 2, oh)) return false;
                if (i < s.size() && s[i] == ':') ++i;
                if (i < s.size() && !digits(s, i, 2, om)) return false;
                if (oh > 23 || om > 59) return false;
                offsetMin = (oh * 60 + om) * (z == '-' ? -1 : 1);
            } else {
                return false;
            }
        }
        if (i != s.size()) return false;
    }
    int64_t days = daysFromCivil(year, month, day);
    out = ((days * 24 + hour) * 60 + minute - offsetMin) * 60'000 + int64_t(second) * 1000 + fracMs;
    return true;
}

Value time_parse(VM& vm, Value, Value* a, int) {
    if (!a[0].isString()) vm.raise("TypeError", std::string("time.parse: argument must be a string, got ") + vm.typeName(a[0]));
    std::string_view s = a[0].as<StringObject>()->view();
    int64_t ms;
    if (!parseIso(s, ms)) {
        std::string shown(s.substr(0, 64));
        vm.raise("ValueError", "time.parse: invalid ISO-8601 time \"" + shown + "\"");
    }
    return Value::integer(ms);
}

} // namespace

const NativeModuleDef& timeModule() {
    static const NativeModuleDef def = {
        "time",
        {
            {"sleep", time_sleep, 1, 1},
            {"now", time_now, 0, 0},
            {"format", time_format, 1, 2},
            {"parse", time_parse, 1, 1},
        },
        {
            {"clock",
             {
                 {"unixMilli", clock_unixMilli, 0, 0},
                 {"unixNano", clock_unixNano, 0, 0},
                 {"monotonicMs", clock_monotonicMs, 0, 0},
             },
             {}},
        },
    };
    return def;
}

} // namespace langoost
