// The window, driven like a user would (clicks, keys) while frames flow: task and backend switches,
// the cpu fallback, compare mode, the overlay opacity, the expert view, recording, screenshots and
// metrics, bad sources, settings that persist, a clean close in the middle of a frame, and the window
// rendered to a PNG with its overlay and legend checked pixel by pixel.
#include <QtTest>

#include <QAbstractButton>
#include <QCheckBox>
#include <QComboBox>
#include <QLabel>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSlider>
#include <QTemporaryDir>

#include "app_test_support.h"
#include "core/palette.h"
#include "core/pipeline.h"
#include "ui/compare_view.h"
#include "ui/control_panel.h"
#include "ui/expert_view.h"
#include "ui/main_window.h"
#include "ui/message_banner.h"
#include "ui/stats_view.h"
#include "ui/transport_bar.h"
#include "ui/video_view.h"

using namespace edgemoe;
using namespace edgemoe::app;
using namespace edgemoe::app::test;

namespace {

struct App {
    FactoryLog log;
    std::unique_ptr<Pipeline> pipeline;
    std::unique_ptr<MainWindow> window;
};

bool near(QRgb a, QRgb b, int tol) {
    return std::abs(qRed(a) - qRed(b)) <= tol && std::abs(qGreen(a) - qGreen(b)) <= tol && std::abs(qBlue(a) - qBlue(b)) <= tol;
}

}  // namespace

class TestAppWindow : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;
    QString clip_, grey_;

    // `partner_sleep_ms` > 0: the fpga-emu test backend sleeps that long per frame (a slow partner).
    // `partner`: the saved compare backend (empty: the program's default).
    std::unique_ptr<App> make(const QString& source, int sleep_ms = 0, const QString& backend = "cpu", int partner_sleep_ms = 0,
                              const QString& partner = "fpga-emu", QSize size = {1280, 800},
                              std::vector<BackendInfo> backends = test_backends()) {
        auto app = std::make_unique<App>();
        Pipeline::Options o;
        o.factory = partner_sleep_ms > 0 ? test_factory(sleep_ms, &app->log, "fpga-emu", partner_sleep_ms)
                                         : test_factory(sleep_ms, &app->log);
        app->pipeline = std::make_unique<Pipeline>(o);
        AppSettings s;
        s.model = EDGEMOE_FIXTURES "/tiny.safetensors";
        s.source = source;
        s.backend = backend;
        s.compare_backend = partner;
        s.out_dir = dir_.path();
        app->window = std::make_unique<MainWindow>(*app->pipeline, s, std::move(backends));
        app->window->setSettingsFile(QString(), false);
        app->window->resize(size);
        app->window->show();
        app->window->activateWindow();
        if (!QTest::qWaitForWindowExposed(app->window.get())) qWarning("window not exposed");
        app->window->startup(false);
        return app;
    }

    // Waits until `n` more frames have been displayed.
    static bool frames(MainWindow& w, int n, int timeout_ms = 8000) {
        const int64_t target = w.framesDisplayed() + n;
        return wait_for([&] { return w.framesDisplayed() >= target; }, timeout_ms);
    }

    // Waits for a result of stream `stream` that satisfies pred.
    template <class F>
    static bool result_where(Pipeline& p, int stream, F pred, int timeout_ms = 8000) {
        QSignalSpy spy(p.worker(stream), &InferenceWorker::resultReady);
        return wait_for(
            [&] {
                for (int i = 0; i < spy.count(); ++i)
                    if (pred(*spy[i][0].value<ResultPtr>())) return true;
                return false;
            },
            timeout_ms);
    }

