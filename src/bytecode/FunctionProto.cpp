#include "bytecode/FunctionProto.h"
