// libFuzzer target: the websocket module's frame reader (server side: frames
// must be masked), fed the input as the bytes a client sent after the
// handshake, over a socketpair whose peer has stopped sending. Every
// message handed out must be within the message limit, and a text message
// valid UTF-8; a malformed stream must end the connection, not the process.
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <cstddef>
#include <cstdint>
#include <string>

#include "FuzzNatives.h"
#include "common/Utf8.h"
#include "stdlib/NetSockets.h"
#include "vm/MapOps.h"

using namespace langoost;
using namespace langoost::fuzz;

namespace {

constexpr int64_t kMaxMessage = 4096;

Value requestHeaders(VM& vm) {
    MapObject* h = vm.heap().newMap();
    Value v = Value::object(h);
    vm.tempRoots.push_back(v);
    mapSet(vm.heap(), h, vm.newString("upgrade"), vm.stringValue("websocket"));
    mapSet(vm.heap(), h, vm.newString("connection"), vm.stringValue("Upgrade"));
    mapSet(vm.heap(), h, vm.newString("sec-websocket-key"),
           vm.stringValue("dGhlIHNhbXBsZSBub25jZQ=="));
    mapSet(vm.heap(), h, vm.newString("sec-websocket-version"), vm.stringValue("13"));
    vm.tempRoots.pop_back();
    return v;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size > 64 * 1024) return -1;
    static const bool ignored = [] { return std::signal(SIGPIPE, SIG_IGN) != SIG_ERR; }();
    (void)ignored;
    static const NativeFn handshake = findNative("websocket", "handshake"),
                          recvMessage = findNative("websocket", "recvMessage"),
                          setMax = findNative("websocket", "setMaxMessage"),
                          close = findNative("net", "close");
    VM& vm = fuzzVM();
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) return 0;
    int peerBuffer = 1 << 20;
    ::setsockopt(fds[1], SOL_SOCKET, SO_RCVBUF, &peerBuffer, sizeof peerBuffer);
    ::shutdown(fds[1], SHUT_WR); // after the input: end of stream
    Value handle = adoptSocket(vm, fds[0], std::string(reinterpret_cast<const char*>(data), size));
    vm.tempRoots.push_back(handle);
    Value headers = requestHeaders(vm);
    vm.tempRoots.push_back(headers);
    std::optional<Value> ok = callValue(handshake, {handle, headers});
    if (!ok || !ok->isBool() || !ok->asBool()) __builtin_trap();
    callValue(setMax, {handle, Value::integer(kMaxMessage)});
    for (int i = 0; i < 10000; ++i) {
        std::optional<Value> m = callValue(recvMessage, {handle});
        if (!m || m->isNil()) break;
        MapObject* message = m->as<MapObject>();
        std::string_view type = mapFind(message, "type")->as<StringObject>()->view();
        std::string_view bytes = mapFind(message, "data")->as<StringObject>()->view();
        if (int64_t(bytes.size()) > kMaxMessage) __builtin_trap();
        if (type == "text" && !validUtf8(bytes)) __builtin_trap();
    }
    callValue(close, {handle});
    vm.tempRoots.resize(vm.tempRoots.size() - 2);
    ::close(fds[1]);
    collectSometimes();
    return 0;
}
