#include "core/compare_stats.h"

#include <algorithm>

namespace edgemoe::app {

void CompareStats::reset() {
    std::lock_guard lock(mutex_);
    pair_[0].reset();
    pair_[1].reset();
    latest_ = CompareMetrics{};
    latest_seq_ = 0;
    measured_ = 0;
    have_[0] = have_[1] = false;
    ++generation_;
}

bool CompareStats::addResult(const ResultPtr& r) {
    if (!r || !r->frame || r->worker < 0 || r->worker > 1) return false;
    ResultPtr a, b;
    uint64_t generation = 0;
    {
        std::lock_guard lock(mutex_);
        const int i = r->worker;
        newest_[i] = r->frame->captured;
        have_[i] = true;
        if (!r->paired) return false;
        pair_[i] = r;
        if (!pair_[0] || !pair_[1]) return false;
        const uint64_t sa = pair_[0]->frame->seq, sb = pair_[1]->frame->seq;
        if (sa != sb) {
            // The other half of the older one is gone (a failed frame): wait for the next pair.
            pair_[sa < sb ? 0 : 1].reset();
            return false;
        }
        a = std::move(pair_[0]);
        b = std::move(pair_[1]);
        generation = generation_;
    }
    const CompareMetrics m = compare_results(*a, *b);
    std::lock_guard lock(mutex_);
    // Reset meanwhile (compare turned off), or a newer pair measured meanwhile: keep what is there.
    if (generation != generation_ || a->frame->seq < latest_seq_) return false;
    latest_ = m;
    latest_seq_ = a->frame->seq;
    ++measured_;
    return true;
}

CompareMetrics CompareStats::latest() const {
    std::lock_guard lock(mutex_);
    return latest_;
}

uint64_t CompareStats::pairsMeasured() const {
    std::lock_guard lock(mutex_);
    return measured_;
}

double CompareStats::partnerAgeMs() const {
    std::lock_guard lock(mutex_);
    if (!have_[0] || !have_[1]) return 0;
    return std::max(0.0, ms_between(newest_[1], newest_[0]));
}

CompareSummary CompareStats::summary(const StreamStats& primary, const StreamStats& partner) const {
    return summarize_compare(primary, partner, partnerAgeMs());
}

}  // namespace edgemoe::app
