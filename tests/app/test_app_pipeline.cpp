// The threads: the capture worker (play, pause, step, seek, loop, speed, bad sources, a camera that
// disappears), the inference worker (newest-frame slot, task and backend switches on the next
// frame, fallback, no model reload), and the whole pipeline on 300 frames of video, with a fast and a
// slow backend: nothing out of order, stale frames dropped rather than queued, and a clean stop in the
// middle of a frame.
#include <QtTest>

#include <algorithm>

#include <QSignalSpy>
#include <QTemporaryDir>

#include <mutex>

#include "app_test_support.h"
#include "core/capture_worker.h"
#include "core/inference_worker.h"
#include "core/pipeline.h"
#include "core/sources.h"

using namespace edgemoe;
using namespace edgemoe::app;
using namespace edgemoe::app::test;

namespace {

// A live source that delivers `frames` frames and then nothing (a camera pulled out).
class DyingCamera final : public FrameSource {
public:
    explicit DyingCamera(int frames) : left_(frames) {}
    bool read(cv::Mat& frame) override {
        if (left_-- <= 0) return false;
        QThread::msleep(5);
        frame = pattern_frame(left_);
        return true;
    }
    std::string describe() const override { return "camera test"; }
    bool live() const override { return true; }

private:
    int left_;
};

// Records what a worker emits, in the order it emits it.
struct Collected {
    std::mutex m;
    std::vector<uint64_t> seqs;
    std::vector<int64_t> indices;
    std::vector<double> waited_ms;
    std::vector<std::string> backends;
    std::vector<int> tasks;
    std::vector<int> passes;
    void add(const ResultPtr& r) {
        std::lock_guard lock(m);
        seqs.push_back(r->frame->seq);
        indices.push_back(r->frame->index);
        waited_ms.push_back(r->waited_ms);
        backends.push_back(r->backend);
        tasks.push_back(r->out[0].task);
        passes.push_back(r->passes);
    }
    size_t size() {
        std::lock_guard lock(m);
        return seqs.size();
    }
};

FramePtr make_frame(uint64_t seq, int w = 160, int h = 90) {
    auto f = std::make_shared<Frame>();
    f->seq = seq;
    f->index = int64_t(seq);
    f->bgr = pattern_frame(int(seq), w, h);
    f->captured = SteadyClock::now();
    return f;
}

}  // namespace

class TestAppPipeline : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;
    QString clip_;   // 300 frames, 160x90, 120 fps

