#pragma once
// The live pipeline, without any widget: one capture worker, one inference worker per backend stream
// (the primary, and a second one in compare mode), the compositor, the recorder, and the collectors
// the views read (stats, experts, metrics). It wires them and owns their threads:
//
//   capture thread ──frame──▶ dispatch ──▶ inference thread(s) ──result──▶ sink ──▶ compositor thread
//                              (newest-frame slot per worker;            (stats, agreement,    │
//                               in compare mode the primary gets every    experts, metrics,    ▼
//                                                                         energy)
//                               frame, the partner one whenever it is                  composedReady()
//                               idle, and now and then both get the                    (UI takes the image)
//                               same "pair" frame for the agreement)
//
// So in compare mode the primary view stays live at its own rate however slow the partner is: the
// partner's panel shows its latest result (with its age), and the agreement is measured on pair
// frames, which both streams are guaranteed to run (see dispatch()), by CompareStats in the sink; the
// compositor is handed it to draw.
//
// Nothing flows back except the user's choices (task, backend, view settings), which the workers and
// the compositor pick up on their next frame.
#include <memory>
#include <mutex>

#include <QObject>

#include "core/capture_worker.h"
#include "core/compare_stats.h"
#include "core/compositor.h"
#include "core/energy_source.h"
#include "core/expert_stats.h"
#include "core/inference_worker.h"
#include "core/metrics_recorder.h"
#include "core/recorder.h"
#include "core/stats_collector.h"

namespace edgemoe::app {

class Pipeline : public QObject {
    Q_OBJECT
public:
    struct Options {
        BackendFactory factory;                    // default: edgemoe::create_backend
        CaptureWorker::SourceOpener opener;        // default: open_source
        std::shared_ptr<EnergySource> energy;      // default: NoEnergySource
        BackendOptions backend_options;
    };
    explicit Pipeline(Options options = {}, QObject* parent = nullptr);
    ~Pipeline() override;

    // Loads a model file (throws edgemoe::ModelError naming the file and the problem).
    static std::shared_ptr<const Model> loadModel(const QString& path);

    // Starts the capture and compositor threads. Inference workers start with setModel().
    void start();
    // Stops every thread in order (capture, inference, compositor, recorder). Idempotent. A frame in
    // flight is cancelled (the backends poll the workers' cancel flags), so this returns within ~100 ms.
    void shutdown();

    // (Re)creates the inference workers for `model`, keeping task, backends and compare mode.
    void setModel(std::shared_ptr<const Model> model);
    std::shared_ptr<const Model> model() const { return model_; }

    void openSource(const QString& spec, bool play = true);

    void setTaskMode(TaskMode mode);
    TaskMode taskMode() const { return task_mode_; }
    void setBackend(const QString& name);
    QString backend() const { return backend_; }
    void setCompareBackend(const QString& name);
    QString compareBackend() const { return compare_backend_; }
    void setCompareEnabled(bool enabled);
    bool compareEnabled() const { return compare_enabled_.load(); }
    void setBackendOptions(const BackendOptions& options);
    const BackendOptions& backendOptions() const { return options_.backend_options; }
    // Must be called while no frames flow (before start(), or between shutdown() and start()).
    void setEnergySource(std::shared_ptr<EnergySource> energy);

    CaptureWorker& capture() { return capture_; }
    Compositor& compositor() { return compositor_; }
    StatsCollector& stats() { return stats_; }
    // Compare mode: the agreement on the pair frames and the partner's age (fed from on_result).
    CompareStats& compareStats() { return compare_stats_; }
    ExpertStats& experts() { return experts_; }
    MetricsRecorder& metrics() { return metrics_; }
    Recorder& recorder() { return recorder_; }
    EnergySource& energy() { return *energy_; }
    // nullptr before setModel(); worker 1 exists once compare mode was turned on.
    InferenceWorker* worker(int i) const { return i >= 0 && i < 2 ? workers_[i].get() : nullptr; }
    // Compare mode: frames the partner stream skipped because it was still busy (it is slower).
    uint64_t compareDropped() const;
    // Compare mode: frames given to both streams for the agreement.
    uint64_t pairsDispatched() const;
    uint64_t dispatched() const { return dispatched_.load(); }

signals:
    void composedReady();
    void backendChanged(int stream, QString requested, QString active, QString reason);
    void inferenceError(int stream, QString message);

private:
    void dispatch(const FramePtr& frame);
    void reset_pairs_locked();
    void on_result(const ResultPtr& result);
    std::unique_ptr<InferenceWorker> make_worker(int id);

    Options options_;
    std::shared_ptr<EnergySource> energy_;
    std::shared_ptr<const Model> model_;
    StatsCollector stats_;
    CompareStats compare_stats_;
    ExpertStats experts_;
    MetricsRecorder metrics_;
    CaptureWorker capture_;
    Compositor compositor_;
    Recorder recorder_;

    mutable std::mutex gate_mutex_;            // guards workers_ pointers for the dispatching threads, and the pair state
    std::unique_ptr<InferenceWorker> workers_[2];
    bool pair_open_[2] = {false, false};       // stream i has a pair frame waiting or in flight
    uint64_t partner_skipped_ = 0, pairs_ = 0;
    std::atomic<bool> compare_enabled_{false};
    std::atomic<uint64_t> dispatched_{0};

    TaskMode task_mode_ = TaskMode::Segmentation;
    QString backend_ = "cpu", compare_backend_ = "fpga-emu";
    bool started_ = false;
};

}  // namespace edgemoe::app
