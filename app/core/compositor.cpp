#include "core/compositor.h"
#include "core/loop_thread.h"

#include <algorithm>
#include <cmath>

#include <QFontMetrics>
#include <QPainter>
#include <QPainterPath>

#include <opencv2/imgproc.hpp>

#include "core/palette.h"
#include "core/stats_collector.h"

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

// A rounded label. `anchor` is the top-left corner, or the top-right one when `right` is set.
QRect draw_chip(QPainter& p, QPoint anchor, bool right, const QString& text, const QFont& font, const QColor& bg,
                const QColor& fg, int pad) {
    const QFontMetrics fm(font);
    const int w = fm.horizontalAdvance(text) + 2 * pad, h = fm.height() + pad;
    QRect r(right ? anchor.x() - w : anchor.x(), anchor.y(), w, h);
    p.setPen(Qt::NoPen);
    p.setBrush(bg);
    p.drawRoundedRect(r, h / 2.6, h / 2.6);
    p.setFont(font);
    p.setPen(fg);
    p.drawText(r, Qt::AlignCenter, text);
    return r;
}

QString ms_text(double ms) { return ms >= 100 ? QString::number(ms, 'f', 0) + " ms" : QString::number(ms, 'f', 1) + " ms"; }

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

void FrameComposer::compose(const InferenceResult& primary, const InferenceResult* compare, const ViewSettings& s,
                            QSize target, QImage& out, CompareMetrics* metrics) {
    if (!model_) throw std::logic_error("FrameComposer: no model");
    if (!primary.frame || primary.frame->bgr.empty()) throw std::invalid_argument("FrameComposer: result without a frame");
    const ModelConfig& c = model_->config();
    const cv::Mat& frame = primary.frame->bgr;
    const int passes = std::max(1, primary.passes);
    const int backends = compare ? 2 : 1;
    int cols, rows;
    if (backends == 1) cols = passes, rows = 1;
    else if (passes == 1) cols = 2, rows = 1;
    else cols = 2, rows = 2;

    const double aspect = double(frame.cols) / frame.rows;
    int pw, ph;
    if (target.isEmpty()) {
        pw = std::min(frame.cols, kMaxNaturalWidth);
    } else {
        const double by_w = double(target.width() - kGap * (cols - 1)) / cols;
        const double by_h = double(target.height() - kGap * (rows - 1)) / rows * aspect;
        pw = int(std::min(by_w, by_h));
    }
    pw = std::max(16, pw & ~1);
    ph = std::max(16, int(std::lround(pw / aspect)) & ~1);
    const QSize size(cols * pw + kGap * (cols - 1), rows * ph + kGap * (rows - 1));
    if (out.size() != size || out.format() != QImage::Format_RGB32 || !out.isDetached())
        out = QImage(size, QImage::Format_RGB32);
    if (cols * rows > 1) out.fill(palette::kBackground);
    cv::Mat canvas(size.height(), size.width(), CV_8UC4, out.bits(), size_t(out.bytesPerLine()));

    if (s.mode != ViewMode::Output &&
        (frame_small_seq_ != primary.frame->seq || frame_small_size_ != cv::Size(pw, ph) || frame_small_.empty())) {
        // Area averaging only for a large downscale (it is slow for a ratio like 1280 -> 1136, where
        // bilinear looks the same).
        const bool far_down = pw * 2 <= frame.cols;
        cv::resize(frame, frame_small_, cv::Size(pw, ph), 0, 0, far_down ? cv::INTER_AREA : cv::INTER_LINEAR);
        frame_small_seq_ = primary.frame->seq;
        frame_small_size_ = cv::Size(pw, ph);
    }

    panels_.clear();
    for (int b = 0; b < backends; ++b) {
        const InferenceResult& res = b == 0 ? primary : *compare;
        for (int p = 0; p < passes; ++p) {
            int col, row;
            if (backends == 1) col = p, row = 0;
            else if (passes == 1) col = b, row = 0;
            else col = b, row = p;
            const QRect rect(col * (pw + kGap), row * (ph + kGap), pw, ph);
            cv::Mat dst = canvas(cv::Rect(rect.x(), rect.y(), pw, ph));
            if (p >= res.passes || res.out[p].task < 0) {
                dst.setTo(cv::Scalar(0x23, 0x1d, 0x1a, 255));
                panels_.push_back({rect, b, p, -1});
                continue;
            }
            const FrameResult& fr = res.out[p];
            draw_panel_pixels(fr, c.tasks[size_t(fr.task)], s, frame_small_, dst);
            panels_.push_back({rect, b, p, fr.task});
        }
    }

    if (metrics) {
        *metrics = CompareMetrics{};
        if (compare) {
            metrics->valid = true;
            metrics->frame_index = primary.frame->index;
            metrics->passes = std::min(passes, compare->passes);
            for (int p = 0; p < metrics->passes; ++p) {
                const FrameResult& a = primary.out[p];
                const FrameResult& b = compare->out[p];
                metrics->task[p] = a.task;
                if (a.task != b.task) {
                    metrics->task[p] = -1;
                    continue;
                }
                if (a.kind == TaskKind::Segmentation) {
                    metrics->segmentation[p] = true;
                    metrics->seg[p] = segmentation_agreement(a.class_map, b.class_map);
                } else {
                    metrics->depth_mrd[p] = depth_mean_relative_difference(a.depth, b.depth);
                }
            }
        }
    }
    draw_decorations(out, primary, compare, s, metrics);
}

