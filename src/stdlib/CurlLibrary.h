// CurlLibrary: libcurl, loaded with dlopen the first time a script uses the
// http client. Linking it directly pulls ~30 shared libraries (TLS, LDAP,
// Kerberos...) into every process and made `langoost run` start 4x slower
// than it does without them; most scripts never make an HTTP request.
#pragma once
#include <curl/curl.h>

namespace langoost {

struct CurlLibrary {
    CURLcode (*global_init)(long);
    CURL* (*easy_init)();
    CURLcode (*easy_setopt)(CURL*, CURLoption, ...);
    CURLcode (*easy_perform)(CURL*);
    CURLcode (*easy_getinfo)(CURL*, CURLINFO, ...);
    void (*easy_cleanup)(CURL*);
    const char* (*easy_strerror)(CURLcode);
    curl_slist* (*slist_append)(curl_slist*, const char*);
    void (*slist_free_all)(curl_slist*);
};

// The loaded library, or null when libcurl cannot be found (then `error`
// says why).
const CurlLibrary* curlLibrary(const char** error);

} // namespace langoost
