#include "core/soak.h"

#include <algorithm>
#include <cstdio>
#include <fstream>

#include <dirent.h>
#include <unistd.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <QFile>
#include <QFileInfo>
#include <QStringList>

#include "core/pipeline.h"

namespace edgemoe::app {

double rss_mib() {
    std::ifstream f("/proc/self/statm");
    long size = 0, resident = 0;
    if (!(f >> size >> resident)) return 0;
    return double(resident) * double(sysconf(_SC_PAGESIZE)) / (1024.0 * 1024.0);
}

int open_fds() {
    DIR* d = opendir("/proc/self/fd");
    if (!d) return -1;
    int n = 0;
    while (const dirent* e = readdir(d))
        if (e->d_name[0] != '.') ++n;
    closedir(d);
    return n - 1;   // not the one opendir() holds
}

HeapUse heap_use() {
    HeapUse h;
#if defined(__GLIBC__)
    const struct mallinfo2 m = mallinfo2();
    constexpr double mib = 1024.0 * 1024.0;
    h.in_use_mib = double(m.uordblks + m.hblkhd) / mib;
    h.held_free_mib = double(m.fordblks) / mib;
    h.known = true;
#endif
    return h;
}

SoakMonitor::SoakMonitor(Pipeline& pipeline, double seconds, double interval_s, QObject* parent)
    : QObject(parent), pipeline_(pipeline), seconds_(seconds), interval_s_(interval_s) {
    timer_.setInterval(int(interval_s_ * 1000));
    connect(&timer_, &QTimer::timeout, this, [this] { report(clock_.elapsed() / 1000.0 >= seconds_ - interval_s_ / 2); });
    plan_timer_.setInterval(250);
    connect(&plan_timer_, &QTimer::timeout, this, &SoakMonitor::tick);
    // The recordings this soak made: counted, and removed once written when the plan says so (an hour
    // of them would fill a disk; what matters here is that writing them costs no memory or handles).
    connect(&pipeline_.recorder(), &Recorder::finished, this, [this](const QString& path, qint64 frames) {
        if (!recording_ && record_until_ == 0) return;   // not ours
        ++recordings_;
        recorded_frames_ += frames;
        const double mib = double(QFileInfo(path).size()) / (1024.0 * 1024.0);
        recorded_mib_ += mib;
        std::printf("soak: recording %d written, %lld frames, %.1f MiB%s\n", recordings_, static_cast<long long>(frames), mib,
                    plan_.delete_recordings ? " (removed)" : "");
        std::fflush(stdout);
        if (plan_.delete_recordings) QFile::remove(path);
    });
}

void SoakMonitor::start() {
    clock_.start();
    pipeline_.stats().takeUiCost();   // start clean
    std::printf("soak: %.0f s, a report every %.0f s (RSS in MiB; fds = open file handles; ui = UI-thread ms per "
                "displayed frame)\n",
                seconds_, interval_s_);
    if (plan_.task_every_s > 0) std::printf("soak: the task switched every %.0f s\n", plan_.task_every_s);
    if (plan_.record_on_s > 0)
        std::printf("soak: recording %.0f s of every %.0f s, the first from %.0f s\n", plan_.record_on_s, plan_.record_every_s,
                    plan_.record_every_s / 4);
    std::fflush(stdout);
    next_task_ = plan_.task_every_s;
    next_record_ = plan_.record_every_s / 4;
    samples_.push_back({0, rss_mib(), heap_use().in_use_mib, open_fds()});
    timer_.start();
    if (plan_.task_every_s > 0 || plan_.record_on_s > 0) plan_timer_.start();
}

void SoakMonitor::tick() {
    const double t = clock_.elapsed() / 1000.0;
    if (plan_.task_every_s > 0 && t >= next_task_) {
        next_task_ += plan_.task_every_s;
        ++task_switches_;
        emit switchTaskRequested();
    }
    if (plan_.record_on_s > 0) {
        if (recording_ && t >= record_until_) {
            recording_ = false;
            emit recordingRequested(false);
        } else if (!recording_ && t >= next_record_) {
            next_record_ += plan_.record_every_s;
            // Only a recording that ends before the last report: the end's figures have none open.
            if (t + plan_.record_on_s < seconds_ - interval_s_) {
                recording_ = true;
                record_until_ = t + plan_.record_on_s;
                emit recordingRequested(true);
            }
        }
    }
}

void SoakMonitor::report(bool last) {
    const double t = clock_.elapsed() / 1000.0;
    const double rss = rss_mib();
    const int fds = open_fds();
    const HeapUse heap = heap_use();
    samples_.push_back({t, rss, heap.in_use_mib, fds, recording_});
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
    std::printf("t=%6.0fs  rss=%8.1f  heap %.1f (+%.1f free)  fds=%4d  displayed=%5d (%5.1f fps)  ui mean %.2f p50 %.2f p95 %.2f max %.2f ms  "
                "inference %5.1f fps (backbone %.1f ms)  draw %.1f ms  dropped %llu%s\n",
                t, rss, heap.in_use_mib, heap.held_free_mib, fds, ui.frames, ui.frames / interval_s_, ui.mean_ms, ui.p50_ms, ui.p95_ms, ui.max_ms, infer_fps,
                s0.mean.backbone, display.draw_ms, static_cast<unsigned long long>(dropped), recording_ ? "  recording" : "");
    std::fflush(stdout);
    if (!last) return;
    timer_.stop();
    plan_timer_.stop();
    summarize(t);
}

namespace {
double median(std::vector<double> v) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    const size_t n = v.size();
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}
}