void FrameComposer::draw_decorations(QImage& img, const InferenceResult& primary, const InferenceResult* compare,
                                     const ViewSettings& s, const CompareMetrics* metrics) {
    const ModelConfig& c = model_->config();
    legend_rect_ = scale_rect_ = QRect();
    QPainter p(&img);
    p.setRenderHint(QPainter::Antialiasing);
    p.setRenderHint(QPainter::TextAntialiasing);
    const QColor chip_bg(12, 14, 18, 200);

    for (const PanelRect& pr : panels_) {
        if (pr.task < 0) continue;
        const InferenceResult& res = pr.worker == 0 ? primary : *compare;
        const FrameResult& fr = res.out[pr.pass];
        const TaskInfo& task = c.tasks[size_t(pr.task)];
        const QRect r = pr.rect;
        const int u = std::clamp(r.height() / 34, 9, 22);   // base text size in pixels
        const int m = std::max(4, u / 2);                      // margin
        p.setClipRect(r);

        // Expert grid of the chosen MoE block: top-1 expert per patch.
        int grid_bottom = r.top();
        if (s.experts && s.expert_block >= 0 && s.expert_block < int(fr.net.routing.size())) {
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
            if (cw >= 3.0 * u) {
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
            grid_bottom = r.top();
        }
        (void)grid_bottom;

        // Label: TASK · backend · latency.
        int label_bottom = r.top() + m;
        if (s.labels) {
            const QColor accent = pr.worker == 0 ? palette::kAccent : palette::kAccent2;
            const QFont bold = palette::font(u, QFont::Bold);
            const QFont regular = palette::font(u);
            QRect a = draw_chip(p, QPoint(r.left() + m, r.top() + m), false, QString::fromStdString(task.name).toUpper(), bold,
                                accent, QColor(8, 10, 14), u / 2 + 2);
            QString rest = QString::fromStdString(res.backend) + "  ·  " + ms_text(fr.times.total);
            if (s.experts && s.expert_block < int(c.moe_blocks.size()))
                rest += QStringLiteral("  ·  experts of MoE block %1").arg(c.moe_blocks[size_t(s.expert_block)]);
            draw_chip(p, QPoint(a.right() + m / 2, a.top()), false, rest, regular, chip_bg, palette::kText, u / 2 + 2);
            label_bottom = a.bottom();
        }
        int right_y = r.top() + m;
        if (!c.trained) {
            const QRect st = draw_chip(p, QPoint(r.right() - m, right_y), true, QStringLiteral("UNTRAINED MODEL"),
                                       palette::font(u, QFont::Black), palette::kWarn, QColor(20, 14, 0), u / 2 + 2);
            right_y = st.bottom() + m / 2;
        }
        // Agreement with the first backend, on the compare panel.
        if (pr.worker == 1 && metrics && metrics->valid && pr.pass < metrics->passes && metrics->task[pr.pass] >= 0) {
            QString t;
            if (metrics->segmentation[pr.pass])
                t = QStringLiteral("vs %1: %2% pixels agree · mIoU %3")
                        .arg(QString::fromStdString(primary.backend))
                        .arg(metrics->seg[pr.pass].pixel_agreement * 100, 0, 'f', 1)
                        .arg(metrics->seg[pr.pass].miou, 0, 'f', 3);
            else
                t = QStringLiteral("vs %1: mean rel. diff %2%")
                        .arg(QString::fromStdString(primary.backend))
                        .arg(metrics->depth_mrd[pr.pass] * 100, 0, 'f', 2);
            draw_chip(p, QPoint(r.right() - m, right_y), true, t, palette::font(u), chip_bg, palette::kAccent2, u / 2 + 2);
        }
        (void)label_bottom;

        // Legend (classes) or scale bar (depth), at the bottom.
        if (s.legend && s.mode != ViewMode::Input) {
            if (task.kind == TaskKind::Segmentation) {
                const QFont f = palette::font(u);
                const QFontMetrics fm(f);
                const int sw = u, gap = u / 2 + 2, item_gap = u;
                const int max_w = r.width() - 4 * m;
                // Flow layout, bottom-up rows.
                struct Item {
                    QString name;
                    QColor color;
                    int w;
                };
                std::vector<Item> items;
                items.reserve(task.classes.size());
                for (const ClassInfo& ci : task.classes) {
                    const QString name = QString::fromStdString(ci.name);
                    items.push_back({name, QColor(ci.rgb[0], ci.rgb[1], ci.rgb[2]), sw + gap + fm.horizontalAdvance(name)});
                }
                std::vector<std::pair<size_t, size_t>> lines;   // [begin, end)
                int line_w = 0, widest = 0;
                size_t begin = 0;
                for (size_t i = 0; i < items.size(); ++i) {
                    const int add = (i == begin ? 0 : item_gap) + items[i].w;
                    if (i > begin && line_w + add > max_w) {
                        lines.push_back({begin, i});
                        widest = std::max(widest, line_w);
                        begin = i;
                        line_w = items[i].w;
                    } else {
                        line_w += add;
                    }
                }
                if (begin < items.size()) {
                    lines.push_back({begin, items.size()});
                    widest = std::max(widest, line_w);
                }
                const int line_h = fm.height() + u / 3;
                const int pad = u / 2 + 2;
                const QRect band(r.left() + m, r.bottom() - m - int(lines.size()) * line_h - 2 * pad + 1, widest + 2 * pad,
                                 int(lines.size()) * line_h + 2 * pad);
                p.setPen(Qt::NoPen);
                p.setBrush(chip_bg);
                p.drawRoundedRect(band, u / 2.0, u / 2.0);
                p.setFont(f);
                for (size_t l = 0; l < lines.size(); ++l) {
                    int x = band.left() + pad;
                    const int y = band.top() + pad + int(l) * line_h;
                    for (size_t i = lines[l].first; i < lines[l].second; ++i) {
                        const QRect sw_rect(x, y + (line_h - sw) / 2, sw, sw);
                        p.setPen(QPen(QColor(255, 255, 255, 90), 1));
                        p.setBrush(items[i].color);
                        p.drawRoundedRect(sw_rect, sw / 4.0, sw / 4.0);
                        p.setPen(palette::kText);
                        p.drawText(QRect(x + sw + gap, y, items[i].w, line_h), Qt::AlignVCenter | Qt::AlignLeft, items[i].name);
                        x += items[i].w + item_gap;
                    }
                }
                if (legend_rect_.isNull()) legend_rect_ = band;
            } else {
                const QImage& ramp = depthRamp(s.colormap, task);
                const QFont f = palette::font(std::max(8, u - 1));
                const QFontMetrics fm(f);
                const int bar_w = std::min(r.width() - 4 * m, std::max(120, r.width() * 45 / 100));
                const int bar_h = std::max(6, u * 3 / 4);
                const int pad = u / 2 + 2;
                const QString unit = QString::fromStdString(task.depth_unit.empty() ? std::string("m") : task.depth_unit);
                const QString title = QString::fromStdString(task.depth_quantity == "disparity" ? "disparity" : "depth") +
                                      " (" + unit + ")   near → far";
                const int h = pad + fm.height() + u / 4 + bar_h + 3 + fm.height() + pad;
                const int tick_room = fm.horizontalAdvance(QStringLiteral("000 m"));
                const QRect band(r.left() + m, r.bottom() - m - h + 1, bar_w + 2 * pad + tick_room / 2, h);
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
                const double step = nice_step(hi - lo, std::max(2, bar_w / (tick_room * 2)));
                for (double v = std::ceil(lo / step) * step; v <= hi + 1e-9; v += step) {
                    const int x = bar.left() + int(std::lround((v - lo) / (hi - lo) * bar.width()));
                    p.setPen(QPen(palette::kText, 1));
                    p.drawLine(x, bar.bottom() + 1, x, bar.bottom() + 3);
                    const QString t = QString::number(v, 'g', 4) + (v + step > hi + 1e-9 ? " " + unit : QString());
                    const int tw = fm.horizontalAdvance(t);
                    p.drawText(QPoint(std::clamp(x - tw / 2, band.left() + 2, band.right() - tw - 2), bar.bottom() + 3 + fm.ascent()), t);
                }
                if (scale_rect_.isNull()) scale_rect_ = bar;
            }
        }
        p.setClipping(false);
    }
}

// ---------------------------------------------------------------------------------------------

Compositor::Compositor(StatsCollector* stats, QObject* parent) : QObject(parent), stats_(stats) { register_metatypes(); }

Compositor::~Compositor() { stop(); }

void Compositor::setModel(std::shared_ptr<const Model> model) {
    std::lock_guard lock(mutex_);
    composer_.setModel(std::move(model));
    incoming_[0].reset();
    incoming_[1].reset();
    shown_[0].reset();
    shown_[1].reset();
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
        dirty_ = true;
    }
    wake_.notify_all();
}

