#include "core/inference_worker.h"
#include "core/loop_thread.h"

#include <algorithm>
#include <chrono>

#include "edgemoe/error.h"

namespace edgemoe::app {
namespace {

// A backend on another machine: its failures mid-stream are a lost board, not a broken frame.
bool is_remote(const std::string& name) { return name.rfind("remote", 0) == 0; }

// How often a lost board is asked whether it is back.
constexpr auto kProbeInterval = std::chrono::seconds(2);
// While the window has room and the oldest result is not back, how long the worker waits for a newer
// frame before it looks again (the result has no way to wake it).
constexpr auto kPollForFrame = std::chrono::milliseconds(2);

}  // namespace

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
    join_loop_thread(thread_, [this] {
        // Closed first: a frame the worker takes as the flag is set is seen to be too late (see the loop).
        slot_.close();   // closing the slot ends the loop
        request_cancel();
    });
    stop_probe();
}

void InferenceWorker::request_cancel() { cancel_.store(true); }

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
    // Slot first: a frame is counted in flight under the slot's lock as it is taken.
    return !slot_.full() && jobs_in_flight_.load() == 0;
}

void InferenceWorker::discardWaiting() {
    request_cancel();
    FramePtr f;
    if (slot_.try_take(f)) inside_.fetch_sub(1);
}

void InferenceWorker::setBackend(const QString& name) {
    {
        std::lock_guard lock(config_mutex_);
        const std::string n = name.toStdString();
        if (n == requested_) return;
        requested_ = n;
    }
    config_version_.fetch_add(1);
    request_cancel();   // after the change: the next frame, which the cancel lets start, sees it
}

void InferenceWorker::setTaskMode(TaskMode mode) {
    if (mode_.exchange(mode) != mode) request_cancel();
}

void InferenceWorker::setBackendOptions(const BackendOptions& options) {
    {
        std::lock_guard lock(config_mutex_);
        options_ = options;
        options_changed_ = true;
    }
    config_version_.fetch_add(1);
}

QString InferenceWorker::requestedBackend() const {
    std::lock_guard lock(config_mutex_);
    return QString::fromStdString(requested_);
}

QString InferenceWorker::activeBackend() const {
    std::lock_guard lock(config_mutex_);
    return QString::fromStdString(active_);
}

QString InferenceWorker::disconnectedBackend() const {
    std::lock_guard lock(config_mutex_);
    return QString::fromStdString(disconnected_);
}

InferenceWorker::Counters InferenceWorker::counters() const {
    Counters c;
    c.offered = offered_.load();
    c.processed = processed_.load();
    c.failed = failed_.load();
    c.cancelled = cancelled_.load();
    c.dropped = slot_.dropped();
    return c;
}

InferenceWorker::Runner* InferenceWorker::make_runner(const std::string& name, const BackendOptions& options) {
    auto backend = factory_(name, model_, options);
    created_.fetch_add(1);
    backend->set_cancel_flag(&cancel_);
    Runner r;
    r.key = name;
    r.name = backend->name();
    r.remote = is_remote(name) || is_remote(r.name);
    r.runner = std::make_unique<FrameRunner>(model_, std::move(backend));
    runners_.erase(name);
    return &runners_.emplace(name, std::move(r)).first->second;
}

InferenceWorker::Runner* InferenceWorker::cpu_runner(const BackendOptions& options, std::string& why) {
    auto it = runners_.find("cpu");
    if (it != runners_.end()) return &it->second;
    try {
        return make_runner("cpu", options);
    } catch (const std::exception& e) {
        why += "; cpu fallback failed too: " + std::string(e.what());
        return nullptr;
    }
}

