#include "energy/counter_unwrapper.h"

#include <limits>

namespace edgemoe::energy {

CounterUnwrapper::CounterUnwrapper(uint64_t range, double joules_per_unit, double max_power_w)
    : range_(range), unit_j_(joules_per_unit), max_power_w_(max_power_w) {}

std::chrono::nanoseconds CounterUnwrapper::wrap_time() const {
    if (range_ == 0 || max_power_w_ <= 0) return std::chrono::nanoseconds::max();
    const double seconds = double(range_) * unit_j_ / max_power_w_;
    if (seconds > 1e9) return std::chrono::nanoseconds::max();
    return std::chrono::nanoseconds(int64_t(seconds * 1e9));
}

std::chrono::nanoseconds CounterUnwrapper::max_read_interval() const {
    const auto w = wrap_time();
    return w == std::chrono::nanoseconds::max() ? w : w / 2;
}

double CounterUnwrapper::seconds_since_previous(TimePoint now) const {
    return std::chrono::duration<double>(now - previous_time_).count();
}

CounterUnwrapper::Step CounterUnwrapper::update(uint64_t raw, TimePoint now) {
    if (!started_) {
        started_ = true;
        previous_ = raw;
        previous_time_ = now;
        return Step::Ok;
    }
    const auto restart = [&](Step why) {
        previous_ = raw;
        previous_time_ = now;
        return why;
    };
    if (now - previous_time_ > wrap_time()) return restart(Step::GapTooLong);
    if (raw >= previous_) {
        joules_ += double(raw - previous_) * unit_j_;
        return restart(Step::Ok);
    }
    if (range_ == 0 || previous_ > range_) return restart(Step::Backwards);
    // A wrap: the counter ran from previous_ up to range_, then from 0 to raw.
    const double wrapped_j = double(range_ - previous_ + raw) * unit_j_;
    // 10 ms of slack for the gap between the counter's update and our timestamp.
    const double possible_j = max_power_w_ * (seconds_since_previous(now) + 0.01);
    if (wrapped_j > possible_j) return restart(Step::Backwards);
    joules_ += wrapped_j;
    return restart(Step::Wrapped);
}

}  // namespace edgemoe::energy
