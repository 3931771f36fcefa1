#include "energy/energy_series.h"

namespace edgemoe::energy {

namespace {
int64_t ns(TimePoint t) { return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count(); }
TimePoint from_ns(int64_t v) { return TimePoint(std::chrono::duration_cast<Clock::duration>(std::chrono::nanoseconds(v))); }
}  // namespace

EnergySeries::EnergySeries(size_t capacity) : ring_(capacity) {}

TimePoint EnergySeries::oldest() const { return count_ ? from_ns(at(0).t_ns) : TimePoint{}; }
TimePoint EnergySeries::latest() const { return count_ ? from_ns(at(count_ - 1).t_ns) : TimePoint{}; }

void EnergySeries::add(TimePoint time, MeterKind kind, const Reading& r) {
    const int64_t t = ns(time);
    if (!r.ok) {
        // Whatever happened between the previous good sample and the next one is unknown.
        ++segment_;
        previous_ok_ = false;
    } else if (kind == MeterKind::EnergyCounter) {
        joules_ = r.energy_j;
        previous_ok_ = true;
    } else {
        if (previous_ok_) joules_ += 0.5 * (previous_power_ + r.power_w) * double(t - previous_t_) * 1e-9;
        previous_power_ = r.power_w;
        previous_ok_ = true;
    }
    previous_t_ = t;
    const Sample s{t, joules_, segment_, r.ok};
    if (count_ < ring_.size()) {
        ring_[(head_ + count_) % ring_.size()] = s;
        ++count_;
    } else {
        ring_[head_] = s;   // overwrite the oldest
        head_ = (head_ + 1) % ring_.size();
    }
}

size_t EnergySeries::last_at_or_before(int64_t t) const {
    size_t lo = 0, hi = count_ - 1;   // at(lo) <= t
    while (lo < hi) {
        const size_t mid = (lo + hi + 1) / 2;
        if (at(mid).t_ns <= t)
            lo = mid;
        else
            hi = mid - 1;
    }
    return lo;
}

size_t EnergySeries::first_at_or_after(int64_t t) const {
    size_t lo = 0, hi = count_ - 1;   // at(hi) >= t
    while (lo < hi) {
        const size_t mid = (lo + hi) / 2;
        if (at(mid).t_ns >= t)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

double EnergySeries::joules_at(int64_t t, size_t before, size_t after) const {
    const Sample& a = at(before);
    const Sample& b = at(after);
    if (b.t_ns == a.t_ns) return a.joules;
    return a.joules + (b.joules - a.joules) * double(t - a.t_ns) / double(b.t_ns - a.t_ns);
}

IntervalEnergy EnergySeries::energy(TimePoint start, TimePoint end) const {
    IntervalEnergy out;
    const int64_t t0 = ns(start), t1 = ns(end);
    if (t1 < t0) {
        out.status = EnergyStatus::BadInterval;
        return out;
    }
    if (count_ == 0 || at(count_ - 1).t_ns < t1) {
        out.status = EnergyStatus::NotSampledYet;
        return out;
    }
    if (t0 < at(0).t_ns) {
        out.status = EnergyStatus::BeforeHistory;
        return out;
    }
    // Samples bracketing t0 and t1; every sample between the outer two must be good and of one segment.
    const size_t a = last_at_or_before(t0);
    const size_t a_next = at(a).t_ns == t0 ? a : a + 1;
    const size_t b = first_at_or_after(t1);
    const size_t b_prev = at(b).t_ns == t1 ? b : b - 1;
    const Sample& first = at(a);
    const Sample& last = at(b);
    if (!first.ok || !last.ok || first.segment != last.segment) {
        out.status = EnergyStatus::ReadFailed;
        return out;
    }
    out.joules = joules_at(t1, b_prev, b) - joules_at(t0, a, a_next);
    out.status = EnergyStatus::Ok;
    return out;
}

}  // namespace edgemoe::energy