SoakMonitor::MemoryWindow SoakMonitor::memory_of(const std::vector<size_t>& picked) const {
    std::vector<double> rss, heap;
    for (size_t i : picked) {
        rss.push_back(samples_[i].rss);
        heap.push_back(samples_[i].heap);
    }
    return {median(rss), median(heap), int(picked.size())};
}

SoakMonitor::MemoryWindow SoakMonitor::memory_window(size_t from, double until_t) const {
    std::vector<size_t> picked;
    for (size_t i = from; i < samples_.size() && samples_[i].t <= until_t + 0.5; ++i)
        if (!samples_[i].recording) picked.push_back(i);
    if (picked.empty()) picked.push_back(from);
    return memory_of(picked);
}

SoakMonitor::MemoryWindow SoakMonitor::memory_tail(int count) const {
    std::vector<size_t> picked;
    for (size_t i = samples_.size(); i-- > 1 && int(picked.size()) < count;)
        if (!samples_[i].recording) picked.push_back(i);
    if (picked.empty()) picked.push_back(samples_.size() - 1);
    return memory_of(picked);
}

void SoakMonitor::summarize(double t) {
    uint64_t processed[2] = {0, 0}, dropped = 0;
    for (int i = 0; i < 2; ++i)
        if (InferenceWorker* w = pipeline_.worker(i)) {
            const auto c = w->counters();
            processed[i] = c.processed;
            dropped += c.dropped;
        }
    dropped += pipeline_.compareDropped();
    // The baseline: the first report at or after the warm-up (the model loaded, the source open, the
    // first recording and task cycle done when the plan has them) with no recording open, so that its
    // handles compare with the end's (which never has one open).
    size_t base = samples_.size() - 1;
    for (size_t i = 1; i < samples_.size(); ++i)
        if (samples_[i].t >= plan_.warmup_s - 0.5 && !samples_[i].recording) {
            base = i;
            break;
        }
    const Sample& b = samples_[base];
    const Sample& end = samples_.back();
    // Memory is compared as medians, not one report with one report: RSS and the heap move by a few
    // MiB with the task cycle (each task's outputs, a recording's queued frames) whatever the trend,
    // and a single unlucky pair of reports made a 3-minute run fail on that. The baseline is the
    // median of the reports without a recording over the 30 s from the warm-up on; the end is the
    // median of the last three without one. A leak of a few KiB a frame still moves both medians.
    const MemoryWindow mem_base = memory_window(base, samples_[base].t + 30);
    const MemoryWindow mem_end = memory_tail(3);
    // The report nearest 10 minutes, when the run got there.
    const Sample* ten = nullptr;
    for (const Sample& s : samples_)
        if (s.t >= 600 - interval_s_ / 2 && !ten) ten = &s;
    // Memory trend after warm-up: a least-squares slope over the reports from the baseline on.
    double slope = 0, peak = 0;
    for (const Sample& s : samples_) peak = std::max(peak, s.rss);
    {
        double n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
        for (size_t i = base; i < samples_.size(); ++i) {
            const double x = samples_[i].t / 60.0, y = samples_[i].rss;
            n += 1, sx += x, sy += y, sxx += x * x, sxy += x * y;
        }
        const double d = n * sxx - sx * sx;
        if (n >= 3 && d > 0) slope = (n * sxy - sx * sy) / d;
    }
    const double growth = mem_end.rss - mem_base.rss;
    std::printf("soak summary: %.0f s; frames inferred %llu (primary %llu, compare %llu), shown %d, dropped %llu; "
                "UI thread mean %.2f ms max %.2f ms per shown frame; %d task switches, %d recordings (%lld frames, %.1f MiB)\n",
                t, static_cast<unsigned long long>(processed[0] + processed[1]), static_cast<unsigned long long>(processed[0]),
                static_cast<unsigned long long>(processed[1]), ui_frames_, static_cast<unsigned long long>(dropped),
                ui_frames_ ? ui_sum_ / ui_frames_ : 0.0, ui_max_, task_switches_, recordings_,
                static_cast<long long>(recorded_frames_), recorded_mib_);
    const QString ten_rss = ten ? QString::number(ten->rss, 'f', 1) : QStringLiteral("-");
    const QString ten_fds = ten ? QString::number(ten->fds) : QStringLiteral("-");
    std::printf("soak summary: RSS MiB start %.1f, after warm-up (%.0f s) %.1f, at 10 min %s, end %.1f, peak %.1f; "
                "trend after warm-up %+.2f MiB/min\n",
                samples_.front().rss, b.t, b.rss, qPrintable(ten_rss), end.rss, peak, slope);
    std::printf("soak summary: medians, RSS MiB %.1f after warm-up (%d reports from %.0f s) and %.1f at the end (last %d), "
                "growth %+.1f MiB; C heap in use %.1f and %.1f, growth %+.1f MiB\n",
                mem_base.rss, mem_base.reports, b.t, mem_end.rss, mem_end.reports, growth, mem_base.heap, mem_end.heap,
                mem_end.heap - mem_base.heap);
    std::printf("soak summary: open files start %d, after warm-up %d, at 10 min %s, end %d\n", samples_.front().fds, b.fds,
                qPrintable(ten_fds), end.fds);
    int code = 0;
    if (plan_.max_rss_growth_mib >= 0 && growth > plan_.max_rss_growth_mib) {
        std::printf("soak FAILED: RSS grew %.1f MiB after warm-up (limit %.1f MiB)\n", growth, plan_.max_rss_growth_mib);
        code = 1;
    }
    if (plan_.check_fds && end.fds > b.fds) {
        std::printf("soak FAILED: open files grew from %d after warm-up to %d at the end\n", b.fds, end.fds);
        code = 1;
    }
    if (processed[0] == 0) {
        std::printf("soak FAILED: no frame was inferred\n");
        code = 1;
    }
    if (code == 0 && (plan_.max_rss_growth_mib >= 0 || plan_.check_fds)) std::printf("soak passed\n");
    std::fflush(stdout);
    emit finished(code);
}

}  // namespace edgemoe::app
