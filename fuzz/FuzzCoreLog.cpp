// libFuzzer target: runtime.core's file backend replaying a log it did not
// write (a torn, corrupt or hostile file) — opening must either succeed
// (possibly truncating a bad tail) or fail with a CoreError, never crash;
// after a successful open the store must answer keys/get and accept a write.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "store/CoreStore.h"

using namespace langoost;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size > 256 * 1024) return -1;
    // tmpfs when there is one: a disk's fsync stalls are not findings.
    static std::string path = std::string(::access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp") +
                              "/langoost-fuzz-core-" + std::to_string(::getpid()) + ".log";
    if (FILE* out = std::fopen(path.c_str(), "wb")) {
        std::fwrite(data, 1, size, out);
        std::fclose(out);
    }
    try {
        auto store = openCoreStore("file:" + path + "?fsync=never");
        for (const std::string& key : store->keys("")) store->get(key);
        store->set("fuzz:key", "1", 0);
        store->incr("fuzz:counter", 2);
    } catch (const CoreError&) {
    }
    return 0;
}
