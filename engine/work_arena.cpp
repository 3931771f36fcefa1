#include "work_arena.h"

#include <algorithm>

#include <oneapi/tbb/info.h>

#include "edgemoe/backend.h"

namespace edgemoe {

WorkArena::WorkArena(int threads) : threads_(resolve(threads)), pending_(threads_.load()), arena_(threads_.load()) {}

int WorkArena::resolve(int threads) {
    // TBB's one pool of workers has (cores the process may use - 1) threads; an arena of more threads
    // than that + 1 could not have them (TBB warns and ignores the request), so a count above the
    // cores is the cores.
    const int cores = std::max(1, tbb::info::default_concurrency());
    return threads > 0 ? std::min(threads, cores) : cores;
}

bool WorkArena::apply() {
    const int want = pending_.load(std::memory_order_relaxed);
    if (want == threads()) return false;
    // Not in use here (between frames), so the arena can be torn down and made again.
    arena_.terminate();
    arena_.initialize(want);
    threads_.store(want, std::memory_order_relaxed);
    return true;
}

void WorkArena::set_cancel_check(std::function<bool()> cancelled, std::string who) {
    cancelled_ = std::move(cancelled);
    who_ = std::move(who);
}

void WorkArena::throw_if_cancelled() const {
    if (cancelled()) throw FrameCancelled(who_ + ": frame cancelled");
}

}  // namespace edgemoe
