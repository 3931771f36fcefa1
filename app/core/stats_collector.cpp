#include "core/stats_collector.h"

#include <algorithm>

namespace edgemoe::app {

namespace {
constexpr double kRecent = 2.0;   // seconds over which rates and means are taken
constexpr double kStale = 10.0;   // a backend slower than this shows nothing

// Events per second: over the last two seconds when there are several, else from the gap between
// the last two (a slow backend), and never more than 1 / (time since the last one).
template <class R, class T>
double rate(const R& ring, double now, T time_of) {
    if (ring.size == 0) return 0;
    const double newest = time_of(ring.recent(0));
    if (now - newest > 10) return 0;
    size_t n = 1;
    double oldest = newest;
    while (n < ring.size && now - time_of(ring.recent(n)) <= kRecent) oldest = time_of(ring.recent(n++));
    if (n >= 3) return double(n - 1) / std::max(newest - oldest, 1e-3);
    if (ring.size < 2) return 0;
    const double fps = 1.0 / std::max(newest - time_of(ring.recent(1)), 1e-3);
    return now > newest ? std::min(fps, 1.0 / (now - newest)) : fps;
}
}

StatsCollector::StatsCollector(double window_s, size_t capacity) : window_s_(window_s), t0_(SteadyClock::now()) {
    for (Stream& s : streams_) {
        s.samples.init(capacity);
        s.power.init(capacity / 4 + 16);
    }
    draws_.init(1024);
    displays_.init(1024);
    ui_samples_.reserve(16384);
}

double StatsCollector::now() const {
    return std::chrono::duration<double>(SteadyClock::now() - t0_).count();
}

void StatsCollector::reset() {
    std::lock_guard lock(mutex_);
    for (Stream& s : streams_) {
        s.samples.head = s.samples.size = 0;
        s.power.head = s.power.size = 0;
        s.frames = 0;
    }
    draws_.head = draws_.size = 0;
    displays_.head = displays_.size = 0;
    ui_samples_.clear();
}

void StatsCollector::addResult(const InferenceResult& r) {
    if (r.worker < 0 || r.worker >= kStreams) return;
    const double t = now();
    std::lock_guard lock(mutex_);
    Stream& s = streams_[size_t(r.worker)];
    if (s.backend_name != r.backend) {
        s.backend_name = r.backend;
        s.backend = QString::fromStdString(r.backend);
    }
    s.passes = r.passes;
    ++s.frames;
    s.samples.push({t, r.times});
}

void StatsCollector::addDraw(double ms) {
    const double t = now();
    std::lock_guard lock(mutex_);
    draws_.push({t, ms});
}

void StatsCollector::addDisplay(double ui_ms) {
    const double t = now();
    std::lock_guard lock(mutex_);
    displays_.push({t, ui_ms});
    if (ui_samples_.size() < ui_samples_.capacity()) ui_samples_.push_back(ui_ms);
}

void StatsCollector::addPower(int stream, double watts) {
    if (stream < 0 || stream >= kStreams) return;
    const double t = now();
    std::lock_guard lock(mutex_);
    streams_[size_t(stream)].power.push({t, watts});
}

StreamStats StatsCollector::stream(int index) const {
    StreamStats out;
    if (index < 0 || index >= kStreams) return out;
    const double t = now();
    std::lock_guard lock(mutex_);
    const Stream& s = streams_[size_t(index)];
    out.backend = s.backend;
    out.passes = s.passes;
    out.frames = s.frames;
    int n = 0;
    for (size_t i = 0; i < s.samples.size; ++i) {
        const Sample& smp = s.samples.recent(i);
        if (t - smp.t > (i == 0 ? kStale : kRecent)) break;
        out.mean.capture += smp.times.capture;
        out.mean.preprocess += smp.times.preprocess;
        out.mean.backbone += smp.times.backbone;
        out.mean.head += smp.times.head;
        out.mean.postprocess += smp.times.postprocess;
        out.mean.total += smp.times.total;
        ++n;
    }
    if (n > 0) {
        for (double* v : {&out.mean.capture, &out.mean.preprocess, &out.mean.backbone, &out.mean.head, &out.mean.postprocess,
                          &out.mean.total})
            *v /= n;
        out.active = true;
        out.fps = rate(s.samples, t, [](const Sample& x) { return x.t; });
    }
    // The stream's draw time is the compositor's (shared by both streams).
    double draw = 0;
    int nd = 0;
    for (size_t i = 0; i < draws_.size; ++i) {
        const Point& p = draws_.recent(i);
        if (t - p.t > (i == 0 ? kStale : kRecent)) break;
        draw += p.v;
        ++nd;
    }
    out.mean.draw = nd ? draw / nd : 0;
    return out;
}

DisplayStats StatsCollector::display() const {
    DisplayStats out;
    const double t = now();
    std::lock_guard lock(mutex_);
    int n = 0;
    double oldest = t, newest = t;
    for (size_t i = 0; i < displays_.size; ++i) {
        const Point& p = displays_.recent(i);
        if (t - p.t > (i == 0 ? kStale : kRecent)) break;
        if (i == 0) newest = p.t;
        oldest = p.t;
        out.ui_ms += p.v;
        out.ui_ms_max = std::max(out.ui_ms_max, p.v);
        ++n;
    }
    if (n > 0) out.ui_ms /= n;
    (void)oldest;
    (void)newest;
    out.fps = rate(displays_, t, [](const Point& x) { return x.t; });
    int nd = 0;
    for (size_t i = 0; i < draws_.size; ++i) {
        const Point& p = draws_.recent(i);
        if (t - p.t > (i == 0 ? kStale : kRecent)) break;
        out.draw_ms += p.v;
        ++nd;
    }
    if (nd) out.draw_ms /= nd;
    return out;
}

void StatsCollector::latencySeries(int index, std::vector<QPointF>& out) const {
    out.clear();
    if (index < 0 || index >= kStreams) return;
    const double t = now();
    std::lock_guard lock(mutex_);
    const Stream& s = streams_[size_t(index)];
    for (size_t i = 0; i < s.samples.size; ++i) {
        const Sample& smp = s.samples.recent(i);
        if (t - smp.t > window_s_) break;
        out.emplace_back(smp.t - t, smp.times.total);
    }
    std::reverse(out.begin(), out.end());
}

void StatsCollector::powerSeries(int index, std::vector<QPointF>& out) const {
    out.clear();
    if (index < 0 || index >= kStreams) return;
    const double t = now();
    std::lock_guard lock(mutex_);
    const Stream& s = streams_[size_t(index)];
    for (size_t i = 0; i < s.power.size; ++i) {
        const Point& p = s.power.recent(i);
        if (t - p.t > window_s_) break;
        out.emplace_back(p.t - t, p.v);
    }
    std::reverse(out.begin(), out.end());
}

UiCost StatsCollector::takeUiCost() {
    std::vector<double> v;
    {
        std::lock_guard lock(mutex_);
        v.swap(ui_samples_);
        ui_samples_.reserve(16384);
    }
    UiCost c;
    c.frames = int(v.size());
    if (v.empty()) return c;
    std::sort(v.begin(), v.end());
    double sum = 0;
    for (double x : v) sum += x;
    c.mean_ms = sum / double(v.size());
    c.p50_ms = v[v.size() / 2];
    c.p95_ms = v[std::min(v.size() - 1, size_t(double(v.size()) * 0.95))];
    c.max_ms = v.back();
    return c;
}

}  // namespace edgemoe::app
