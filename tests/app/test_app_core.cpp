// The app's plain parts: agreement metrics, expert statistics, the stats collector, the metrics
// export, the newest-frame slot and the buffer pool, task plans, the synthetic source, and the
// command line and settings.
#include <QtTest>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSettings>
#include <QTemporaryDir>

#include "app_test_support.h"
#include "core/agreement.h"
#include "core/app_options.h"
#include "core/compare_summary.h"
#include "core/expert_stats.h"
#include "core/metrics_recorder.h"
#include "core/soak.h"
#include "core/slots.h"
#include "core/sources.h"
#include "core/stats_collector.h"
#include "edgemoe/eval_metrics.h"

using namespace edgemoe;
using namespace edgemoe::app;
using namespace edgemoe::app::test;

class TestAppCore : public QObject {
    Q_OBJECT

private slots:
    void segmentation_agreement_identical_maps() {
        cv::Mat a(4, 6, CV_8U);
        for (int i = 0; i < a.rows * a.cols; ++i) a.data[i] = uint8_t(i % 3);
        const SegmentationAgreement r = segmentation_agreement(a, a.clone());
        QCOMPARE(r.pixel_agreement, 1.0);
        QCOMPARE(r.miou, 1.0);
        QCOMPARE(r.classes, 3);
    }

    void segmentation_agreement_by_hand() {
        // a: all class 1. b: left half 1, right half 2.
        cv::Mat a(2, 4, CV_8U, cv::Scalar(1)), b = a.clone();
        b.colRange(2, 4).setTo(2);
        const SegmentationAgreement r = segmentation_agreement(a, b);
        QCOMPARE(r.pixel_agreement, 0.5);
        // class 1: |A∩B| = 4, |A∪B| = 8 -> 0.5; class 2: 0 / 4 -> 0. Mean over the 2 classes present.
        QCOMPARE(r.classes, 2);
        QCOMPARE(r.miou, 0.25);
    }

    void segmentation_agreement_three_classes() {
        // a = [0 0 1 1 2 2], b = [0 1 1 1 2 0]
        const uint8_t av[] = {0, 0, 1, 1, 2, 2}, bv[] = {0, 1, 1, 1, 2, 0};
        cv::Mat a(1, 6, CV_8U, const_cast<uint8_t*>(av)), b(1, 6, CV_8U, const_cast<uint8_t*>(bv));
        const SegmentationAgreement r = segmentation_agreement(a, b);
        QCOMPARE(r.pixel_agreement, 4.0 / 6.0);
        // IoU: class 0: 1/3, class 1: 2/3, class 2: 1/2.
        QVERIFY(std::abs(r.miou - (1.0 / 3 + 2.0 / 3 + 0.5) / 3) < 1e-12);
    }