private slots:
    void initTestCase() {
        register_metatypes();
        QVERIFY(dir_.isValid());
        clip_ = write_video(dir_.path(), "clip.avi", 300, 120);
    }

    // ---- capture ------------------------------------------------------------------------------

    void capture_paused_open_step_seek_and_step_back() {
        CaptureWorker cap;
        QSignalSpy frames(&cap, &CaptureWorker::frameCaptured);
        QSignalSpy opened(&cap, &CaptureWorker::sourceOpened);
        cap.start();
        cap.open(clip_, false);
        QVERIFY(frames.wait(3000));
        QCOMPARE(opened.count(), 1);
        const SourceInfo info = opened[0][0].value<SourceInfo>();
        QCOMPARE(info.frame_count, int64_t(300));
        QVERIFY(!info.live);
        auto index_of = [&](int i) { return frames[i][0].value<FramePtr>()->index; };
        QCOMPARE(index_of(0), int64_t(0));
        cap.step();
        QVERIFY(wait_for([&] { return frames.count() == 2; }));
        QCOMPARE(index_of(1), int64_t(1));
        cap.seek(100);
        QVERIFY(wait_for([&] { return frames.count() == 3; }));
        QCOMPARE(index_of(2), int64_t(100));
        cap.stepBack();
        QVERIFY(wait_for([&] { return frames.count() == 4; }));
        QCOMPARE(index_of(3), int64_t(99));
        const FramePtr f = frames[3][0].value<FramePtr>();
        QCOMPARE(f->timestamp_ms, 99 * 1000.0 / 120);
        QCOMPARE(f->bgr.size(), cv::Size(160, 90));
        QThread::msleep(100);
        QCOMPARE(frames.count(), 4);   // paused: nothing more
        QVERIFY(!cap.playing());
        // Sequence numbers only go up, whatever the seeks do to the index.
        for (int i = 1; i < frames.count(); ++i)
            QVERIFY(frames[i][0].value<FramePtr>()->seq > frames[i - 1][0].value<FramePtr>()->seq);
        cap.stop();
    }

    void capture_loops_and_speed_scales_the_rate() {
        const QString shortclip = write_video(dir_.path(), "short.avi", 20, 100);
        CaptureWorker cap;
        std::atomic<int> n{0};
        std::vector<int64_t> idx;
        std::mutex m;
        cap.setFrameSink([&](const FramePtr& f) {
            std::lock_guard lock(m);
            idx.push_back(f->index);
            ++n;
        });
        cap.start();
        cap.setLoop(true);
        cap.setSpeed(0.5);   // 50 frames/s
        cap.open(shortclip, true);
        QThread::msleep(400);
        const int slow = n.load();
        cap.setSpeed(4);     // 400 frames/s (or as fast as it decodes)
        n = 0;
        QThread::msleep(400);
        const int fast = n.load();
        cap.stop();
        QVERIFY2(slow >= 8 && slow <= 30, qPrintable(QString::number(slow)));
        QVERIFY2(fast > 2 * slow, qPrintable(QString("%1 vs %2").arg(fast).arg(slow)));
        // It wrapped around: index 19 followed by 0.
        bool wrapped = false;
        for (size_t i = 1; i < idx.size(); ++i) wrapped |= idx[i - 1] == 19 && idx[i] == 0;
        QVERIFY(wrapped);
    }

    void capture_without_loop_stops_at_the_end() {
        const QString shortclip = write_video(dir_.path(), "end.avi", 10, 100);
        CaptureWorker cap;
        QSignalSpy finished(&cap, &CaptureWorker::sourceFinished);
        QSignalSpy frames(&cap, &CaptureWorker::frameCaptured);
        cap.start();
        cap.setLoop(false);
        cap.setSpeed(8);
        cap.open(shortclip, true);
        QVERIFY(finished.wait(3000));
        QCOMPARE(frames.count(), 10);
        QVERIFY(!cap.playing());
        cap.stop();
    }

    void capture_reports_bad_sources_and_stays_usable() {
        QFile junk(dir_.filePath("junk.mp4"));
        QVERIFY(junk.open(QIODevice::WriteOnly));
        junk.write(QByteArray(4096, 'x'));
        junk.close();
        CaptureWorker cap;
        QSignalSpy errors(&cap, &CaptureWorker::sourceError);
        QSignalSpy frames(&cap, &CaptureWorker::frameCaptured);
        cap.start();
        cap.open(dir_.filePath("missing.mp4"));
        QVERIFY(errors.wait(3000));
        QVERIFY2(errors.last()[0].toString().contains("no such file"), qPrintable(errors.last()[0].toString()));
        cap.open(junk.fileName());
        QVERIFY(wait_for([&] { return errors.count() == 2; }));
        QVERIFY2(errors.last()[0].toString().contains("junk.mp4"), qPrintable(errors.last()[0].toString()));
        cap.open("/dev/video99");
        QVERIFY(wait_for([&] { return errors.count() == 3; }));
        QVERIFY2(errors.last()[0].toString().contains("camera /dev/video99"), qPrintable(errors.last()[0].toString()));
        QCOMPARE(frames.count(), 0);
        // Still usable: a good file plays.
        cap.open(clip_);
        QVERIFY(frames.wait(3000));
        cap.stop();
    }

    void capture_reports_an_unplugged_camera_and_reconnects() {
        std::atomic<int> opens{0};
        CaptureWorker cap([&](const std::string& spec) -> std::unique_ptr<FrameSource> {
            if (spec != "cam") return open_source(spec);
            const int n = opens.fetch_add(1);
            if (n == 1) throw SourceError("camera cam: cannot open (test: still unplugged)");
            return std::make_unique<DyingCamera>(n == 0 ? 6 : 1000);
        });
        QSignalSpy errors(&cap, &CaptureWorker::sourceError);
        QSignalSpy opened(&cap, &CaptureWorker::sourceOpened);
        QSignalSpy frames(&cap, &CaptureWorker::frameCaptured);
        cap.start();
        cap.open("cam");
        QVERIFY(errors.wait(3000));
        QCOMPARE(frames.count(), 6);
        QVERIFY2(errors[0][0].toString().contains("unplugged"), qPrintable(errors[0][0].toString()));
        // It retries every 2 s: the first retry fails quietly, the second one brings it back.
        QVERIFY(wait_for([&] { return opened.count() == 2; }, 7000));
        QCOMPARE(errors.count(), 1);
        QVERIFY(wait_for([&] { return frames.count() > 8; }));
        cap.stop();
    }

    // ---- inference worker ---------------------------------------------------------------------

    void worker_switches_task_and_backend_on_the_next_frame_without_reloading() {
        FactoryLog log;
        const auto model = tiny_model();
        InferenceWorker w(0, model, test_factory(0, &log));
        Collected got;
        w.setResultSink([&](const ResultPtr& r) { got.add(r); });
        QSignalSpy changed(&w, &InferenceWorker::backendChanged);
        w.start();
        const ModelConfig& c = model->config();
        uint64_t seq = 0;
        auto run_one = [&] {
            const size_t before = got.size();
            w.offer(make_frame(++seq));
            return wait_for([&] { return got.size() == before + 1; });
        };
        QVERIFY(run_one());
        QCOMPARE(got.backends.back(), std::string("cpu"));
        QCOMPARE(got.tasks.back(), c.task_index("semseg"));
        w.setTaskMode(TaskMode::Depth);
        QVERIFY(run_one());
        QCOMPARE(got.tasks.back(), c.task_index("depth"));
        w.setTaskMode(TaskMode::Both);
        QVERIFY(run_one());
        QCOMPARE(got.passes.back(), 2);
        w.setBackend("fpga-emu");
        QVERIFY(run_one());
        QCOMPARE(got.backends.back(), std::string("fpga-emu"));
        const long uses = model.use_count();
        w.setBackend("cpu");
        QVERIFY(run_one());
        QCOMPARE(got.backends.back(), std::string("cpu"));
        QCOMPARE(w.backendsCreated(), 2);   // switching back reused the cpu backend
        QCOMPARE(log.created.load(), 2);
        // The model was never reloaded: the worker holds the same one.
        QCOMPARE(w.model().get(), model.get());
        QCOMPARE(model.use_count(), uses);   // nothing new holds it after the switch back
        w.stop();
        QVERIFY(changed.count() >= 3);
    }

    void worker_falls_back_to_cpu_with_the_reason() {
        InferenceWorker w(0, tiny_model(), test_factory());
        Collected got;
        w.setResultSink([&](const ResultPtr& r) { got.add(r); });
        QSignalSpy changed(&w, &InferenceWorker::backendChanged);
        w.setBackend("fpga");
        w.start();
        w.offer(make_frame(1));
        QVERIFY(wait_for([&] { return got.size() == 1; }));
        QCOMPARE(got.backends[0], std::string("cpu"));
        QVERIFY(wait_for([&] { return changed.count() >= 1; }));
        QCOMPARE(changed[0][0].toString(), QString("fpga"));
        QCOMPARE(changed[0][1].toString(), QString("cpu"));
        QVERIFY2(changed[0][2].toString().contains("no Alveo or Zynq device"), qPrintable(changed[0][2].toString()));
        QCOMPARE(w.requestedBackend(), QString("cpu"));   // not retried every frame
        w.stop();
    }

    void worker_keeps_only_the_newest_frame() {
        FactoryLog log;
        InferenceWorker w(0, tiny_model(), test_factory(150, &log));
        Collected got;
        w.setResultSink([&](const ResultPtr& r) { got.add(r); });
        w.start();
        w.offer(make_frame(1));
        QVERIFY(wait_for([&] { return !w.idle() && log.created.load() == 1; }));
        QThread::msleep(20);   // frame 1 is in flight
        for (uint64_t s = 2; s <= 10; ++s) w.offer(make_frame(s));
        QVERIFY(wait_for([&] { return got.size() == 2 && w.idle(); }, 3000));
        QThread::msleep(50);
        QCOMPARE(got.size(), size_t(2));
        QCOMPARE(got.seqs[0], uint64_t(1));
        QCOMPARE(got.seqs[1], uint64_t(10));   // 2..9 dropped, never run
        const auto c = w.counters();
        QCOMPARE(c.offered, uint64_t(10));
        QCOMPARE(c.processed, uint64_t(2));
        QCOMPARE(c.dropped, uint64_t(8));
        QVERIFY(w.maxInside() <= 2);
        w.stop();
    }

    void worker_stops_cleanly_mid_frame() {
        InferenceWorker w(0, tiny_model(), test_factory(400));
        w.start();
        w.offer(make_frame(1));
        QVERIFY(wait_for([&] { return !w.idle(); }));
        QThread::msleep(50);
        w.offer(make_frame(2));   // waiting; must be discarded by stop()
        QElapsedTimer t;
        t.start();
        w.stop();
        QVERIFY2(t.elapsed() < 1500, qPrintable(QString::number(t.elapsed())));
        QCOMPARE(w.counters().processed, uint64_t(1));
    }

    // ---- the pipeline, 300 frames -------------------------------------------------------------

    void pipeline_300_frames_in_order_fast_backend() { run_300(0); }
    void pipeline_300_frames_slow_backend_drops_instead_of_queueing() { run_300(25); }

    void pipeline_compare_mode_runs_both_backends_on_the_same_frames() {
        Pipeline::Options o;
        o.factory = test_factory(5);
        Pipeline p(o);
        p.setModel(tiny_model());
        p.setCompareBackend("fpga-emu");
        p.setCompareEnabled(true);
        p.start();
        QVERIFY(p.worker(1));
        QSignalSpy r0(p.worker(0), &InferenceWorker::resultReady);
        QSignalSpy r1(p.worker(1), &InferenceWorker::resultReady);
        QSignalSpy composed(&p, &Pipeline::composedReady);
        p.openSource(clip_, true);
        QVERIFY(wait_for([&] { return r0.count() >= 10 && r1.count() >= 10; }, 8000));
        p.capture().pause();
        QVERIFY(wait_for([&] { return p.worker(0)->idle() && p.worker(1)->idle(); }));
        QThread::msleep(50);
        // Each stream in frame order; every pair frame was run by both streams.
        auto seqs = [](const QSignalSpy& spy, bool pairs_only) {
            std::vector<uint64_t> out;
            for (int i = 0; i < spy.count(); ++i) {
                const ResultPtr r = spy[i][0].value<ResultPtr>();
                if (!pairs_only || r->paired) out.push_back(r->frame->seq);
            }
            return out;
        };
        for (const QSignalSpy* spy : {&r0, &r1}) {
            const std::vector<uint64_t> all = seqs(*spy, false);
            QVERIFY(std::is_sorted(all.begin(), all.end()));
        }
        const std::vector<uint64_t> pairs0 = seqs(r0, true), pairs1 = seqs(r1, true);
        QVERIFY(pairs0.size() >= 3);
        QCOMPARE(pairs0, pairs1);
        QCOMPARE(uint64_t(pairs0.size()), p.pairsDispatched());
        QCOMPARE(r1[0][0].value<ResultPtr>()->backend, std::string("fpga-emu"));
        QVERIFY(wait_for([&] { return p.compareStats().latest().valid; }));
        const CompareMetrics cm = p.compareStats().latest();
        QCOMPARE(cm.seg[0].pixel_agreement, 1.0);   // the same engine underneath
        p.shutdown();
    }

    // The primary stream keeps its own rate while the partner sleeps (a slow FPGA stand-in): it runs
    // many frames while the partner runs one, and the partner's frames are ones the primary ran too.
    void pipeline_compare_mode_primary_is_not_held_back_by_a_slow_partner() {
        Pipeline::Options o;
        o.factory = test_factory(0, nullptr, "fpga-emu", 2500);
        Pipeline p(o);
        p.setModel(tiny_model());
        p.setCompareBackend("fpga-emu");
        p.setCompareEnabled(true);
        p.start();
        QSignalSpy r0(p.worker(0), &InferenceWorker::resultReady);
        QSignalSpy r1(p.worker(1), &InferenceWorker::resultReady);
        p.capture().setSpeed(0.25);   // 30 fps frames at a quarter: one every 133 ms
        p.openSource(clip_, true);
        QVERIFY(wait_for([&] { return r0.count() >= 6; }, 20000));
        QVERIFY2(r1.count() <= 1, qPrintable(QString("primary %1, partner %2").arg(r0.count()).arg(r1.count())));
        QVERIFY(wait_for([&] { return r1.count() >= 1; }, 20000));
        const ResultPtr slow = r1[0][0].value<ResultPtr>();
        QVERIFY(slow->paired);
        bool primary_ran_it = false;
        for (int i = 0; i < r0.count(); ++i) primary_ran_it |= r0[i][0].value<ResultPtr>()->frame->seq == slow->frame->seq;
        QVERIFY(primary_ran_it);
        QVERIFY(p.compareDropped() > 0);   // the partner skipped frames rather than hold the primary back
        p.shutdown();
    }

    // The metrics export's draw_ms is the compositor's real time for the frame (it used to be written
    // before the frame was drawn, so always 0): every frame shown has a draw time, a plausible one.
    void pipeline_metrics_have_the_draw_time_of_each_drawn_frame() {
        Pipeline::Options o;
        o.factory = test_factory(20);   // results 20 ms apart: the compositor draws each one
        Pipeline p(o);
        p.setModel(tiny_model());
        p.start();
        p.capture().setLoop(false);
        p.openSource(clip_, true);
        QVERIFY(wait_for([&] { return p.compositor().composedCount() >= 15; }, 10000));
        p.capture().pause();
        QVERIFY(wait_for([&] { return p.worker(0)->idle(); }, 3000));
        QThread::msleep(100);   // the last result drawn
        p.shutdown();
        const QString path = dir_.filePath("draw.csv");
        p.metrics().exportCsv(path);
        QFile csv(path);
        QVERIFY(csv.open(QIODevice::ReadOnly));
        QStringList lines = QString::fromUtf8(csv.readAll()).trimmed().split('\n');
        const int draw_col = int(lines[0].split(',').indexOf("draw_ms"));
        QVERIFY(draw_col > 0);
        lines.removeFirst();
        QVERIFY(lines.size() >= 15);
        int drawn = 0;
        for (const QString& line : lines) {
            const double ms = line.split(',')[draw_col].toDouble();
            QVERIFY2(ms >= 0 && ms < 1000, qPrintable(line));
            drawn += ms > 0;
        }
        // Results 20 ms apart are each drawn before the next comes; allow a few replaced in the slot.
        QVERIFY2(drawn >= int(lines.size()) * 8 / 10, qPrintable(QString("%1 of %2 rows have a draw time").arg(drawn).arg(lines.size())));
        QVERIFY2(lines.last().split(',')[draw_col].toDouble() > 0, qPrintable(lines.last()));
    }

    void pipeline_shuts_down_mid_frame() {
        Pipeline::Options o;
        o.factory = test_factory(300);
        auto p = std::make_unique<Pipeline>(o);
        p->setModel(tiny_model());
        p->start();
        p->openSource(clip_, true);
        QVERIFY(wait_for([&] { return p->worker(0) && !p->worker(0)->idle(); }, 5000));
        QThread::msleep(30);
        QElapsedTimer t;
        t.start();
        p.reset();   // destructor shuts everything down
        QVERIFY2(t.elapsed() < 2000, qPrintable(QString::number(t.elapsed())));
    }

