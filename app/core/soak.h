#pragma once
// The soak benchmark (edgemoe-live --soak SECONDS): while the program runs normally, prints every few
// seconds the resident memory, the UI-thread time per displayed frame (mean, median, p95, max), the
// display and inference rates and the dropped frames; at the end a summary with the memory trend
// after warm-up, then quits. The figures say whether memory stays flat and the UI thread cheap.
#include <QElapsedTimer>
#include <QObject>
#include <QTimer>

#include <vector>

namespace edgemoe::app {

class Pipeline;

// Resident set size of this process in MiB (from /proc/self/statm); 0 when unknown.
double rss_mib();

class SoakMonitor : public QObject {
    Q_OBJECT
public:
    SoakMonitor(Pipeline& pipeline, double seconds, double interval_s = 10, QObject* parent = nullptr);
    void start();

signals:
    void finished(int exit_code);

private:
    void report(bool last);

    Pipeline& pipeline_;
    double seconds_, interval_s_;
    QTimer timer_;
    QElapsedTimer clock_;
    std::vector<std::pair<double, double>> rss_;   // (seconds, MiB)
    uint64_t last_processed_ = 0;
    double last_t_ = 0;
    int ui_frames_ = 0;
    double ui_sum_ = 0, ui_max_ = 0;
};

}  // namespace edgemoe::app