// Only called with nothing in flight: it may replace the runners.
InferenceWorker::Runner* InferenceWorker::runner_for_next_frame() {
    std::string want, active;
    BackendOptions options;
    {
        std::lock_guard lock(config_mutex_);
        want = requested_;
        active = active_;
        if (options_changed_) {
            options_changed_ = false;
            runners_.clear();   // made with the old options (another xclbin, thread count, board)
            active.clear();
        }
        options = options_;
    }
    job_config_ = config_version_.load();

    // A remote backend whose board is away: cpu until the probe says it is back.
    if (!fallback_from_.empty() && (want != fallback_from_ || runners_.empty())) {
        // The user chose another backend (or other options) meanwhile: the normal way below.
        stop_probe();
        fallback_from_.clear();
        std::lock_guard lock(config_mutex_);
        disconnected_.clear();
    }
    if (!fallback_from_.empty()) {
        std::string why;
        if (board_back_.load()) {
            stop_probe();
            try {
                Runner* back = make_runner(want, options);   // a fresh connection
                fallback_from_.clear();
                {
                    std::lock_guard lock(config_mutex_);
                    active_ = want;
                    disconnected_.clear();
                }
                emit backendChanged(QString::fromStdString(want), QString::fromStdString(want),
                                    QString::fromStdString("board back: running on " + back->name + " again"));
                return back;
            } catch (const std::exception&) {
                start_probe(want, options);   // away again before we got to it: keep probing, say nothing new
            }
        }
        Runner* cpu = cpu_runner(options, why);
        std::lock_guard lock(config_mutex_);
        active_ = cpu ? "cpu" : "";
        return cpu;
    }

    auto it = runners_.find(want);
    if (it != runners_.end() && want == active) return &it->second;

    std::string reason;
    Runner* runner = nullptr;
    if (it != runners_.end()) {
        runner = &it->second;
    } else {
        try {
            runner = make_runner(want, options);
        } catch (const std::exception& e) {
            reason = e.what();
        }
    }
    std::string got = want;
    if (!runner) {
        got = "cpu";
        if (want != got) runner = cpu_runner(options, reason);
    }
    {
        std::lock_guard lock(config_mutex_);
        if (!reason.empty() && requested_ == want) requested_ = got;   // do not retry the failed one every frame
        active_ = runner ? got : std::string();
    }
    emit backendChanged(QString::fromStdString(want), QString::fromStdString(runner ? got : ""),
                        QString::fromStdString(reason));
    return runner;
}

void InferenceWorker::start_probe(const std::string& name, const BackendOptions& options) {
    stop_probe();
    probe_stop_.store(false);
    board_back_.store(false);
    probe_ = std::thread([this, name, options] {
        while (!probe_stop_.load()) {
            const auto next = std::chrono::steady_clock::now() + kProbeInterval;
            try {
                // Hello and the model check, as a connection would make them; cancelled by stop.
                const auto listed = list_remote_backends(model_, options, &probe_stop_);
                const bool there = name == "remote" || std::any_of(listed.begin(), listed.end(), [&](const BackendInfo& b) {
                                       return b.name == name && b.available;
                                   });
                if (there) {
                    // Answering Hello is not enough (a stalled board does): one frame must come back
                    // within the deadline, on a connection of the probe's own.
                    const ModelConfig& c = model_->config();
                    auto backend = factory_(name, model_, options);
                    backend->set_cancel_flag(&probe_stop_);
                    NetworkOutput out;
                    backend->infer(cv::Mat(c.image_h, c.image_w, CV_8UC3, cv::Scalar::all(0)), 0, out);
                    board_back_.store(true);
                    return;
                }
            } catch (const std::exception&) {
                // still away (or cancelled: the loop ends)
            }
            std::unique_lock lock(probe_mutex_);
            probe_wake_.wait_until(lock, next, [this] { return probe_stop_.load(); });
        }
    });
}

void InferenceWorker::stop_probe() {
    {
        std::lock_guard lock(probe_mutex_);
        probe_stop_.store(true);
    }
    probe_wake_.notify_all();
    if (probe_.joinable()) probe_.join();
}

void InferenceWorker::start_job(FramePtr frame, bool pair, Runner* runner) {
    Job& j = jobs_[size_t(job_head_ + job_count_) % kMaxJobs];
    ++job_count_;
    j.frame = std::move(frame);
    j.pair = pair;
    j.runner = runner;
    j.submitted = j.collected = 0;
    const auto start = SteadyClock::now();
    if (!runner) {   // no backend at all: the frame fails (backendChanged said why)
        j.plan = TaskPlan{};
        failed_.fetch_add(1);
        finish_front(false);
        return;
    }
    j.plan = plan_tasks(model_->config(), mode_.load());
    j.res = pool_.acquire();
    InferenceResult& res = *j.res;
    res.frame = j.frame;
    res.worker = id_;
    res.paired = pair;
    res.backend = runner->name;
    res.passes = j.plan.count;
    res.times = StageTimes{};
    res.times.capture = j.frame->capture_ms;
    res.start = start;
    res.waited_ms = ms_between(j.frame->captured, start);
    submit_passes(j);
}

void InferenceWorker::submit_passes(Job& j) {
    FrameRunner& r = *j.runner->runner;
    while (j.submitted < j.plan.count && r.submit(j.frame->bgr, j.plan.task[j.submitted], j.res->out[j.submitted]))
        ++j.submitted;
    int seen = max_in_flight_.load();
    const int n = r.in_flight();
    while (n > seen && !max_in_flight_.compare_exchange_weak(seen, n)) {
    }
}

