#include "stdlib/CurlLibrary.h"

#include <dlfcn.h>

#include <mutex>

namespace langoost {

const CurlLibrary* curlLibrary(const char** error) {
    static CurlLibrary lib;
    static const char* failure = nullptr;
    static std::once_flag once;
    std::call_once(once, [] {
        void* h = ::dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
        if (!h) {
            failure = "libcurl.so.4 cannot be loaded (install libcurl4)";
            return;
        }
        auto load = [&](auto& fn, const char* name) {
            fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(::dlsym(h, name));
            if (!fn) failure = "libcurl.so.4 lacks a required function";
        };
        load(lib.global_init, "curl_global_init");
        load(lib.easy_init, "curl_easy_init");
        load(lib.easy_setopt, "curl_easy_setopt");
        load(lib.easy_perform, "curl_easy_perform");
        load(lib.easy_getinfo, "curl_easy_getinfo");
        load(lib.easy_cleanup, "curl_easy_cleanup");
        load(lib.easy_strerror, "curl_easy_strerror");
        load(lib.slist_append, "curl_slist_append");
        load(lib.slist_free_all, "curl_slist_free_all");
        if (!failure) lib.global_init(CURL_GLOBAL_DEFAULT);
    });
    if (failure) {
        if (error) *error = failure;
        return nullptr;
    }
    return &lib;
}

} // namespace langoost
