#include "stdlib/CurlLibrary.h"

#include <dlfcn.h>

#include <sys/epoll.h>

#include <algorithm>
#include <chrono>
#include <mutex>
#include <vector>

#include "common/Parking.h"

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
        load(lib.easy_reset, "curl_easy_reset");
        load(lib.easy_strerror, "curl_easy_strerror");
        load(lib.slist_append, "curl_slist_append");
        load(lib.slist_free_all, "curl_slist_free_all");
        load(lib.multi_init, "curl_multi_init");
        load(lib.multi_add_handle, "curl_multi_add_handle");
        load(lib.multi_remove_handle, "curl_multi_remove_handle");
        load(lib.multi_cleanup, "curl_multi_cleanup");
        load(lib.multi_setopt, "curl_multi_setopt");
        load(lib.multi_socket_action, "curl_multi_socket_action");
        load(lib.multi_info_read, "curl_multi_info_read");
        load(lib.share_init, "curl_share_init");
        load(lib.share_setopt, "curl_share_setopt");
        if (!failure) lib.global_init(CURL_GLOBAL_DEFAULT);
    });
    if (failure) {
        if (error) *error = failure;
        return nullptr;
    }
    return &lib;
}

namespace {

// What curl asks to be told about: its sockets and their directions, and
// when to call it back regardless.
struct TransferWaits {
    std::vector<FdInterest> sockets;
    long timerMs = -1; // -1: no timer
};

int onSocket(CURL*, curl_socket_t fd, int what, void* userp, void*) {
    auto& w = *static_cast<TransferWaits*>(userp);
    std::erase_if(w.sockets, [fd](const FdInterest& i) { return i.fd == fd; });
    uint32_t events = (what == CURL_POLL_IN || what == CURL_POLL_INOUT ? uint32_t(EPOLLIN) : 0u) |
                      (what == CURL_POLL_OUT || what == CURL_POLL_INOUT ? uint32_t(EPOLLOUT) : 0u);
    if (what != CURL_POLL_REMOVE && events) w.sockets.push_back({fd, events});
    return 0;
}

int onTimer(CURLM*, long timeoutMs, void* userp) {
    static_cast<TransferWaits*>(userp)->timerMs = timeoutMs;
    return 0;
}

// What the parked transfers of one thread (a worker) share: connections
// and DNS answers (no locks: only this thread uses them), and idle multi
// handles. Kept for the thread's life.
struct ThreadTransfers {
    CURLSH* share = nullptr;
    std::vector<CURLM*> idleMultis;
};

ThreadTransfers& threadTransfers(const CurlLibrary& lib) {
    thread_local ThreadTransfers t;
    if (!t.share && (t.share = lib.share_init())) {
        lib.share_setopt(t.share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
        lib.share_setopt(t.share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    }
    return t;
}

constexpr size_t kIdleMultis = 256;
constexpr long kCachedConnections = 1024;

} // namespace

CURLcode performParked(const CurlLibrary& lib, CURL* easy, Parker& parker, int& waitEnd) {
    waitEnd = int(WaitEnd::Ready);
    ThreadTransfers& shared = threadTransfers(lib);
    CURLM* multi;
    if (shared.idleMultis.empty()) {
        multi = lib.multi_init();
        // The shared cache keeps as many idle connections as a busy worker
        // has transfers (curl's default is 4 per easy handle of the multi).
        if (multi) lib.multi_setopt(multi, CURLMOPT_MAXCONNECTS, kCachedConnections);
    } else {
        multi = shared.idleMultis.back();
        shared.idleMultis.pop_back();
    }
    if (!multi) return CURLE_OUT_OF_MEMORY;
    if (shared.share) lib.easy_setopt(easy, CURLOPT_SHARE, shared.share);
    TransferWaits waits;
    lib.multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, onSocket);
    lib.multi_setopt(multi, CURLMOPT_SOCKETDATA, &waits);
    lib.multi_setopt(multi, CURLMOPT_TIMERFUNCTION, onTimer);
    lib.multi_setopt(multi, CURLMOPT_TIMERDATA, &waits);
    CURLcode result = CURLE_OK;
    if (lib.multi_add_handle(multi, easy) != CURLM_OK) {
        lib.multi_cleanup(multi);
        lib.easy_setopt(easy, CURLOPT_SHARE, static_cast<CURLSH*>(nullptr));
        return CURLE_FAILED_INIT;
    }
    int running = 1;
    lib.multi_socket_action(multi, CURL_SOCKET_TIMEOUT, 0, &running);
    while (running) {
        // No socket and no timer would wait forever: poll curl now and then.
        long ms = waits.timerMs >= 0 ? waits.timerMs : (waits.sockets.empty() ? 10 : -1);
        auto deadline = ms < 0 ? WaitClock::time_point::max() : WaitClock::now() + std::chrono::milliseconds(ms);
        FdInterest fired{-1, 0};
        WaitEnd end = waits.sockets.empty() ? parker.sleepUntil(deadline)
                                            : parker.waitFds(waits.sockets.data(), waits.sockets.size(), deadline, &fired);
        if (end == WaitEnd::Cancelled || (end == WaitEnd::TimedOut && WaitClock::now() < deadline)) {
            waitEnd = int(end); // cancelled, or the task's own deadline came first
            result = CURLE_ABORTED_BY_CALLBACK;
            break;
        }
        if (end == WaitEnd::TimedOut) {
            waits.timerMs = -1;
            lib.multi_socket_action(multi, CURL_SOCKET_TIMEOUT, 0, &running);
        } else {
            int mask = (fired.events & EPOLLIN ? CURL_CSELECT_IN : 0) | (fired.events & EPOLLOUT ? CURL_CSELECT_OUT : 0) |
                       (fired.events & (EPOLLERR | EPOLLHUP) ? CURL_CSELECT_ERR : 0);
            lib.multi_socket_action(multi, fired.fd, mask, &running);
        }
    }
    if (result == CURLE_OK) {
        int left = 0;
        while (CURLMsg* msg = lib.multi_info_read(multi, &left))
            if (msg->msg == CURLMSG_DONE && msg->easy_handle == easy) result = msg->data.result;
    }
    lib.multi_remove_handle(multi, easy);
    lib.easy_setopt(easy, CURLOPT_SHARE, static_cast<CURLSH*>(nullptr));
    if (shared.idleMultis.size() < kIdleMultis) shared.idleMultis.push_back(multi);
    else lib.multi_cleanup(multi);
    return result;
}

} // namespace langoost
