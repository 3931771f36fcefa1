// Drawing: the overlay blend (alpha), the output and input views, the legend in the model's class
// colours, the depth colour map and its scale bar, the expert grid, side-by-side layouts, compare
// metrics (measured by CompareStats, drawn by the composer), the compositor thread's newest-result
// slots, and the recorder producing playable files.
#include <QtTest>

#include <QSignalSpy>
#include <QTemporaryDir>

#include "app_test_support.h"
#include "core/compare_stats.h"
#include "core/compositor.h"
#include "core/palette.h"
#include "core/recorder.h"
#include "edgemoe/colorize.h"

using namespace edgemoe;
using namespace edgemoe::app;
using namespace edgemoe::app::test;

namespace {

bool near(QRgb a, QRgb b, int tol) {
    return std::abs(qRed(a) - qRed(b)) <= tol && std::abs(qGreen(a) - qGreen(b)) <= tol && std::abs(qBlue(a) - qBlue(b)) <= tol;
}

QString rgb(QRgb c) { return QString("(%1,%2,%3)").arg(qRed(c)).arg(qGreen(c)).arg(qBlue(c)); }

QRgb class_rgb(const Model& m, int task, int cls) {
    const auto& c = m.config().tasks[size_t(task)].classes[size_t(cls)].rgb;
    return qRgb(c[0], c[1], c[2]);
}

ViewSettings bare(ViewMode mode, float alpha) {
    ViewSettings s;
    s.mode = mode;
    s.alpha = alpha;
    s.legend = false;
    s.labels = false;
    return s;
}

}  // namespace

class TestAppCompositor : public QObject {
    Q_OBJECT
    std::shared_ptr<const Model> model_;
    int seg_ = 0, depth_ = 1;
    QTemporaryDir dir_;

private slots:
    void initTestCase() {
        register_metatypes();
        model_ = tiny_model();
        seg_ = model_->config().task_index("semseg");
        depth_ = model_->config().task_index("depth");
    }

    void overlay_blends_with_alpha() {
        FrameComposer fc;
        fc.setModel(model_);
        // Frame BGR (50, 100, 200) = RGB (200, 100, 50); every pixel class 2.
        const auto r = fake_result(*model_, TaskMode::Segmentation, cv::Scalar(50, 100, 200), 2, 0, 0);
        const QRgb frame = qRgb(200, 100, 50), colour = class_rgb(*model_, seg_, 2);
        QImage img;
        for (float a : {0.0f, 0.3f, 0.55f, 1.0f}) {
            fc.compose(*r, nullptr, bare(ViewMode::Overlay, a), QSize(), img);
            QCOMPARE(img.size(), QSize(320, 180));
            const QRgb got = img.pixel(160, 100);
            const QRgb want = qRgb(int(std::lround((1 - a) * qRed(frame) + a * qRed(colour))),
                                   int(std::lround((1 - a) * qGreen(frame) + a * qGreen(colour))),
                                   int(std::lround((1 - a) * qBlue(frame) + a * qBlue(colour))));
            QVERIFY2(near(got, want, 1), qPrintable(QString("alpha %1: got %2 want %3").arg(a).arg(rgb(got), rgb(want))));
        }
    }

    void output_and_input_views() {
        FrameComposer fc;
        fc.setModel(model_);
        const auto r = fake_result(*model_, TaskMode::Segmentation, cv::Scalar(50, 100, 200), 3, 0, 0);
        QImage img;
        fc.compose(*r, nullptr, bare(ViewMode::Output, 0.2f), QSize(), img);
        QCOMPARE(img.pixel(100, 90), class_rgb(*model_, seg_, 3));
        fc.compose(*r, nullptr, bare(ViewMode::Input, 0.9f), QSize(), img);
        QCOMPARE(img.pixel(100, 90), qRgb(200, 100, 50));
    }

