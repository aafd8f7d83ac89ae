// The per-process SipHash key (common/SipHash.h).
#include "common/SipHash.h"

#include <sys/random.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <unistd.h>

namespace langoost {

SipKey randomSipKey() {
    SipKey key{};
    auto* out = reinterpret_cast<unsigned char*>(&key);
    size_t have = 0;
    while (have < sizeof key) {
        ssize_t n = getrandom(out + have, sizeof key - have, 0);
        if (n > 0) {
            have += size_t(n);
        } else if (n < 0 && errno != EINTR) {
            break;
        }
    }
    if (have <
        sizeof key) { // no getrandom (old kernel, seccomp): still differs per process and run
        auto now = uint64_t(std::chrono::steady_clock::now().time_since_epoch().count());
        key.k0 ^= now * 0x9e3779b97f4a7c15ULL ^ uint64_t(getpid());
        key.k1 ^=
            uint64_t(std::chrono::system_clock::now().time_since_epoch().count()) ^ uintptr_t(&key);
    }
    return key;
}

} // namespace langoost
