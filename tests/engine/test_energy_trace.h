#pragma once
// A synthetic power trace with a known integral, and a deterministic fake clock, for the sampler and
// attribution tests.
#include <cmath>
#include <cstdint>

#include "test_energy_fake_sysfs.h"

namespace energy_test {

constexpr double kPi = 3.14159265358979323846;

// 20 W plus two sines (periods 0.5 s and 0.2 s): smooth, but changing well within a frame.
inline Trace wavy_trace() {
    return {[](double t) { return 20 + 6 * std::sin(2 * kPi * t / 0.5) + 2 * std::sin(2 * kPi * t / 0.2 + 1); },
            [](double t) {
                return 20 * t - 6 * 0.5 / (2 * kPi) * std::cos(2 * kPi * t / 0.5) -
                       2 * 0.2 / (2 * kPi) * std::cos(2 * kPi * t / 0.2 + 1);
            }};
}

// Idle at 12 W until `busy_from`, then 12 W + 10 W + a sine: the inference's dynamic power.
inline Trace idle_then_busy_trace(double busy_from) {
    const auto busy_energy = [busy_from](double t) {
        const auto f = [](double x) { return 10 * x - 4 * 0.5 / (2 * kPi) * std::cos(2 * kPi * x / 0.5); };
        return t <= busy_from ? 0.0 : f(t) - f(busy_from);
    };
    return {[busy_from](double t) { return 12 + (t > busy_from ? 10 + 4 * std::sin(2 * kPi * t / 0.5) : 0.0); },
            [busy_energy](double t) { return 12 * t + busy_energy(t); }};
}

// The sampler's clock in tests: time moves only when the test says so.
struct FakeClock {
    TimePoint now = at(0);
    std::function<TimePoint()> fn() {
        return [this] { return now; };
    }
};

// A small deterministic generator (no dependence on the standard library's distributions).
struct Lcg {
    uint64_t s = 12345;
    double uniform() {   // [0, 1)
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        return double(s >> 11) / double(1ULL << 53);
    }
};

}  // namespace energy_test