    void legend_shows_every_class_colour_and_name_band() {
        FrameComposer fc;
        fc.setModel(model_);
        const auto r = fake_result(*model_, TaskMode::Segmentation, cv::Scalar(30, 30, 30), 0, 0, 0, 1, 640, 360);
        ViewSettings s;
        s.legend = true;
        QImage img;
        fc.compose(*r, nullptr, s, QSize(), img);
        const QRect legend = fc.legendRect();
        QVERIFY(!legend.isEmpty());
        QVERIFY(QRect(0, 0, 640, 360).contains(legend));
        QVERIFY(legend.top() > 360 / 2);   // at the bottom
        const auto& classes = model_->config().tasks[size_t(seg_)].classes;
        for (size_t c = 0; c < classes.size(); ++c) {
            const QRgb want = class_rgb(*model_, seg_, int(c));
            bool found = false;
            for (int y = legend.top(); y <= legend.bottom() && !found; ++y)
                for (int x = legend.left(); x <= legend.right() && !found; ++x) found = img.pixel(x, y) == want;
            QVERIFY2(found, qPrintable(QString("no swatch of class %1 %2").arg(QString::fromStdString(classes[c].name), rgb(want))));
        }
        // Without the legend, no band.
        s.legend = false;
        fc.compose(*r, nullptr, s, QSize(), img);
        QVERIFY(fc.legendRect().isNull());
    }

    void depth_colour_map_and_scale_bar() {
        FrameComposer fc;
        fc.setModel(model_);
        const TaskInfo& task = model_->config().tasks[size_t(depth_)];
        const auto r = fake_result(*model_, TaskMode::Depth, cv::Scalar(0, 0, 0), 0, 20.0f, 0, 1, 640, 360);
        ViewSettings s = bare(ViewMode::Output, 1);
        s.legend = true;
        QImage img;
        for (DepthColormap map : {DepthColormap::Turbo, DepthColormap::Inferno, DepthColormap::Viridis, DepthColormap::Grey}) {
            s.colormap = map;
            fc.compose(*r, nullptr, s, QSize(), img);
            // The panel shows the colour map's colour for 20 m.
            cv::Mat d(1, 1, CV_32F, cv::Scalar(20.0f)), bgr;
            colorize_depth(d, task, map, bgr);
            const cv::Vec3b v = bgr.at<cv::Vec3b>(0, 0);
            QVERIFY2(near(img.pixel(320, 60), qRgb(v[2], v[1], v[0]), 1), depth_colormap_name(map));
            // The scale bar runs from the near colour to the far colour.
            const QRect bar = fc.scaleBarRect();
            QVERIFY(!bar.isEmpty());
            const QImage& ramp = fc.depthRamp(map, task);
            for (int x : {bar.left() + 2, bar.center().x(), bar.right() - 2}) {
                const int i = std::clamp(int((x - bar.left() + 0.5) * 256 / bar.width()), 0, 255);
                const QRgb got = img.pixel(x, bar.center().y());
                QVERIFY2(near(got, ramp.pixel(i, 0), 10), qPrintable(rgb(got) + " vs " + rgb(ramp.pixel(i, 0))));
            }
        }
        QVERIFY(fc.depthRamp(DepthColormap::Turbo, task).pixel(0, 0) != fc.depthRamp(DepthColormap::Turbo, task).pixel(255, 0));
    }

    void expert_grid_over_the_image() {
        FrameComposer fc;
        fc.setModel(model_);
        const ModelConfig& c = model_->config();
        const auto r = fake_result(*model_, TaskMode::Segmentation, cv::Scalar(80, 80, 80), 0, 0, 3, 1, 640, 320);
        ViewSettings s = bare(ViewMode::Input, 0);
        QImage plain, grid;
        fc.compose(*r, nullptr, s, QSize(), plain);
        s.experts = true;
        s.expert_block = 1;
        fc.compose(*r, nullptr, s, QSize(), grid);
        const double cw = 640.0 / c.grid_w(), ch = 320.0 / c.grid_h();
        const QColor e = palette::expert(3);
        const double a = 100 / 255.0;
        for (int gy = 1; gy < c.grid_h() - 1; ++gy)
            for (int gx = 1; gx < c.grid_w() - 1; ++gx) {
                const int x = int((gx + 0.2) * cw), y = int((gy + 0.2) * ch);
                const QRgb base = plain.pixel(x, y);
                const QRgb want = qRgb(int(qRed(base) * (1 - a) + e.red() * a), int(qGreen(base) * (1 - a) + e.green() * a),
                                       int(qBlue(base) * (1 - a) + e.blue() * a));
                QVERIFY2(near(grid.pixel(x, y), want, 3), qPrintable(rgb(grid.pixel(x, y)) + " vs " + rgb(want)));
            }
    }