bool Compositor::compare() const {
    std::lock_guard lock(mutex_);
    return compare_;
}

void Compositor::setImageTap(std::function<void(const QImage&)> tap) {
    std::lock_guard lock(mutex_);
    tap_ = std::move(tap);
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

CompareMetrics Compositor::latestCompare() const {
    std::lock_guard lock(out_mutex_);
    return latest_.compare;
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
    while (true) {
        wake_.wait(lock, [&] {
            if (stop_ || dirty_) return true;
            if (!compare_) return bool(incoming_[0]);
            return incoming_[0] && incoming_[1];
        });
        if (stop_) break;
        bool fresh = false;
        if (!compare_) {
            if (incoming_[0]) {
                shown_[0] = std::move(incoming_[0]);
                shown_[1].reset();
                fresh = true;
            }
        } else if (incoming_[0] && incoming_[1]) {
            const uint64_t a = incoming_[0]->frame->seq, b = incoming_[1]->frame->seq;
            if (a == b) {
                shown_[0] = std::move(incoming_[0]);
                shown_[1] = std::move(incoming_[1]);
                fresh = true;
            } else if (a < b) {
                incoming_[0].reset();   // its partner is gone; wait for the pair of the newer frame
            } else {
                incoming_[1].reset();
            }
        }
        const bool redraw = dirty_;
        dirty_ = false;
        if (!(fresh || redraw) || !shown_[0] || !composer_.model()) continue;
        if (compare_ && !shown_[1]) continue;
        const ResultPtr a = shown_[0], b = compare_ ? shown_[1] : ResultPtr();
        const ViewSettings s = settings_;
        const QSize target = target_;
        const auto tap = tap_;
        lock.unlock();

        const auto t0 = SteadyClock::now();
        QImage* buffer = free_buffer(last_size);
        Composed c;
        bool ok = true;
        try {
            composer_.compose(*a, b.get(), s, target, *buffer, &c.compare);
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
            {
                std::lock_guard out_lock(out_mutex_);
                latest_ = std::move(c);
                fresh_ = true;
            }
            composed_count_.fetch_add(1);
            if (stats_ && (fresh || a->frame->seq != shown_seq)) stats_->addDraw(ms);
            shown_seq = a->frame->seq;
            if (tap && fresh) tap(*buffer);
            if (!notified_.exchange(true)) emit composedReady();
        }
        lock.lock();
    }
}

}  // namespace edgemoe::app
