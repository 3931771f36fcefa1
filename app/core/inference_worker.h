#pragma once
// Runs frames through one backend on a thread of its own. Frames arrive through a newest-frame slot:
// offer() replaces a frame that is still waiting (it is dropped and counted), so there is at most one
// frame waiting, and a slow backend never builds a backlog.
//
// In flight: one frame, or for a backend that pipelines (Backend::max_in_flight() > 1: a remote board)
// up to that many backend passes, so the network's latency hides behind the board's work. Results
// come in frame order. A full window is not a queue: the worker waits for the oldest result and the
// slot keeps only the newest frame meanwhile.
//
// Task and backend changes are picked up at the next frame; they, a source change (discardWaiting)
// and stop() also cancel the frames in flight through the cancel flag every backend made here
// polls (a cancelled frame is counted, not an error). Backends are created through a factory
// (injectable, for tests) from the one shared model, which is never reloaded; each backend made is
// kept, so switching back is instant. A backend that cannot be created (an FPGA without a device)
// falls back to cpu, and backendChanged() says why.
//
// A remote backend whose board goes away mid-stream (the link breaks, or a frame misses its
// deadline) also falls back to cpu, said once ("board disconnected: ..."); a background probe asks
// the board every ~2 s whether it is back, and when it is the worker switches back and says so.
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include <QObject>
#include <QThread>

#include "core/slots.h"
#include "core/types.h"
#include "edgemoe/backend.h"
#include "edgemoe/frame_runner.h"

namespace edgemoe::app {

using BackendFactory = std::function<std::unique_ptr<Backend>(const std::string& name, std::shared_ptr<const Model> model,
                                                              const BackendOptions& options)>;
// edgemoe::create_backend. A factory may be called from the board probe's thread too (a remote
// backend, while the worker runs frames on cpu).
BackendFactory default_backend_factory();

class InferenceWorker : public QObject {
    Q_OBJECT
public:
    struct Counters {
        uint64_t offered = 0, processed = 0, dropped = 0, failed = 0;
        uint64_t cancelled = 0;   // frames given up on through the cancel flag (not failures)
    };
    using ResultSink = std::function<void(const ResultPtr&)>;
    using IdleCallback = std::function<void(int worker)>;

    InferenceWorker(int id, std::shared_ptr<const Model> model, BackendFactory factory = {}, QObject* parent = nullptr);
    ~InferenceWorker() override;

    int id() const { return id_; }
    // Called on the worker thread for every result, before resultReady(); set before start().
    void setResultSink(ResultSink sink) { sink_ = std::move(sink); }
    // Called on the worker thread whenever it finishes a frame and nothing is waiting.
    void setIdleCallback(IdleCallback cb) { idle_cb_ = std::move(cb); }

    void start();
    // Stops taking frames, cancels the frames in flight (a backend that polls the flag gives up within
    // milliseconds), joins the thread and the board probe.
    void stop();

    // Thread-safe. Returns true when a frame was dropped (a waiting one replaced, or this one because
    // the waiting one is a pair frame). `pair`: compare mode's frame for both backends; it is not
    // replaced by a later plain offer, and its result says paired.
    bool offer(const FramePtr& frame, bool pair = false);
    // Neither a frame waiting nor one in flight.
    bool idle() const;
    // Drops a waiting frame without counting it and cancels the frames in flight (a source change).
    void discardWaiting();