    void side_by_side_layouts() {
        FrameComposer fc;
        fc.setModel(model_);
        QImage img;
        const auto one = fake_result(*model_, TaskMode::Segmentation, cv::Scalar(0, 0, 0), 0, 1, 0);
        const auto both = fake_result(*model_, TaskMode::Both, cv::Scalar(0, 0, 0), 0, 1, 0);
        const auto both_b = fake_result(*model_, TaskMode::Both, cv::Scalar(0, 0, 0), 0, 1, 0, 1, 320, 180, "fpga-emu", 1);
        const auto one_b = fake_result(*model_, TaskMode::Segmentation, cv::Scalar(0, 0, 0), 0, 1, 0, 1, 320, 180, "fpga-emu", 1);
        fc.compose(*both, nullptr, ViewSettings{}, QSize(), img);
        QCOMPARE(int(fc.panels().size()), 2);
        QCOMPARE(img.size(), QSize(2 * 320 + 4, 180));
        QCOMPARE(fc.panels()[1].task, depth_);
        fc.compose(*one, one_b.get(), ViewSettings{}, QSize(), img);
        QCOMPARE(int(fc.panels().size()), 2);
        QCOMPARE(fc.panels()[1].worker, 1);
        fc.compose(*both, both_b.get(), ViewSettings{}, QSize(), img);
        QCOMPARE(int(fc.panels().size()), 4);
        QCOMPARE(img.size(), QSize(2 * 320 + 4, 2 * 180 + 4));
        // Fitted into a target, keeping the frame's aspect.
        fc.compose(*both, nullptr, ViewSettings{}, QSize(1000, 300), img);
        QVERIFY(img.width() <= 1000 && img.height() <= 300);
        QVERIFY(img.width() >= 990 || img.height() >= 290);
        const QRect p0 = fc.panels()[0].rect;
        QVERIFY(std::abs(double(p0.width()) / p0.height() - 16.0 / 9) < 0.05);
    }

    void compare_metrics_on_the_pair() {
        FrameComposer fc;
        fc.setModel(model_);
        const auto a = fake_result(*model_, TaskMode::Both, cv::Scalar(0, 0, 0), 1, 10.0f, 0);
        auto b = fake_result(*model_, TaskMode::Both, cv::Scalar(0, 0, 0), 1, 11.0f, 0, 1, 320, 180, "fpga-emu", 1);
        b->out[0].class_map.colRange(0, b->out[0].class_map.cols / 2).setTo(2);
        const CompareMetrics m = compare_results(*a, *b);
        QVERIFY(m.valid);
        QCOMPARE(m.passes, 2);
        QVERIFY(m.segmentation[0]);
        QCOMPARE(m.seg[0].pixel_agreement, 0.5);
        QCOMPARE(m.seg[0].miou, 0.25);
        QVERIFY(!m.segmentation[1]);
        QVERIFY(std::abs(m.depth_mrd[1] - 0.1) < 1e-6);
    }

