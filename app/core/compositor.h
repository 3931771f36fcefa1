#pragma once
// The compositor: runs the FrameComposer (frame_composer.h) on a thread of its own. Results come in
// through newest-result slots (one per stream), the composed QImage goes out through another, and
// composedReady() is emitted at most once until the UI takes the image, so the UI thread never has a
// backlog and only paints a finished image. It also times each image (the stats' and the metrics
// export's draw time) and hands each image to the recorder's tap.
#include <array>
#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>

#include <QImage>
#include <QObject>
#include <QSize>
#include <QThread>

#include "core/frame_composer.h"
#include "core/types.h"

namespace edgemoe::app {

class StatsCollector;

struct Composed {
    QImage image;
    uint64_t seq = 0;
    int64_t frame_index = -1;
    int64_t partner_frame_index = -1;     // compare mode: the frame the partner's panel shows
    double partner_age_ms = 0;            // compare mode: how much older the partner's frame is than the primary's
    double draw_ms = 0;
    SteadyClock::time_point captured{};
};

class Compositor : public QObject {
    Q_OBJECT
public:
    explicit Compositor(StatsCollector* stats = nullptr, QObject* parent = nullptr);
    ~Compositor() override;

    void setModel(std::shared_ptr<const Model> model);   // call while stopped
    void setSettings(const ViewSettings& s);               // recomposes the current frame
    ViewSettings settings() const;
    void setTargetSize(QSize device_pixels);
    void setCompare(bool enabled);
    bool compare() const;
    // Compare mode: the agreement to show on the compare panel from the next image on (the pipeline
    // measures it in CompareStats, beside the other statistics; the compositor only draws it).
    void setAgreement(const CompareMetrics& metrics);
    // Called on the compositor thread with every composed image (the recorder).
    void setImageTap(std::function<void(const QImage&)> tap);
    // Called on the compositor thread once per result, after the first image that shows it, with the
    // time that image took to draw (the metrics export's draw_ms).
    void setDrawnCallback(std::function<void(const InferenceResult&, double draw_ms)> drawn);

    void start();
    void stop();

    // Any thread: a worker's newest result.
    void submit(const ResultPtr& result);
    // UI thread: the newest composed image, if there is a new one since the last take.
    bool take(Composed& out);
    // The latest composed image (screenshots).
    QImage latestImage() const;
    // Compare mode: how much older the partner panel's frame is than the primary's, in the latest image.
    double latestPartnerAgeMs() const;
    // Where the panels and their decorations are in the latest image (tests).
    std::vector<FrameComposer::PanelRect> latestPanels() const;
    uint64_t composedCount() const { return composed_count_.load(); }

signals:
    void composedReady();

private:
    void loop_thread();
    QImage* free_buffer(QSize size);

    StatsCollector* stats_;
    FrameComposer composer_;
    QThread* thread_ = nullptr;

    mutable std::mutex mutex_;
    std::condition_variable wake_;
    bool stop_ = false;
    bool dirty_ = false;
    ResultPtr incoming_[2];
    ResultPtr shown_[2];
    CompareMetrics metrics_;   // compare mode: the agreement to draw (setAgreement)
    ViewSettings settings_;
    QSize target_;
    bool compare_ = false;
    std::function<void(const QImage&)> tap_;
    std::function<void(const InferenceResult&, double)> drawn_;

    mutable std::mutex out_mutex_;
    Composed latest_;
    std::vector<FrameComposer::PanelRect> latest_panels_;   // assigned in place: no allocation per frame
    bool fresh_ = false;
    std::atomic<bool> notified_{false};
    std::atomic<uint64_t> composed_count_{0};
    std::array<QImage, 6> ring_;
};

}  // namespace edgemoe::app
