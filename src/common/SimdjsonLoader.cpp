// SimdjsonLoader: libsimdjson, loaded with dlopen the first time a JSON
// text is parsed, as OpenSSL, libcurl and libpq are.
//
// Debian ships simdjson only as a shared C++ library, and linking it would
// load libstdc++.so at every start (1.6 M of the 2.9 M instructions an empty
// script cost went to the dynamic loader binding libstdc++). The `langoost`
// executable links libstdc++ statically instead; the DOM parser's code is
// inline in simdjson.h except for one entry point, the active
// implementation (the SIMD kernels), which this file defines by forwarding
// to the library's own. libsimdjson and the libstdc++.so it needs are then
// mapped only by processes that parse JSON. Only the release link uses this
// file (LANGOOST_STATIC_DEPS); sanitizer and fuzz builds link simdjson.
#include <dlfcn.h>
#include <simdjson.h>

#include <cstdio>
#include <cstdlib>

namespace simdjson {

internal::atomic_ptr<const implementation>& get_active_implementation() {
    using Getter = internal::atomic_ptr<const implementation>& (*)();
    static Getter real = [] {
        void* library = ::dlopen(LANGOOST_SIMDJSON_SONAME, RTLD_NOW | RTLD_LOCAL);
        void* symbol = library ? ::dlsym(library, "_ZN8simdjson25get_active_implementationEv") : nullptr;
        if (!symbol) {
            const char* why = ::dlerror();
            std::fprintf(stderr, "langoost: cannot load the JSON parser (install libsimdjson): %s\n",
                         why ? why : LANGOOST_SIMDJSON_SONAME " lacks get_active_implementation");
            std::_Exit(70);
        }
        return reinterpret_cast<Getter>(symbol);
    }();
    return real();
}

} // namespace simdjson