    void segmentation_agreement_rejects_mismatch() {
        cv::Mat a(2, 2, CV_8U, cv::Scalar(0)), b(2, 3, CV_8U, cv::Scalar(0)), c(2, 2, CV_32F, cv::Scalar(0));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, segmentation_agreement(a, b));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, segmentation_agreement(a, c));
    }

    void depth_mean_relative_difference_by_hand() {
        const float rv[] = {10, 20, 0, 40}, ov[] = {11, 20, 0.5f, 30};
        cv::Mat r(1, 4, CV_32F, const_cast<float*>(rv)), o(1, 4, CV_32F, const_cast<float*>(ov));
        // (1 + 0 + 0.5 + 10) / (10 + 20 + 0 + 40)
        QVERIFY(std::abs(depth_mean_relative_difference(r, o) - 11.5 / 70) < 1e-12);
        QCOMPARE(depth_mean_relative_difference(r, r.clone()), 0.0);
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, depth_mean_relative_difference(r, o.colRange(0, 2)));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, depth_mean_relative_difference(r, cv::Mat(1, 4, CV_8U)));
    }

    void agreement_matches_the_engines_scores() {
        // The same definitions as edgemoe::SegmentationScore (used by tools/eval), on random maps.
        cv::RNG rng(3);
        for (int trial = 0; trial < 20; ++trial) {
            cv::Mat a(37, 53, CV_8U), b(37, 53, CV_8U);
            rng.fill(a, cv::RNG::UNIFORM, 0, 7);
            b = a.clone();
            cv::Mat noise(37, 53, CV_8U);
            rng.fill(noise, cv::RNG::UNIFORM, 0, 7);
            noise.copyTo(b, cv::Mat(37, 53, CV_8U, cv::Scalar(0)) + (noise > 3 + trial % 3));
            SegmentationScore score(7);
            score.add(b, a);
            const SegmentationAgreement mine = segmentation_agreement(a, b);
            QVERIFY(std::abs(mine.pixel_agreement - score.pixel_accuracy()) < 1e-12);
            QVERIFY(std::abs(mine.miou - score.miou()) < 1e-12);
        }
    }

    void plan_tasks_follows_the_model() {
        const ModelConfig& c = tiny_model()->config();
        const int seg = c.task_index("semseg"), depth = c.task_index("depth");
        TaskPlan p = plan_tasks(c, TaskMode::Segmentation);
        QCOMPARE(p.count, 1);
        QCOMPARE(p.task[0], seg);
        p = plan_tasks(c, TaskMode::Depth);
        QCOMPARE(p.task[0], depth);
        p = plan_tasks(c, TaskMode::Both);
        QCOMPARE(p.count, 2);
        QCOMPARE(p.task[0], seg);
        QCOMPARE(p.task[1], depth);
        TaskMode m;
        QVERIFY(task_mode_from_name("Both", m) && m == TaskMode::Both);
        QVERIFY(task_mode_from_name("seg", m) && m == TaskMode::Segmentation);
        QVERIFY(!task_mode_from_name("normals", m));
    }

    void newest_slot_replaces_and_counts() {
        NewestSlot<int> slot;
        QVERIFY(!slot.put(1));
        QVERIFY(slot.put(2));   // 1 dropped
        QVERIFY(slot.put(3));   // 2 dropped
        int v = 0;
        QVERIFY(slot.try_take(v));
        QCOMPARE(v, 3);
        QVERIFY(!slot.try_take(v));
        QCOMPARE(slot.dropped(), uint64_t(2));
        // A held value (compare mode's pair frame) is not replaced by a plain one, only by a held one.
        QVERIFY(!slot.put(4, true));
        QVERIFY(slot.put(5));        // 5 dropped, 4 stays
        bool held = false;
        QVERIFY(slot.wait_take(v, [&](bool h) { held = h; }));
        QCOMPARE(v, 4);
        QVERIFY(held);
        QVERIFY(!slot.put(6, true));
        QVERIFY(slot.put(7, true));  // 6 replaced
        QVERIFY(slot.try_take(v));
        QCOMPARE(v, 7);
        QVERIFY(!slot.put(8));       // taken: no longer held
        QVERIFY(slot.put(9));
        QVERIFY(slot.wait_take(v, [&](bool h) { held = h; }));
        QCOMPARE(v, 9);
        QVERIFY(!held);
        QCOMPARE(slot.dropped(), uint64_t(5));
        slot.close();
        QVERIFY(!slot.wait_take(v));
    }

    void shared_pool_recycles_released_objects() {
        SharedPool<std::vector<int>> pool(2);
        auto a = pool.acquire();
        a->assign(1000, 7);
        const int* storage = a->data();
        a.reset();
        auto b = pool.acquire();
        QCOMPARE(b->data(), storage);   // the same object, its buffer kept
        auto c = pool.acquire();
        QVERIFY(c.get() != b.get());
        auto d = pool.acquire();        // past `keep`: unpooled
        QCOMPARE(pool.overflow(), uint64_t(1));
        QCOMPARE(pool.pooled(), size_t(2));
    }

    void expert_stats_grid_and_histogram() {
        const auto model = tiny_model();
        const ModelConfig& c = model->config();
        ExpertStats stats(4);
        stats.configure(c);
        QCOMPARE(stats.gridH(), c.grid_h());
        QCOMPARE(stats.gridW(), c.grid_w());
        std::vector<int16_t> grid;
        QVERIFY(!stats.latestGrid(0, 0, grid));
        // Two frames on expert 2 (slot 0) / 3 (slot 1), then one on 4 / 5, for the segmentation task.
        stats.add(*fake_result(*model, TaskMode::Segmentation, cv::Scalar(0, 0, 0), 0, 1, 2, 1));
        stats.add(*fake_result(*model, TaskMode::Segmentation, cv::Scalar(0, 0, 0), 0, 1, 2, 2));
        stats.add(*fake_result(*model, TaskMode::Segmentation, cv::Scalar(0, 0, 0), 0, 1, 4, 3));
        const int seg = c.task_index("semseg"), depth = c.task_index("depth");
        int64_t frame = -1;
        QVERIFY(stats.latestGrid(seg, 1, grid, &frame));
        QCOMPARE(frame, int64_t(3));
        QCOMPARE(int(grid.size()), c.grid_h() * c.grid_w());
        QVERIFY(std::all_of(grid.begin(), grid.end(), [](int16_t e) { return e == 4; }));
        std::vector<double> share;
        stats.histogram(seg, 0, share);
        QCOMPARE(int(share.size()), c.num_experts);
        // Each frame: every token once on slot 0 and once on slot 1 -> half the pairs each.
        QVERIFY(std::abs(share[2] - 2.0 / 6) < 1e-9);
        QVERIFY(std::abs(share[3] - 2.0 / 6) < 1e-9);
        QVERIFY(std::abs(share[4] - 1.0 / 6) < 1e-9);
        QCOMPARE(stats.expertsUsed(seg, 0), 4);
        QCOMPARE(stats.frames(seg), 3);
        QCOMPARE(stats.frames(depth), 0);
        // The window keeps 4 frames: two more push the first two out.
        stats.add(*fake_result(*model, TaskMode::Segmentation, cv::Scalar(0, 0, 0), 0, 1, 0, 4));
        stats.add(*fake_result(*model, TaskMode::Segmentation, cv::Scalar(0, 0, 0), 0, 1, 0, 5));
        stats.histogram(seg, -1, share);   // the window: frames 2..5 (experts 2/3, 4/5, 0/1, 0/1)
        QVERIFY(std::abs(share[2] - 1.0 / 8) < 1e-9);
        QVERIFY(std::abs(share[4] - 1.0 / 8) < 1e-9);
        QVERIFY(std::abs(share[0] - 2.0 / 8) < 1e-9);
        // Both tasks count separately.
        stats.add(*fake_result(*model, TaskMode::Both, cv::Scalar(0, 0, 0), 0, 1, 1, 6));
        QCOMPARE(stats.frames(depth), 1);
        stats.histogram(depth, 0, share);
        QVERIFY(std::abs(share[1] - 0.5) < 1e-9);
    }

    void stats_collector_rates_and_series() {
        StatsCollector stats(60, 256);
        const auto model = tiny_model();
        for (int i = 0; i < 10; ++i) {
            auto r = fake_result(*model, TaskMode::Segmentation, cv::Scalar(0, 0, 0), 0, 1, 0, uint64_t(i + 1));
            r->times.backbone = 10;
            r->times.total = 20;
            stats.addResult(*r);
            QThread::msleep(10);
        }
        stats.addDraw(3);
        stats.addDisplay(1.5);
        stats.addDisplay(2.5);
        const StreamStats s = stats.stream(0);
        QVERIFY(s.active);
        QCOMPARE(s.frames, int64_t(10));
        QCOMPARE(s.backend, QString("cpu"));
        QCOMPARE(s.mean.backbone, 10.0);
        QCOMPARE(s.mean.draw, 3.0);
        QVERIFY2(s.fps > 20 && s.fps < 150, qPrintable(QString::number(s.fps)));
        std::vector<QPointF> series;
        stats.latencySeries(0, series);
        QCOMPARE(int(series.size()), 10);
        QVERIFY(series.front().x() < series.back().x() && series.back().x() <= 0);
        const UiCost ui = stats.takeUiCost();
        QCOMPARE(ui.frames, 2);
        QCOMPARE(ui.mean_ms, 2.0);
        QCOMPARE(ui.max_ms, 2.5);
        QCOMPARE(stats.takeUiCost().frames, 0);
        QVERIFY(!stats.stream(1).active);
    }

    void metrics_export_csv_and_json() {
        QTemporaryDir dir;
        const auto model = tiny_model();
        MetricsRecorder rec(5);
        rec.configure(model->config(), "tiny-test", false);
        for (int i = 0; i < 7; ++i) rec.add(*fake_result(*model, TaskMode::Segmentation, cv::Scalar(0, 0, 0), 0, 1, 2, uint64_t(i + 1)));
        rec.add(*fake_result(*model, TaskMode::Both, cv::Scalar(0, 0, 0), 0, 1, 2, 8, 320, 180, "fpga-emu", 1));
        QCOMPARE(rec.size(), size_t(5));   // a ring: the oldest went
        rec.exportCsv(dir.filePath("m.csv"));
        QFile csv(dir.filePath("m.csv"));
        QVERIFY(csv.open(QIODevice::ReadOnly));
        const QStringList lines = QString::fromUtf8(csv.readAll()).trimmed().split('\n');
        QCOMPARE(lines.size(), 6);
        QVERIFY(lines[0].startsWith("seq,frame,stream,backend,task"));
        QVERIFY(lines.last().contains(",fpga-emu,depth,"));
        rec.exportJson(dir.filePath("m.json"));
        QFile jf(dir.filePath("m.json"));
        QVERIFY(jf.open(QIODevice::ReadOnly));
        const QJsonObject root = QJsonDocument::fromJson(jf.readAll()).object();
        QCOMPARE(root["app"].toString(), QString("edgemoe-live"));
        QCOMPARE(root["trained"].toBool(), false);
        const QJsonArray runs = root["runs"].toArray();
        QCOMPARE(runs.size(), 2);
        QCOMPARE(runs[0].toObject()["backend"].toString(), QString("cpu"));
        QCOMPARE(runs[0].toObject()["frames"].toArray().size(), 3);
        QCOMPARE(runs[1].toObject()["stream"].toString(), QString("compare"));
        const QJsonArray experts = runs[0].toObject()["frames"].toArray()[0].toObject()["experts"].toArray();
        QCOMPARE(experts.size(), int(model->config().moe_blocks.size()));
        QCOMPARE(experts[0].toArray()[2].toInt(), model->config().num_tokens());
    }

    // The draw time comes after the row (the compositor draws a result after inference wrote it):
    // setDrawTime() fills in the rows of that stream's frame (every pass), the first draw only.
    void metrics_draw_time_filled_in_after_the_row() {
        QTemporaryDir dir;
        const auto model = tiny_model();
        MetricsRecorder rec(16);
        rec.configure(model->config(), "tiny-test", false);
        rec.add(*fake_result(*model, TaskMode::Both, cv::Scalar(0, 0, 0), 0, 1, 2, 1));                          // 2 rows
        rec.add(*fake_result(*model, TaskMode::Segmentation, cv::Scalar(0, 0, 0), 0, 1, 2, 1, 320, 180, "fpga-emu", 1));
        rec.add(*fake_result(*model, TaskMode::Segmentation, cv::Scalar(0, 0, 0), 0, 1, 2, 2));                  // never drawn
        rec.setDrawTime(0, 1, 4.25);
        rec.setDrawTime(1, 1, 6.5);
        rec.setDrawTime(0, 1, 9.0);    // a redraw: the first image's time stays
        rec.setDrawTime(0, 77, 1.0);   // no such frame: nothing changes
        rec.exportCsv(dir.filePath("m.csv"));
        QFile csv(dir.filePath("m.csv"));
        QVERIFY(csv.open(QIODevice::ReadOnly));
        QStringList lines = QString::fromUtf8(csv.readAll()).trimmed().split('\n');
        const int draw_col = int(lines[0].split(',').indexOf("draw_ms"));
        QVERIFY(draw_col > 0);
        lines.removeFirst();
        QCOMPARE(lines.size(), 4);
        auto draw = [&](int row) { return lines[row].split(',')[draw_col].toDouble(); };
        QCOMPARE(draw(0), 4.25);
        QCOMPARE(draw(1), 4.25);   // the second pass of the same frame
        QCOMPARE(draw(2), 6.5);
        QCOMPARE(draw(3), 0.0);
    }

    void synthetic_source_is_seekable_and_deterministic() {
        auto s = open_source("synthetic:320x180");
        cv::Mat a, b;
        QVERIFY(s->read(a));
        QCOMPARE(a.size(), cv::Size(320, 180));
        QVERIFY(s->seek(0));
        QVERIFY(s->read(b));
        QCOMPARE(cv::norm(a, b, cv::NORM_INF), 0.0);
        QCOMPARE(s->position(), int64_t(1));
        QVERIFY_THROWS_EXCEPTION(SourceError, open_source("synthetic:big"));
        QVERIFY_THROWS_EXCEPTION(SourceError, open_source("/no/such/file.mp4"));
    }

    void command_line_options() {
        AppOptions o;
        QString text;
        QCOMPARE(parse_options({"edgemoe-live", "-i", "0", "--model", "m.safetensors", "--task", "both", "--backend", "fpga",
                                "--xclbin", "k.xclbin", "--device", "0000:65:00.1", "--compare", "cpu", "--fullscreen", "--threads", "2"},
                               o, text),
                 ParseOutcome::Run);
        QCOMPARE(o.source, QString("0"));
        QCOMPARE(o.model, QString("m.safetensors"));
        QCOMPARE(o.task, QString("both"));
        QCOMPARE(o.backend, QString("fpga"));
        QCOMPARE(o.xclbin, QString("k.xclbin"));
        QCOMPARE(o.device, QString("0000:65:00.1"));
        QCOMPARE(o.compare, QString("cpu"));
        QVERIFY(o.fullscreen);
        QCOMPARE(o.threads, 2);
        AppOptions o2;
        QCOMPARE(parse_options({"edgemoe-live", "--source", "clip.mp4", "--soak", "30"}, o2, text), ParseOutcome::Run);
        QCOMPARE(o2.source, QString("clip.mp4"));
        QCOMPARE(o2.soak_seconds, 30.0);
        QCOMPARE(parse_options({"edgemoe-live", "--task", "normals"}, o2, text), ParseOutcome::Error);
        QVERIFY(text.contains("normals"));
        QCOMPARE(parse_options({"edgemoe-live", "--bogus"}, o2, text), ParseOutcome::Error);
        AppOptions o3;
        QCOMPARE(parse_options({"edgemoe-live", "/videos/one.mp4"}, o3, text), ParseOutcome::Run);
        QCOMPARE(o3.source, QString("/videos/one.mp4"));
        // --input, as edgemoe-run calls it, is the same option.
        AppOptions o4;
        QCOMPARE(parse_options({"edgemoe-live", "--input", "/videos/two.mp4"}, o4, text), ParseOutcome::Run);
        QCOMPARE(o4.source, QString("/videos/two.mp4"));
        QCOMPARE(parse_options({"edgemoe-live", "--input", "x.mp4", "y.mp4"}, o4, text), ParseOutcome::Error);
        QCOMPARE(parse_options({"edgemoe-live", "a.mp4", "b.mp4"}, o2, text), ParseOutcome::Error);
        QCOMPARE(parse_options({"edgemoe-live", "-i", "0", "b.mp4"}, o2, text), ParseOutcome::Error);
        QCOMPARE(parse_options({"edgemoe-live", "--soak", "-1"}, o2, text), ParseOutcome::Error);
        // The soak's plan (the CI soak's options).
        AppOptions o5;
        QCOMPARE(parse_options({"edgemoe-live", "--soak", "180", "--soak-task-every", "10", "--soak-record", "20/60",
                                "--soak-warmup", "40", "--soak-max-rss-growth", "8", "--soak-check-fds"},
                               o5, text),
                 ParseOutcome::Run);
        QCOMPARE(o5.soak_task_every, 10.0);
        QCOMPARE(o5.soak_record_on, 20.0);
        QCOMPARE(o5.soak_record_every, 60.0);
        QCOMPARE(o5.soak_warmup, 40.0);
        QCOMPARE(o5.soak_max_rss_growth, 8.0);
        QVERIFY(o5.soak_check_fds);
        QVERIFY(!o5.soak_keep_recordings);
        QCOMPARE(parse_options({"edgemoe-live", "--soak-record", "60/20"}, o2, text), ParseOutcome::Error);
        QVERIFY(text.contains("--soak-record"));
        QCOMPARE(parse_options({"edgemoe-live", "--soak-record", "20"}, o2, text), ParseOutcome::Error);
        QCOMPARE(parse_options({"edgemoe-live", "--soak-task-every", "0"}, o2, text), ParseOutcome::Error);
        QVERIFY(text.contains("--soak-task-every"));
        QCOMPARE(parse_options({"edgemoe-live", "--soak-max-rss-growth", "x"}, o2, text), ParseOutcome::Error);
        // open_fds() counts this process's handles: one more file open, one more handle.
        const int fds = open_fds();
        QVERIFY(fds > 0);
        {
            QTemporaryDir d;
            QFile f(d.filePath("x"));
            QVERIFY(f.open(QIODevice::WriteOnly));
            QCOMPARE(open_fds(), fds + 1);
        }
        QCOMPARE(open_fds(), fds);
        QCOMPARE(parse_options({"edgemoe-live", "--help"}, o2, text), ParseOutcome::Help);
        QVERIFY(text.contains("--compare"));
    }

    void default_compare_partner_is_another_backend() {
        const std::vector<BackendInfo> no_card = {{"cpu", true, {}}, {"fpga-emu", true, {}}, {"fpga", false, "no card"}};
        QCOMPARE(default_compare_backend(no_card, "cpu"), QString("fpga-emu"));
        QCOMPARE(default_compare_backend(no_card, "fpga-emu"), QString("cpu"));
        const std::vector<BackendInfo> card = {{"cpu", true, {}}, {"fpga-emu", true, {}}, {"fpga", true, {}}};
        QCOMPARE(default_compare_backend(card, "cpu"), QString("fpga"));        // a real board when there is one
        QCOMPARE(default_compare_backend(card, "fpga"), QString("cpu"));
        QCOMPARE(default_compare_backend({{"cpu", true, {}}}, "cpu"), QString());   // nothing else to compare with
        QCOMPARE(AppSettings{}.compare_backend, QString());                     // the default is chosen at start
    }

    void compare_summary_names_the_bottleneck() {
        StreamStats a, b;
        a.backend = "cpu", b.backend = "fpga-emu";
        a.frames = b.frames = 3;
        a.mean.total = 60, a.mean.capture = 5;      // 55 ms inference
        b.mean.total = 1405, b.mean.capture = 5;    // 1400 ms
        CompareSummary s = summarize_compare(a, b, 1400);
        QCOMPARE(s.slower, 1);
        QVERIFY(std::abs(s.ratio - 1400.0 / 55) < 1e-9);
        QVERIFY2(s.text.startsWith("fpga-emu is the bottleneck: 1400 ms a frame against 55.0 ms for cpu"), qPrintable(s.text));
        QVERIFY2(s.text.contains("1.4 s older"), qPrintable(s.text));
        s = summarize_compare(b, a, 0);
        QCOMPARE(s.slower, 0);
        b.mean.total = 65;                            // about as fast: nothing to say
        s = summarize_compare(a, b, 0);
        QCOMPARE(s.slower, -1);
        QVERIFY(s.text.isEmpty());
        b.frames = 0;                                 // no result yet
        QVERIFY(summarize_compare(a, b, 0).text.isEmpty());
    }

    void settings_round_trip_and_command_line_wins() {
        QTemporaryDir dir;
        const QString ini = dir.filePath("s.ini");
        AppSettings s;
        s.source = "/videos/a.mp4";
        s.task = "depth";
        s.backend = "fpga-emu";
        s.compare = true;
        s.compare_backend = "cpu";
        s.alpha = 0.3;
        s.colormap = "inferno";
        s.experts_overlay = true;
        s.expert_block = 2;
        s.speed = 2;
        s.loop = false;
        {
            QSettings q(ini, QSettings::IniFormat);
            s.save(q);
        }
        AppSettings r;
        {
            QSettings q(ini, QSettings::IniFormat);
            r.load(q);
        }
        QCOMPARE(r.source, s.source);
        QCOMPARE(r.task, QString("depth"));
        QCOMPARE(r.backend, QString("fpga-emu"));
        QVERIFY(r.compare);
        QCOMPARE(r.alpha, 0.3);
        QCOMPARE(r.colormap, QString("inferno"));
        QVERIFY(r.experts_overlay);
        QCOMPARE(r.expert_block, 2);
        QCOMPARE(r.speed, 2.0);
        QVERIFY(!r.loop);
        AppOptions o;
        o.task = "SEMSEG";
        o.compare = "fpga";
        r.apply(o);
        QCOMPARE(r.task, QString("semseg"));
        QCOMPARE(r.compare_backend, QString("fpga"));
        QCOMPARE(r.source, s.source);   // not given: the saved one stays
    }
};

QTEST_GUILESS_MAIN(TestAppCore)
#include "test_app_core.moc"
