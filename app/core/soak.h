#pragma once
// The soak benchmark (edgemoe-live --soak SECONDS): while the program runs normally, prints every few
// seconds the resident memory, the open file handles, the UI-thread time per displayed frame (mean,
// median, p95, max), the display and inference rates and the dropped frames; at the end a summary
// (frames inferred, shown and dropped; RSS and open files at the start, at 10 min and at the end;
// the memory trend after warm-up), then quits. The figures say whether memory stays flat, no handle
// leaks, and the UI thread stays cheap.
//
// A plan makes it exercise the program as a user would over an hour: the task switched every few
// seconds, recordings started and stopped (SoakMonitor asks; the window does it: see main.cpp), and
// limits that turn the run into a test: the exit code is 1 when RSS grew by more than a given amount
// after warm-up, or the open file handles grew.
#include <QElapsedTimer>
#include <QObject>
#include <QTimer>

#include <cstdint>
#include <vector>

namespace edgemoe::app {

class Pipeline;

// Resident set size of this process in MiB (from /proc/self/statm); 0 when unknown.
double rss_mib();
// Open file descriptors of this process (entries of /proc/self/fd); -1 when unknown.
int open_fds();

// The C heap of this process (glibc's mallinfo2, over all arenas): what the program holds, and what it
// freed but the allocator keeps for reuse. RSS can grow while "in use" stays flat (the allocator's
// free lists fill up); a leak grows "in use". known is false where the C library does not say.
struct HeapUse {
    double in_use_mib = 0, held_free_mib = 0;
    bool known = false;
};
HeapUse heap_use();

struct SoakPlan {
    double task_every_s = 0;        // > 0: switch the task (the window's cycle) this often
    double record_on_s = 0;         // > 0: record for this long ...
    double record_every_s = 0;      // ... once in every this many seconds, the first at a quarter of it
    double warmup_s = 10;           // the memory and handle baseline: the first report at or after this
    double max_rss_growth_mib = -1; // >= 0: fail when RSS at the end exceeds the baseline by more
    bool check_fds = false;         // fail when the open handles at the end exceed the baseline
    bool delete_recordings = true;  // a recording the soak made is removed once written (its size printed)
};

class SoakMonitor : public QObject {
    Q_OBJECT
public:
    SoakMonitor(Pipeline& pipeline, double seconds, double interval_s = 10, QObject* parent = nullptr);
    void setPlan(const SoakPlan& plan) { plan_ = plan; }
    void start();

signals:
    // The plan's actions, for the window: cycle the task; start or stop a recording.
    void switchTaskRequested();
    void recordingRequested(bool on);
    void finished(int exit_code);

private:
    void report(bool last);
    void tick();
    void summarize(double t);
    // Medians of RSS and heap over some reports (see summarize()).
    struct MemoryWindow {
        double rss = 0, heap = 0;
        int reports = 0;
    };
    MemoryWindow memory_of(const std::vector<size_t>& picked) const;
    MemoryWindow memory_window(size_t from, double until_t) const;   // reports from..until_t, no recording
    MemoryWindow memory_tail(int count) const;                        // the last `count` with no recording

    Pipeline& pipeline_;
    double seconds_, interval_s_;
    SoakPlan plan_;
    QTimer timer_, plan_timer_;
    QElapsedTimer clock_;
    struct Sample {
        double t = 0, rss = 0, heap = 0;   // heap: HeapUse::in_use_mib
        int fds = -1;
        bool recording = false;   // a recording was open (its file counts among the handles)
    };
    std::vector<Sample> samples_;
    uint64_t last_processed_ = 0;
    double last_t_ = 0;
    int ui_frames_ = 0;
    double ui_sum_ = 0, ui_max_ = 0;
    double next_task_ = 0, next_record_ = 0, record_until_ = 0;
    bool recording_ = false;
    int task_switches_ = 0, recordings_ = 0;
    int64_t recorded_frames_ = 0;
    double recorded_mib_ = 0;
};

}  // namespace edgemoe::app
