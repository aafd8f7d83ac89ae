#include "vm/Isolate.h"

#include <cstdio>

#include "vm/ObjectMethods.h"
#include "vm/VM.h"

namespace langoost {

void IsolateLock::lock() {
    std::unique_lock guard(mutex_);
    uint64_t ticket = nextTicket_++;
    if (serving_ != ticket) {
        waiting_.fetch_add(1, std::memory_order_relaxed);
        turn_.wait(guard, [&] { return serving_ == ticket; });
        waiting_.fetch_sub(1, std::memory_order_relaxed);
    }
}

void IsolateLock::unlock() {
    {
        std::lock_guard guard(mutex_);
        ++serving_;
    }
    turn_.notify_all();
}

Isolate::Isolate(const RuntimeConfig& config) : config_(std::make_unique<RuntimeConfig>(config)) {
    for (const auto& def : config_->builtins) builtins.push_back(Value::object(permanentNative(def)));
    if (config_->timeoutMs)
        deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(config_->timeoutMs);
    if (config_->maxHeapBytes) heap.setLimit(config_->maxHeapBytes);
}

Isolate::~Isolate() {
    flush();
    extensions_.clear();
}

void Isolate::flush() {
    if (!out.empty()) {
        std::fwrite(out.data(), 1, out.size(), stdout);
        out.clear();
    }
    std::fflush(stdout);
}

bool Isolate::busy() const {
    for (const auto& [key, ext] : extensions_)
        if (ext->busy()) return true;
    return false;
}

void Isolate::collectGarbage() {
    heap.collect([this](Heap& h) {
        for (VM* vm : threads) vm->markRoots(h);
        for (ModuleObject* m : modules) h.markObject(m);
        for (auto& [def, m] : nativeModules) h.markObject(m);
        for (auto& [key, ext] : extensions_) ext->markRoots(h);
    });
}

} // namespace langoost
