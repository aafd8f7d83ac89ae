// NetSockets: the socket table behind the `net` module's int handles,
// shared with the modules that speak a protocol over those handles
// (`websocket`) and with server mode (an upgraded request's connection
// becomes a handle). Sockets are shared_ptrs: a close() from one thread
// cannot pull the descriptor from under another thread's blocking read.
#pragma once
#include <sys/types.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "vm/VM.h"

namespace langoost {

struct Socket {
    int fd = -1;
    bool listener = false;
    std::atomic<int64_t> recvTimeoutMs{-1}; // net.setTimeout; -1: none
    std::mutex readMutex;  // one reader at a time (the read buffer)
    std::mutex writeMutex; // one sender's bytes are never interleaved with another's
    std::string buffered;  // bytes read but not consumed yet
    ~Socket();
};

// The socket behind a handle value; null for anything else.
std::shared_ptr<Socket> findSocket(VM& vm, Value handle);
// A new handle owning `fd`; `alreadyRead` are bytes received on it that
// belong to whoever reads next.
Value adoptSocket(VM& vm, int fd, std::string alreadyRead = {});
// Connects to host:port (names resolved, IPv4 or IPv6); -1 on failure.
// Blocking: call inside a BlockingSection.
int connectTcp(const std::string& host, const std::string& port);

// Blocking I/O for use inside a BlockingSection, then VM::afterIo(). The
// sockets stay in blocking mode for anyone else; these calls never block
// in the kernel but wait through common/Parking.h, so in server mode only
// the request parks.
// Up to `size` bytes into `out`: > 0 bytes, 0 at EOF, -1 on error or timeout.
ssize_t recvSome(Socket& s, char* out, size_t size);
// Appends up to `want` more bytes to s.buffered; false on EOF, timeout or error.
bool fillSocket(Socket& s, size_t want);
// Sends every byte (caller holds s.writeMutex); false when the peer is gone.
bool sendAllBytes(Socket& s, std::string_view data);
bool sendAllBytes(int fd, std::string_view data);

} // namespace langoost
