// ValueFormat: the canonical text of numbers, shared by toString, println,
// JSON output and the disassembler. Floats use the shortest digits that
// round-trip; decimal notation for 1e-6 <= |x| < 1e21 (always with a '.'),
// exponent form otherwise ("1e+21", "1.5e-7"), as JavaScript prints them.
#pragma once
#include <cstdint>
#include <string>

namespace langoost {

void appendInt(std::string& out, int64_t value);
void appendFloat(std::string& out, double value);
std::string formatFloat(double value);
// A string in double quotes with JSON escapes (used by toString of
// containers and by the disassembler).
void appendQuoted(std::string& out, const char* data, size_t length);

} // namespace langoost
