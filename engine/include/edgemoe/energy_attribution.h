#pragma once
// Energy per frame, and per backend and task. The pipeline marks each frame's start and end; once the
// sampler has a sample after the end, the frame's energy on every meter is the integral over its
// interval ("total"), and "dynamic" subtracts the idle baseline (mean power measured while no
// inference ran) times the frame's duration. Summaries give mean power, J/frame, frames/J and GOPS/W
// per meter; a meter with no reading gives a reason, never a number.
#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "edgemoe/energy_sampler.h"

namespace edgemoe::energy {

// Mean power per meter while no inference ran.
struct IdleBaseline {
    double seconds = 0;                   // idle time measured
    std::vector<IntervalEnergy> energy;   // per meter (the sampler's order), over all idle intervals
    bool measured() const { return !energy.empty(); }
    // Mean idle power of meter i; empty when not measured or not available for that meter.
    std::optional<double> watts(size_t i) const;
};
// From intervals the caller marked as idle (no inference running in them).
IdleBaseline idle_baseline(const Sampler& sampler, const std::vector<std::pair<TimePoint, TimePoint>>& intervals);
// Waits `duration` (real time), then returns the baseline over it. The sampler must be running, and
// the caller must not run inference meanwhile.
IdleBaseline measure_idle(const Sampler& sampler, std::chrono::nanoseconds duration);

constexpr size_t kMaxStages = 8;

// One finished frame, as the pipeline marks it.
struct FrameMark {
    int stream = 0;                 // from EnergyAttribution::stream(backend, task)
    int64_t index = 0;
    TimePoint start{}, end{};
    // Arithmetic operations of this frame (2 x multiply-accumulates of the backbone with the experts
    // used, plus the head); 0 when unknown (then no GOPS/W).
    double ops = 0;
    std::array<double, kMaxStages> latency_ms{};   // by stage, in AttributionOptions::stages order
};

// One meter over one frame.
struct MeterEnergy {
    EnergyStatus status = EnergyStatus::NotSampledYet;
    double total_j = 0;
    double mean_power_w = 0;
    bool has_dynamic = false;   // false without an idle baseline for this meter
    double dynamic_j = 0;       // total_j - idle W x seconds; can be slightly negative (noise): not clamped
    bool ok() const { return status == EnergyStatus::Ok; }
};

struct FrameEnergy {
    FrameMark frame;
    double seconds = 0;
    std::vector<MeterEnergy> meters;   // the sampler's meter order
};

// One meter over every resolved frame of one backend + task.
struct MeterSummary {
    std::string meter, what;
    bool available = false;
    std::string reason;               // when !available: why there is no figure
    int64_t frames = 0;               // frames with a reading
    int64_t frames_without = 0;       // frames without one (read failures, sampler stopped)
    double seconds = 0;               // their summed durations
    double energy_j = 0;
    double mean_power_w = 0, j_per_frame = 0;
    std::optional<double> frames_per_j;               // needs a positive energy
    std::optional<double> gops_per_w;                 // needs FrameMark::ops
    std::optional<double> idle_power_w;               // needs the idle baseline
    std::optional<double> dynamic_j_per_frame;        // needs the idle baseline
    std::optional<double> dynamic_frames_per_j;       // ...and dynamic energy >= 1% of the total (else noise)
    std::optional<double> dynamic_gops_per_w;
    std::string dynamic_reason;       // why dynamic figures are absent, when they are
};

struct EnergySummary {
    std::string backend, task;
    int64_t frames = 0;
    double ops_per_frame = 0;   // mean over frames; 0 when not given
    std::vector<MeterSummary> meters;   // the sampler's meter order
};

struct AttributionOptions {
    // Names of FrameMark::latency_ms entries (at most kMaxStages); the default is StageTimes' order.
    std::vector<std::string> stages = {"capture", "preprocess", "backbone", "head", "postprocess", "draw", "total"};
    size_t max_pending = 1024;        // frames waiting for a sample after their end
    // A frame still not covered this long (sampler clock) after its end is resolved without energy.
    std::chrono::nanoseconds give_up_after = std::chrono::seconds(2);
};

// Used from one thread (the pipeline's). No allocation per frame once streams are registered.
class EnergyAttribution {
public:
    // The sampler must outlive the attribution; it may be started and stopped freely meanwhile.
    explicit EnergyAttribution(const Sampler& sampler, AttributionOptions options = {});

    void set_idle(IdleBaseline idle) { idle_ = std::move(idle); }
    const IdleBaseline& idle() const { return idle_; }

    // The stream of a backend + task, registered on first use.
    int stream(const std::string& backend, const std::string& task);
    const std::string& backend_of(int stream) const { return streams_[size_t(stream)].backend; }
    const std::string& task_of(int stream) const { return streams_[size_t(stream)].task; }

    // Queues a finished frame. False when max_pending frames are already waiting (it is dropped and
    // counted in dropped()).
    bool add_frame(const FrameMark& frame);
    // Resolves every queued frame the sampler now covers (or has given up on), oldest first: computes
    // its energy, adds it to its stream's summary and calls on_frame. Returns how many.
    size_t poll(const std::function<void(const FrameEnergy&)>& on_frame = {});
    // Waits up to `timeout` (real time) for the sampler to cover every queued frame, then resolves all
    // of them, covered or not.
    size_t flush(std::chrono::nanoseconds timeout, const std::function<void(const FrameEnergy&)>& on_frame = {});
    size_t pending() const { return pending_count_; }
    size_t dropped() const { return dropped_; }

    // The energy of one frame as things stand (NotSampledYet until the sampler covers its end).
    void energy_of(const FrameMark& frame, FrameEnergy& out) const;

    std::vector<EnergySummary> summaries() const;
    const Sampler& sampler() const { return sampler_; }
    const std::vector<std::string>& stages() const { return options_.stages; }

private:
    struct Totals {
        int64_t frames = 0, frames_without = 0, frames_dynamic = 0;
        double seconds = 0, joules = 0, dynamic_joules = 0, ops = 0, dynamic_ops = 0;
        EnergyStatus last_failure = EnergyStatus::Ok;
    };
    struct Stream {
        std::string backend, task;
        int64_t frames = 0;
        double ops = 0;
        std::vector<Totals> meters;
    };
    void resolve(const FrameMark& frame, const std::function<void(const FrameEnergy&)>& on_frame);
    MeterSummary summarize(const Totals& t, size_t meter) const;

    const Sampler& sampler_;
    AttributionOptions options_;
    IdleBaseline idle_;
    std::vector<Stream> streams_;
    std::vector<FrameMark> pending_;   // ring of options_.max_pending
    size_t pending_head_ = 0, pending_count_ = 0, dropped_ = 0;
    FrameEnergy scratch_;              // reused for every resolved frame
};

}  // namespace edgemoe::energy