private:
    void run_300(int sleep_ms) {
        FactoryLog log;
        Pipeline::Options o;
        o.factory = test_factory(sleep_ms, &log);
        Pipeline p(o);
        p.setModel(tiny_model());
        Collected got;
        std::atomic<uint64_t> captured{0};
        p.start();
        InferenceWorker* w = p.worker(0);
        // Watch results in the worker thread, in emission order.
        connect(w, &InferenceWorker::resultReady, w, [&](const ResultPtr& r) { got.add(r); }, Qt::DirectConnection);
        connect(&p.capture(), &CaptureWorker::frameCaptured, this, [&](const FramePtr&) { captured.fetch_add(1); },
                Qt::DirectConnection);
        QSignalSpy finished(&p.capture(), &CaptureWorker::sourceFinished);
        p.capture().setLoop(false);
        p.capture().setSpeed(sleep_ms ? 1.0 : 8.0);   // 120 fps against a 25 ms backend; or as fast as it goes
        p.openSource(clip_, true);
        QVERIFY(finished.wait(20000));
        QVERIFY(wait_for([&] { return w->idle(); }, 3000));
        QThread::msleep(30);
        const auto c = w->counters();
        QCOMPARE(captured.load(), uint64_t(300));
        QCOMPARE(c.offered, uint64_t(300));
        // Every frame was either run or dropped: none is left over or queued.
        QCOMPARE(c.processed + c.dropped, uint64_t(300));
        QCOMPARE(uint64_t(got.size()), c.processed);
        QVERIFY(w->maxInside() <= 2);
        // Never out of order.
        for (size_t i = 1; i < got.seqs.size(); ++i) {
            QVERIFY(got.seqs[i] > got.seqs[i - 1]);
            QVERIFY(got.indices[i] > got.indices[i - 1]);
        }
        double worst_wait = 0;
        for (double ms : got.waited_ms) worst_wait = std::max(worst_wait, ms);
        qInfo("backend sleep %d ms: %llu processed, %llu dropped, oldest frame at start %.1f ms", sleep_ms,
              static_cast<unsigned long long>(c.processed), static_cast<unsigned long long>(c.dropped), worst_wait);
        if (sleep_ms > 0) {
            // 2.5 s of video at 120 fps against a backend of 25+ ms: most frames must be dropped...
            QVERIFY2(c.dropped > 150, qPrintable(QString::number(c.dropped)));
            QVERIFY(c.processed >= 10);
            // ...and a frame never waits behind others: a queue would make the last ones seconds old.
            QVERIFY2(worst_wait < 8.0 * sleep_ms, qPrintable(QString::number(worst_wait)));
        } else {
            QVERIFY(c.processed >= 30);
        }
        p.shutdown();
    }
};

QTEST_MAIN(TestAppPipeline)
#include "test_app_pipeline.moc"
