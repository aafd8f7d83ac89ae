// The three CoreStore backends, constructed by openCoreStore (CoreStore.cpp)
// once it has parsed the URL.
#pragma once
#include <memory>
#include <string>

#include "store/CoreStore.h"

namespace langoost::store {

std::unique_ptr<CoreStore> openEmbeddedStore();

// When an acknowledged write reaches the disk: before the call returns
// (group commit: concurrent writers share one fdatasync), within a second
// (a background thread), or when the OS decides. Every policy write()s the
// record before returning, so a killed process loses nothing.
enum class FsyncPolicy { Always, Interval, Never };
std::unique_ptr<CoreStore> openFileStore(const std::string& path, FsyncPolicy policy);

struct RedisAddress {
    std::string host;
    int port = 6379;
    int db = 0;
    std::string password; // empty: no AUTH
    std::string prefix;   // prepended to every key
    std::string url;      // as given, for messages and describe()
};
std::unique_ptr<CoreStore> openRedisStore(const RedisAddress& address);

} // namespace langoost::store
