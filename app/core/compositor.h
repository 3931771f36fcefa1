#pragma once
// Turns results into the picture the window shows (and the recorder writes): the frame with the
// segmentation blended over it (alpha) or the depth colour map, or the raw output alone, or the frame
// alone; one panel per task and per backend side by side; panel labels, a legend of class names and
// colours from the model, a depth scale bar in the model's unit, the expert grid of a chosen MoE
// block, and an UNTRAINED stamp for a model with random weights.
//
// FrameComposer does the drawing, synchronously (tests drive it directly). Compositor runs it on a
// thread of its own: results come in through newest-result slots, the composed QImage goes out
// through another, and composedReady() is emitted at most once until the UI takes the image, so the
// UI thread never has a backlog and only paints a finished image.
#include <array>
#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>

#include <QColor>
#include <QFont>
#include <QImage>
#include <QStaticText>
#include <QObject>
#include <QSize>
#include <QThread>

#include <opencv2/core/mat.hpp>

#include "core/agreement.h"
#include "core/types.h"
#include "edgemoe/colorize.h"

class QPainter;

namespace edgemoe::app {

class StatsCollector;

enum class ViewMode { Overlay, Output, Input };
const char* view_mode_name(ViewMode m);                 // "overlay", "output", "input"
bool view_mode_from_name(const QString& name, ViewMode& out);

struct ViewSettings {
    ViewMode mode = ViewMode::Overlay;
    float alpha = 0.55f;                  // segmentation / depth over the frame, 0..1
    DepthColormap colormap = DepthColormap::Turbo;
    bool experts = false;                 // expert grid over the image
    int expert_block = 0;                 // position in the model's MoE block list
    bool legend = true;                   // class legend / depth scale bar
    bool labels = true;                   // panel labels (task, backend, latency)
    bool operator==(const ViewSettings&) const = default;
};

struct Composed {
    QImage image;
    uint64_t seq = 0;
    int64_t frame_index = -1;
    int64_t partner_frame_index = -1;     // compare mode: the frame the partner's panel shows
    double partner_age_ms = 0;            // compare mode: how much older the partner's frame is than the primary's
    double draw_ms = 0;
    SteadyClock::time_point captured{};
};

class FrameComposer {
public:
    FrameComposer();
    ~FrameComposer();
    void setModel(std::shared_ptr<const Model> model);
    const Model* model() const { return model_.get(); }

    // Composes `primary` (and `compare`, the second backend's latest result: the same frame, or an
    // older one when that backend is slower) into `out`, reusing its storage when its size is right
    // and nobody else holds it. `target`: the size to fit into (keeping the frame's aspect); empty:
    // each panel at the frame's size, at most 1280 wide. `metrics`: the agreement to show on the
    // compare panel (what Compositor::setAgreement() was given: CompareStats' latest).
    void compose(const InferenceResult& primary, const InferenceResult* compare, const ViewSettings& settings, QSize target,
                 QImage& out, const CompareMetrics* metrics = nullptr);

    // Where each panel went in the last composed image (tests and the view's hit-testing): the
    // image, its cell (the image and the strips above and below it), and the decorations' boxes:
    // label chips, badges (UNTRAINED, agreement), legend or scale bar, expert grid. Empty when absent.
    struct PanelRect {
        QRect rect, cell, labels, badges, legend, grid;
        int worker = 0, pass = 0, task = -1;
    };
    const std::vector<PanelRect>& panels() const { return panels_; }
    // The legend's rectangle in the last composed image (first segmentation panel), empty if none.
    QRect legendRect() const { return legend_rect_; }
    QRect scaleBarRect() const { return scale_rect_; }
    // Whether labels and legends went into strips outside the images (see compose()).
    bool decorationsOutside() const { return outside_; }
    // The text size of the labels and legends in the last composed image, in pixels.
    int textPixels() const { return text_px_; }

    // The depth colour map from the near end to the far end, 256 x 1, RGB32.
    const QImage& depthRamp(DepthColormap map, const TaskInfo& task);

private:
    struct Decor {
        int u = 12;        // text size, px
        int m = 6;         // margin
        int pad = 8;       // inside a chip
        int chip_h = 20;   // a chip's height
    };
    struct LegendItem {
        QString name;
        QColor color;
        int w = 0;
    };
    Decor decor_for(int u) const;
    int legend_height(const TaskInfo& task, int max_w, const Decor& d) const;
    int label_rows(const InferenceResult& primary, const InferenceResult* compare, const ViewSettings& s, int pw,
                   const Decor& d) const;
    QString label_rest(const InferenceResult& res, const ViewSettings& s, const QString& latency, bool compare) const;
    static QString agreement_text(bool segmentation, const QString& versus, double agree, double miou, double mrd);
    void draw_panel_pixels(const FrameResult& r, const TaskInfo& task, const ViewSettings& s, const cv::Mat& frame_small,
                           cv::Mat& dst);
    void draw_decorations(QImage& img, const InferenceResult& primary, const InferenceResult* compare,
                          const ViewSettings& s, const CompareMetrics* metrics, const Decor& d);
    QRect draw_legend(QPainter& p, const TaskInfo& task, const ViewSettings& s, const QRect& r, int y, bool below,
                      const Decor& d);

    std::shared_ptr<const Model> model_;
    std::vector<PanelRect> panels_;
    QRect legend_rect_, scale_rect_;
    bool outside_ = false;
    int text_px_ = 0;
    // Reused from frame to frame.
    struct Small {
        cv::Mat mat;
        uint64_t seq = 0;
    } small_[2];                           // each stream's frame at the panel size
    cv::Mat colour_small_, colour_panel_, blend_;
    std::vector<LegendItem> legend_items_;
    std::vector<std::pair<size_t, size_t>> legend_lines_;
    QImage ramp_;
    int ramp_map_ = -1;
    const TaskInfo* ramp_task_ = nullptr;
    cv::Mat ramp_depth_, ramp_bgr_;
    std::vector<QStaticText> id_texts_;   // expert ids, laid out once per size
    QFont id_font_;
    int id_texts_px_ = -1;
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