    // The pairing is no longer in the drawing code: CompareStats keeps each stream's result on a pair
    // frame until the other's is in and measures them; the compositor only draws what it is given.
    void compare_stats_pairs_results() {
        CompareStats cs;
        auto paired = [&](uint64_t seq, int worker) {
            auto r = fake_result(*model_, TaskMode::Segmentation, cv::Scalar(0, 0, 0), 1, 1, 0, seq, 320, 180,
                                 worker ? "fpga-emu" : "cpu", worker);
            r->paired = true;
            return r;
        };
        QVERIFY(!cs.addResult(paired(1, 0)));
        QVERIFY(!cs.addResult(fake_result(*model_, TaskMode::Segmentation, cv::Scalar(0, 0, 0), 1, 1, 0, 2)));
        QVERIFY(!cs.latest().valid);
        // The (slow) partner's result on pair frame 1 arrives after the primary moved on to frame 2.
        QVERIFY(cs.addResult(paired(1, 1)));
        CompareMetrics m = cs.latest();
        QVERIFY(m.valid);
        QCOMPARE(m.frame_index, int64_t(1));
        QCOMPARE(m.seg[0].pixel_agreement, 1.0);
        QCOMPARE(cs.pairsMeasured(), uint64_t(1));
        QVERIFY(cs.partnerAgeMs() >= 0);
        // A pair whose other half never came (a failed frame): dropped when the next pair is in.
        QVERIFY(!cs.addResult(paired(5, 0)));
        QVERIFY(!cs.addResult(paired(7, 1)));
        QVERIFY(cs.addResult(paired(7, 0)));
        QCOMPARE(cs.latest().frame_index, int64_t(7));
        cs.reset();
        QVERIFY(!cs.latest().valid);
        QCOMPARE(cs.pairsMeasured(), uint64_t(0));
    }

    void compositor_thread_shows_newest_results_and_signals_once() {
        Compositor comp;
        comp.setModel(model_);
        comp.setCompare(true);
        QSignalSpy ready(&comp, &Compositor::composedReady);
        comp.start();
        auto paired = [&](uint64_t seq, int worker) {
            auto r = fake_result(*model_, TaskMode::Segmentation, cv::Scalar(0, 0, 0), 1, 1, 0, seq, 320, 180,
                                 worker ? "fpga-emu" : "cpu", worker);
            r->paired = true;
            return r;
        };
        ViewSettings s;
        s.legend = false;
        comp.setSettings(s);
        // The primary's results are shown as they come, alone until the partner has one.
        comp.submit(paired(1, 0));
        QVERIFY(wait_for([&] { return comp.composedCount() == 1; }));
        QCOMPARE(comp.latestImage().width(), 320);
        comp.submit(fake_result(*model_, TaskMode::Segmentation, cv::Scalar(0, 0, 0), 1, 1, 0, 2));
        QVERIFY(wait_for([&] { return comp.composedCount() == 2; }));
        // The partner's result on frame 1 arrives after the primary moved on to frame 2: both panels,
        // the partner's showing its older frame; no agreement given, none drawn (only the UNTRAINED stamp).
        const auto partner = paired(1, 1);
        comp.submit(partner);
        QVERIFY(wait_for([&] { return comp.composedCount() == 3; }));
        QCOMPARE(comp.latestImage().width(), 2 * 320 + 4);
        const QRect stamp_only = comp.latestPanels()[1].badges;
        QVERIFY(!stamp_only.isEmpty());
        // The agreement handed over is drawn on the compare panel, next to the stamp.
        const auto primary1 = paired(1, 0);
        comp.setAgreement(compare_results(*primary1, *partner));
        comp.submit(fake_result(*model_, TaskMode::Segmentation, cv::Scalar(0, 0, 0), 1, 1, 0, 3));
        QVERIFY(wait_for([&] { return comp.composedCount() == 4; }));
        const QRect with_agreement = comp.latestPanels()[1].badges;
        QVERIFY2(
                     with_agreement.width() * with_agreement.height() > stamp_only.width() * stamp_only.height(),
                 qPrintable(QString("%1x%2 vs %3x%4").arg(with_agreement.width()).arg(with_agreement.height())
                                .arg(stamp_only.width()).arg(stamp_only.height())));
        // More images while the UI has not taken the first: still one notification.
        comp.setSettings(bare(ViewMode::Output, 1));
        QVERIFY(wait_for([&] { return comp.composedCount() == 5; }));
        QCoreApplication::processEvents();
        QCOMPARE(ready.count(), 1);
        Composed c;
        QVERIFY(comp.take(c));
        QCOMPARE(c.seq, uint64_t(3));
        QCOMPARE(c.partner_frame_index, int64_t(1));
        QVERIFY(!comp.take(c));
        comp.stop();
    }

