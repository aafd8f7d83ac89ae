#include "vm/Isolate.h"

#include <cstdio>

#include "vm/ObjectMethods.h"
#include "vm/VM.h"

namespace langoost {

void IsolateLock::lock() {
    std::unique_lock guard(mutex_);
    if (!held_ && queue_.empty()) {
        held_ = true;
        return;
    }
    Waiter me;
    queue_.push_back(&me);
    waiting_.fetch_add(1, std::memory_order_relaxed);
    me.wake.wait(guard, [&] { return me.granted; });
    waiting_.fetch_sub(1, std::memory_order_relaxed);
    // Ownership was handed over: held_ stayed true.
}

void IsolateLock::unlock() {
    std::lock_guard guard(mutex_);
    if (queue_.empty()) {
        held_ = false;
        return;
    }
    Waiter* next = queue_.front();
    queue_.pop_front();
    next->granted = true;
    next->wake.notify_one();
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
    if (config_->captureOutput) return;
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

void Isolate::beginEnding() {
    {
        std::lock_guard guard(endMutex);
        ending.store(true);
    }
    endCv.notify_all();
    for (auto& [key, ext] : extensions_) ext->wakeAll();
}

void Isolate::collectGarbage() {
    heap.collect([this](Heap& h) {
        for (VM* vm : threads) vm->markRoots(h);
        for (ModuleObject* m : modules) h.markRootModule(m);
        for (auto& [def, m] : nativeModules) h.markRootModule(m);
        for (auto& [key, ext] : extensions_) ext->markRoots(h);
    });
}

} // namespace langoost