private slots:
    // The window's parts on their own: the control panel and the transport bar say what the user
    // chose (signals) and show the state they are given (setters, which emit nothing).
    void control_panel_and_transport_bar_alone() {
        register_metatypes();
        ControlPanel panel({{"cpu", true, {}}, {"fpga-emu", true, {}}, {"fpga", false, "no card"}});
        QSignalSpy task(&panel, &ControlPanel::taskChosen), backend(&panel, &ControlPanel::backendChosen),
            compare(&panel, &ControlPanel::compareToggled), alpha(&panel, &ControlPanel::alphaChosen),
            view(&panel, &ControlPanel::viewModeChosen);
        panel.show();
        QTest::mouseClick(panel.taskButton(TaskMode::Depth), Qt::LeftButton);
        QCOMPARE(task.count(), 1);
        QCOMPARE(task[0][0].value<TaskMode>(), TaskMode::Depth);
        QTest::mouseClick(panel.viewButton(ViewMode::Output), Qt::LeftButton);
        QCOMPARE(view.count(), 1);
        QTest::mouseClick(panel.compareCheck(), Qt::LeftButton);
        QCOMPARE(compare.count(), 1);
        QVERIFY(compare[0][0].toBool());
        QCOMPARE(panel.backendCombo()->count(), 3);
        QVERIFY(panel.backendCombo()->itemText(2).contains("not available"));
        emit panel.backendCombo()->activated(1);
        QCOMPARE(backend.count(), 1);
        QCOMPARE(backend[0][0].toString(), QString("fpga-emu"));
        // State in: nothing comes back out.
        panel.setTaskMode(TaskMode::Both);
        panel.setBackend("cpu");
        panel.setCompare(false);
        ViewSettings s;
        s.alpha = 0.3f;
        s.mode = ViewMode::Input;
        panel.setViewSettings(s);
        QCOMPARE(task.count(), 1);
        QCOMPARE(compare.count(), 1);
        QCOMPARE(alpha.count(), 0);
        QCOMPARE(view.count(), 1);
        QVERIFY(panel.taskButton(TaskMode::Both)->isChecked());
        QVERIFY(!panel.compareCheck()->isChecked());
        QCOMPARE(panel.backendCombo()->currentData().toString(), QString("cpu"));
        QCOMPARE(panel.alphaSlider()->value(), 30);
        QVERIFY(!panel.alphaSlider()->isEnabled());   // no opacity without the overlay
        panel.addBackends({{"remote/cpu", true, {}}, {"cpu", true, {}}});
        QCOMPARE(panel.compareCombo()->count(), 4);   // a name already listed is kept once

        TransportBar bar;
        QSignalSpy play(&bar, &TransportBar::playPauseClicked), record(&bar, &TransportBar::recordToggled),
            seek(&bar, &TransportBar::seekRequested), speed(&bar, &TransportBar::speedChosen);
        bar.show();
        QTest::mouseClick(bar.playButton(), Qt::LeftButton);
        QCOMPARE(play.count(), 1);
        QTest::mouseClick(bar.recordButton(), Qt::LeftButton);
        QCOMPARE(record.count(), 1);
        QVERIFY(record[0][0].toBool());
        bar.setRecording(false);
        QCOMPARE(record.count(), 1);
        bar.setPlaying(false);
        QVERIFY(bar.playButton()->text().contains("Play"));
        bar.setSource(true, 300);
        bar.setPosition(41, 300);
        QCOMPARE(bar.seekSlider()->value(), 41);
        QCOMPARE(seek.count(), 0);   // the position shown is not a seek
        bar.setSpeed(2.0);
        QCOMPARE(bar.speedCombo()->currentData().toDouble(), 2.0);
        QCOMPARE(speed.count(), 0);
        emit bar.seekSlider()->sliderReleased();
        QCOMPARE(seek.count(), 1);
        QCOMPARE(seek[0][0].toInt(), 41);
    }

    void initTestCase() {
        register_metatypes();
        QVERIFY(dir_.isValid());
        clip_ = write_video(dir_.path(), "clip.avi", 120, 30, 320, 180);
        grey_ = write_image(dir_.path(), "grey.png", cv::Mat(180, 320, CV_8UC3, cv::Scalar(128, 128, 128)));
    }

    void starts_shows_frames_title_and_untrained_badge() {
        auto app = make(clip_);
        MainWindow& w = *app->window;
        QVERIFY(frames(w, 3));
        w.refreshPanels();
        QVERIFY2(w.titleLabel()->text().startsWith("M³ViT · Edge-MoE · semseg · cpu · "), qPrintable(w.titleLabel()->text()));
        QVERIFY(w.titleLabel()->text().endsWith("FPS"));
        // The platform appends the program's name to the window title: it is not in it twice.
        QCOMPARE(w.windowTitle(), QString("semseg · cpu"));
        QVERIFY(w.untrainedBadge()->isVisible());
        QVERIFY(w.untrainedBadge()->text().contains("UNTRAINED"));
        QVERIFY(!w.videoView()->image().isNull());
        QVERIFY(w.videoView()->message().isEmpty());
        QVERIFY(w.taskButton(TaskMode::Segmentation)->isChecked());
    }

    void switching_task_while_frames_flow() {
        auto app = make(clip_);
        MainWindow& w = *app->window;
        Pipeline& p = *app->pipeline;
        const ModelConfig& c = p.model()->config();
        QVERIFY(frames(w, 2));
        QSignalSpy changed(&w, &MainWindow::taskModeChanged);
        QTest::mouseClick(w.taskButton(TaskMode::Depth), Qt::LeftButton);
        QCOMPARE(changed.count(), 1);
        QCOMPARE(changed[0][0].value<TaskMode>(), TaskMode::Depth);
        QVERIFY(result_where(p, 0, [&](const InferenceResult& r) { return r.out[0].task == c.task_index("depth"); }));
        QTest::mouseClick(w.taskButton(TaskMode::Both), Qt::LeftButton);
        QVERIFY(result_where(p, 0, [&](const InferenceResult& r) { return r.passes == 2; }));
        // Both tasks: two 16:9 panels side by side.
        QVERIFY(wait_for([&] { return side_by_side(p, 2); }));
        QCOMPARE(w.expertView()->tasks().size(), size_t(2));
        // T cycles back to segmentation.
        QTest::keyClick(&w, Qt::Key_T);
        QCOMPARE(p.taskMode(), TaskMode::Segmentation);
        QVERIFY(result_where(p, 0, [&](const InferenceResult& r) { return r.passes == 1 && r.out[0].task == c.task_index("semseg"); }));
        QCOMPARE(app->log.created.load(), 1);   // no backend (and no model) made again for a task switch
    }

    void switching_backend_while_frames_flow_and_falling_back() {
        auto app = make(clip_);
        MainWindow& w = *app->window;
        Pipeline& p = *app->pipeline;
        QVERIFY(frames(w, 2));
        QComboBox* combo = w.backendCombo();
        const int emu = combo->findData("fpga-emu");
        QVERIFY(emu >= 0);
        combo->setCurrentIndex(emu);
        emit combo->activated(emu);
        QVERIFY(result_where(p, 0, [](const InferenceResult& r) { return r.backend == "fpga-emu"; }));
        QVERIFY(wait_for([&] { w.refreshPanels(); return w.titleLabel()->text().contains("· fpga-emu ·"); }));
        // B cycles to the next one: fpga, which cannot start here -> cpu, with the reason shown.
        QSignalSpy active(&w, &MainWindow::backendActive);
        QTest::keyClick(&w, Qt::Key_B);
        QVERIFY(wait_for([&] { return active.count() > 0 && active.last()[1].toString() == "cpu"; }));
        QVERIFY(w.banner()->isVisible());
        QVERIFY2(w.banner()->text().contains("fpga could not start"), qPrintable(w.banner()->text()));
        QVERIFY(w.banner()->text().contains("no Alveo or Zynq device"));
        QCOMPARE(combo->currentData().toString(), QString("cpu"));
        QVERIFY(result_where(p, 0, [](const InferenceResult& r) { return r.backend == "cpu"; }));
        QVERIFY(frames(w, 2));   // still running
    }

    void fallback_when_started_with_an_unavailable_backend() {
        auto app = make(clip_, 0, "fpga");
        MainWindow& w = *app->window;
        QVERIFY(frames(w, 2));
        QVERIFY(wait_for([&] { return w.banner()->text().contains("fpga could not start"); }));
        w.refreshPanels();
        QVERIFY2(w.titleLabel()->text().contains("· cpu ·"), qPrintable(w.titleLabel()->text()));
    }

    void compare_mode_side_by_side_with_agreement() {
        auto app = make(clip_);
        MainWindow& w = *app->window;
        Pipeline& p = *app->pipeline;
        QVERIFY(frames(w, 2));
        QSignalSpy changed(&w, &MainWindow::compareChanged);
        QTest::mouseClick(w.compareCheck(), Qt::LeftButton);
        QCOMPARE(changed.count(), 1);
        QVERIFY(changed[0][0].toBool());
        QVERIFY(p.compareEnabled());
        QVERIFY(w.compareCard()->isVisible());
        QVERIFY(p.worker(1));
        QVERIFY(result_where(p, 1, [](const InferenceResult& r) { return r.backend == "fpga-emu"; }));
        QVERIFY(wait_for([&] { return p.compareStats().latest().valid; }));
        QVERIFY(wait_for([&] { return side_by_side(p, 2); }));   // two 16:9 panels
        QVERIFY(wait_for([&] {
            w.refreshPanels();
            return w.compareView()->rows()[0][2] != QStringLiteral("—") && p.compareStats().latest().valid;
        }));
        w.refreshPanels();
        const QStringList lines = w.compareView()->agreementLines();
        QVERIFY2(lines.first().contains("100.00% of pixels agree · mIoU 1.000"), qPrintable(lines.join("|")));
        // No energy figures without a meter: one short line instead of three rows of dashes, the
        // reason in the tooltip.
        QCOMPARE(w.compareView()->rows().size(), size_t(2));
        QCOMPARE(w.compareView()->note(), QString("Energy: no meter wired"));
        QVERIFY(w.compareView()->toolTip().contains("not available: no meter wired yet"));
        QVERIFY2(w.statusLabel()->text().contains("frames skipped to stay live"), qPrintable(w.statusLabel()->text()));
        QCOMPARE(w.windowTitle(), QString("semseg · cpu vs fpga-emu"));
        QVERIFY(!w.statsView()->table()->rows()[0][2].isEmpty());        // a second stats column
        QVERIFY(w.titleLabel()->text().contains("cpu vs fpga-emu"));
        // Both tasks in compare mode: depth agreement too.
        w.setTaskMode(TaskMode::Both);
        QVERIFY(wait_for([&] { return p.compareStats().latest().passes == 2; }));
        const CompareMetrics both = p.compareStats().latest();
        QVERIFY2(both.task[1] == p.model()->config().task_index("depth") && !both.segmentation[1], qPrintable(QString::number(both.task[1])));
        // Two instances of the CPU engine agree to float rounding, not bit for bit (see the report).
        QVERIFY2(both.depth_mrd[1] < 1e-4, qPrintable(QString::number(both.depth_mrd[1], 'g', 10)));
        QTest::keyClick(&w, Qt::Key_C);
        QVERIFY(!p.compareEnabled());
        QVERIFY(!w.compareCard()->isVisible());
        QVERIFY(frames(w, 2));
    }

    void overlay_alpha_slider() {
        auto app = make(grey_);
        MainWindow& w = *app->window;
        Pipeline& p = *app->pipeline;
        QVERIFY(frames(w, 2));
        const auto& classes = p.model()->config().tasks[0].classes;
        auto centre = [&] {
            const QImage img = p.compositor().latestImage();
            return img.isNull() ? qRgb(0, 0, 0) : img.pixel(img.width() / 2, img.height() / 2);
        };
        auto is_class_colour = [&](QRgb c, double a) {
            for (const ClassInfo& k : classes) {
                const QRgb blend = qRgb(int(128 * (1 - a) + k.rgb[0] * a + 0.5), int(128 * (1 - a) + k.rgb[1] * a + 0.5),
                                        int(128 * (1 - a) + k.rgb[2] * a + 0.5));
                if (near(c, blend, 2)) return true;
            }
            return false;
        };
        w.alphaSlider()->setValue(0);
        QCOMPARE(w.viewSettings().alpha, 0.0f);
        QVERIFY(wait_for([&] { return near(centre(), qRgb(128, 128, 128), 1); }));
        w.alphaSlider()->setValue(100);
        QCOMPARE(p.compositor().settings().alpha, 1.0f);
        QVERIFY(wait_for([&] { return is_class_colour(centre(), 1.0); }));
        w.alphaSlider()->setValue(40);
        QVERIFY(wait_for([&] { return is_class_colour(centre(), 0.4); }));
        QTest::keyClick(&w, Qt::Key_Plus);
        QVERIFY(std::abs(w.viewSettings().alpha - 0.5f) < 1e-6);
        QCOMPARE(w.alphaSlider()->value(), 50);
        // The output view ignores alpha; the frame view shows the frame alone.
        QTest::mouseClick(w.viewButton(ViewMode::Output), Qt::LeftButton);
        QVERIFY(wait_for([&] { return is_class_colour(centre(), 1.0); }));
        QVERIFY(!w.alphaSlider()->isEnabled());
        QTest::mouseClick(w.viewButton(ViewMode::Input), Qt::LeftButton);
        QVERIFY(wait_for([&] { return near(centre(), qRgb(128, 128, 128), 1); }));
    }

    void expert_view_shows_routing_per_task() {
        auto app = make(clip_);
        MainWindow& w = *app->window;
        Pipeline& p = *app->pipeline;
        const ModelConfig& c = p.model()->config();
        w.setTaskMode(TaskMode::Both);
        QVERIFY(result_where(p, 0, [](const InferenceResult& r) { return r.passes == 2; }));
        QVERIFY(frames(w, 3));
        w.refreshPanels();
        ExpertView* ev = w.expertView();
        QCOMPARE(ev->tasks().size(), size_t(2));
        for (int i = 0; i < 2; ++i) {
            QVERIFY(ev->hasGrid(i));
            QCOMPARE(int(ev->grid(i).size()), c.grid_h() * c.grid_w());
            for (int16_t e : ev->grid(i)) QVERIFY(e >= 0 && e < c.num_experts);
            double sum = 0;
            for (double v : ev->histogram(i)) sum += v;
            QVERIFY(std::abs(sum - 1) < 1e-9);
            QVERIFY(ev->expertsUsed(i) >= 1 && ev->expertsUsed(i) <= c.num_experts);
        }
        // The grid is drawn 4 x 8 cells (tiny model) in the expert colours.
        const QImage shot = ev->grab().toImage();
        const QRect g = ev->gridRect(0);
        QVERIFY(!g.isEmpty());
        const double cw = double(g.width()) / c.grid_w();
        const QRgb cell = shot.pixel(int(g.left() + cw / 2), int(g.top() + cw / 2));
        QCOMPARE(cell, palette::expert(ev->grid(0)[0]).rgb());
        // Another MoE block from the panel's list; E puts the grid over the image.
        emit w.blockCombo()->activated(1);
        QCOMPARE(ev->block(), 1);
        QCOMPARE(p.compositor().settings().expert_block, 1);
        QTest::keyClick(&w, Qt::Key_E);
        QVERIFY(p.compositor().settings().experts);
        QTest::keyClick(&w, Qt::Key_BracketRight);
        QCOMPARE(ev->block(), 0);   // wraps around (the tiny model has 2 MoE blocks)
    }

    void recording_produces_a_playable_file() {
        auto app = make(clip_);
        MainWindow& w = *app->window;
        QVERIFY(frames(w, 2));
        QSignalSpy rec(&w, &MainWindow::recordingChanged);
        const QString path = dir_.filePath("rec.avi");
        QVERIFY(w.startRecording(path));
        QVERIFY(w.recordButton()->isChecked());
        QVERIFY(frames(w, 10));
        QTest::qWait(400);
        w.stopRecording();
        QVERIFY(wait_for([&] { return rec.count() == 2; }));
        QVERIFY(!rec[1][0].toBool());
        QVERIFY(!w.recordButton()->isChecked());
        cv::Size size;
        const int n = count_video_frames(path, &size);
        QVERIFY2(n >= 8, qPrintable(QString::number(n)));
        QVERIFY(size.width > 100 && size.height > 50);
        // R starts and stops a recording too (into the output folder).
        QTest::keyClick(&w, Qt::Key_R);
        QVERIFY(p_recording(w));
        QTest::qWait(200);
        QTest::keyClick(&w, Qt::Key_R);
        QVERIFY(wait_for([&] { return !p_recording(w) && rec.count() == 4; }));
        const QStringList files = QDir(dir_.path()).entryList({"edgemoe-live-recording-*.avi"});
        QCOMPARE(files.size(), 1);
        QVERIFY(count_video_frames(dir_.filePath(files[0])) > 0);
    }

    void screenshot_and_metrics_export() {
        auto app = make(clip_);
        MainWindow& w = *app->window;
        QVERIFY(frames(w, 3));
        const QString shot = w.saveScreenshot(dir_.filePath("shot.png"));
        QCOMPARE(shot, dir_.filePath("shot.png"));
        QImage img(shot);
        QVERIFY(!img.isNull());
        QVERIFY(img.width() > 100 && img.height() > 50);
        const QString base = w.exportMetrics(dir_.filePath("metrics"));
        QVERIFY(QFile::exists(base + ".csv"));
        QVERIFY(QFile::exists(base + ".json"));
        QTest::keyClick(&w, Qt::Key_S);
        QCOMPARE(QDir(dir_.path()).entryList({"edgemoe-live-view-*.png"}).size(), 1);
    }

    void bad_sources_show_a_message_and_the_program_stays_usable() {
        QFile junk(dir_.filePath("junk.mp4"));
        QVERIFY(junk.open(QIODevice::WriteOnly));
        junk.write(QByteArray(8192, '\x17'));
        junk.close();
        auto app = make(dir_.filePath("missing.mp4"));
        MainWindow& w = *app->window;
        QSignalSpy problems(&w, &MainWindow::sourceProblem);
        QVERIFY(problems.wait(5000));
        QVERIFY(w.banner()->isVisible());
        QCOMPARE(w.banner()->level(), MessageBanner::Level::Error);
        QVERIFY2(w.banner()->text().contains("missing.mp4: no such file"), qPrintable(w.banner()->text()));
        QVERIFY(w.videoView()->message().contains("no such file"));
        w.openSource(junk.fileName());
        QVERIFY(wait_for([&] { return problems.count() == 2; }));
        QVERIFY(w.banner()->text().contains("junk.mp4"));
        w.openSource("/dev/video99");
        QVERIFY(wait_for([&] { return problems.count() == 3; }));
        QVERIFY2(w.banner()->text().contains("cannot open"), qPrintable(w.banner()->text()));
        QCOMPARE(w.framesDisplayed(), int64_t(0));
        // No result: the stage timings are dashes, not 0.0 that looks measured.
        w.refreshPanels();
        for (const auto& row : w.statsView()->table()->rows()) QVERIFY2(row[1] == QStringLiteral("—"), qPrintable(row[0] + ": " + row[1]));
        // The window still works: a good source plays and the message goes away.
        w.openSource(clip_);
        QVERIFY(frames(w, 3));
        QVERIFY(!w.banner()->isVisible());
        QVERIFY(w.videoView()->message().isEmpty());
    }

    void keys_pause_and_step() {
        auto app = make(clip_);
        MainWindow& w = *app->window;
        Pipeline& p = *app->pipeline;
        QVERIFY(frames(w, 2));
        QTest::keyClick(&w, Qt::Key_Space);
        QVERIFY(wait_for([&] { return !p.capture().playing(); }));
        QTest::qWait(150);
        const int64_t shown = w.lastFrameIndex();
        QTest::keyClick(&w, Qt::Key_Right);
        QVERIFY(wait_for([&] { return w.lastFrameIndex() == shown + 1; }));
        QTest::keyClick(&w, Qt::Key_Left);
        QVERIFY(wait_for([&] { return w.lastFrameIndex() == shown; }));
        QCOMPARE(w.playButton()->text(), tr("▶ Play"));
        QTest::keyClick(&w, Qt::Key_Space);
        QVERIFY(wait_for([&] { return p.capture().playing(); }));
        QVERIFY(frames(w, 2));
    }

    void settings_persist_across_runs() {
        const QString ini = dir_.filePath("settings.ini");
        {
            auto app = make(clip_);
            MainWindow& w = *app->window;
            w.setSettingsFile(ini, true);
            QVERIFY(frames(w, 2));
            w.setTaskMode(TaskMode::Depth);
            w.setAlpha(0.3);
            w.setColormap(DepthColormap::Viridis);
            w.setCompare(true);
            w.setExpertsOverlay(true);
            w.close();
        }
        QSettings q(ini, QSettings::IniFormat);
        AppSettings s;
        s.load(q);
        QCOMPARE(s.task, QString("depth"));
        QVERIFY(std::abs(s.alpha - 0.3) < 1e-6);
        QCOMPARE(s.colormap, QString("viridis"));
        QVERIFY(s.compare);
        QCOMPARE(s.compare_backend, QString("fpga-emu"));
        QVERIFY(s.experts_overlay);
        QCOMPARE(s.source, clip_);
        QVERIFY(!s.geometry.isEmpty());
    }

    void closes_cleanly_in_the_middle_of_a_frame() {
        auto app = make(clip_, 300);
        MainWindow& w = *app->window;
        Pipeline& p = *app->pipeline;
        QVERIFY(wait_for([&] { return p.worker(0) && !p.worker(0)->idle() && app->log.created.load() > 0; }));
        QTest::qWait(50);
        QElapsedTimer t;
        t.start();
        w.close();
        app->window.reset();
        app->pipeline.reset();
        QVERIFY2(t.elapsed() < 2000, qPrintable(QString::number(t.elapsed())));
    }

    void window_renders_overlay_and_legend_to_png() {
        auto app = make(grey_);
        MainWindow& w = *app->window;
        Pipeline& p = *app->pipeline;
        w.setAlpha(0.55);
        w.setLegend(true);
        QVERIFY(frames(w, 3));
        QVERIFY(wait_for([&] { return std::abs(p.compositor().settings().alpha - 0.55f) < 1e-6; }));
        QVERIFY(frames(w, 2));
        const QString png = dir_.filePath("window.png");
        QVERIFY(w.grab().save(png, "PNG"));
        const QImage shot = QImage(png).convertToFormat(QImage::Format_RGB32);
        QVERIFY(!shot.isNull());
        // Where the video view is in the window, and where its image is inside it.
        const QRect view(w.videoView()->mapTo(&w, QPoint(0, 0)), w.videoView()->size());
        const QImage img = w.videoView()->image();
        QVERIFY(!img.isNull());
        const QRect shown(view.left() + (view.width() - img.width()) / 2, view.top() + (view.height() - img.height()) / 2,
                          img.width(), img.height());
        // The overlay: the grey frame blended with a class colour at 55%.
        const auto& classes = p.model()->config().tasks[0].classes;
        const QRgb c = shot.pixel(shown.center());
        bool blended = false;
        for (const ClassInfo& k : classes)
            blended |= near(c, qRgb(int(128 * 0.45 + k.rgb[0] * 0.55 + 0.5), int(128 * 0.45 + k.rgb[1] * 0.55 + 0.5),
                                    int(128 * 0.45 + k.rgb[2] * 0.55 + 0.5)),
                            2);
        QVERIFY2(blended, qPrintable(QString("centre (%1,%2,%3)").arg(qRed(c)).arg(qGreen(c)).arg(qBlue(c))));
        QVERIFY(!near(c, qRgb(128, 128, 128), 3));
        // The legend: a swatch of every class colour, in the lower part of the picture.
        const QRect lower(shown.left(), shown.top() + shown.height() / 2, shown.width(), shown.height() / 2);
        for (const ClassInfo& k : classes) {
            const QRgb want = qRgb(k.rgb[0], k.rgb[1], k.rgb[2]);
            bool found = false;
            for (int y = lower.top(); y <= lower.bottom() && !found; ++y)
                for (int x = lower.left(); x <= lower.right() && !found; ++x) found = shot.pixel(x, y) == want;
            QVERIFY2(found, qPrintable("legend swatch missing: " + QString::fromStdString(k.name)));
        }
        // And the legend is not in the plain frame view.
        w.setViewMode(ViewMode::Input);
        QVERIFY(frames(w, 1));
        QVERIFY(wait_for([&] {
            const QImage now = w.videoView()->image();
            return !now.isNull() && near(now.pixel(now.width() / 2, now.height() - 8), qRgb(128, 128, 128), 1);
        }));
    }

    void default_compare_partner_is_the_first_other_backend_and_is_remembered() {
        const QString ini = dir_.filePath("partner.ini");
        const std::vector<BackendInfo> no_card = {{"cpu", true, {}}, {"fpga-emu", true, {}}, {"fpga", false, "no card (test)"}};
        {
            auto app = make(clip_, 0, "cpu", 0, QString(), {1280, 800}, no_card);
            MainWindow& w = *app->window;
            w.setSettingsFile(ini, true);
            QVERIFY(frames(w, 2));
            QTest::keyClick(&w, Qt::Key_C);
            QVERIFY(w.pipeline().compareEnabled());
            QCOMPARE(w.pipeline().compareBackend(), QString("fpga-emu"));   // not cpu against cpu
            QCOMPARE(w.compareCombo()->currentData().toString(), QString("fpga-emu"));
            QVERIFY(result_where(w.pipeline(), 1, [](const InferenceResult& r) { return r.backend == "fpga-emu"; }));
            w.close();
        }
        QSettings q(ini, QSettings::IniFormat);
        AppSettings s;
        s.load(q);
        QCOMPARE(s.compare_backend, QString("fpga-emu"));
        // Started on fpga-emu, the default partner is cpu.
        auto app = make(clip_, 0, "fpga-emu", 0, QString(), {1280, 800}, no_card);
        app->window->setCompare(true);
        QCOMPARE(app->pipeline->compareBackend(), QString("cpu"));
    }

    // A slow partner (2.5 s a frame) does not hold the primary view back: it shows several new frames
    // while the partner has produced at most one; then the partner's panel shows its result with its
    // age, and the window says the partner is the bottleneck.
    void compare_mode_primary_view_stays_live_with_a_slow_partner() {
        auto app = make(clip_, 0, "cpu", 2500);
        MainWindow& w = *app->window;
        Pipeline& p = *app->pipeline;
        p.capture().setSpeed(0.25);   // a frame every 133 ms: the test does not depend on the machine's speed
        QVERIFY(frames(w, 2));
        w.setCompare(true);
        QVERIFY(p.worker(1));
        QSignalSpy partner(p.worker(1), &InferenceWorker::resultReady);
        const int64_t shown = w.framesDisplayed();
        QVERIFY(wait_for([&] { return w.framesDisplayed() >= shown + 6; }, 20000));
        QVERIFY2(partner.count() <= 1, qPrintable(QString("partner results: %1").arg(partner.count())));
        QVERIFY(wait_for([&] { return partner.count() >= 1; }, 20000));
        QVERIFY(wait_for([&] { return side_by_side(p, 2); }, 5000));
        QVERIFY(frames(w, 3));
        w.refreshPanels();
        QVERIFY2(w.compareView()->bottleneck().startsWith("fpga-emu is the bottleneck"), qPrintable(w.compareView()->bottleneck()));
        QVERIFY(p.compositor().latestPartnerAgeMs() > 0);
        QVERIFY(p.compareStats().partnerAgeMs() > 0);   // what the compare view's summary uses
        QVERIFY(w.lastFrameIndex() > partner[0][0].value<ResultPtr>()->frame->index);   // the primary is ahead
        QVERIFY(wait_for([&] { return p.compareStats().latest().valid; }, 5000));
    }

    // At 1280x720 in compare mode with both tasks (the widest table), no label of the performance
    // table is cut, nor the plot's title.
    void performance_labels_fit_at_1280x720() {
        for (QSize size : {QSize(1280, 720), QSize(1600, 1000)}) {
            auto app = make(clip_, 0, "cpu", 0, "fpga-emu", size);
            MainWindow& w = *app->window;
            QVERIFY(frames(w, 2));
            w.setTaskMode(TaskMode::Both);
            w.setCompare(true);
            QVERIFY(result_where(w.pipeline(), 1, [](const InferenceResult& r) { return r.passes == 2; }));
            QVERIFY(frames(w, 2));
            QTest::qWait(300);   // a relayout after the compare card appeared
            w.refreshPanels();
            const QString where = QString("%1x%2").arg(size.width()).arg(size.height());
            QVERIFY2(w.size() == size, qPrintable(where + QString(": the window is %1x%2, minimum %3x%4").arg(w.width()).arg(w.height()).arg(w.minimumSizeHint().width()).arg(w.minimumSizeHint().height())));
            QVERIFY2(w.statsView()->table()->clippedLabels().isEmpty(),
                     qPrintable(where + ": " + w.statsView()->table()->clippedLabels().join(", ")));
            QVERIFY2(w.statsView()->plot()->title().startsWith("latency ms"), qPrintable(where + ": " + w.statsView()->plot()->title()));
            QCOMPARE(w.statsView()->table()->rows()[0][0], QString("frames/s"));
            w.compareView()->repaint();
            QVERIFY2(!w.compareView()->clipped(), qPrintable(where + ": the compare table does not fit"));
            QVERIFY(!w.statsView()->table()->rows()[0][2].isEmpty());
        }
    }

private:
    static bool p_recording(MainWindow& w) { return w.pipeline().recorder().recording(); }
    // The latest image has `n` panels side by side, each with the frame's 16:9 aspect.
    static bool side_by_side(Pipeline& p, int n) {
        const auto panels = p.compositor().latestPanels();
        if (int(panels.size()) != n) return false;
        for (const auto& q : panels)
            if (std::abs(double(q.rect.width()) / q.rect.height() - 16.0 / 9) > 0.05 || q.rect.top() != panels[0].rect.top())
                return false;
        return true;
    }
};

QTEST_MAIN(TestAppWindow)
#include "test_app_window.moc"
