#include "core/inference_worker.h"
#include "core/loop_thread.h"

#include "edgemoe/error.h"

namespace edgemoe::app {

BackendFactory default_backend_factory() {
    return [](const std::string& name, std::shared_ptr<const Model> model, const BackendOptions& options) {
        return create_backend(name, std::move(model), options);
    };
}

InferenceWorker::InferenceWorker(int id, std::shared_ptr<const Model> model, BackendFactory factory, QObject* parent)
    : QObject(parent), id_(id), model_(std::move(model)), factory_(factory ? std::move(factory) : default_backend_factory()) {
    register_metatypes();
    if (!model_) throw std::invalid_argument("InferenceWorker needs a model");
}

InferenceWorker::~InferenceWorker() { stop(); }

void InferenceWorker::start() {
    if (thread_) return;
    slot_.reopen();
    thread_ = start_loop_thread(QStringLiteral("inference-%1").arg(id_), [this] { loop_thread(); });
}

void InferenceWorker::stop() {
    join_loop_thread(thread_, [this] { slot_.close(); });   // closing the slot ends the loop
}

bool InferenceWorker::offer(const FramePtr& frame, bool pair) {
    offered_.fetch_add(1);
    const bool replaced = slot_.put(frame, pair);
    if (!replaced) {
        const int n = inside_.fetch_add(1) + 1;
        int seen = max_inside_.load();
        while (n > seen && !max_inside_.compare_exchange_weak(seen, n)) {
        }
    }
    return replaced;
}

bool InferenceWorker::idle() const {
    // Slot first: a frame is marked in flight under the slot's lock as it is taken.
    return !slot_.full() && !in_flight_.load();
}

void InferenceWorker::discardWaiting() {
    FramePtr f;
    if (slot_.try_take(f)) inside_.fetch_sub(1);
}

void InferenceWorker::setBackend(const QString& name) {
    std::lock_guard lock(config_mutex_);
    requested_ = name.toStdString();
}

void InferenceWorker::setTaskMode(TaskMode mode) { mode_.store(mode); }

void InferenceWorker::setBackendOptions(const BackendOptions& options) {
    std::lock_guard lock(config_mutex_);
    options_ = options;
    options_changed_ = true;
}

QString InferenceWorker::requestedBackend() const {
    std::lock_guard lock(config_mutex_);
    return QString::fromStdString(requested_);
}

QString InferenceWorker::activeBackend() const {
    std::lock_guard lock(config_mutex_);
    return QString::fromStdString(active_);
}

InferenceWorker::Counters InferenceWorker::counters() const {
    Counters c;
    c.offered = offered_.load();
    c.processed = processed_.load();
    c.failed = failed_.load();
    c.dropped = slot_.dropped();
    return c;
}

FrameRunner* InferenceWorker::runner_for_next_frame() {
    std::string want, active;
    BackendOptions options;
    {
        std::lock_guard lock(config_mutex_);
        want = requested_;
        active = active_;
        if (options_changed_) {
            options_changed_ = false;
            runners_.clear();   // made with the old options (another xclbin, thread count)
            active.clear();
        }
        options = options_;
    }
    auto it = runners_.find(want);
    if (it != runners_.end() && want == active) return it->second.get();

    std::string reason;
    if (it == runners_.end()) {
        try {
            auto backend = factory_(want, model_, options);
            created_.fetch_add(1);
            it = runners_.emplace(want, std::make_unique<FrameRunner>(model_, std::move(backend))).first;
        } catch (const std::exception& e) {
            reason = e.what();
        }
    }
    std::string got = want;
    if (!reason.empty()) {
        got = "cpu";
        it = runners_.find(got);
        if (it == runners_.end() && want != got) {
            try {
                auto backend = factory_(got, model_, options);
                created_.fetch_add(1);
                it = runners_.emplace(got, std::make_unique<FrameRunner>(model_, std::move(backend))).first;
            } catch (const std::exception& e) {
                reason += "; cpu fallback failed too: " + std::string(e.what());
                it = runners_.end();
            }
        }
    }
    {
        std::lock_guard lock(config_mutex_);
        if (!reason.empty() && requested_ == want) requested_ = got;   // do not retry the failed one every frame
        active_ = it == runners_.end() ? std::string() : got;
    }
    emit backendChanged(QString::fromStdString(want), QString::fromStdString(it == runners_.end() ? "" : got),
                        QString::fromStdString(reason));
    return it == runners_.end() ? nullptr : it->second.get();
}

void InferenceWorker::loop_thread() {
    FramePtr frame;
    bool pair = false;
    while (slot_.wait_take(frame, [this, &pair](bool held) {
        in_flight_.store(true);
        pair = held;
    })) {
        const auto start = SteadyClock::now();
        FrameRunner* runner = runner_for_next_frame();
        bool ok = runner != nullptr;
        std::shared_ptr<InferenceResult> res;
        if (ok) {
            res = pool_.acquire();
            const TaskPlan plan = plan_tasks(model_->config(), mode_.load());
            res->frame = frame;
            res->worker = id_;
            res->paired = pair;
            res->backend = runner->backend().name();
            res->passes = plan.count;
            res->times = StageTimes{};
            res->times.capture = frame->capture_ms;
            res->start = start;
            res->waited_ms = ms_between(frame->captured, start);
            try {
                for (int p = 0; p < plan.count; ++p) {
                    FrameResult& out = res->out[p];
                    runner->run(frame->bgr, plan.task[p], out);
                    out.frame_index = frame->index;
                    out.times.capture = frame->capture_ms;
                    res->times.preprocess += out.times.preprocess;
                    res->times.backbone += out.times.backbone;
                    res->times.head += out.times.head;
                    res->times.postprocess += out.times.postprocess;
                    res->times.total += out.times.total;
                }
                res->times.total += frame->capture_ms;
                res->end = SteadyClock::now();
            } catch (const std::exception& e) {
                ok = false;
                res->frame.reset();
                emit inferenceError(QString::fromStdString(res->backend + ": " + e.what()));
            }
        }
        frame.reset();
        if (ok) {
            processed_.fetch_add(1);
            ResultPtr shared = std::move(res);
            if (sink_) sink_(shared);
            emit resultReady(shared);
        } else {
            failed_.fetch_add(1);
        }
        in_flight_.store(false);
        inside_.fetch_sub(1);
        if (idle_cb_ && !slot_.full()) idle_cb_(id_);
    }
}

}  // namespace edgemoe::app
