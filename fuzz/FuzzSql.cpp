// fuzz_sql: the sql module's value mapping and placeholder scanner.
// The input is cut at 0xFF bytes into parameters; the first byte of each
// picks its kind (null, bool, int, float, text). Oracles: every parameter
// bound into SQLite comes back as the same value (text and blobs byte for
// byte, floats bit for bit, NaN as NULL, as SQLite stores it); the whole
// input as SQL text numbers its `?` placeholders without crashing, and
// numbering twice adds nothing (the output has no `?` outside quotes).
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "sql/SqlConnection.h"

using namespace langoost::sql;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    try {
        int count = 0;
        std::string once = numberPlaceholders(input, count);
        int again = 0;
        std::string twice = numberPlaceholders(once, again);
        if (count > 0 && twice != once) __builtin_trap();
    } catch (const SqlFailure&) { // ? and $N mixed
    }

    static auto db = connect(parseUrl("sqlite::memory:"));
    std::vector<SqlParam> params;
    for (size_t start = 0; start <= input.size() && params.size() < 16;) {
        size_t end = input.find('\xff', start);
        if (end == std::string_view::npos) end = input.size();
        std::string_view piece = input.substr(start, end - start);
        SqlParam p;
        if (!piece.empty()) {
            std::string_view rest = piece.substr(1);
            switch (uint8_t(piece[0]) % 5) {
            case 0:
                break;
            case 1:
                p.kind = SqlParam::Kind::Bool;
                p.i = rest.size() & 1;
                break;
            case 2:
                p.kind = SqlParam::Kind::Int;
                std::memcpy(&p.i, rest.data(), std::min(rest.size(), sizeof p.i));
                break;
            case 3:
                p.kind = SqlParam::Kind::Float;
                std::memcpy(&p.f, rest.data(), std::min(rest.size(), sizeof p.f));
                break;
            default:
                p.kind = SqlParam::Kind::Text;
                p.s = rest;
                break;
            }
        }
        params.push_back(std::move(p));
        start = end + 1;
    }
    std::string sql = "SELECT ?";
    for (size_t i = 1; i < params.size(); ++i)
        sql += ", ?";
    SqlResult r = db->run(sql, params, Want::Rows, 0);
    if (r.rows != 1 || r.cells.size() != params.size()) __builtin_trap();
    for (size_t i = 0; i < params.size(); ++i) {
        const SqlParam& p = params[i];
        const SqlValue& v = r.cells[i];
        switch (p.kind) {
        case SqlParam::Kind::Null:
            if (v.kind != SqlValue::Kind::Null) __builtin_trap();
            break;
        case SqlParam::Kind::Bool:
        case SqlParam::Kind::Int:
            if (v.kind != SqlValue::Kind::Int || v.i != p.i) __builtin_trap();
            break;
        case SqlParam::Kind::Float:
            if (std::isnan(p.f)
                    ? v.kind != SqlValue::Kind::Null
                    : v.kind != SqlValue::Kind::Float || std::memcmp(&v.f, &p.f, sizeof p.f) != 0)
                __builtin_trap();
            break;
        case SqlParam::Kind::Text:
            if (v.kind != SqlValue::Kind::Text || v.s != p.s) __builtin_trap();
            break;
        }
    }
    return 0;
}
