#pragma once
// Runs frames through one backend on a thread of its own. Frames arrive through a newest-frame slot:
// offer() replaces a frame that is still waiting (it is dropped and counted), so there is at most one
// frame waiting and one in flight, and a slow backend never builds a backlog.
//
// Task and backend changes are picked up at the start of the next frame. Backends are created through
// a factory (injectable, for tests) from the one shared model, which is never reloaded; each backend
// made is kept, so switching back is instant. A backend that cannot be created (an FPGA without a
// device) falls back to cpu, and backendChanged() says why.
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include <QObject>
#include <QThread>

#include "core/slots.h"
#include "core/types.h"
#include "edgemoe/backend.h"
#include "edgemoe/frame_runner.h"

namespace edgemoe::app {

using BackendFactory = std::function<std::unique_ptr<Backend>(const std::string& name, std::shared_ptr<const Model> model,
                                                              const BackendOptions& options)>;
// edgemoe::create_backend.
BackendFactory default_backend_factory();

class InferenceWorker : public QObject {
    Q_OBJECT
public:
    struct Counters {
        uint64_t offered = 0, processed = 0, dropped = 0, failed = 0;
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
    // Stops taking frames, lets the frame in flight finish, joins the thread.
    void stop();

    // Thread-safe. Returns true when a frame was dropped (a waiting one replaced, or this one because
    // the waiting one is a pair frame). `pair`: compare mode's frame for both backends; it is not
    // replaced by a later plain offer, and its result says paired.
    bool offer(const FramePtr& frame, bool pair = false);
    // Neither a frame waiting nor one in flight.
    bool idle() const;
    // Drops a waiting frame without counting it (a source change).
    void discardWaiting();

    void setBackend(const QString& name);          // next frame
    void setTaskMode(TaskMode mode);               // next frame
    void setBackendOptions(const BackendOptions& options);   // for backends created from now on
    TaskMode taskMode() const { return mode_.load(); }
    QString requestedBackend() const;
    QString activeBackend() const;
    Counters counters() const;
    // The most frames ever inside the worker at once (waiting + in flight); 2 by construction.
    int maxInside() const { return max_inside_.load(); }
    // How many backends the factory was asked for (a backend switch back reuses the one made).
    int backendsCreated() const { return created_.load(); }
    const std::shared_ptr<const Model>& model() const { return model_; }

signals:
    void resultReady(edgemoe::app::ResultPtr result);            // worker thread
    // requested -> active; `reason` is empty unless the request failed and `active` is a fallback.
    void backendChanged(QString requested, QString active, QString reason);
    void inferenceError(QString message);

private:
    void loop_thread();
    FrameRunner* runner_for_next_frame();

    const int id_;
    std::shared_ptr<const Model> model_;
    BackendFactory factory_;
    ResultSink sink_;
    IdleCallback idle_cb_;
    QThread* thread_ = nullptr;

    NewestSlot<FramePtr> slot_;
    std::atomic<bool> in_flight_{false};
    std::atomic<int> inside_{0}, max_inside_{0};
    std::atomic<uint64_t> offered_{0}, processed_{0}, failed_{0};
    std::atomic<TaskMode> mode_{TaskMode::Segmentation};
    std::atomic<int> created_{0};

    mutable std::mutex config_mutex_;
    std::string requested_ = "cpu";
    std::string active_;
    BackendOptions options_;
    bool options_changed_ = false;

    // Worker thread only.
    std::map<std::string, std::unique_ptr<FrameRunner>> runners_;
    SharedPool<InferenceResult> pool_{4};
};

}  // namespace edgemoe::app