    // Labels, badges (UNTRAINED, agreement), the legend and the expert grid never cover one another,
    // in every layout and at the sizes the window gives the view; the text stays readable.
    void labels_badges_legend_and_expert_grid_do_not_overlap() {
        FrameComposer fc;
        fc.setModel(model_);
        QVERIFY(!model_->config().trained);   // so the UNTRAINED stamp is there too
        const auto seg = fake_result(*model_, TaskMode::Segmentation, cv::Scalar(60, 60, 60), 1, 10, 2, 5, 1280, 720);
        const auto seg_b = fake_result(*model_, TaskMode::Segmentation, cv::Scalar(60, 60, 60), 1, 10, 2, 5, 1280, 720, "fpga-emu", 1);
        const auto both = fake_result(*model_, TaskMode::Both, cv::Scalar(60, 60, 60), 1, 10, 2, 5, 1280, 720);
        const auto both_b = fake_result(*model_, TaskMode::Both, cv::Scalar(60, 60, 60), 1, 10, 2, 5, 1280, 720, "fpga-emu", 1);
        const CompareMetrics m1 = compare_results(*seg, *seg_b), m2 = compare_results(*both, *both_b);
        struct Case {
            const char* name;
            const InferenceResult* a;
            const InferenceResult* b;
            const CompareMetrics* m;
        };
        const Case cases[] = {{"single", seg.get(), nullptr, nullptr},
                              {"both", both.get(), nullptr, nullptr},
                              {"compare", seg.get(), seg_b.get(), &m1},
                              {"compare+both", both.get(), both_b.get(), &m2}};
        // The video view at 1280x720, 1600x1000 and 1920x1080 windows, and a tall narrow one.
        const QSize targets[] = {{908, 390}, {1228, 560}, {1548, 640}, {700, 900}};
        QImage img;
        for (bool experts : {true, false})
            for (const Case& k : cases)
                for (QSize t : targets) {
                    ViewSettings s;
                    s.experts = experts;
                    s.legend = true;
                    s.labels = true;
                    fc.compose(*k.a, k.b, s, t, img, k.m);
                    const QString where = QString("%1 at %2x%3, experts %4").arg(k.name).arg(t.width()).arg(t.height()).arg(experts);
                    QVERIFY2(img.width() <= t.width() && img.height() <= t.height() + 2, qPrintable(where));
                    QVERIFY2(fc.textPixels() >= 11, qPrintable(where));
                    if (experts) QVERIFY2(fc.decorationsOutside(), qPrintable(where));
                    for (const auto& p : fc.panels()) {
                        QVERIFY2(!p.labels.isEmpty() && !p.badges.isEmpty() && !p.legend.isEmpty(), qPrintable(where));
                        QVERIFY2(experts == !p.grid.isEmpty(), qPrintable(where));
                        const QRect boxes[] = {p.labels, p.badges, p.legend, p.grid};
                        for (int i = 0; i < 4; ++i)
                            for (int j = i + 1; j < 4; ++j)
                                QVERIFY2(!boxes[i].intersects(boxes[j]),
                                         qPrintable(where + QString(": boxes %1 and %2 overlap").arg(i).arg(j)));
                        // Inside its cell, and the cells do not overlap.
                        for (const QRect& b : boxes)
                            if (!b.isEmpty())
                                QVERIFY2(p.cell.contains(b), qPrintable(where + QString(": (%1,%2 %3x%4) outside its cell (%5,%6 %7x%8)")
                                                                                    .arg(b.x()).arg(b.y()).arg(b.width()).arg(b.height())
                                                                                    .arg(p.cell.x()).arg(p.cell.y()).arg(p.cell.width())
                                                                                    .arg(p.cell.height())));
                        for (const auto& q : fc.panels())
                            if (&q != &p) QVERIFY2(!q.cell.intersects(p.cell), qPrintable(where + ": cells overlap"));
                    }
                }
        // Side-by-side panels in the 1600x1000 window use the bands above and below for labels and
        // legends (and do not shrink for them); the text is larger than the old panel-height rule gave.
        ViewSettings s;
        fc.compose(*seg, seg_b.get(), s, QSize(1228, 560), img, &m1);
        QVERIFY(fc.decorationsOutside());
        QCOMPARE(fc.panels()[0].rect.width(), (1228 - 4) / 2 & ~1);
        QVERIFY2(fc.textPixels() >= 14, qPrintable(QString::number(fc.textPixels())));
    }