    void setBackend(const QString& name);          // next frame; cancels the frames in flight
    void setTaskMode(TaskMode mode);               // next frame; cancels the frames in flight
    void setBackendOptions(const BackendOptions& options);   // for backends created from now on
    TaskMode taskMode() const { return mode_.load(); }
    QString requestedBackend() const;
    QString activeBackend() const;
    Counters counters() const;
    // The most frames ever inside the worker at once (waiting + in flight): 1 + the backend's window.
    int maxInside() const { return max_inside_.load(); }
    // The most backend passes ever in flight at once (the pipelining actually reached).
    int maxInFlight() const { return max_in_flight_.load(); }
    // The remote backend this worker fell back from while its board is away; empty when none.
    QString disconnectedBackend() const;
    // How many backends the factory was asked for (a backend switch back reuses the one made).
    int backendsCreated() const { return created_.load(); }
    const std::shared_ptr<const Model>& model() const { return model_; }

signals:
    void resultReady(edgemoe::app::ResultPtr result);            // worker thread
    // requested -> active; `reason` is empty unless the request failed and `active` is a fallback
    // ("board disconnected: ..." when a remote board went away), or, with active == requested, a board
    // that is back ("board back: ...").
    void backendChanged(QString requested, QString active, QString reason);
    void inferenceError(QString message);

private:
    struct Runner {
        std::unique_ptr<FrameRunner> runner;
        std::string key;           // the name it was asked for (runners_' key)
        std::string name;          // the backend's name, for results (no allocation per frame)
        bool remote = false;       // on another machine: a broken link falls back and is probed
    };
    // A frame in flight: its passes (one per task) go out and come back in order.
    struct Job {
        FramePtr frame;
        bool pair = false;
        std::shared_ptr<InferenceResult> res;
        Runner* runner = nullptr;
        TaskPlan plan;
        int submitted = 0, collected = 0;
    };
    static constexpr int kMaxJobs = 4;

    void loop_thread();
    Runner* runner_for_next_frame();
    Runner* cpu_runner(const BackendOptions& options, std::string& why);
    Runner* make_runner(const std::string& name, const BackendOptions& options);
    void start_job(FramePtr frame, bool pair, Runner* runner);
    void submit_passes(Job& job);
    void collect_pass();
    void finish_front(bool ok);
    // Every frame in flight ends, counted as cancelled or failed.
    void drop_all(bool cancelled);
    void frame_failed(Runner* runner, const std::exception& e);
    Job& front() { return jobs_[size_t(job_head_)]; }
    Job& back() { return jobs_[size_t(job_head_ + job_count_ - 1) % kMaxJobs]; }
    void request_cancel();
    void start_probe(const std::string& name, const BackendOptions& options);
    void stop_probe();

    const int id_;
    std::shared_ptr<const Model> model_;
    BackendFactory factory_;
    ResultSink sink_;
    IdleCallback idle_cb_;
    QThread* thread_ = nullptr;

    NewestSlot<FramePtr> slot_;
    std::atomic<int> jobs_in_flight_{0};
    std::atomic<int> inside_{0}, max_inside_{0}, max_in_flight_{0};
    std::atomic<uint64_t> offered_{0}, processed_{0}, failed_{0}, cancelled_{0};
    std::atomic<TaskMode> mode_{TaskMode::Segmentation};
    std::atomic<int> created_{0};
    // Set by whoever wants the frames in flight given up on; every backend made here polls it. The
    // worker clears it with exchange() before it goes on (at the top of its loop, before it reads the
    // task and backend for a new frame), so a request is never lost: one made before the exchange is
    // seen by it (and its new settings by the next frame), one made after it stays set and cancels
    // what follows.
    std::atomic<bool> cancel_{false};
    std::atomic<uint64_t> config_version_{0};   // setBackend / setBackendOptions: no more frames on the old runner

    mutable std::mutex config_mutex_;
    std::string requested_ = "cpu";
    std::string active_;
    std::string disconnected_;   // the remote backend fallen back from (see disconnectedBackend)
    BackendOptions options_;
    bool options_changed_ = false;

    // The board probe: a thread of its own while a remote backend is away.
    std::thread probe_;
    std::atomic<bool> probe_stop_{false}, board_back_{false};
    std::mutex probe_mutex_;
    std::condition_variable probe_wake_;

    // Worker thread only.
    std::map<std::string, Runner> runners_;
    std::string fallback_from_;            // the requested remote backend while its board is away
    Job jobs_[kMaxJobs];
    int job_head_ = 0, job_count_ = 0;
    uint64_t job_config_ = 0;              // config_version_ when the jobs in flight picked their runner
    SharedPool<InferenceResult> pool_{6};
};

}  // namespace edgemoe::app
