#pragma once
// A thread that burns one core for as long as it lives (and at most `limit`), so that a test's
// parallel work runs on a busy machine: items land on the threads differently, and a thread of the
// test may be descheduled at any point. Stops and joins in its destructor, also when a QVERIFY returns.
#include <atomic>
#include <chrono>
#include <thread>

namespace edgemoe::test {

class BusyThread {
public:
    explicit BusyThread(std::chrono::seconds limit = std::chrono::seconds(60))
        : thread_([this, end = std::chrono::steady_clock::now() + limit] {
              while (!stop_.load(std::memory_order_relaxed) && std::chrono::steady_clock::now() < end) {
                  for (int i = 0; i < 1000; ++i) spins_.fetch_add(1, std::memory_order_relaxed);
              }
          }) {}
    ~BusyThread() {
        stop_ = true;
        thread_.join();
    }
    BusyThread(const BusyThread&) = delete;
    BusyThread& operator=(const BusyThread&) = delete;

private:
    std::atomic<bool> stop_{false};
    std::atomic<long> spins_{0};
    std::thread thread_;   // last: starts after the flags exist
};

}  // namespace edgemoe::test
