#pragma once
// Compare mode's agreement, computed beside the other statistics (StatsCollector, ExpertStats) from
// the pipeline's results, not in the drawing code: how far the two backends agree on the same frame
// (pixel agreement and mIoU of their class maps, mean relative difference of their depth maps), on
// the "pair" frames both streams are guaranteed to run (see Pipeline::dispatch), and how much older
// the partner's newest frame is than the primary's. The compositor is handed the latest agreement to
// draw on the compare panel; the compare view reads it from here.
//
// Writers are the inference threads (addResult, one per result); readers the UI and the pipeline.
// The agreement is measured outside the lock, so a reader never waits for it.
#include <cstdint>
#include <mutex>

#include "core/agreement.h"
#include "core/compare_summary.h"
#include "core/types.h"

namespace edgemoe::app {

class CompareStats {
public:
    // Forgets the pairs and the agreement (compare mode turned on or off, a new model).
    void reset();
    // Every result of either stream. A result on a pair frame is kept until the other stream's
    // result on the same frame is in; then their agreement is measured. Returns true when this
    // result completed a pair (latest() changed).
    bool addResult(const ResultPtr& result);

    // The agreement on the last pair both streams ran; !valid before the first.
    CompareMetrics latest() const;
    uint64_t pairsMeasured() const;
    // How much older the partner's newest result's frame is than the primary's (0 without both).
    double partnerAgeMs() const;
    // Which stream is the bottleneck, in a sentence (summarize_compare with partnerAgeMs()).
    CompareSummary summary(const StreamStats& primary, const StreamStats& partner) const;

private:
    mutable std::mutex mutex_;
    ResultPtr pair_[2];                 // each stream's latest result on a pair frame, until both are in
    CompareMetrics latest_;
    uint64_t latest_seq_ = 0;           // the frame seq latest_ was measured on
    uint64_t measured_ = 0;
    uint64_t generation_ = 0;           // counts reset()s: a measure begun before one is dropped
    bool have_[2] = {false, false};
    SteadyClock::time_point newest_[2]{};   // capture time of each stream's newest result's frame
};

}  // namespace edgemoe::app
