// Serializer: a compiled program — the entry module and every file module it
// imports — as one self-contained byte blob, and back. `langoost compile`
// appends such a blob to a copy of the runtime to make a standalone
// executable; LANGOOST_ROUNDTRIP=1 sends every `langoost run` through it.
//
// The blob is checked before anything is built from it: magic, format
// version, a CRC-32 over the payload, the runtime version and the opcode
// table's fingerprint (a program compiled by another build of the runtime
// is refused, not misread). Reading is bounds-checked throughout and every
// proto is verified structurally (operands in range, jumps onto
// instructions, code ending in a terminator), so a truncated, corrupt or
// hostile blob yields an error message, never a crash. The one thing not
// re-derived is each proto's max stack depth: the blob is as trusted as the
// executable that carries it. Format: docs/bytecode.md "Serialized programs".
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "bytecode/FunctionProto.h"

namespace langoost {

// "LGSTPROG": the first eight bytes of every blob.
constexpr char kProgramMagic[8] = {'L', 'G', 'S', 'T', 'P', 'R', 'O', 'G'};
// Bumped whenever the encoding below changes.
constexpr uint32_t kProgramFormatVersion = 2; // 2: operand names
// magic, format version, payload length, payload CRC-32.
constexpr size_t kProgramHeaderSize = 20;

// A loaded program: modules[0] is the entry; the others are the file
// modules it imports (directly or not), each under its key.
struct ProgramImage {
    std::vector<std::shared_ptr<const CompiledModule>> modules;
};

struct DeserializeResult {
    std::shared_ptr<ProgramImage> image; // null on error
    std::string error;                   // why, when image is null
};

// `runtimeVersion` is recorded in (and, on loading, compared with) the blob.
std::string serializeProgram(const ProgramImage& image, std::string_view runtimeVersion);
DeserializeResult deserializeProgram(std::string_view blob, std::string_view runtimeVersion);

uint32_t crc32(std::string_view bytes);
// Opcode count, mnemonics and formats, hashed: blobs from a runtime with a
// different instruction set are refused even under the same version.
uint32_t opcodeFingerprint();

} // namespace langoost
