#include <algorithm>
#include <stdexcept>

#include "edgemoe/energy_sampler.h"
#include "energy/energy_series.h"

namespace edgemoe::energy {

const char* describe(EnergyStatus status) {
    switch (status) {
    case EnergyStatus::Ok: return "ok";
    case EnergyStatus::NotSampledYet: return "no sample after the interval yet";
    case EnergyStatus::BeforeHistory: return "the interval starts before the sampler's history";
    case EnergyStatus::ReadFailed: return "a sensor read failed during the interval";
    case EnergyStatus::BadInterval: return "the interval ends before it starts";
    }
    return "?";
}

namespace {
std::string ms_text(std::chrono::nanoseconds d) {
    return std::to_string(std::chrono::duration<double, std::milli>(d).count()) + " ms";
}
}  // namespace

Sampler::Sampler(std::vector<std::unique_ptr<Meter>> meters, SamplerOptions options)
    : meters_(std::move(meters)), options_(std::move(options)) {
    if (!options_.clock) options_.clock = [] { return Clock::now(); };
    if (options_.period <= std::chrono::nanoseconds::zero())
        throw std::invalid_argument("sampling period must be positive");
    if (options_.capacity < 2) throw std::invalid_argument("sampler capacity must be at least 2 samples");
    for (const auto& m : meters_) {
        if (!m) throw std::invalid_argument("null meter");
        if (options_.period > m->max_read_interval())
            throw std::invalid_argument("sampling period " + ms_text(options_.period) + " is too long for " + m->name() +
                                        ": its counter can wrap in " + ms_text(2 * m->max_read_interval()) +
                                        "; use a period of at most half that, " + ms_text(m->max_read_interval()));
        series_.push_back(std::make_unique<EnergySeries>(options_.capacity));
    }
    health_.resize(meters_.size());
    readings_.resize(meters_.size());
    read_times_.resize(meters_.size());
}

Sampler::~Sampler() {
    if (running_) {
        {
            std::lock_guard lk(wake_mutex_);
            stop_requested_ = true;
        }
        wake_.notify_all();
        thread_.join();
    }
}

int Sampler::find(const std::string& name) const {
    for (size_t i = 0; i < meters_.size(); ++i)
        if (meters_[i]->name() == name) return int(i);
    return -1;
}

void Sampler::sample_once() {
    std::lock_guard read_lock(read_mutex_);
    for (size_t i = 0; i < meters_.size(); ++i) {
        const TimePoint before = options_.clock();
        readings_[i] = meters_[i]->read(before);
        const TimePoint after = options_.clock();
        // The read happened somewhere between the two; the middle is the best single guess.
        read_times_[i] = before + (after - before) / 2;
    }
    {
        std::lock_guard data_lock(data_mutex_);
        TimePoint covered = TimePoint::max();
        for (size_t i = 0; i < meters_.size(); ++i) {
            const Reading& r = readings_[i];
            series_[i]->add(read_times_[i], meters_[i]->kind(), r);
            MeterHealth& h = health_[i];
            ++h.reads;
            h.last_ok = r.ok;
            if (!r.ok) {
                ++h.failed_reads;
                // Assigned only when it changes, so a persistently failing sensor allocates nothing.
                if (h.last_error != r.error) h.last_error = r.error;
                if (h.last_hint != r.hint) h.last_hint = r.hint;
            }
            covered = std::min(covered, series_[i]->latest());
        }
        if (!meters_.empty()) covered_until_ = covered;
    }
    sampled_.notify_all();
}

void Sampler::loop() {
    auto next = Clock::now();
    std::unique_lock lk(wake_mutex_);
    while (!stop_requested_) {
        lk.unlock();
        sample_once();
        lk.lock();
        next += options_.period;
        const auto now = Clock::now();
        if (next < now) next = now;   // fell behind (a slow sensor): carry on from now, no burst
        wake_.wait_until(lk, next, [this] { return stop_requested_; });
    }
}

void Sampler::start() {
    if (running_) return;
    {
        std::lock_guard lk(wake_mutex_);
        stop_requested_ = false;
    }
    running_ = true;
    thread_ = std::thread(&Sampler::loop, this);
}

void Sampler::stop() {
    if (!running_) return;
    {
        std::lock_guard lk(wake_mutex_);
        stop_requested_ = true;
    }
    wake_.notify_all();
    thread_.join();
    running_ = false;
    sample_once();
}

IntervalEnergy Sampler::energy(size_t i, TimePoint t0, TimePoint t1) const {
    std::lock_guard lk(data_mutex_);
    return series_[i]->energy(t0, t1);
}

IntervalEnergy Sampler::recent_energy(size_t i, std::chrono::nanoseconds window, double* seconds) const {
    std::lock_guard lk(data_mutex_);
    const EnergySeries& s = *series_[i];
    if (s.empty()) {
        if (seconds) *seconds = 0;
        return {};
    }
    const TimePoint t1 = s.latest();
    const TimePoint t0 = std::max(s.oldest(), t1 - std::chrono::duration_cast<Clock::duration>(window));
    if (seconds) *seconds = std::chrono::duration<double>(t1 - t0).count();
    return s.energy(t0, t1);
}

TimePoint Sampler::covered_until() const {
    std::lock_guard lk(data_mutex_);
    return covered_until_;
}

TimePoint Sampler::history_start() const {
    std::lock_guard lk(data_mutex_);
    TimePoint start{};
    for (const auto& s : series_) start = std::max(start, s->oldest());
    return start;
}

bool Sampler::wait_until_covered(TimePoint t, std::chrono::nanoseconds timeout) const {
    std::unique_lock lk(data_mutex_);
    sampled_.wait_for(lk, timeout, [&] { return covered_until_ >= t || !running_; });
    return covered_until_ >= t;
}

MeterHealth Sampler::health(size_t i) const {
    std::lock_guard lk(data_mutex_);
    return health_[i];
}

}  // namespace edgemoe::energy
