#include "sql/SqlConnection.h"

#include <algorithm>
#include <cctype>

namespace langoost::sql {

std::unique_ptr<Connection> connectSqlite(const SqlUrl& url);
std::unique_ptr<Connection> connectPostgres(const SqlUrl& url, WaitClock::time_point deadline);

SqlUrl parseUrl(std::string_view url) {
    if (url.starts_with("sqlite:")) {
        std::string_view path = url.substr(7);
        bool memory = path == ":memory:";
        return {Backend::Sqlite, std::string(path), memory};
    }
    if (url.starts_with("postgres://") || url.starts_with("postgresql://"))
        return {Backend::Postgres, std::string(url), false};
    std::string shown(url.substr(0, 60));
    throw SqlFailure(
        "ValueError", "",
        "sql.open: unknown database URL '" + shown +
            "' (expected sqlite:PATH, sqlite::memory: or postgres://user:password@host:port/db)");
}

std::unique_ptr<Connection> connect(const SqlUrl& url, WaitClock::time_point deadline) {
    if (url.backend == Backend::Sqlite) return connectSqlite(url);
    return connectPostgres(url, deadline);
}

namespace {

// A byte that continues an identifier, a number or a $N / $tag$ token.
bool isWordByte(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$' || (c & 0x80);
}

} // namespace

std::string numberPlaceholders(std::string_view sql, int& count) {
    count = 0;
    std::string out;
    out.reserve(sql.size() + 8);
    int highestDollar = 0;
    size_t i = 0, n = sql.size();
    auto copyUntil = [&](size_t end) {
        end = std::min(end, n);
        out.append(sql.substr(i, end - i));
        i = end;
    };
    while (i < n) {
        char c = sql[i];
        if (c == '\'' ||
            c == '"') { // '…' and "…", doubled quotes inside; E'…' also takes backslashes
            bool backslashes = c == '\'' && i > 0 && (sql[i - 1] == 'E' || sql[i - 1] == 'e');
            size_t j = i + 1;
            while (j < n) {
                if (backslashes && sql[j] == '\\') {
                    j += 2;
                } else if (sql[j] == c) {
                    if (j + 1 < n && sql[j + 1] == c)
                        j += 2;
                    else
                        break;
                } else {
                    ++j;
                }
            }
            copyUntil(j + 1);
        } else if (c == '-' && i + 1 < n && sql[i + 1] == '-') {
            size_t nl = sql.find('\n', i);
            copyUntil(nl == std::string_view::npos ? n : nl + 1);
        } else if (c == '/' && i + 1 < n && sql[i + 1] == '*') { // nested, as PostgreSQL does
            int depth = 0;
            size_t j = i;
            while (j < n) {
                if (sql.substr(j, 2) == "/*") {
                    ++depth;
                    j += 2;
                } else if (sql.substr(j, 2) == "*/") {
                    j += 2;
                    if (--depth == 0) break;
                } else
                    ++j;
            }
            copyUntil(j);
        } else if (c == '$') {
            size_t j = i + 1;
            if (j < n && sql[j] >= '0' && sql[j] <= '9') { // $N
                int v = 0;
                while (j < n && sql[j] >= '0' && sql[j] <= '9' && v < 100000)
                    v = v * 10 + (sql[j++] - '0');
                highestDollar = std::max(highestDollar, v);
                copyUntil(j);
                continue;
            }
            while (j < n && (std::isalnum(static_cast<unsigned char>(sql[j])) || sql[j] == '_' ||
                             (sql[j] & 0x80)))
                ++j;
            bool wordBefore = i > 0 && (std::isalnum(static_cast<unsigned char>(sql[i - 1])) ||
                                        sql[i - 1] == '_');
            if (j < n && sql[j] == '$' && !wordBefore) { // $tag$ … $tag$
                std::string_view tag = sql.substr(i, j - i + 1);
                size_t close = sql.find(tag, j + 1);
                copyUntil(close == std::string_view::npos ? n : close + tag.size());
            } else {
                copyUntil(j);
            }
        } else if (c ==
                   '?') { // spaced off where a neighbour would join the token ("a$1", "$1" "5")
            if (!out.empty() && isWordByte(out.back())) out += ' ';
            out += '$';
            out += std::to_string(++count);
            ++i;
            if (i < n && isWordByte(sql[i])) out += ' ';
        } else {
            out += c;
            ++i;
        }
    }
    if (highestDollar > 0) { // $N style: the text is used as written
        if (count > 0)
            throw SqlFailure("ValueError", "", "sql: use either ? or $N placeholders, not both");
        count = highestDollar;
        return std::string(sql);
    }
    return out;
}

} // namespace langoost::sql
