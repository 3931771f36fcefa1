#include "core/soak.h"

#include <cstdio>
#include <fstream>

#include <unistd.h>

#include "core/pipeline.h"

namespace edgemoe::app {

double rss_mib() {
    std::ifstream f("/proc/self/statm");
    long size = 0, resident = 0;
    if (!(f >> size >> resident)) return 0;
    return double(resident) * double(sysconf(_SC_PAGESIZE)) / (1024.0 * 1024.0);
}

SoakMonitor::SoakMonitor(Pipeline& pipeline, double seconds, double interval_s, QObject* parent)
    : QObject(parent), pipeline_(pipeline), seconds_(seconds), interval_s_(interval_s) {
    timer_.setInterval(int(interval_s_ * 1000));
    connect(&timer_, &QTimer::timeout, this, [this] { report(clock_.elapsed() / 1000.0 >= seconds_ - interval_s_ / 2); });
}

void SoakMonitor::start() {
    clock_.start();
    pipeline_.stats().takeUiCost();   // start clean
    std::printf("soak: %.0f s, a report every %.0f s (RSS in MiB; ui = UI-thread ms per displayed frame)\n", seconds_,
                interval_s_);
    std::fflush(stdout);
    timer_.start();
}

void SoakMonitor::report(bool last) {
    const double t = clock_.elapsed() / 1000.0;
    const double rss = rss_mib();
    rss_.emplace_back(t, rss);
    const UiCost ui = pipeline_.stats().takeUiCost();
    ui_frames_ += ui.frames;
    ui_sum_ += ui.mean_ms * ui.frames;
    ui_max_ = std::max(ui_max_, ui.max_ms);
    uint64_t processed = 0, dropped = 0;
    for (int i = 0; i < 2; ++i)
        if (InferenceWorker* w = pipeline_.worker(i)) {
            const auto c = w->counters();
            processed += c.processed;
            dropped += c.dropped;
        }
    const double infer_fps = (processed - last_processed_) / std::max(t - last_t_, 1e-3);
    last_processed_ = processed;
    last_t_ = t;
    const DisplayStats display = pipeline_.stats().display();
    const StreamStats s0 = pipeline_.stats().stream(0);
    std::printf("t=%6.0fs  rss=%8.1f  displayed=%5d (%5.1f fps)  ui mean %.2f p50 %.2f p95 %.2f max %.2f ms  "
                "inference %5.1f fps (backbone %.1f ms)  draw %.1f ms  dropped %llu\n",
                t, rss, ui.frames, ui.frames / interval_s_, ui.mean_ms, ui.p50_ms, ui.p95_ms, ui.max_ms, infer_fps,
                s0.mean.backbone, display.draw_ms, static_cast<unsigned long long>(dropped));
    std::fflush(stdout);
    if (!last) return;
    timer_.stop();
    // Memory trend after warm-up: a least-squares slope over the reports after the first.
    double slope = 0, first = rss_.front().second, peak = 0;
    for (const auto& r : rss_) peak = std::max(peak, r.second);
    if (rss_.size() >= 3) {
        double n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
        for (size_t i = 1; i < rss_.size(); ++i) {
            const double x = rss_[i].first / 60.0, y = rss_[i].second;
            n += 1, sx += x, sy += y, sxx += x * x, sxy += x * y;
        }
        const double d = n * sxx - sx * sx;
        if (d > 0) slope = (n * sxy - sx * sy) / d;
        first = rss_[1].second;
    }
    // The change over the second half of the run (after any warm-up).
    const auto& mid = rss_[rss_.size() / 2];
    std::printf("soak summary: %.0f s, %d frames displayed, UI thread mean %.2f ms max %.2f ms per frame; "
                "RSS after warm-up %.1f MiB, end %.1f MiB, peak %.1f MiB, trend %+.2f MiB/min, "
                "second half (%.0f s .. %.0f s) %+.1f MiB\n",
                t, ui_frames_, ui_frames_ ? ui_sum_ / ui_frames_ : 0.0, ui_max_, first, rss_.back().second, peak, slope,
                mid.first, t, rss_.back().second - mid.second);
    std::fflush(stdout);
    emit finished(0);
}

}  // namespace edgemoe::app