void InferenceWorker::collect_pass() {
    Job& j = front();
    FrameResult& out = j.runner->runner->collect();
    InferenceResult& res = *j.res;
    out.frame_index = j.frame->index;
    out.times.capture = j.frame->capture_ms;
    res.times.preprocess += out.times.preprocess;
    res.times.backbone += out.times.backbone;
    res.times.head += out.times.head;
    res.times.postprocess += out.times.postprocess;
    res.times.total += out.times.total;
    if (++j.collected == j.plan.count) {
        res.times.total += j.frame->capture_ms;
        res.end = SteadyClock::now();
        finish_front(true);
    }
}

// The oldest job ends: its result goes out (ok), or it is counted by the caller.
void InferenceWorker::finish_front(bool ok) {
    Job& j = front();
    std::shared_ptr<InferenceResult> res = std::move(j.res);
    j.frame.reset();
    j.runner = nullptr;
    job_head_ = (job_head_ + 1) % kMaxJobs;
    --job_count_;
    if (ok) {
        processed_.fetch_add(1);
        ResultPtr shared = std::move(res);
        if (sink_) sink_(shared);
        emit resultReady(shared);
    } else if (res) {
        res->frame.reset();   // counted by the caller
    }
    jobs_in_flight_.fetch_sub(1);
    inside_.fetch_sub(1);
    if (idle_cb_ && !slot_.full()) idle_cb_(id_);
}

void InferenceWorker::drop_all(bool cancelled) {
    if (job_count_ > 0 && front().runner) front().runner->runner->drop_in_flight();
    while (job_count_ > 0) {
        (cancelled ? cancelled_ : failed_).fetch_add(1);
        finish_front(false);
    }
}

void InferenceWorker::frame_failed(Runner* runner, const std::exception& e) {
    const bool lost_board = runner && runner->remote && dynamic_cast<const BackendError*>(&e) != nullptr;
    const std::string key = runner ? runner->key : std::string();
    drop_all(false);
    if (!lost_board) {
        emit inferenceError(QString::fromStdString((runner ? runner->name + ": " : std::string()) + e.what()));
        return;
    }
    std::string want, why = e.what();
    BackendOptions options;
    {
        std::lock_guard lock(config_mutex_);
        want = requested_;
        options = options_;
    }
    if (want != key) return;   // the user has moved on to another backend already
    // The board went away mid-stream: say it once, go on with cpu, and probe for the board's return.
    if (why.rfind("board disconnected", 0) != 0) why = "board disconnected: " + why;
    fallback_from_ = want;
    start_probe(want, options);
    Runner* cpu = cpu_runner(options, why);
    {
        std::lock_guard lock(config_mutex_);
        active_ = cpu ? "cpu" : "";
        disconnected_ = want;
    }
    emit backendChanged(QString::fromStdString(want), QString::fromStdString(cpu ? "cpu" : ""), QString::fromStdString(why));
}

void InferenceWorker::loop_thread() {
    FramePtr frame;
    bool pair = false;
    const auto on_take = [this, &pair](bool held) {
        jobs_in_flight_.fetch_add(1);
        pair = held;
    };
    for (;;) {
        // A cancel request: everything in flight was started before it (or as it came).
        if (cancel_.exchange(false) && job_count_ > 0) drop_all(true);
        Runner* runner = nullptr;
        try {
            if (job_count_ == 0) {
                if (!slot_.wait_take(frame, on_take)) break;
                // A request that came while idle has nothing to give up: the settings read below are
                // the new ones. stop() closes the slot before it sets the flag, so a frame taken as it
                // stops is either seen here (closed) or cancelled by the flag set after this.
                cancel_.exchange(false);
                if (slot_.closed()) {
                    frame.reset();
                    jobs_in_flight_.fetch_sub(1);
                    inside_.fetch_sub(1);
                    break;
                }
                runner = runner_for_next_frame();
                start_job(std::move(frame), pair, runner);
                continue;
            }
            runner = front().runner;
            Job& last = back();
            if (last.submitted < last.plan.count) submit_passes(last);
            FrameRunner& r = *runner->runner;
            // Room for another frame on the same runner: while the oldest result is on its way, a newer
            // frame goes out too (only when nothing about the backend changed since these started).
            const bool room = job_count_ < kMaxJobs && last.submitted == last.plan.count &&
                              r.in_flight() < r.max_in_flight() && job_config_ == config_version_.load();
            if (room && !r.ready()) {
                const int got = slot_.wait_take_for(frame, kPollForFrame, on_take);
                if (got < 0) break;
                if (got > 0) start_job(std::move(frame), pair, runner);
                continue;
            }
            collect_pass();
        } catch (const FrameCancelled&) {
            frame.reset();
            drop_all(true);
        } catch (const std::exception& e) {
            frame.reset();
            frame_failed(runner, e);
        }
    }
    drop_all(true);   // stopped: frames still out are given up on
}

}  // namespace edgemoe::app
