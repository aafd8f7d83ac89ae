// libFuzzer target: load arbitrary bytes as a serialized program (the blob
// `langoost compile` embeds). The header's length and CRC are rewritten to
// match the input first, so mutations reach the payload parser and the
// bytecode verifier instead of stopping at the checksum (truncation and
// checksum errors are covered by the unit tests). Every input must end in a
// loaded program or an error message. A loaded program must serialize and
// reload to the same bytes, and disassemble (verified bytecode is safe for
// every consumer that trusts the compiler's operands).
#include <cstddef>
#include <cstdint>
#include <string>

#include "bytecode/Disassembler.h"
#include "bytecode/Serializer.h"

using namespace langoost;

namespace {

// Matches whatever runtime version the seed corpus was written by.
constexpr const char* kVersion = "0.1.0";

void putLE32(std::string& s, size_t at, uint32_t v) {
    for (int i = 0; i < 4; ++i) s[at + i] = char(uint8_t(v >> (8 * i)));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string blob(reinterpret_cast<const char*>(data), size);
    if (blob.size() >= kProgramHeaderSize) {
        std::string_view payload = std::string_view(blob).substr(kProgramHeaderSize);
        putLE32(blob, 12, uint32_t(payload.size()));
        putLE32(blob, 16, crc32(payload));
    }
    DeserializeResult loaded = deserializeProgram(blob, kVersion);
    if (!loaded.image) {
        if (loaded.error.empty()) __builtin_trap(); // a refusal must say why
        return 0;
    }
    std::string again = serializeProgram(*loaded.image, kVersion);
    DeserializeResult reloaded = deserializeProgram(again, kVersion);
    if (!reloaded.image || serializeProgram(*reloaded.image, kVersion) != again) __builtin_trap();
    for (const auto& module : loaded.image->modules) (void)disassemble(*module);
    return 0;
}
