#pragma once
// Ctrl-C (SIGINT) for the command-line tools: the handler only sets a flag that the tool hands to its
// backends (Backend::set_cancel_flag), so the frame being computed gives up within milliseconds
// (FrameCancelled) and the tool stops, writing what it has. A second Ctrl-C ends the program at once
// (the handler resets itself). Nothing is allocated or locked in the handler: a lock-free atomic store.
#include <atomic>
#include <csignal>

namespace edgemoe::cli {

inline std::atomic<bool> interrupted{false};
static_assert(std::atomic<bool>::is_always_lock_free, "the signal handler needs a lock-free flag");

extern "C" inline void on_interrupt(int) { interrupted.store(true, std::memory_order_relaxed); }

inline void install_interrupt_handler() {
    struct sigaction sa {};
    sa.sa_handler = on_interrupt;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESETHAND;   // the second Ctrl-C: the default action
    sigaction(SIGINT, &sa, nullptr);
}

}  // namespace edgemoe::cli
