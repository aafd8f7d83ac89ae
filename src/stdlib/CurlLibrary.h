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
    void (*easy_reset)(CURL*);
    const char* (*easy_strerror)(CURLcode);
    curl_slist* (*slist_append)(curl_slist*, const char*);
    void (*slist_free_all)(curl_slist*);
    // The multi interface: a parked request drives its transfer from the
    // worker's event loop (performParked).
    CURLM* (*multi_init)();
    CURLMcode (*multi_add_handle)(CURLM*, CURL*);
    CURLMcode (*multi_remove_handle)(CURLM*, CURL*);
    CURLMcode (*multi_cleanup)(CURLM*);
    CURLMcode (*multi_setopt)(CURLM*, CURLMoption, ...);
    CURLMcode (*multi_socket_action)(CURLM*, curl_socket_t, int, int*);
    CURLMsg* (*multi_info_read)(CURLM*, int*);
    CURLSH* (*share_init)();
    CURLSHcode (*share_setopt)(CURLSH*, CURLSHoption, ...);
};

class Parker;

// Runs the transfer of `easy` like curl_easy_perform, but waits through
// `parker` (the request's task parks; the worker serves others). The
// transfers of one worker thread share a connection cache and a DNS cache
// (keep-alive to the same upstream, as Go's and Node's clients do) and
// reuse their multi handles. When the
// wait is cancelled or runs into the task's deadline the transfer is
// aborted: CURLE_ABORTED_BY_CALLBACK (see lastWaitEnd-style reporting by
// the caller through `waitEnd`).
CURLcode performParked(const CurlLibrary& lib, CURL* easy, Parker& parker, int& waitEnd);

// The loaded library, or null when libcurl cannot be found (then `error`
// says why).
const CurlLibrary* curlLibrary(const char** error);

} // namespace langoost
