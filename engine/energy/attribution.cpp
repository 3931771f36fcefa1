#include <stdexcept>
#include <thread>

#include "edgemoe/energy_attribution.h"

namespace edgemoe::energy {

namespace {
// Below this share of the total energy, dynamic energy is treated as the idle baseline's noise.
constexpr double kMinDynamicShare = 0.01;
double seconds_between(TimePoint a, TimePoint b) { return std::chrono::duration<double>(b - a).count(); }
}  // namespace

std::optional<double> IdleBaseline::watts(size_t i) const {
    if (i >= energy.size() || !energy[i].ok() || seconds <= 0) return std::nullopt;
    return energy[i].joules / seconds;
}

IdleBaseline idle_baseline(const Sampler& sampler, const std::vector<std::pair<TimePoint, TimePoint>>& intervals) {
    IdleBaseline idle;
    idle.energy.assign(sampler.size(), IntervalEnergy{EnergyStatus::Ok, 0});
    if (intervals.empty())
        for (auto& e : idle.energy) e.status = EnergyStatus::NotSampledYet;
    for (const auto& [t0, t1] : intervals) {
        idle.seconds += seconds_between(t0, t1);
        for (size_t i = 0; i < sampler.size(); ++i) {
            if (!idle.energy[i].ok()) continue;   // keep the first failure
            const IntervalEnergy e = sampler.energy(i, t0, t1);
            if (e.ok())
                idle.energy[i].joules += e.joules;
            else
                idle.energy[i] = e;
        }
    }
    return idle;
}

IdleBaseline measure_idle(const Sampler& sampler, std::chrono::nanoseconds duration) {
    const auto timeout = 10 * sampler.period() + std::chrono::seconds(1);
    const TimePoint begin = sampler.now();
    sampler.wait_until_covered(begin, timeout);   // every meter has history from here on
    const TimePoint t0 = std::max(begin, sampler.history_start());
    std::this_thread::sleep_for(duration);
    const TimePoint t1 = sampler.now();
    sampler.wait_until_covered(t1, timeout);
    return idle_baseline(sampler, {{t0, t1}});
}

EnergyAttribution::EnergyAttribution(const Sampler& sampler, AttributionOptions options)
    : sampler_(sampler), options_(std::move(options)) {
    if (options_.stages.size() > kMaxStages)
        throw std::invalid_argument("at most " + std::to_string(kMaxStages) + " latency stages");
    if (options_.max_pending == 0) throw std::invalid_argument("max_pending must be positive");
    pending_.resize(options_.max_pending);
    scratch_.meters.resize(sampler_.size());
}

int EnergyAttribution::stream(const std::string& backend, const std::string& task) {
    for (size_t i = 0; i < streams_.size(); ++i)
        if (streams_[i].backend == backend && streams_[i].task == task) return int(i);
    Stream s;
    s.backend = backend;
    s.task = task;
    s.meters.resize(sampler_.size());
    streams_.push_back(std::move(s));
    return int(streams_.size() - 1);
}

bool EnergyAttribution::add_frame(const FrameMark& frame) {
    if (frame.stream < 0 || size_t(frame.stream) >= streams_.size())
        throw std::invalid_argument("FrameMark::stream " + std::to_string(frame.stream) + " was not registered");
    if (pending_count_ == pending_.size()) {
        ++dropped_;
        return false;
    }
    pending_[(pending_head_ + pending_count_) % pending_.size()] = frame;
    ++pending_count_;
    return true;
}

void EnergyAttribution::energy_of(const FrameMark& frame, FrameEnergy& out) const {
    out.frame = frame;
    out.seconds = seconds_between(frame.start, frame.end);
    out.meters.resize(sampler_.size());
    for (size_t i = 0; i < sampler_.size(); ++i) {
        const IntervalEnergy e = sampler_.energy(i, frame.start, frame.end);
        MeterEnergy& m = out.meters[i];
        m = MeterEnergy{};
        m.status = e.status;
        if (!e.ok()) continue;
        m.total_j = e.joules;
        m.mean_power_w = out.seconds > 0 ? e.joules / out.seconds : 0;
        if (const auto idle_w = idle_.watts(i)) {
            m.has_dynamic = true;
            m.dynamic_j = e.joules - *idle_w * out.seconds;
        }
    }
}

void EnergyAttribution::resolve(const FrameMark& frame, const std::function<void(const FrameEnergy&)>& on_frame) {
    energy_of(frame, scratch_);
    Stream& s = streams_[size_t(frame.stream)];
    ++s.frames;
    s.ops += frame.ops;
    for (size_t i = 0; i < scratch_.meters.size(); ++i) {
        const MeterEnergy& m = scratch_.meters[i];
        Totals& t = s.meters[i];
        if (!m.ok()) {
            ++t.frames_without;
            t.last_failure = m.status;
            continue;
        }
        ++t.frames;
        t.seconds += scratch_.seconds;
        t.joules += m.total_j;
        t.ops += frame.ops;
        if (m.has_dynamic) {
            ++t.frames_dynamic;
            t.dynamic_joules += m.dynamic_j;
            t.dynamic_ops += frame.ops;
        }
    }
    if (on_frame) on_frame(scratch_);
}

size_t EnergyAttribution::poll(const std::function<void(const FrameEnergy&)>& on_frame) {
    const TimePoint covered = sampler_.covered_until();
    const TimePoint now = sampler_.now();
    size_t n = 0;
    while (pending_count_ > 0) {
        const FrameMark& f = pending_[pending_head_];
        if (f.end > covered && now - f.end < options_.give_up_after) break;
        resolve(f, on_frame);
        pending_head_ = (pending_head_ + 1) % pending_.size();
        --pending_count_;
        ++n;
    }
    return n;
}

size_t EnergyAttribution::flush(std::chrono::nanoseconds timeout, const std::function<void(const FrameEnergy&)>& on_frame) {
    if (pending_count_ == 0) return 0;
    const FrameMark& last = pending_[(pending_head_ + pending_count_ - 1) % pending_.size()];
    sampler_.wait_until_covered(last.end, timeout);
    size_t n = 0;
    while (pending_count_ > 0) {
        resolve(pending_[pending_head_], on_frame);
        pending_head_ = (pending_head_ + 1) % pending_.size();
        --pending_count_;
        ++n;
    }
    return n;
}

MeterSummary EnergyAttribution::summarize(const Totals& t, size_t i) const {
    MeterSummary s;
    const Meter& meter = sampler_.meter(i);
    s.meter = meter.name();
    s.what = meter.what();
    s.frames = t.frames;
    s.frames_without = t.frames_without;
    if (t.frames == 0) {
        s.available = false;
        if (t.frames_without == 0) {
            s.reason = "no frame measured yet";
        } else {
            const MeterHealth h = sampler_.health(i);
            s.reason = std::string("no frame has a reading: ") + describe(t.last_failure);
            if (!h.last_error.empty()) s.reason += " (" + h.last_error + ")";
        }
        return s;
    }
    s.available = true;
    s.seconds = t.seconds;
    s.energy_j = t.joules;
    s.mean_power_w = t.seconds > 0 ? t.joules / t.seconds : 0;
    s.j_per_frame = t.joules / double(t.frames);
    if (t.joules > 0) {
        s.frames_per_j = double(t.frames) / t.joules;
        if (t.ops > 0) s.gops_per_w = t.ops / t.joules / 1e9;
    }
    s.idle_power_w = idle_.watts(i);
    if (!s.idle_power_w) {
        s.dynamic_reason = idle_.measured() ? std::string("idle baseline not available: ") +
                                                  describe(idle_.energy[i].status)
                                            : "no idle baseline measured";
    } else if (t.frames_dynamic == 0) {
        s.dynamic_reason = "the idle baseline was set after these frames";
    } else {
        // Frames resolved before the baseline was set have no dynamic energy; the others do.
        s.dynamic_j_per_frame = t.dynamic_joules / double(t.frames_dynamic);
        // Ratios over a dynamic energy lost in the baseline's noise would be huge and meaningless.
        const double total_of_dynamic_frames = t.joules * double(t.frames_dynamic) / double(t.frames);
        if (t.dynamic_joules > kMinDynamicShare * total_of_dynamic_frames) {
            s.dynamic_frames_per_j = double(t.frames_dynamic) / t.dynamic_joules;
            if (t.dynamic_ops > 0) s.dynamic_gops_per_w = t.dynamic_ops / t.dynamic_joules / 1e9;
        } else {
            s.dynamic_reason = "dynamic energy is not above the idle baseline (under 1% of the total: noise)";
        }
    }
    return s;
}

std::vector<EnergySummary> EnergyAttribution::summaries() const {
    std::vector<EnergySummary> out;
    for (const Stream& st : streams_) {
        EnergySummary e;
        e.backend = st.backend;
        e.task = st.task;
        e.frames = st.frames;
        e.ops_per_frame = st.frames > 0 ? st.ops / double(st.frames) : 0;
        for (size_t i = 0; i < st.meters.size(); ++i) e.meters.push_back(summarize(st.meters[i], i));
        out.push_back(std::move(e));
    }
    return out;
}

}  // namespace edgemoe::energy
