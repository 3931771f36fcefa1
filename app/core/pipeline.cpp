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
    std::unique_ptr<InferenceWorker> old[2];
    {
        std::lock_guard lock(gate_mutex_);
        pending_.reset();
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
    w->setIdleCallback([this](int) {
        if (!compare_enabled_.load()) return;
        std::lock_guard lock(gate_mutex_);
        try_dispatch_pair_locked();
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
        pending_.reset();
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
        pending_.reset();
        for (auto& w : workers_)
            if (w) w->discardWaiting();
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
        pending_.reset();
    }
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
    return gate_dropped_;
}

void Pipeline::dispatch(const FramePtr& frame) {
    std::lock_guard lock(gate_mutex_);
    if (!workers_[0]) return;
    dispatched_.fetch_add(1);
    if (!compare_enabled_.load() || !workers_[1]) {
        workers_[0]->offer(frame);
        return;
    }
    if (pending_) ++gate_dropped_;
    pending_ = frame;
    try_dispatch_pair_locked();
}

void Pipeline::try_dispatch_pair_locked() {
    if (!pending_ || !workers_[0] || !workers_[1]) return;
    if (!workers_[0]->idle() || !workers_[1]->idle()) return;
    workers_[0]->offer(pending_);
    workers_[1]->offer(pending_);
    pending_.reset();
}

void Pipeline::on_result(const ResultPtr& r) {
    stats_.addResult(*r);
    if (r->worker == 0) experts_.add(*r);
    metrics_.add(*r);
    energy_->frameFinished(r->worker, r->backend, r->frame ? r->frame->index : -1, r->start, r->end);
    if (r->passes > 0 && r->out[0].net.energy.reported) energy_->frameReported(r->backend, r->out[0].net.energy);
    compositor_.submit(r);
}

}  // namespace edgemoe::app
