// The `websocket` module (RFC 6455) over `net` handles: a server upgrades
// an accepted connection with handshake(), a client opens one with
// connect(); both then exchange whole messages with recv/send. Written in
// C++: framing, masking, fragmentation, ping/pong, the close handshake and
// UTF-8 validation are exactly the parts a script should not get wrong.
//
// recv assembles one message, answering pings and skipping pongs on the
// way. Anything the peer gets wrong ends the connection with the RFC's
// close code — 1002 protocol error, 1007 invalid UTF-8, 1009 message too
// big — and recv returns void, as it does after a normal close.
// Every blocking step runs in a BlockingSection (isolate lock released).
#include <sys/socket.h>

#include <atomic>
#include <cstring>
#include <unordered_map>

#include "common/Utf8.h"
#include "common/OpenSsl.h"
#include "stdlib/DataArgs.h"
#include "stdlib/HttpParser.h"
#include "stdlib/NetSockets.h"
#include "stdlib/Stdlib.h"
#include "vm/ArrayOps.h"
#include "vm/MapOps.h"

namespace langoost {
namespace {

// Default cap on one message (all fragments together); setMaxMessage changes it per connection.
constexpr uint64_t kDefaultMaxMessageBytes = 16u << 20;
// An upgrade response head longer than this is refused (connect).
constexpr size_t kMaxHandshakeBytes = 16 * 1024;
constexpr const char* kAcceptGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

enum Opcode : uint8_t { kContinuation = 0, kText = 1, kBinary = 2, kClose = 8, kPing = 9, kPong = 10 };
enum CloseCode : uint16_t { kNormal = 1000, kProtocolError = 1002, kInvalidPayload = 1007, kTooBig = 1009 };

struct Connection {
    bool client = false; // client frames are masked, server frames are not
    std::atomic<bool> closeSent{false};
    std::atomic<bool> closed{false}; // no more messages will be read
    std::atomic<uint64_t> maxMessage{kDefaultMaxMessageBytes};
};

struct ConnectionTable : IsolateExtension {
    std::unordered_map<int64_t, std::shared_ptr<Connection>> byHandle;
};

const char kTableKey = 0;

std::shared_ptr<Connection> connectionOf(VM& vm, Value handle) {
    if (!handle.isInt()) return nullptr;
    auto& table = vm.isolate().extension<ConnectionTable>(&kTableKey).byHandle;
    auto it = table.find(handle.asInt());
    return it == table.end() ? nullptr : it->second;
}

void registerConnection(VM& vm, Value handle, bool client) {
    auto c = std::make_shared<Connection>();
    c->client = client;
    vm.isolate().extension<ConnectionTable>(&kTableKey).byHandle[handle.asInt()] = std::move(c);
}

std::string base64(const unsigned char* data, size_t n) {
    std::string out(4 * ((n + 2) / 3), '\0');
    int len = openSsl().EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, int(n));
    out.resize(size_t(len));
    return out;
}

std::string acceptFor(std::string_view key) {
    std::string text = std::string(key) + kAcceptGuid;
    unsigned char digest[SHA_DIGEST_LENGTH];
    openSsl().SHA1(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
    return base64(digest, sizeof digest);
}

// ---- frames ------------------------------------------------------------

std::string frame(uint8_t opcode, std::string_view payload, bool masked) {
    std::string out;
    out.reserve(payload.size() + 14);
    out += char(0x80 | opcode);
    uint8_t maskBit = masked ? 0x80 : 0;
    if (payload.size() < 126) {
        out += char(maskBit | payload.size());
    } else if (payload.size() <= 0xFFFF) {
        out += char(maskBit | 126);
        out += char(payload.size() >> 8);
        out += char(payload.size() & 0xFF);
    } else {
        out += char(maskBit | 127);
        for (int shift = 56; shift >= 0; shift -= 8) out += char((uint64_t(payload.size()) >> shift) & 0xFF);
    }
    if (!masked) {
        out += payload;
        return out;
    }
    unsigned char key[4];
    openSsl().RAND_bytes(key, sizeof key);
    out.append(reinterpret_cast<char*>(key), 4);
    size_t start = out.size();
    out += payload;
    for (size_t i = 0; i < payload.size(); ++i) out[start + i] = char(out[start + i] ^ key[i & 3]);
    return out;
}

// Sends one frame; false when the peer is gone. Blocking.
bool sendFrame(Socket& s, const Connection& c, uint8_t opcode, std::string_view payload) {
    std::string bytes = frame(opcode, payload, c.client);
    std::lock_guard writing(s.writeMutex);
    return sendAllBytes(s, bytes);
}

void sendClose(Socket& s, Connection& c, uint16_t code, std::string_view reason = {}) {
    if (c.closeSent.exchange(true)) return;
    std::string payload;
    payload += char(code >> 8);
    payload += char(code & 0xFF);
    payload += reason.substr(0, 123);
    sendFrame(s, c, kClose, payload);
}

// Ends the connection after a protocol failure: close frame, then no more reads.
void fail(Socket& s, Connection& c, uint16_t code) {
    sendClose(s, c, code);
    c.closed = true;
    ::shutdown(s.fd, SHUT_RDWR);
}

bool readExact(Socket& s, size_t n, std::string& out) {
    while (s.buffered.size() < n)
        if (!fillSocket(s, std::max<size_t>(n - s.buffered.size(), 16 * 1024))) return false;
    out.assign(s.buffered, 0, n);
    s.buffered.erase(0, n);
    return true;
}

bool validCloseCode(uint16_t code) {
    return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}

struct Message {
    uint8_t type = 0; // kText or kBinary
    std::string data;
};

// Reads the next whole message. False when the connection ended (normal
// close, protocol failure, EOF): nothing more will come. Blocking; the
// caller holds s.readMutex.
bool readMessage(Socket& s, Connection& c, Message& message) {
    bool inProgress = false;
    std::string header;
    while (!c.closed) {
        if (!readExact(s, 2, header)) break;
        auto b0 = uint8_t(header[0]), b1 = uint8_t(header[1]);
        bool fin = b0 & 0x80;
        uint8_t opcode = b0 & 0x0F;
        bool masked = b1 & 0x80;
        uint64_t length = b1 & 0x7F;
        bool control = opcode >= 8;
        if ((b0 & 0x70) || (opcode > 2 && opcode < 8) || opcode > 10 || masked == c.client ||
            (control && (!fin || length > 125))) {
            fail(s, c, kProtocolError);
            break;
        }
        std::string ext;
        if (length == 126) {
            if (!readExact(s, 2, ext)) break;
            length = uint64_t(uint8_t(ext[0])) << 8 | uint8_t(ext[1]);
        } else if (length == 127) {
            if (!readExact(s, 8, ext)) break;
            length = 0;
            for (char b : ext) length = length << 8 | uint8_t(b);
            if (length >> 63) {
                fail(s, c, kProtocolError);
                break;
            }
        }
        uint64_t limit = c.maxMessage;
        if (!control && (length > limit || message.data.size() + length > limit)) {
            fail(s, c, kTooBig);
            break;
        }
        std::string key;
        if (masked && !readExact(s, 4, key)) break;
        std::string payload;
        if (!readExact(s, size_t(length), payload)) break;
        if (masked)
            for (size_t i = 0; i < payload.size(); ++i) payload[i] = char(payload[i] ^ key[i & 3]);
        if (opcode == kPing) {
            if (!c.closeSent) sendFrame(s, c, kPong, payload);
            continue;
        }
        if (opcode == kPong) continue;
        if (opcode == kClose) {
            uint16_t code = kNormal;
            if (payload.size() == 1) {
                fail(s, c, kProtocolError);
                break;
            }
            if (payload.size() >= 2) {
                code = uint16_t(uint8_t(payload[0]) << 8 | uint8_t(payload[1]));
                if (!validCloseCode(code)) {
                    fail(s, c, kProtocolError);
                    break;
                }
                if (!validUtf8(std::string_view(payload).substr(2))) {
                    fail(s, c, kInvalidPayload);
                    break;
                }
            }
            sendClose(s, c, code);
            c.closed = true;
            ::shutdown(s.fd, SHUT_WR);
            break;
        }
        if ((opcode == kContinuation) != inProgress) { // a continuation with nothing to continue, or a new message mid-way
            fail(s, c, kProtocolError);
            break;
        }
        if (!inProgress) message.type = opcode;
        message.data += payload;
        inProgress = !fin;
        if (fin) {
            if (message.type == kText && !validUtf8(message.data)) {
                fail(s, c, kInvalidPayload);
                break;
            }
            return true;
        }
    }
    c.closed = true;
    return false;
}

// ---- the module ----------------------------------------------------------

struct Endpoint {
    std::shared_ptr<Socket> socket;
    std::shared_ptr<Connection> connection;
};

Endpoint endpoint(VM& vm, Value* args, int argc) {
    if (argc < 1) return {};
    auto c = connectionOf(vm, args[0]);
    auto s = findSocket(vm, args[0]);
    if (!c || !s) return {};
    return {std::move(s), std::move(c)};
}

Value ws_acceptKey(VM& vm, Value, Value* args, int argc) {
    return vm.stringValue(acceptFor(argString(vm, "websocket.acceptKey", args, argc, 0)));
}

std::vector<std::string> upgradeLines(std::string_view key) {
    return {"HTTP/1.1 101 Switching Protocols", "Upgrade: websocket", "Connection: Upgrade",
            "Sec-WebSocket-Accept: " + acceptFor(key)};
}

Value ws_upgradeHeaders(VM& vm, Value, Value* args, int argc) {
    auto lines = upgradeLines(argString(vm, "websocket.upgradeHeaders", args, argc, 0));
    ArrayObject* out = vm.heap().newArray(0, lines.size());
    TempRoot root(vm, Value::object(out));
    for (const auto& line : lines) arrayPush(vm, out, vm.stringValue(line));
    return Value::object(out);
}

bool headerHasToken(MapObject* headers, std::string_view name, std::string_view token) {
    Value* v = mapFind(headers, name);
    if (!v || !v->isString()) return false;
    std::string value(v->as<StringObject>()->view());
    for (char& ch : value) ch = char(std::tolower(static_cast<unsigned char>(ch)));
    size_t start = 0;
    while (start <= value.size()) {
        size_t comma = value.find(',', start);
        std::string_view item = std::string_view(value).substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
        while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
        if (item == token) return true;
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    return false;
}

// A Sec-WebSocket-Key must be the base64 of 16 bytes.
bool validKey(std::string_view key) {
    if (key.size() != 24 || key.substr(22) != "==") return false;
    for (char ch : key.substr(0, 22))
        if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '+' && ch != '/') return false;
    return true;
}

Value ws_handshake(VM& vm, Value, Value* args, int argc) {
    auto s = argc >= 1 ? findSocket(vm, args[0]) : nullptr;
    if (!s || argc < 2 || !args[1].isObjType(ObjType::Map)) return Value::boolean(false);
    auto* headers = args[1].as<MapObject>();
    Value* key = mapFind(headers, "sec-websocket-key");
    Value* version = mapFind(headers, "sec-websocket-version");
    if (!headerHasToken(headers, "upgrade", "websocket") || !headerHasToken(headers, "connection", "upgrade") ||
        !key || !key->isString() || !validKey(key->as<StringObject>()->view()) || !version || !version->isString() ||
        version->as<StringObject>()->view() != "13")
        return Value::boolean(false);
    std::string response;
    for (const auto& line : upgradeLines(key->as<StringObject>()->view())) response += line + "\r\n";
    response += "\r\n";
    bool ok;
    {
        BlockingSection io(vm);
        std::lock_guard writing(s->writeMutex);
        ok = sendAllBytes(*s, response);
    }
    vm.afterIo();
    if (ok) registerConnection(vm, args[0], false);
    return Value::boolean(ok);
}

Value messageValue(VM& vm, const Message& m) {
    MapObject* out = vm.heap().newMap();
    TempRoot root(vm, Value::object(out));
    mapSet(vm.heap(), out, vm.newString("type"), vm.stringValue(m.type == kText ? "text" : "binary"));
    mapSet(vm.heap(), out, vm.newString("data"), makeString(vm, m.data));
    return Value::object(out);
}

bool receive(VM& vm, Value* args, int argc, Message& m) {
    Endpoint e = endpoint(vm, args, argc);
    if (!e.socket) return false;
    bool ok;
    {
        BlockingSection io(vm);
        std::lock_guard reading(e.socket->readMutex);
        ok = readMessage(*e.socket, *e.connection, m);
    }
    vm.afterIo();
    return ok;
}

Value ws_recv(VM& vm, Value, Value* args, int argc) {
    Message m;
    return receive(vm, args, argc, m) ? makeString(vm, m.data) : Value();
}

Value ws_recvMessage(VM& vm, Value, Value* args, int argc) {
    Message m;
    return receive(vm, args, argc, m) ? messageValue(vm, m) : Value();
}

Value sendData(VM& vm, Value* args, int argc, uint8_t opcode, const char* fn) {
    Endpoint e = endpoint(vm, args, argc);
    std::string data = argc >= 2 ? (args[1].isString() ? std::string(args[1].as<StringObject>()->view()) : vm.toString(args[1]))
                                 : std::string();
    if (opcode == kPing && data.size() > 125) vm.raise("ValueError", std::string(fn) + ": a ping carries at most 125 bytes");
    if (opcode == kText && !validUtf8(data)) vm.raise("ValueError", std::string(fn) + ": text must be valid UTF-8");
    if (!e.socket || e.connection->closeSent) return Value::boolean(false);
    bool ok;
    {
        BlockingSection io(vm);
        ok = sendFrame(*e.socket, *e.connection, opcode, data);
    }
    vm.afterIo();
    return Value::boolean(ok);
}

Value ws_send(VM& vm, Value, Value* args, int argc) { return sendData(vm, args, argc, kText, "websocket.send"); }
Value ws_sendBinary(VM& vm, Value, Value* args, int argc) { return sendData(vm, args, argc, kBinary, "websocket.sendBinary"); }
Value ws_ping(VM& vm, Value, Value* args, int argc) { return sendData(vm, args, argc, kPing, "websocket.ping"); }

Value ws_close(VM& vm, Value, Value* args, int argc) {
    Endpoint e = endpoint(vm, args, argc);
    int64_t code = argc >= 2 && args[1].isInt() ? args[1].asInt() : int64_t(kNormal);
    std::string reason = argc >= 3 && args[2].isString() ? std::string(args[2].as<StringObject>()->view()) : "";
    if (code < 1000 || code > 4999 || !validCloseCode(uint16_t(code)))
        vm.raise("ValueError", "websocket.close: " + std::to_string(code) + " is not a valid close code");
    if (!e.socket || e.connection->closeSent) return Value::boolean(false);
    {
        BlockingSection io(vm);
        sendClose(*e.socket, *e.connection, uint16_t(code), reason);
    }
    vm.afterIo();
    return Value::boolean(true);
}

Value ws_setMaxMessage(VM& vm, Value, Value* args, int argc) {
    Endpoint e = endpoint(vm, args, argc);
    int64_t bytes = argInt(vm, "websocket.setMaxMessage", args, argc, 1);
    if (bytes <= 0) vm.raise("ValueError", "websocket.setMaxMessage: the limit must be positive");
    if (!e.connection) return Value::boolean(false);
    e.connection->maxMessage = uint64_t(bytes);
    return Value::boolean(true);
}

// ws://host[:port][/path]; false for anything else (wss:// is not supported).
bool parseUrl(std::string_view url, std::string& host, std::string& port, std::string& path) {
    if (!url.starts_with("ws://")) return false;
    url.remove_prefix(5);
    size_t slash = url.find('/');
    std::string_view authority = url.substr(0, slash);
    path = slash == std::string_view::npos ? "/" : std::string(url.substr(slash));
    if (authority.starts_with('[')) {
        size_t close = authority.find(']');
        if (close == std::string_view::npos) return false;
        host = std::string(authority.substr(1, close - 1));
        authority.remove_prefix(close + 1);
        port = authority.starts_with(':') ? std::string(authority.substr(1)) : "80";
    } else {
        size_t colon = authority.rfind(':');
        host = std::string(authority.substr(0, colon));
        port = colon == std::string_view::npos ? "80" : std::string(authority.substr(colon + 1));
    }
    return !host.empty() && !port.empty() && port.find_first_not_of("0123456789") == std::string::npos;
}

Value ws_connect(VM& vm, Value, Value* args, int argc) {
    std::string host, port, path;
    if (!parseUrl(argString(vm, "websocket.connect", args, argc, 0), host, port, path)) return Value::integer(-1);
    unsigned char nonce[16];
    openSsl().RAND_bytes(nonce, sizeof nonce);
    std::string key = base64(nonce, sizeof nonce);
    bool hostIsV6 = host.find(':') != std::string::npos;
    std::string request = "GET " + path + " HTTP/1.1\r\nHost: " + (hostIsV6 ? "[" + host + "]" : host) + ":" + port +
                          "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + key +
                          "\r\nSec-WebSocket-Version: 13\r\n\r\n";
    int fd;
    ParsedRequest head;
    std::string rest;
    {
        BlockingSection io(vm);
        fd = connectTcp(host, port);
        if (fd < 0) return Value::integer(-1);
        Socket probe;
        probe.fd = fd;
        bool ok = sendAllBytes(probe, request);
        // The 101's status line and headers, read by the strict parser
        // (two Content-Lengths, a bare LF or junk in a header end it here).
        RequestParser parser(kMaxHandshakeBytes, 0, RequestParser::Kind::ResponseHead);
        size_t used = 0;
        while (ok && !parser.complete() && !parser.errorStatus()) {
            if (used == probe.buffered.size() && !(ok = fillSocket(probe, 4096))) break;
            used += parser.feed(probe.buffered.data() + used, probe.buffered.size() - used);
        }
        probe.fd = -1; // ownership passes to the handle below
        if (!ok || !parser.complete()) {
            ::close(fd);
            return Value::integer(-1);
        }
        head = parser.take();
        rest = probe.buffered.substr(used);
    }
    vm.afterIo();
    bool accepted = head.status == 101 && head.versionMinor == 1 && head.upgrade;
    bool keyMatches = false;
    int accepts = 0;
    for (const auto& [name, value] : head.headers)
        if (name == "sec-websocket-accept") {
            ++accepts;
            keyMatches = value == acceptFor(key);
        }
    keyMatches = keyMatches && accepts == 1;
    accepted = accepted && keyMatches;
    if (!accepted) {
        ::close(fd);
        return Value::integer(-1);
    }
    Value handle = adoptSocket(vm, fd, std::move(rest));
    registerConnection(vm, handle, true);
    return handle;
}

} // namespace

const NativeModuleDef& websocketModule() {
    static const NativeModuleDef def = {"websocket",
                                        {
                                            {"acceptKey", ws_acceptKey, 1, 1},
                                            {"upgradeHeaders", ws_upgradeHeaders, 1, 1},
                                            {"handshake", ws_handshake, 2, 2},
                                            {"recv", ws_recv, 1, 1},
                                            {"recvMessage", ws_recvMessage, 1, 1},
                                            {"send", ws_send, 2, 2},
                                            {"sendBinary", ws_sendBinary, 2, 2},
                                            {"ping", ws_ping, 1, 2},
                                            {"close", ws_close, 1, 3},
                                            {"setMaxMessage", ws_setMaxMessage, 2, 2},
                                            {"connect", ws_connect, 1, 1},
                                        },
                                        {},
                                        {},
                                        // Handshakes (SHA-1, base64) and client masks (random
                                        // bytes) need OpenSSL: load it on import, or fail there.
                                        [](VM& vm, MapObject*) { openSslFor(vm, "import websocket"); }};
    return def;
}

Value websocketHandshake(VM& vm, Value* args) {
    openSslFor(vm, "server.upgrade");
    return ws_handshake(vm, Value(), args, 2);
}

} // namespace langoost
