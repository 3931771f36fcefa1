#include "core/pipeline.h"

#include "edgemoe/model.h"

namespace edgemoe::app {

Pipeline::Pipeline(Options options, QObject* parent)
    : QObject(parent),
      options_(std::move(options)),
      energy_(options_.energy ? options_.energy : std::make_shared<NoEnergySource>()),
      capture_(options_.opener),
      compositor_(&stats_) {
    register_metatypes();
    capture_.setFrameSink([this](const FramePtr& f) { dispatch(f); });
    connect(&compositor_, &Compositor::composedReady, this, &Pipeline::composedReady, Qt::DirectConnection);
    compositor_.setImageTap([this](const QImage& img) { recorder_.push(img); });
    // A result's metrics row is written when inference finishes (on_result), before it is drawn: the
    // compositor fills in the draw time once it has drawn it.
    compositor_.setDrawnCallback([this](const InferenceResult& r, double ms) {
        if (r.frame) metrics_.setDrawTime(r.worker, r.frame->seq, ms);
    });
}

Pipeline::~Pipeline() { shutdown(); }

std::shared_ptr<const Model> Pipeline::loadModel(const QString& path) { return Model::load(path.toStdString()); }

void Pipeline::start() {
    compositor_.start();
    capture_.start();
    started_ = true;
    for (auto& w : workers_)
        if (w) w->start();
}

void Pipeline::shutdown() {
    // Capture first (no new frames), then inference (the frame in flight finishes), then drawing,
    // then the recorder (which closes its file).
    capture_.stop();
    {
        std::lock_guard lock(gate_mutex_);
        reset_pairs_locked();
    }
    for (auto& w : workers_)
        if (w) w->stop();
    compositor_.stop();
    recorder_.stop();
    started_ = false;
}

std::unique_ptr<InferenceWorker> Pipeline::make_worker(int id) {
    auto w = std::make_unique<InferenceWorker>(id, model_, options_.factory);
    w->setBackendOptions(options_.backend_options);
    w->setTaskMode(task_mode_);
    w->setBackend(id == 0 ? backend_ : compare_backend_);
    w->setResultSink([this](const ResultPtr& r) { on_result(r); });
    // A stream with nothing waiting and nothing in flight holds no pair frame (also when the pair
    // frame failed and gave no result), so the next pair can go out.
    w->setIdleCallback([this](int worker) {
        std::lock_guard lock(gate_mutex_);
        if (workers_[worker] && workers_[worker]->idle()) pair_open_[worker] = false;
    });
    connect(w.get(), &InferenceWorker::backendChanged, this,
            [this, id](const QString& requested, const QString& active, const QString& reason) {
                emit backendChanged(id, requested, active, reason);
            });
    connect(w.get(), &InferenceWorker::inferenceError, this,
            [this, id](const QString& message) { emit inferenceError(id, message); });
    return w;
}

void Pipeline::setModel(std::shared_ptr<const Model> model) {
    if (!model) throw std::invalid_argument("Pipeline::setModel: no model");
    std::unique_ptr<InferenceWorker> old[2];
    {
        std::lock_guard lock(gate_mutex_);
        old[0] = std::move(workers_[0]);
        old[1] = std::move(workers_[1]);
        reset_pairs_locked();
    }
    for (auto& w : old)
        if (w) w->stop();
    const bool compositor_running = started_;
    compositor_.stop();
    model_ = std::move(model);
    const ModelConfig& c = model_->config();
    compositor_.setModel(model_);
    experts_.configure(c);
    metrics_.configure(c, c.name, c.trained);
    stats_.reset();
    compare_stats_.reset();
    if (compositor_running) compositor_.start();

    std::unique_ptr<InferenceWorker> fresh[2];
    fresh[0] = make_worker(0);
    if (compare_enabled_.load() || old[1]) fresh[1] = make_worker(1);
    old[0].reset();
    old[1].reset();
    if (started_)
        for (auto& w : fresh)
            if (w) w->start();
    std::lock_guard lock(gate_mutex_);
    workers_[0] = std::move(fresh[0]);
    workers_[1] = std::move(fresh[1]);
}

void Pipeline::openSource(const QString& spec, bool play) {
    {
        std::lock_guard lock(gate_mutex_);
        for (auto& w : workers_)
            if (w) w->discardWaiting();
        reset_pairs_locked();
    }
    capture_.open(spec, play);
}

void Pipeline::setTaskMode(TaskMode mode) {
    task_mode_ = mode;
    for (auto& w : workers_)
        if (w) w->setTaskMode(mode);
}

void Pipeline::setBackend(const QString& name) {
    backend_ = name;
    if (workers_[0]) workers_[0]->setBackend(name);
}

void Pipeline::setCompareBackend(const QString& name) {
    compare_backend_ = name;
    if (workers_[1]) workers_[1]->setBackend(name);
}

void Pipeline::setCompareEnabled(bool enabled) {
    if (enabled == compare_enabled_.load()) return;
    if (enabled && model_ && !workers_[1]) {
        auto w = make_worker(1);
        if (started_) w->start();
        std::lock_guard lock(gate_mutex_);
        workers_[1] = std::move(w);
    }
    {
        std::lock_guard lock(gate_mutex_);
        compare_enabled_.store(enabled);
        reset_pairs_locked();
    }
    compare_stats_.reset();
    compositor_.setCompare(enabled);
}

void Pipeline::setBackendOptions(const BackendOptions& options) {
    options_.backend_options = options;
    for (auto& w : workers_)
        if (w) w->setBackendOptions(options);
}

void Pipeline::setEnergySource(std::shared_ptr<EnergySource> energy) {
    energy_ = energy ? std::move(energy) : std::make_shared<NoEnergySource>();
}

uint64_t Pipeline::compareDropped() const {
    std::lock_guard lock(gate_mutex_);
    return partner_skipped_;
}

uint64_t Pipeline::pairsDispatched() const {
    std::lock_guard lock(gate_mutex_);
    return pairs_;
}

void Pipeline::reset_pairs_locked() { pair_open_[0] = pair_open_[1] = false; }

// Compare mode. The primary stream gets every frame through its newest-frame slot, as without
// compare, so it runs at its own rate. The partner gets a frame only when it is idle: a slow partner
// skips frames instead of holding the primary back (before, both waited for each other and the
// whole display ran at the slower one's pace). When neither stream still has the last pair frame,
// the frame goes to both as a pair: held in the primary's slot, where a newer frame cannot replace
// it, so that both really run it and the compositor can measure their agreement on it.
void Pipeline::dispatch(const FramePtr& frame) {
    std::lock_guard lock(gate_mutex_);
    if (!workers_[0]) return;
    dispatched_.fetch_add(1);
    if (!compare_enabled_.load() || !workers_[1]) {
        workers_[0]->offer(frame);
        return;
    }
    const bool partner_idle = workers_[1]->idle();
    if (partner_idle && !pair_open_[0] && !pair_open_[1]) {
        pair_open_[0] = pair_open_[1] = true;
        ++pairs_;
        workers_[0]->offer(frame, true);
        workers_[1]->offer(frame, true);
        return;
    }
    workers_[0]->offer(frame);
    if (partner_idle) workers_[1]->offer(frame);
    else ++partner_skipped_;
}

void Pipeline::on_result(const ResultPtr& r) {
    if (r->paired) {
        std::lock_guard lock(gate_mutex_);
        pair_open_[r->worker & 1] = false;
    }
    stats_.addResult(*r);
    // The agreement, when this result completes a pair frame; the compositor draws it with this result.
    if (compare_enabled_.load() && compare_stats_.addResult(r)) compositor_.setAgreement(compare_stats_.latest());
    if (r->worker == 0) experts_.add(*r);
    metrics_.add(*r);
    energy_->frameFinished(r->worker, r->backend, r->frame ? r->frame->index : -1, r->start, r->end);
    if (r->passes > 0 && r->out[0].net.energy.reported) energy_->frameReported(r->backend, r->out[0].net.energy);
    compositor_.submit(r);
}

}  // namespace edgemoe::app
