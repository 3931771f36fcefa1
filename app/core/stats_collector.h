#pragma once
// Live numbers for the stats view: per backend stream the frame rate and per-stage latency over the
// last two seconds, the latency and power history of the last minute for the plot, and the display
// side (compositor draw time, UI-thread time per displayed frame, display rate).
//
// Writers are the inference threads (addResult), the compositor (addDraw) and the UI (addDisplay,
// addPower); readers the UI. One mutex; ring buffers sized once, so writing allocates nothing.
#include <array>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include <QPointF>
#include <QString>

#include "core/types.h"

namespace edgemoe::app {

struct StreamStats {
    QString backend;
    double fps = 0;              // results per second, last two seconds
    StageTimes mean;             // mean per stage over the last two seconds (capture..postprocess, total)
    int passes = 1;
    int64_t frames = 0;          // since reset
    bool active = false;         // had a result in the last two seconds
};

struct DisplayStats {
    double fps = 0;              // displayed frames per second
    double draw_ms = 0;          // compositor, mean over the last two seconds
    double ui_ms = 0;            // UI thread per displayed frame, mean over the last two seconds
    double ui_ms_max = 0;
};

// UI-thread cost samples gathered since the last take (for the soak benchmark).
struct UiCost {
    int frames = 0;
    double mean_ms = 0, p50_ms = 0, p95_ms = 0, max_ms = 0;
};

class StatsCollector {
public:
    static constexpr int kStreams = 2;
    explicit StatsCollector(double window_s = 60, size_t capacity = 8192);

    void reset();
    void addResult(const InferenceResult& result);
    void addDraw(double ms);
    void addDisplay(double ui_ms);
    void addPower(int stream, double watts);

    StreamStats stream(int stream) const;
    DisplayStats display() const;
    // The last window_s seconds as (seconds relative to now, value): total latency in ms, power in W.
    void latencySeries(int stream, std::vector<QPointF>& out) const;
    void powerSeries(int stream, std::vector<QPointF>& out) const;
    UiCost takeUiCost();
    double windowSeconds() const { return window_s_; }
    double now() const;   // seconds since construction

private:
    struct Sample {
        double t = 0;
        StageTimes times;
    };
    struct Point {
        double t = 0, v = 0;
    };
    template <class T>
    struct Ring {
        std::vector<T> data;
        size_t head = 0, size = 0;
        void init(size_t n) { data.assign(n, T{}); head = size = 0; }
        void push(const T& v) {
            data[head] = v;
            head = (head + 1) % data.size();
            size = std::min(size + 1, data.size());
        }
        // i = 0 is the newest
        const T& recent(size_t i) const { return data[(head + data.size() - 1 - i) % data.size()]; }
    };
    struct Stream {
        QString backend;
        std::string backend_name;   // compared per result without allocating
        int passes = 1;
        int64_t frames = 0;
        Ring<Sample> samples;
        Ring<Point> power;
    };

    double window_s_;
    SteadyClock::time_point t0_;
    mutable std::mutex mutex_;
    std::array<Stream, kStreams> streams_;
    Ring<Point> draws_, displays_;
    std::vector<double> ui_samples_;
};

}  // namespace edgemoe::app
