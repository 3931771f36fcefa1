#pragma once
// The frame composer: turns results into the picture the window shows (and the recorder writes),
// synchronously, with no thread and no signals (tests drive it directly; the Compositor runs it on a
// thread of its own). The frame with the segmentation blended over it (alpha) or the depth colour
// map, or the raw output alone, or the frame alone; one panel per task and per backend side by side;
// panel labels, a legend of class names and colours from the model, a depth scale bar in the model's
// unit, the expert grid of a chosen MoE block, the agreement on the compare panel (measured elsewhere:
// CompareStats), and an UNTRAINED stamp for a model with random weights.
#include <memory>
#include <utility>
#include <vector>

#include <QColor>
#include <QFont>
#include <QImage>
#include <QRect>
#include <QSize>
#include <QStaticText>
#include <QString>

#include <opencv2/core/mat.hpp>

#include "core/agreement.h"
#include "core/types.h"
#include "edgemoe/colorize.h"

class QPainter;

namespace edgemoe::app {

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

}  // namespace edgemoe::app
