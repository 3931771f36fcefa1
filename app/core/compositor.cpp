#include "core/compositor.h"

#include <algorithm>

#include "core/loop_thread.h"
#include "core/stats_collector.h"

namespace edgemoe::app {

Compositor::Compositor(StatsCollector* stats, QObject* parent) : QObject(parent), stats_(stats) { register_metatypes(); }

Compositor::~Compositor() { stop(); }

void Compositor::setModel(std::shared_ptr<const Model> model) {
    std::lock_guard lock(mutex_);
    composer_.setModel(std::move(model));
    incoming_[0].reset();
    incoming_[1].reset();
    shown_[0].reset();
    shown_[1].reset();
    metrics_ = CompareMetrics{};
}

void Compositor::setSettings(const ViewSettings& s) {
    {
        std::lock_guard lock(mutex_);
        if (settings_ == s) return;
        settings_ = s;
        dirty_ = true;
    }
    wake_.notify_all();
}

ViewSettings Compositor::settings() const {
    std::lock_guard lock(mutex_);
    return settings_;
}

void Compositor::setTargetSize(QSize device_pixels) {
    {
        std::lock_guard lock(mutex_);
        if (target_ == device_pixels) return;
        target_ = device_pixels;
        dirty_ = true;
    }
    wake_.notify_all();
}

void Compositor::setCompare(bool enabled) {
    {
        std::lock_guard lock(mutex_);
        if (compare_ == enabled) return;
        compare_ = enabled;
        incoming_[1].reset();
        shown_[1].reset();
        metrics_ = CompareMetrics{};
        dirty_ = true;
    }
    wake_.notify_all();
}

bool Compositor::compare() const {
    std::lock_guard lock(mutex_);
    return compare_;
}

void Compositor::setAgreement(const CompareMetrics& metrics) {
    // No wake-up: the result that completed the pair is submitted right after, and its image shows it.
    std::lock_guard lock(mutex_);
    if (compare_) metrics_ = metrics;
}

void Compositor::setImageTap(std::function<void(const QImage&)> tap) {
    std::lock_guard lock(mutex_);
    tap_ = std::move(tap);
}

void Compositor::setDrawnCallback(std::function<void(const InferenceResult&, double)> drawn) {
    std::lock_guard lock(mutex_);
    drawn_ = std::move(drawn);
}

void Compositor::start() {
    if (thread_) return;
    {
        std::lock_guard lock(mutex_);
        stop_ = false;
    }
    thread_ = start_loop_thread(QStringLiteral("compositor"), [this] { loop_thread(); });
}

void Compositor::stop() { stop_loop_thread(thread_, mutex_, stop_, wake_); }

void Compositor::submit(const ResultPtr& result) {
    if (!result || result->worker < 0 || result->worker > 1) return;
    ResultPtr old;
    {
        std::lock_guard lock(mutex_);
        old = std::move(incoming_[result->worker]);
        incoming_[result->worker] = result;
    }
    wake_.notify_all();
}

bool Compositor::take(Composed& out) {
    notified_.store(false);
    std::lock_guard lock(out_mutex_);
    if (!fresh_) return false;
    out = latest_;
    fresh_ = false;
    return true;
}

QImage Compositor::latestImage() const {
    std::lock_guard lock(out_mutex_);
    return latest_.image;
}

double Compositor::latestPartnerAgeMs() const {
    std::lock_guard lock(out_mutex_);
    return latest_.partner_age_ms;
}

std::vector<FrameComposer::PanelRect> Compositor::latestPanels() const {
    std::lock_guard lock(out_mutex_);
    return latest_panels_;
}

QImage* Compositor::free_buffer(QSize size) {
    static_assert(std::tuple_size_v<decltype(ring_)> > 0);
    QImage* fallback = nullptr;
    for (QImage& img : ring_) {
        if (img.isNull()) return &img;
        if (img.isDetached()) {
            std::atomic_thread_fence(std::memory_order_acquire);
            if (img.size() == size) return &img;
            if (!fallback) fallback = &img;
        }
    }
    if (fallback) return fallback;   // right owner, wrong size: the composer reallocates it
    // Every buffer is still held (a slow recorder, say): start a new one in the oldest place.
    static thread_local size_t next = 0;
    QImage* img = &ring_[next++ % ring_.size()];
    *img = QImage();
    return img;
}

void Compositor::loop_thread() {
    std::unique_lock lock(mutex_);
    uint64_t shown_seq = 0;
    QSize last_size;
    bool undrawn[2] = {false, false};   // shown_[i] has not been in an image yet
    while (true) {
        wake_.wait(lock, [&] { return stop_ || dirty_ || incoming_[0] || (compare_ && incoming_[1]); });
        if (stop_) break;
        // Each stream's newest result is shown as it comes: in compare mode the primary's panel stays
        // live while a slower partner's panel keeps its latest result. The compare panel shows the
        // agreement it was given (setAgreement), measured on the last pair frame both streams ran.
        bool fresh = false;
        for (int i = 0; i < (compare_ ? 2 : 1); ++i) {
            if (!incoming_[i]) continue;
            shown_[i] = std::move(incoming_[i]);
            undrawn[i] = true;
            fresh = true;
        }
        if (!compare_) shown_[1].reset();
        const bool redraw = dirty_;
        dirty_ = false;
        if (!(fresh || redraw) || !shown_[0] || !composer_.model()) continue;
        // Until the partner has a result, the primary alone.
        const ResultPtr a = shown_[0], b = compare_ ? shown_[1] : ResultPtr();
        const CompareMetrics metrics = metrics_;
        const ViewSettings s = settings_;
        const QSize target = target_;
        const auto tap = tap_;
        const auto drawn = drawn_;
        lock.unlock();

        const auto t0 = SteadyClock::now();
        QImage* buffer = free_buffer(last_size);
        Composed c;
        bool ok = true;
        try {
            composer_.compose(*a, b.get(), s, target, *buffer, b ? &metrics : nullptr);
        } catch (const std::exception&) {
            ok = false;
        }
        const double ms = ms_between(t0, SteadyClock::now());
        if (ok) {
            last_size = buffer->size();
            c.image = *buffer;
            c.seq = a->frame->seq;
            c.frame_index = a->frame->index;
            c.draw_ms = ms;
            c.captured = a->frame->captured;
            if (b) {
                c.partner_frame_index = b->frame->index;
                c.partner_age_ms = std::max(0.0, ms_between(b->frame->captured, a->frame->captured));
            }
            {
                std::lock_guard out_lock(out_mutex_);
                latest_ = std::move(c);
                latest_panels_ = composer_.panels();
                fresh_ = true;
            }
            composed_count_.fetch_add(1);
            if (stats_ && (fresh || a->frame->seq != shown_seq)) stats_->addDraw(ms);
            shown_seq = a->frame->seq;
            if (tap && fresh) tap(*buffer);
            // The metrics rows of the results this image showed for the first time get its draw time.
            const ResultPtr* in_image[2] = {&a, &b};
            for (int i = 0; i < 2; ++i)
                if (undrawn[i] && *in_image[i]) {
                    undrawn[i] = false;
                    if (drawn) drawn(**in_image[i], ms);
                }
            if (!notified_.exchange(true)) emit composedReady();
        }
        lock.lock();
    }
}

}  // namespace edgemoe::app
