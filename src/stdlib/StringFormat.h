// strings.format's engine (StringFormat.cpp): Go's verbs, flags, width and
// precision applied to `args`.
#pragma once
#include <string_view>

#include "vm/VM.h"

namespace langoost {

Value stringsFormat(VM& vm, std::string_view fmt, Value* args, int argc);

} // namespace langoost
