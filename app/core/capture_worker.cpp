#include "core/capture_worker.h"
#include "core/loop_thread.h"

#include <algorithm>

#include "core/sources.h"
#include "edgemoe/error.h"

namespace edgemoe::app {

namespace {
constexpr auto kReconnectPeriod = std::chrono::seconds(2);
constexpr auto kPositionPeriod = std::chrono::milliseconds(100);
}  // namespace

CaptureWorker::CaptureWorker(SourceOpener opener, QObject* parent)
    : QObject(parent), opener_(opener ? std::move(opener) : SourceOpener(open_source)) {
    register_metatypes();
}

CaptureWorker::~CaptureWorker() { stop(); }

void CaptureWorker::start() {
    if (thread_) return;
    {
        std::lock_guard lock(mutex_);
        stop_ = false;
    }
    thread_ = start_loop_thread(QStringLiteral("capture"), [this] { loop_thread(); });
}

void CaptureWorker::stop() { stop_loop_thread(thread_, mutex_, stop_, wake_); }

void CaptureWorker::open(const QString& spec, bool play) {
    {
        std::lock_guard lock(mutex_);
        open_pending_ = true;
        open_spec_ = spec.toStdString();
        open_play_ = play;
        close_pending_ = false;
        steps_ = 0;
        seek_to_ = -1;
    }
    wake_.notify_all();
}

void CaptureWorker::close() {
    {
        std::lock_guard lock(mutex_);
        close_pending_ = true;
        open_pending_ = false;
    }
    wake_.notify_all();
}

void CaptureWorker::play() {
    bool changed;
    {
        std::lock_guard lock(mutex_);
        changed = !playing_.exchange(true);
        next_due_ = SteadyClock::now();
    }
    wake_.notify_all();
    if (changed) emit playingChanged(true);
}

void CaptureWorker::pause() {
    const bool changed = playing_.exchange(false);
    wake_.notify_all();
    if (changed) emit playingChanged(false);
}

void CaptureWorker::togglePlay() { playing_.load() ? pause() : play(); }

void CaptureWorker::step() {
    pause();
    {
        std::lock_guard lock(mutex_);
        ++steps_;
    }
    wake_.notify_all();
}

void CaptureWorker::stepBack() {
    pause();
    {
        std::lock_guard lock(mutex_);
        if (last_index_ > 0) seek_to_ = last_index_ - 1;
    }
    wake_.notify_all();
}

void CaptureWorker::seek(int64_t index) {
    {
        std::lock_guard lock(mutex_);
        seek_to_ = std::max<int64_t>(0, index);
    }
    wake_.notify_all();
}

void CaptureWorker::setSpeed(double speed) {
    {
        std::lock_guard lock(mutex_);
        speed_ = std::clamp(speed, 0.1, 8.0);
    }
    wake_.notify_all();
}

void CaptureWorker::setLoop(bool loop) {
    std::lock_guard lock(mutex_);
    loop_ = loop;
}

void CaptureWorker::setStillFps(double fps) {
    std::lock_guard lock(mutex_);
    still_fps_ = std::clamp(fps, 0.1, 120.0);
}

void CaptureWorker::setFolderFps(double fps) {
    std::lock_guard lock(mutex_);
    folder_fps_ = std::clamp(fps, 0.05, 120.0);
}

double CaptureWorker::speed() const {
    std::lock_guard lock(mutex_);
    return speed_;
}

bool CaptureWorker::loop() const {
    std::lock_guard lock(mutex_);
    return loop_;
}

QString CaptureWorker::currentSpec() const {
    std::lock_guard lock(mutex_);
    return QString::fromStdString(spec_);
}

double CaptureWorker::interval_ms_locked() const {
    if (info_.live) return 0;
    double base;
    if (still_) base = still_fps_;
    else if (info_.fps > 0 && info_.fps < 1000) base = info_.fps;
    else if (info_.frame_count > 1 && info_.fps <= 0 && !info_.description.startsWith("video")) base = folder_fps_;
    else base = 30;
    return 1000.0 / (base * speed_);
}

void CaptureWorker::close_source_locked() {
    source_.reset();
    still_ = false;
    still_frame_.release();
}

void CaptureWorker::loop_thread() {
    std::unique_lock lock(mutex_);
    while (!stop_) {
        if (open_pending_) {
            open_pending_ = false;
            const std::string spec = open_spec_;
            const bool play = open_play_;
            lock.unlock();
            do_open(spec, play);
            lock.lock();
            continue;
        }
        if (close_pending_) {
            close_pending_ = false;
            reconnect_ = false;
            close_source_locked();
            continue;
        }
        if (!source_) {
            if (!reconnect_) {
                wake_.wait(lock);
                continue;
            }
            if (SteadyClock::now() < reconnect_at_) {
                wake_.wait_until(lock, reconnect_at_);
                continue;
            }
            // A lost camera: try it again, quietly; success reports sourceOpened.
            const std::string spec = spec_;
            lock.unlock();
            std::unique_ptr<FrameSource> src;
            try {
                src = opener_(spec);
            } catch (const std::exception&) {
            }
            lock.lock();
            if (!reconnect_ || spec != spec_) continue;   // a new open() came meanwhile
            if (!src) {
                reconnect_at_ = SteadyClock::now() + kReconnectPeriod;
                continue;
            }
            lock.unlock();
            do_open(spec, true);   // reopens properly (fresh state, signals)
            lock.lock();
            continue;
        }
        if (seek_to_ >= 0) {
            const int64_t index = seek_to_;
            seek_to_ = -1;
            if (info_.live || still_) continue;
            lock.unlock();
            bool ok = false;
            try {
                ok = source_->seek(index);
            } catch (const std::exception&) {
            }
            lock.lock();
            if (ok) read_and_emit(lock);
            continue;
        }
        if (steps_ > 0) {
            --steps_;
            read_and_emit(lock);
            continue;
        }
        if (playing_) {
            const auto now = SteadyClock::now();
            if (info_.live || now >= next_due_) {
                const double interval = interval_ms_locked();
                if (read_and_emit(lock)) {
                    const auto step = std::chrono::duration_cast<SteadyClock::duration>(
                        std::chrono::duration<double, std::milli>(interval));
                    next_due_ += step;
                    const auto after = SteadyClock::now();
                    if (next_due_ < after - step) next_due_ = after;   // fell behind: no catch-up burst
                }
                continue;
            }
            wake_.wait_until(lock, next_due_);
            continue;
        }
        wake_.wait(lock);
    }
    close_source_locked();
}

void CaptureWorker::do_open(const std::string& spec, bool play) {
    {
        std::lock_guard lock(mutex_);
        close_source_locked();
        reconnect_ = false;
        spec_ = spec;
    }
    std::unique_ptr<FrameSource> src;
    SourceInfo info;
    info.spec = QString::fromStdString(spec);
    cv::Mat still;
    try {
        src = opener_(spec);
        info.description = QString::fromStdString(src->describe());
        info.live = src->live();
        info.fps = src->fps();
        info.frame_count = src->frame_count();
        if (!info.live && info.frame_count == 1) {
            if (!src->read(still) || still.empty())
                throw SourceError(spec + ": cannot read the image");
            info.width = still.cols;
            info.height = still.rows;
        }
    } catch (const std::exception& e) {
        const bool was_playing = playing_.exchange(false);
        emit sourceError(QString::fromStdString(e.what()));
        if (was_playing) emit playingChanged(false);
        return;
    }
    {
        std::lock_guard lock(mutex_);
        source_ = std::move(src);
        info_ = info;
        still_ = !still.empty();
        still_frame_ = still;
        ++source_id_;
        delivered_ = 0;
        live_index_ = 0;
        last_index_ = -1;
        opened_at_ = next_due_ = SteadyClock::now();
        last_position_signal_ = {};
        if (!play) steps_ = 1;   // show the first frame even when opened paused
    }
    const bool was_playing = playing_.exchange(play);
    emit sourceOpened(info);
    if (was_playing != play) emit playingChanged(play);
}

bool CaptureWorker::read_and_emit(std::unique_lock<std::mutex>& lock) {
    const bool still = still_;
    const bool live = info_.live;
    const double fps = info_.fps;
    const int64_t count = info_.frame_count;
    lock.unlock();

    std::shared_ptr<Frame> frame = pool_.acquire();
    const auto t0 = SteadyClock::now();
    bool ok = false;
    std::string error;
    try {
        if (still) {
            still_frame_.copyTo(frame->bgr);
            ok = true;
        } else {
            ok = source_->read(frame->bgr);
        }
    } catch (const std::exception& e) {
        error = e.what();
    }
    const auto t1 = SteadyClock::now();

    if (!ok) {
        if (!error.empty() && !live && !still && count > 1) {
            // One bad image in a folder: say so, and go on with the next one.
            emit sourceError(QString::fromStdString(error));
            lock.lock();
            return true;
        }
        lock.lock();
        if (!error.empty()) {
            close_source_locked();
            lock.unlock();
            emit sourceError(QString::fromStdString(error));
            lock.lock();
            return false;
        }
        handle_end(lock);
        return false;
    }

    int64_t index;
    {
        std::lock_guard guard(mutex_);
        index = live ? live_index_++ : still ? 0 : std::max<int64_t>(0, source_->position() - 1);
        last_index_ = index;
        ++delivered_;
        frame->seq = ++seq_;
        frame->source_id = source_id_;
    }
    frame->index = index;
    frame->frame_count = count;
    frame->timestamp_ms = live ? ms_between(opened_at_, t1) : (fps > 0 ? index * 1000.0 / fps : 0.0);
    frame->capture_ms = ms_between(t0, t1);
    frame->captured = t1;

    FramePtr shared = std::move(frame);
    if (sink_) sink_(shared);
    emit frameCaptured(shared);
    emitted_.fetch_add(1);

    const bool show_now = !playing_.load() || t1 - last_position_signal_ >= kPositionPeriod;
    if (show_now) {
        last_position_signal_ = t1;
        emit positionChanged(index, count);
    }
    lock.lock();
    return true;
}

void CaptureWorker::handle_end(std::unique_lock<std::mutex>& lock) {
    if (delivered_ == 0) {
        const QString msg = info_.description + ": delivered no frames (corrupt or unsupported file, or a camera that gives no picture)";
        close_source_locked();
        const bool was_playing = playing_.exchange(false);
        lock.unlock();
        emit sourceError(msg);
        if (was_playing) emit playingChanged(false);
        lock.lock();
        return;
    }
    if (info_.live) {
        const QString msg = info_.description + " stopped delivering frames (unplugged?). Retrying every 2 s; or open another source.";
        close_source_locked();
        reconnect_ = true;
        reconnect_at_ = SteadyClock::now() + kReconnectPeriod;
        lock.unlock();
        emit sourceError(msg);
        lock.lock();
        return;
    }
    if (loop_) {
        bool ok = false;
        try {
            ok = source_->rewind();
        } catch (const std::exception&) {
        }
        if (ok) return;
    }
    const bool was_playing = playing_.exchange(false);
    lock.unlock();
    if (was_playing) emit playingChanged(false);
    emit sourceFinished();
    lock.lock();
}

}  // namespace edgemoe::app