    void compose_720p_cost() {
        // Not a pass/fail speed test on a shared machine, but a guard against a gross regression.
        const auto big = fake_result(*model_, TaskMode::Segmentation, cv::Scalar(90, 120, 150), 2, 0, 1, 1, 1280, 720);
        FrameComposer fc;
        fc.setModel(model_);
        QImage img;
        ViewSettings s;
        s.experts = true;
        fc.compose(*big, nullptr, s, QSize(1100, 620), img);
        QElapsedTimer t;
        t.start();
        const int n = 10;
        for (int i = 0; i < n; ++i) {
            auto frame = std::const_pointer_cast<Frame>(big->frame);
            frame->seq = uint64_t(i + 2);   // a new frame each time (no cached downscale)
            fc.compose(*big, nullptr, s, QSize(1100, 620), img);
        }
        const double ms = t.nsecsElapsed() / 1e6 / n;
        qInfo("compose 720p -> %dx%d with legend, labels and expert grid: %.2f ms", img.width(), img.height(), ms);
        QVERIFY2(ms < 100, qPrintable(QString::number(ms)));
    }

    void recorder_writes_every_frame() {
        Recorder rec;
        QSignalSpy finished(&rec, &Recorder::finished);
        const QString path = dir_.filePath("every.avi");
        QString err;
        QVERIFY2(rec.start(path, 25, Recorder::Timing::EveryFrame, &err), qPrintable(err));
        QImage img(320, 180, QImage::Format_RGB32);
        // Each push waits (bounded) until the writer has taken the previous one: a writer that keeps up
        // drops nothing, and on a loaded machine the test must not depend on how fast the encoder runs.
        int pushed = 0;
        const auto taken = [&] { return rec.framesWritten() + rec.dropped() == pushed; };
        for (int i = 0; i < 40; ++i) {
            img.fill(QColor(i * 5, 100, 200));
            rec.push(img.copy());
            ++pushed;
            QVERIFY(wait_for(taken, 20000));
            if (i == 20) {
                rec.push(QImage(400, 180, QImage::Format_RGB32));   // another size: letterboxed
                ++pushed;
                QVERIFY(wait_for(taken, 20000));
            }
        }
        rec.stop();
        QCOMPARE(finished.count(), 1);
        QCOMPARE(finished[0][1].toLongLong(), rec.framesWritten());
        cv::Size size;
        QCOMPARE(count_video_frames(path, &size), int(rec.framesWritten()));
        QCOMPARE(rec.framesWritten(), int64_t(41));
        QCOMPARE(rec.dropped(), int64_t(0));
        QCOMPARE(size, cv::Size(320, 180));
    }

    void recorder_real_time_repeats_to_keep_time() {
        Recorder rec;
        const QString path = dir_.filePath("realtime.avi");
        QVERIFY(rec.start(path, 20, Recorder::Timing::RealTime));
        QImage img(160, 90, QImage::Format_RGB32);
        img.fill(Qt::darkCyan);
        rec.push(img);   // one picture only, then 0.6 s of nothing new
        QThread::msleep(600);
        rec.stop();
        const int n = count_video_frames(path);
        QVERIFY2(n >= 6 && n <= 16, qPrintable(QString::number(n)));   // about 0.6 s x 20 fps
    }

    void recorder_refuses_a_missing_folder() {
        Recorder rec;
        QString err;
        QVERIFY(!rec.start("/no/such/folder/x.avi", 25, Recorder::Timing::RealTime, &err));
        QVERIFY(err.contains("does not exist"));
        QVERIFY(!rec.recording());
    }
};

QTEST_MAIN(TestAppCompositor)
#include "test_app_compositor.moc"
