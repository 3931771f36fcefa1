#pragma once
// One meter's cumulative energy over time, in a fixed ring buffer, and the energy over an interval by
// linear interpolation of it. Energy counters are stored as read; power is integrated by the
// trapezoid rule between consecutive good samples. A failed read starts a new segment: intervals
// that reach across one have no figure.
#include <cstdint>
#include <vector>

#include "edgemoe/energy_sampler.h"

namespace edgemoe::energy {

class EnergySeries {
public:
    explicit EnergySeries(size_t capacity);

    // A sample at `t` (not earlier than the previous one). No allocation.
    void add(TimePoint t, MeterKind kind, const Reading& r);

    IntervalEnergy energy(TimePoint t0, TimePoint t1) const;
    size_t size() const { return count_; }
    size_t capacity() const { return ring_.size(); }
    bool empty() const { return count_ == 0; }
    TimePoint oldest() const;
    TimePoint latest() const;

private:
    struct Sample {
        int64_t t_ns = 0;        // time since the clock's epoch
        double joules = 0;       // cumulative, meaningful within a segment
        uint32_t segment = 0;
        bool ok = false;
    };
    const Sample& at(size_t i) const { return ring_[(head_ + i) % ring_.size()]; }   // 0 = oldest
    size_t last_at_or_before(int64_t t) const;   // requires at(0).t_ns <= t
    size_t first_at_or_after(int64_t t) const;   // requires latest >= t
    double joules_at(int64_t t, size_t before, size_t after) const;

    std::vector<Sample> ring_;
    size_t head_ = 0, count_ = 0;
    uint32_t segment_ = 0;
    bool previous_ok_ = false;
    int64_t previous_t_ = 0;
    double previous_power_ = 0, joules_ = 0;
};

}  // namespace edgemoe::energy
