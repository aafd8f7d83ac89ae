#include "common/OpenSsl.h"

#include <dlfcn.h>

#include <atomic>
#include <cstdlib>
#include <mutex>
#include <string>

namespace langoost {
namespace {

std::atomic<bool> loaded{false};

} // namespace

const OpenSsl& openSsl() {
    static OpenSsl lib;
    static std::string failure;
    static std::once_flag once;
    std::call_once(once, [] {
        // libssl pulls in libcrypto; dlsym on its handle finds both.
        // LANGOOST_LIBSSL names another libssl (a path or soname; tests use it).
        const char* library = std::getenv("LANGOOST_LIBSSL");
        if (!library || !*library) library = "libssl.so.3";
        void* h = ::dlopen(library, RTLD_NOW | RTLD_LOCAL);
        if (!h) {
            const char* why = ::dlerror();
            failure = std::string("OpenSSL cannot be loaded (install libssl3): ") + (why ? why : library);
            return;
        }
#define LANGOOST_OPENSSL_LOAD(name)                                                                               \
    lib.name = reinterpret_cast<decltype(lib.name)>(::dlsym(h, #name));                                           \
    if (!lib.name && failure.empty()) failure = std::string("OpenSSL's ") + library + " lacks " #name;
        LANGOOST_OPENSSL_FUNCTIONS(LANGOOST_OPENSSL_LOAD)
#undef LANGOOST_OPENSSL_LOAD
        if (failure.empty()) loaded.store(true, std::memory_order_release);
    });
    if (!failure.empty()) throw OpenSslUnavailable(failure);
    return lib;
}

bool openSslLoaded() { return loaded.load(std::memory_order_acquire); }

} // namespace langoost
