#include "core/frame_composer.h"

#include <algorithm>
#include <cmath>

#include <QFontMetrics>
#include <QPainter>
#include <QPainterPath>

#include <opencv2/imgproc.hpp>

#include "core/palette.h"

namespace edgemoe::app {

const char* view_mode_name(ViewMode m) {
    switch (m) {
        case ViewMode::Overlay: return "overlay";
        case ViewMode::Output: return "output";
        case ViewMode::Input: return "input";
    }
    return "?";
}

bool view_mode_from_name(const QString& name, ViewMode& out) {
    const QString n = name.trimmed().toLower();
    if (n == "overlay") out = ViewMode::Overlay;
    else if (n == "output" || n == "raw") out = ViewMode::Output;
    else if (n == "input" || n == "frame") out = ViewMode::Input;
    else return false;
    return true;
}

namespace {

constexpr int kGap = 4;
constexpr int kMaxNaturalWidth = 1280;
constexpr int kGridAlpha = 100;   // expert grid over the image

// The first of `wordings` that fits `max_w` pixels in `font`, else the last one cut with an ellipsis.
QString fit_text(std::initializer_list<QString> wordings, const QFont& font, int max_w) {
    const QFontMetrics fm(font);
    for (const QString& w : wordings)
        if (fm.horizontalAdvance(w) <= max_w) return w;
    return fm.elidedText(*(wordings.end() - 1), Qt::ElideRight, std::max(0, max_w));
}

// A rounded label. `anchor` is the top-left corner, or the top-right one when `right` is set. The
// text is cut to keep the chip within `max_w` pixels.
QRect draw_chip(QPainter& p, QPoint anchor, bool right, QString text, const QFont& font, const QColor& bg,
                const QColor& fg, int pad, int max_w = 1 << 20) {
    const QFontMetrics fm(font);
    if (fm.horizontalAdvance(text) + 2 * pad > max_w) text = fm.elidedText(text, Qt::ElideRight, std::max(0, max_w - 2 * pad));
    const int w = fm.horizontalAdvance(text) + 2 * pad, h = fm.height() + pad;
    QRect r(right ? anchor.x() - w + 1 : anchor.x(), anchor.y(), w, h);   // right: its right edge at anchor.x()
    p.setPen(Qt::NoPen);
    p.setBrush(bg);
    p.drawRoundedRect(r, h / 2.6, h / 2.6);
    p.setFont(font);
    p.setPen(fg);
    p.drawText(r, Qt::AlignCenter, text);
    return r;
}

QString ms_text(double ms) { return ms >= 100 ? QString::number(ms, 'f', 0) + " ms" : QString::number(ms, 'f', 1) + " ms"; }

bool legend_on(const ViewSettings& s) { return s.legend && s.mode != ViewMode::Input; }

double nice_step(double span, int want_ticks) {
    const double raw = span / std::max(1, want_ticks);
    const double mag = std::pow(10.0, std::floor(std::log10(raw)));
    for (double m : {1.0, 2.0, 2.5, 5.0, 10.0})
        if (raw <= m * mag) return m * mag;
    return 10 * mag;
}

}  // namespace

FrameComposer::FrameComposer() = default;
FrameComposer::~FrameComposer() = default;

void FrameComposer::setModel(std::shared_ptr<const Model> model) {
    model_ = std::move(model);
    ramp_task_ = nullptr;
    ramp_map_ = -1;
}

const QImage& FrameComposer::depthRamp(DepthColormap map, const TaskInfo& task) {
    if (ramp_map_ == int(map) && ramp_task_ == &task && !ramp_.isNull()) return ramp_;
    ramp_depth_.create(1, 256, CV_32F);
    for (int i = 0; i < 256; ++i)
        ramp_depth_.at<float>(0, i) = task.depth_range[0] + (task.depth_range[1] - task.depth_range[0]) * float(i) / 255.f;
    colorize_depth(ramp_depth_, task, map, ramp_bgr_);
    ramp_ = QImage(256, 1, QImage::Format_RGB32);
    for (int i = 0; i < 256; ++i) {
        const cv::Vec3b c = ramp_bgr_.at<cv::Vec3b>(0, i);
        ramp_.setPixel(i, 0, qRgb(c[2], c[1], c[0]));
    }
    ramp_map_ = int(map);
    ramp_task_ = &task;
    return ramp_;
}

void FrameComposer::draw_panel_pixels(const FrameResult& r, const TaskInfo& task, const ViewSettings& s,
                                      const cv::Mat& frame_small, cv::Mat& dst) {
    if (s.mode == ViewMode::Input) {
        cv::cvtColor(frame_small, dst, cv::COLOR_BGR2BGRA);
        return;
    }
    const cv::Size size(dst.cols, dst.rows);
    if (r.kind == TaskKind::Segmentation) {
        colorize_classes(r.class_map, task, colour_small_);
        cv::resize(colour_small_, colour_panel_, size, 0, 0, cv::INTER_NEAREST);
    } else {
        colorize_depth(r.depth, task, s.colormap, colour_small_);
        cv::resize(colour_small_, colour_panel_, size, 0, 0, cv::INTER_LINEAR);
    }
    if (s.mode == ViewMode::Output) {
        cv::cvtColor(colour_panel_, dst, cv::COLOR_BGR2BGRA);
        return;
    }
    const double a = std::clamp(double(s.alpha), 0.0, 1.0);
    cv::addWeighted(frame_small, 1.0 - a, colour_panel_, a, 0.0, blend_);
    cv::cvtColor(blend_, dst, cv::COLOR_BGR2BGRA);
}

FrameComposer::Decor FrameComposer::decor_for(int u) const {
    Decor d;
    d.u = u;
    d.m = std::max(4, u / 2);
    d.pad = u / 2 + 2;
    d.chip_h = QFontMetrics(palette::font(u, QFont::Bold)).height() + d.pad;
    return d;
}

int FrameComposer::legend_height(const TaskInfo& task, int max_w, const Decor& d) const {
    if (task.kind == TaskKind::Segmentation) {
        const QFontMetrics fm(palette::font(d.u));
        const int sw = d.u, gap = d.u / 2 + 2, item_gap = d.u;
        int lines = 1, line_w = 0;
        bool first = true;
        for (const ClassInfo& ci : task.classes) {
            const int w = sw + gap + fm.horizontalAdvance(QString::fromStdString(ci.name));
            if (!first && line_w + item_gap + w > max_w) {
                ++lines;
                line_w = w;
            } else {
                line_w += (first ? 0 : item_gap) + w;
            }
            first = false;
        }
        return lines * (fm.height() + d.u / 3) + 2 * d.pad;
    }
    const QFontMetrics fm(palette::font(std::max(8, d.u - 1)));
    return d.pad + fm.height() + d.u / 4 + std::max(6, d.u * 3 / 4) + 3 + fm.height() + d.pad;
}

// The top strip of a panel holds the label chips at the left (task; backend, latency, age) and the
// badges at the right (UNTRAINED stamp, agreement). Two rows when they do not fit side by side.
// Latency and age are measured with wide templates, so the row count does not flip frame to frame.
int FrameComposer::label_rows(const InferenceResult& primary, const InferenceResult* compare, const ViewSettings& s,
                              int pw, const Decor& d) const {
    const ModelConfig& c = model_->config();
    const QFontMetrics bold(palette::font(d.u, QFont::Bold)), regular(palette::font(d.u)), black(palette::font(d.u, QFont::Black));
    int rows = 1;
    for (int b = 0; b < (compare ? 2 : 1); ++b) {
        const InferenceResult& res = b == 0 ? primary : *compare;
        for (int p = 0; p < res.passes; ++p) {
            if (res.out[p].task < 0) continue;
            const TaskInfo& task = c.tasks[size_t(res.out[p].task)];
            const int left = bold.horizontalAdvance(QString::fromStdString(task.name).toUpper()) + 2 * d.pad + d.m / 2 +
                             regular.horizontalAdvance(label_rest(res, s, QStringLiteral("0000 ms"), compare != nullptr)) + 2 * d.pad;
            int right = 0;
            if (!c.trained) right += black.horizontalAdvance(QStringLiteral("UNTRAINED MODEL")) + 2 * d.pad;
            if (b == 1)
                right += (right ? d.m / 2 : 0) +
                         regular.horizontalAdvance(agreement_text(true, QString::fromStdString(primary.backend), 1.0, 1.0, 0)) +
                         2 * d.pad;
            if (right > 0 && left + d.m + right > pw - 2 * d.m) rows = 2;
        }
    }
    return rows;
}

QString FrameComposer::label_rest(const InferenceResult& res, const ViewSettings& s, const QString& latency, bool compare) const {
    const ModelConfig& c = model_->config();
    QString rest = QString::fromStdString(res.backend) + "  ·  " + latency;
    if (compare) rest += QStringLiteral("  ·  00.0 s old");   // measuring only: the real age is added when drawn
    if (s.experts && s.expert_block < int(c.moe_blocks.size()))
        rest += QStringLiteral("  ·  experts of MoE block %1").arg(c.moe_blocks[size_t(s.expert_block)]);
    return rest;
}

QString FrameComposer::agreement_text(bool segmentation, const QString& versus, double agree, double miou, double mrd) {
    if (segmentation)
        return QStringLiteral("vs %1: %2% pixels agree · mIoU %3").arg(versus).arg(agree * 100, 0, 'f', 1).arg(miou, 0, 'f', 3);
    return QStringLiteral("vs %1: mean rel. diff %2%").arg(versus).arg(mrd * 100, 0, 'f', 2);
}

void FrameComposer::compose(const InferenceResult& primary, const InferenceResult* compare, const ViewSettings& s,
                            QSize target, QImage& out, const CompareMetrics* metrics) {
    if (!model_) throw std::logic_error("FrameComposer: no model");
    if (!primary.frame || primary.frame->bgr.empty()) throw std::invalid_argument("FrameComposer: result without a frame");
    if (compare && (!compare->frame || compare->frame->bgr.empty())) compare = nullptr;
    const ModelConfig& c = model_->config();
    const cv::Mat& frame = primary.frame->bgr;
    const int passes = std::max(1, primary.passes);
    const int backends = compare ? 2 : 1;
    const int n = backends * passes;
    const double aspect = double(frame.cols) / frame.rows;

    // Text size from the space the whole view has (not from one panel), so that side-by-side panels
    // keep legends and labels readable.
    const int natural_w = std::min(frame.cols, kMaxNaturalWidth);
    const int base = target.isEmpty() ? int(natural_w / aspect) : std::min(target.height(), int(target.width() / aspect));
    const Decor d = decor_for(std::clamp(base / 36, 11, 20));
    text_px_ = d.u;
    // Outside the image: a label strip above each panel, the legend below it. Always when the expert
    // grid covers the image (nothing may cover the grid); otherwise when the view has the room anyway
    // (side-by-side panels leave bands above and below), else they are drawn over the image.
    const bool must_go_outside = s.experts && (s.labels || legend_on(s));
    auto strips = [&](int pw, int& top, int& bottom) {
        top = s.labels ? label_rows(primary, compare, s, pw, d) * (d.chip_h + d.m / 2) + d.m / 2 : 0;
        bottom = 0;
        if (legend_on(s))
            for (int b = 0; b < backends; ++b) {
                const InferenceResult& res = b == 0 ? primary : *compare;
                for (int p = 0; p < res.passes; ++p)
                    if (res.out[p].task >= 0)
                        bottom = std::max(bottom, legend_height(c.tasks[size_t(res.out[p].task)], pw - 4 * d.m, d) + d.m);
            }
    };
    auto fit = [&](int cols, int rows, int top, int bottom) {
        if (target.isEmpty()) return natural_w;
        const double by_w = double(target.width() - kGap * (cols - 1)) / cols;
        const double by_h = (double(target.height() - kGap * (rows - 1)) / rows - top - bottom) * aspect;
        return int(std::min(by_w, by_h));
    };
    // Side by side, stacked, or 2 x 2 for four panels: whichever gives the largest panels.
    const std::pair<int, int> grids1[] = {{1, 1}}, grids2[] = {{2, 1}, {1, 2}}, grids4[] = {{2, 2}, {4, 1}, {1, 4}};
    const std::pair<int, int>* grids = n == 1 ? grids1 : n == 2 ? grids2 : grids4;
    const int ngrids = target.isEmpty() ? 1 : (n == 1 ? 1 : n == 2 ? 2 : 3);
    int best_in = -1, best_in_pw = 0, best_out = -1, best_out_pw = 0;
    for (int g = 0; g < ngrids; ++g) {
        const auto [cols, rows] = grids[g];
        const int pw_in = fit(cols, rows, 0, 0);
        int top, bottom;
        strips(pw_in, top, bottom);
        int pw_out = fit(cols, rows, top, bottom);
        strips(pw_out, top, bottom);
        pw_out = std::min(pw_out, fit(cols, rows, top, bottom));
        if (pw_in > best_in_pw) best_in = g, best_in_pw = pw_in;
        if (pw_out > best_out_pw) best_out = g, best_out_pw = pw_out;
    }
    outside_ = must_go_outside || (!target.isEmpty() && best_out_pw >= best_in_pw);
    const int g = outside_ ? best_out : best_in;
    const int cols = grids[g].first, rows = grids[g].second;
    int pw = std::max(16, (outside_ ? best_out_pw : best_in_pw) & ~1);
    const int ph = std::max(16, int(std::lround(pw / aspect)) & ~1);
    int top = 0, bottom = 0;
    if (outside_) strips(pw, top, bottom);
    const int cell_h = top + ph + bottom;
    const QSize size(cols * pw + kGap * (cols - 1), rows * cell_h + kGap * (rows - 1));
    if (out.size() != size || out.format() != QImage::Format_RGB32 || !out.isDetached())
        out = QImage(size, QImage::Format_RGB32);
    if (cols * rows > 1 || top + bottom > 0) out.fill(palette::kBackground);
    cv::Mat canvas(size.height(), size.width(), CV_8UC4, out.bits(), size_t(out.bytesPerLine()));

    panels_.clear();
    for (int b = 0; b < backends; ++b) {
        const InferenceResult& res = b == 0 ? primary : *compare;
        // Each stream's own frame: in compare mode the slower one shows an older frame.
        const cv::Mat& src = res.frame->bgr;
        if (s.mode != ViewMode::Output &&
            (small_[b].seq != res.frame->seq || small_[b].mat.size() != cv::Size(pw, ph) || small_[b].mat.empty())) {
            // Area averaging only for a large downscale (it is slow for a ratio like 1280 -> 1136, where
            // bilinear looks the same).
            const bool far_down = pw * 2 <= src.cols;
            cv::resize(src, small_[b].mat, cv::Size(pw, ph), 0, 0, far_down ? cv::INTER_AREA : cv::INTER_LINEAR);
            small_[b].seq = res.frame->seq;
        }
        for (int p = 0; p < passes; ++p) {
            // 2 x 2: a column per backend, a row per task; otherwise in reading order.
            const int k = (backends == 2 && passes == 2 && cols == 2) ? p * 2 + b : b * passes + p;
            const int col = k % cols, row = k / cols;
            const QRect cell(col * (pw + kGap), row * (cell_h + kGap), pw, cell_h);
            const QRect rect(cell.left(), cell.top() + top, pw, ph);
            cv::Mat dst = canvas(cv::Rect(rect.x(), rect.y(), pw, ph));
            if (p >= res.passes || res.out[p].task < 0) {
                dst.setTo(cv::Scalar(0x23, 0x1d, 0x1a, 255));
                panels_.push_back({rect, cell, {}, {}, {}, {}, b, p, -1});
                continue;
            }
            const FrameResult& fr = res.out[p];
            draw_panel_pixels(fr, c.tasks[size_t(fr.task)], s, small_[b].mat, dst);
            panels_.push_back({rect, cell, {}, {}, {}, {}, b, p, fr.task});
        }
    }
    draw_decorations(out, primary, compare, s, metrics, d);
}

QRect FrameComposer::draw_legend(QPainter& p, const TaskInfo& task, const ViewSettings& s, const QRect& r, int y,
                                 bool below, const Decor& d) {
    const int u = d.u, m = d.m, pad = d.pad;
    const QColor chip_bg(12, 14, 18, 200);
    if (task.kind == TaskKind::Segmentation) {
        const QFont f = palette::font(u);
        const QFontMetrics fm(f);
        const int sw = u, gap = u / 2 + 2, item_gap = u;
        const int max_w = r.width() - 4 * m;
        legend_items_.clear();
        for (const ClassInfo& ci : task.classes) {
            const QString name = QString::fromStdString(ci.name);
            legend_items_.push_back({name, QColor(ci.rgb[0], ci.rgb[1], ci.rgb[2]), sw + gap + fm.horizontalAdvance(name)});
        }
        // Flow layout: [begin, end) per line.
        legend_lines_.clear();
        int line_w = 0, widest = 0;
        size_t begin = 0;
        for (size_t i = 0; i < legend_items_.size(); ++i) {
            const int add = (i == begin ? 0 : item_gap) + legend_items_[i].w;
            if (i > begin && line_w + add > max_w) {
                legend_lines_.push_back({begin, i});
                widest = std::max(widest, line_w);
                begin = i;
                line_w = legend_items_[i].w;
            } else {
                line_w += add;
            }
        }
        if (begin < legend_items_.size()) {
            legend_lines_.push_back({begin, legend_items_.size()});
            widest = std::max(widest, line_w);
        }
        const int line_h = fm.height() + u / 3;
        const int h = int(legend_lines_.size()) * line_h + 2 * pad;
        const QRect band(r.left() + m, below ? y : y - h + 1, widest + 2 * pad, h);
        p.setPen(Qt::NoPen);
        p.setBrush(chip_bg);
        p.drawRoundedRect(band, u / 2.0, u / 2.0);
        p.setFont(f);
        for (size_t l = 0; l < legend_lines_.size(); ++l) {
            int x = band.left() + pad;
            const int ly = band.top() + pad + int(l) * line_h;
            for (size_t i = legend_lines_[l].first; i < legend_lines_[l].second; ++i) {
                const LegendItem& it = legend_items_[i];
                const QRect sw_rect(x, ly + (line_h - sw) / 2, sw, sw);
                p.setPen(QPen(QColor(255, 255, 255, 90), 1));
                p.setBrush(it.color);
                p.drawRoundedRect(sw_rect, sw / 4.0, sw / 4.0);
                p.setPen(palette::kText);
                p.drawText(QRect(x + sw + gap, ly, it.w, line_h), Qt::AlignVCenter | Qt::AlignLeft, it.name);
                x += it.w + item_gap;
            }
        }
        if (legend_rect_.isNull()) legend_rect_ = band;
        return band;
    }
    const QImage& ramp = depthRamp(s.colormap, task);
    const QFont f = palette::font(std::max(8, u - 1));
    const QFontMetrics fm(f);
    const int bar_w = std::min(r.width() - 4 * m, std::max(120, r.width() * 55 / 100));
    const int bar_h = std::max(6, u * 3 / 4);
    const QString unit = QString::fromStdString(task.depth_unit.empty() ? std::string("m") : task.depth_unit);
    const QString title =
        QString::fromStdString(task.depth_quantity == "disparity" ? "disparity" : "depth") + " (" + unit + ")   near → far";
    const int h = legend_height(task, 0, d);
    const int tick_room = fm.horizontalAdvance(QStringLiteral("000 m"));
    const QRect band(r.left() + m, below ? y : y - h + 1, bar_w + 2 * pad + tick_room / 2, h);
    p.setPen(Qt::NoPen);
    p.setBrush(chip_bg);
    p.drawRoundedRect(band, u / 2.0, u / 2.0);
    p.setFont(f);
    p.setPen(palette::kText);
    p.drawText(QPoint(band.left() + pad, band.top() + pad + fm.ascent()), title);
    const QRect bar(band.left() + pad, band.top() + pad + fm.height() + u / 4, bar_w, bar_h);
    p.drawImage(bar, ramp);
    p.setPen(QPen(QColor(255, 255, 255, 120), 1));
    p.setBrush(Qt::NoBrush);
    p.drawRect(bar);
    const double lo = task.depth_range[0], hi = task.depth_range[1];
    const double step = nice_step(hi - lo, std::max(2, bar_w * 2 / (tick_room * 3)));
    for (double v = std::ceil(lo / step) * step; v <= hi + 1e-9; v += step) {
        const int x = bar.left() + int(std::lround((v - lo) / (hi - lo) * bar.width()));
        p.setPen(QPen(palette::kText, 1));
        p.drawLine(x, bar.bottom() + 1, x, bar.bottom() + 3);
        const QString t = QString::number(v, 'g', 4) + (v + step > hi + 1e-9 ? " " + unit : QString());
        const int tw = fm.horizontalAdvance(t);
        p.drawText(QPoint(std::clamp(x - tw / 2, band.left() + 2, band.right() - tw - 2), bar.bottom() + 3 + fm.ascent()), t);
    }
    if (scale_rect_.isNull()) scale_rect_ = bar;
    return band;
}

void FrameComposer::draw_decorations(QImage& img, const InferenceResult& primary, const InferenceResult* compare,
                                     const ViewSettings& s, const CompareMetrics* metrics, const Decor& d) {
    const ModelConfig& c = model_->config();
    legend_rect_ = scale_rect_ = QRect();
    QPainter p(&img);
    p.setRenderHint(QPainter::Antialiasing);
    p.setRenderHint(QPainter::TextAntialiasing);
    const QColor chip_bg(12, 14, 18, 200);
    const int u = d.u, m = d.m;
    // Compare mode: the stream whose frame is older (the slower one) says how old its result is.
    int lagging = -1;
    double lag_s = 0;
    if (compare && compare->frame->seq != primary.frame->seq) {
        lagging = compare->frame->seq < primary.frame->seq ? 1 : 0;
        const Frame& f = *(lagging == 1 ? compare : &primary)->frame;
        if (f.captured.time_since_epoch().count() != 0) lag_s = ms_between(f.captured, SteadyClock::now()) / 1000.0;
        else lagging = -1;
    }

    for (PanelRect& pr : panels_) {
        if (pr.task < 0) continue;
        const InferenceResult& res = pr.worker == 0 ? primary : *compare;
        const FrameResult& fr = res.out[pr.pass];
        const TaskInfo& task = c.tasks[size_t(pr.task)];
        const QRect r = pr.rect;
        p.setClipRect(outside_ ? pr.cell : r);

        // Expert grid of the chosen MoE block: top-1 expert per patch.
        if (s.experts && s.expert_block >= 0 && s.expert_block < int(fr.net.routing.size())) {
            p.save();
            p.setClipRect(r);
            const ExpertRouting& routing = fr.net.routing[size_t(s.expert_block)];
            const int gh = c.grid_h(), gw = c.grid_w();
            const double cw = double(r.width()) / gw, ch = double(r.height()) / gh;
            p.setPen(Qt::NoPen);
            for (int gy = 0; gy < gh; ++gy)
                for (int gx = 0; gx < gw; ++gx) {
                    const int token = 1 + gy * gw + gx;
                    if (token >= routing.tokens) continue;
                    QColor col = palette::expert(routing.expert_at(token, 0));
                    col.setAlpha(kGridAlpha);
                    p.setBrush(col);
                    p.drawRect(QRectF(r.left() + gx * cw, r.top() + gy * ch, cw, ch));
                }
            p.setPen(QPen(QColor(0, 0, 0, 110), 1));
            for (int gx = 1; gx < gw; ++gx) p.drawLine(QPointF(r.left() + gx * cw, r.top()), QPointF(r.left() + gx * cw, r.bottom()));
            for (int gy = 1; gy < gh; ++gy) p.drawLine(QPointF(r.left(), r.top() + gy * ch), QPointF(r.right(), r.top() + gy * ch));
            if (cw >= 2.4 * u) {
                // Expert ids, from pre-laid-out static texts (drawing 128 strings a frame is the costly part).
                const int px = std::max(8, int(std::min(cw, ch) / 3.6));
                if (id_texts_px_ != px || int(id_texts_.size()) < c.num_experts) {
                    id_texts_.clear();
                    id_font_ = palette::font(px, QFont::Medium);
                    for (int e = 0; e < c.num_experts; ++e) {
                        id_texts_.emplace_back(QString::number(e));
                        id_texts_.back().setPerformanceHint(QStaticText::AggressiveCaching);
                        id_texts_.back().prepare(QTransform(), id_font_);
                    }
                    id_texts_px_ = px;
                }
                p.setFont(id_font_);
                p.setPen(QColor(255, 255, 255, 215));
                for (int gy = 0; gy < gh; ++gy)
                    for (int gx = 0; gx < gw; ++gx) {
                        const int token = 1 + gy * gw + gx;
                        if (token >= routing.tokens) continue;
                        const int e = routing.expert_at(token, 0);
                        if (e < 0 || e >= int(id_texts_.size())) continue;
                        const QSizeF ts = id_texts_[size_t(e)].size();
                        p.drawStaticText(QPointF(r.left() + (gx + 0.5) * cw - ts.width() / 2, r.top() + (gy + 0.5) * ch - ts.height() / 2),
                                         id_texts_[size_t(e)]);
                    }
            }
            p.restore();
            pr.grid = r;
        }

        // Label: TASK · backend · latency (· age), at the top left; outside: in the strip above.
        const int row0 = outside_ ? pr.cell.top() + m / 2 : r.top() + m;
        int badge_y = row0;
        int labels_right = r.left();
        if (s.labels) {
            const QColor accent = pr.worker == 0 ? palette::kAccent : palette::kAccent2;
            const int x0 = r.left() + (outside_ ? 0 : m), x_end = r.right() - (outside_ ? 0 : m);
            const QRect a = draw_chip(p, QPoint(x0, row0), false, QString::fromStdString(task.name).toUpper(),
                                      palette::font(u, QFont::Bold), accent, QColor(8, 10, 14), d.pad, x_end - x0 + 1);
            // The longest wording that fits next to the task chip.
            QString rest = QString::fromStdString(res.backend) + "  ·  " + ms_text(fr.times.total);
            if (pr.worker == lagging) rest += QStringLiteral("  ·  %1 s old").arg(lag_s, 0, 'f', 1);
            QString full = rest, shorter = rest;
            if (s.experts && s.expert_block < int(c.moe_blocks.size())) {
                full += QStringLiteral("  ·  experts of MoE block %1").arg(c.moe_blocks[size_t(s.expert_block)]);
                shorter += QStringLiteral("  ·  block %1").arg(c.moe_blocks[size_t(s.expert_block)]);
            }
            const int room = x_end - (a.right() + m / 2) + 1;
            rest = fit_text({full, shorter, rest}, palette::font(u), room - 2 * d.pad);
            const QRect b = draw_chip(p, QPoint(a.right() + m / 2, a.top()), false, rest, palette::font(u),
                                      pr.worker == lagging ? QColor(60, 40, 8, 220) : chip_bg,
                                      pr.worker == lagging ? palette::kWarn : palette::kText, d.pad, std::max(0, room));
            pr.labels = a.united(b);
            labels_right = b.right();
        }
        // Badges at the top right: the UNTRAINED stamp, and on the compare panel the agreement with the
        // first backend (measured on the last frame both ran). Outside, on a second row when the
        // labels leave no room.
        QString agreement;
        if (pr.worker == 1 && metrics && metrics->valid && pr.pass < metrics->passes && metrics->task[pr.pass] >= 0)
            agreement = agreement_text(metrics->segmentation[pr.pass], QString::fromStdString(primary.backend),
                                       metrics->seg[pr.pass].pixel_agreement, metrics->seg[pr.pass].miou,
                                       metrics->depth_mrd[pr.pass]);
        int right_x = r.right() - (outside_ ? 0 : m);
        if (s.labels) {
            // Outside, the badges sit in one row; over the image, in a column under each other.
            const QFontMetrics black(palette::font(u, QFont::Black)), regular(palette::font(u));
            int need = 0;
            if (!c.trained) need = black.horizontalAdvance(QStringLiteral("UNTRAINED MODEL")) + 2 * d.pad;
            if (!agreement.isEmpty()) {
                const int w = regular.horizontalAdvance(agreement) + 2 * d.pad;
                need = outside_ ? need + (need ? m / 2 : 0) + w : std::max(need, w);
            }
            if (need > 0 && labels_right + m + need > right_x) badge_y = row0 + d.chip_h + m / 2;
        }
        int right_y = badge_y;
        const int left_limit = (badge_y == row0 && s.labels) ? labels_right + m : r.left() + (outside_ ? 0 : m);
        const bool badges_in_a_row = outside_;
        if (!c.trained) {
            const QFont black = palette::font(u, QFont::Black);
            const QString stamp = fit_text({QStringLiteral("UNTRAINED MODEL"), QStringLiteral("UNTRAINED")}, black,
                                           right_x - left_limit + 1 - 2 * d.pad);
            const QRect st = draw_chip(p, QPoint(right_x, right_y), true, stamp, black, palette::kWarn, QColor(20, 14, 0), d.pad,
                                       right_x - left_limit + 1);
            pr.badges = st;
            if (badges_in_a_row) right_x = st.left() - m / 2;
            else right_y = st.bottom() + m / 2;
        }
        if (!agreement.isEmpty() && right_x - left_limit > 4 * d.pad) {
            const QRect ag = draw_chip(p, QPoint(right_x, right_y), true, agreement, palette::font(u), chip_bg, palette::kAccent2,
                                       d.pad, right_x - left_limit + 1);
            pr.badges = pr.badges.isNull() ? ag : pr.badges.united(ag);
        }

        // Legend (classes) or scale bar (depth): at the bottom of the image, or below it.
        if (legend_on(s)) pr.legend = outside_ ? draw_legend(p, task, s, r, r.bottom() + 1 + m / 2, true, d)
                                               : draw_legend(p, task, s, r, r.bottom() - m, false, d);
        p.setClipping(false);
    }
}

}  // namespace edgemoe::app
