#include "peak_flops.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace edgemoe::cli {
namespace {

// One vector register of floats: 16 lanes with AVX-512, 8 with AVX/AVX2, 4 with SSE.
#if defined(__AVX512F__)
constexpr int kLanes = 16;
#elif defined(__AVX__)
constexpr int kLanes = 8;
#else
constexpr int kLanes = 4;
#endif
typedef float vec __attribute__((vector_size(kLanes * 4)));

// Twelve independent accumulators hide the FMA latency (4 cycles x 2 ports needs >= 8 in flight).
// They are separate variables, not an array, so that the compiler keeps all twelve in registers.
double fma_loop(long iterations) {
    vec a0 = vec{} + 0.1f, a1 = vec{} + 0.2f, a2 = vec{} + 0.3f, a3 = vec{} + 0.4f, a4 = vec{} + 0.5f,
        a5 = vec{} + 0.6f, a6 = vec{} + 0.7f, a7 = vec{} + 0.8f, a8 = vec{} + 0.9f, a9 = vec{} + 1.0f,
        a10 = vec{} + 1.1f, a11 = vec{} + 1.2f;
    const vec m = vec{} + 0.999999f, c = vec{} + 1e-7f;
    for (long it = 0; it < iterations; ++it) {
        a0 = a0 * m + c; a1 = a1 * m + c; a2 = a2 * m + c; a3 = a3 * m + c;
        a4 = a4 * m + c; a5 = a5 * m + c; a6 = a6 * m + c; a7 = a7 * m + c;
        a8 = a8 * m + c; a9 = a9 * m + c; a10 = a10 * m + c; a11 = a11 * m + c;
        // An empty statement that "may change" the accumulators: the loop cannot be folded away.
        asm volatile("" : "+x"(a0), "+x"(a1), "+x"(a2), "+x"(a3), "+x"(a4), "+x"(a5), "+x"(a6), "+x"(a7),
                          "+x"(a8), "+x"(a9), "+x"(a10), "+x"(a11));
    }
    const vec sum = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11;
    float total = 0;
    for (int l = 0; l < kLanes; ++l) total += sum[l];
    return total;
}

}  // namespace

double measure_peak_gflops(int threads, double seconds) {
    using Clock = std::chrono::steady_clock;
    constexpr int kTrials = 5;
    // Calibrate the iteration count on one thread for a trial of seconds / kTrials, then run all
    // threads together kTrials times and keep the fastest: a peak is what the machine can do, and on a
    // shared VM a trial can lose half its speed to neighbours (seen here: 39 against 72-74 GFLOP/s
    // in three runs a second apart), which one long trial would average in.
    long iters = 1 << 14;
    for (;;) {
        const auto t0 = Clock::now();
        fma_loop(iters);
        if (std::chrono::duration<double>(Clock::now() - t0).count() > seconds / kTrials / 2) break;
        iters *= 2;
    }
    std::atomic<double> sink{0};
    double best = 0;
    for (int trial = 0; trial < kTrials; ++trial) {
        std::vector<std::thread> pool;
        const auto t0 = Clock::now();
        for (int t = 0; t < threads; ++t) pool.emplace_back([&] { sink = sink + fma_loop(iters); });
        for (auto& th : pool) th.join();
        const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
        best = std::max(best, double(threads) * double(iters) * 12 * kLanes * 2 / secs / 1e9);
    }
    return best;
}

}  // namespace edgemoe::cli
