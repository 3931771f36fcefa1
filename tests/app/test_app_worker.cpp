// The inference worker's cancellation: a backend that would compute for seconds (it spins until its
// cancel flag is set) gives up within 100 ms of setTaskMode, setBackend, a source change (discard) and
// stop(); a cancelled frame is counted, not an error; a burst of requests loses none.
#include <QtTest>

#include <QElapsedTimer>
#include <QSignalSpy>

#include "app_test_support.h"

using namespace edgemoe;
using namespace edgemoe::app;
using namespace edgemoe::app::test;
using namespace std::chrono_literals;

namespace {

// Spins (as a slow fpga-emu frame under load would compute) until its cancel flag is set, then throws
// FrameCancelled; bounded: after 10 s it gives up spinning and computes, which fails the timing checks.
class SpinBackend final : public Backend {
public:
    SpinBackend(std::unique_ptr<Backend> inner, std::atomic<int>& started) : inner_(std::move(inner)), started_(started) {}
    std::string name() const override { return "spin"; }
    std::string description() const override { return "test backend that spins until cancelled"; }
    void infer(const cv::Mat& image, int task, NetworkOutput& out) override {
        started_.fetch_add(1);
        const auto until = std::chrono::steady_clock::now() + 10s;
        while (!cancel_requested() && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(1ms);
        throw_if_cancelled();
        inner_->infer(image, task, out);
    }

private:
    std::unique_ptr<Backend> inner_;
    std::atomic<int>& started_;
};

BackendFactory spin_factory(std::atomic<int>& started) {
    return [&started](const std::string& name, std::shared_ptr<const Model> model, const BackendOptions&) -> std::unique_ptr<Backend> {
        BackendOptions o;
        o.threads = 1;
        auto cpu = create_backend("cpu", std::move(model), o);
        if (name == "spin") return std::make_unique<SpinBackend>(std::move(cpu), started);
        if (name == "cpu") return cpu;
        throw BackendError("unknown backend '" + name + "'");
    };
}

FramePtr make_frame(uint64_t seq) {
    auto f = std::make_shared<Frame>();
    f->seq = seq;
    f->index = int64_t(seq);
    f->bgr = pattern_frame(int(seq));
    f->captured = SteadyClock::now();
    return f;
}

// Starts a worker on "spin" and waits until its first frame is being computed.
struct SpinningWorker {
    std::atomic<int> started{0};
    InferenceWorker w{0, tiny_model(), spin_factory(started)};
    QSignalSpy errors{&w, &InferenceWorker::inferenceError};
    std::atomic<int> results{0};
    SpinningWorker() {
        w.setBackend("spin");
        w.setResultSink([this](const ResultPtr&) { results.fetch_add(1); });
        w.start();
    }
    bool spin_once(uint64_t seq) {
        const int before = started.load();
        w.offer(make_frame(seq));
        return wait_for([&] { return started.load() > before; }, 5000);
    }
};

// Milliseconds until pred() holds (polling every 0.2 ms, no event loop), or -1 after `limit_ms`.
template <class F>
double ms_until(F pred, int limit_ms = 3000) {
    QElapsedTimer t;
    t.start();
    while (!pred()) {
        if (t.elapsed() > limit_ms) return -1;
        std::this_thread::sleep_for(200us);
    }
    return t.nsecsElapsed() / 1e6;
}

}  // namespace

class TestAppWorker : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() { register_metatypes(); }

    void stopReturnsWithin100msMidFrame() {
        SpinningWorker s;
        QVERIFY(s.spin_once(1));
        s.w.offer(make_frame(2));   // waiting: discarded by stop()
        QElapsedTimer t;
        t.start();
        s.w.stop();
        const double ms = t.nsecsElapsed() / 1e6;
        qInfo("stop() mid-frame returned after %.1f ms", ms);
        QVERIFY2(ms < 100, qPrintable(QString::number(ms)));
        QCOMPARE(s.w.counters().cancelled, uint64_t(1));
        QCOMPARE(s.w.counters().failed, uint64_t(0));
        QCOMPARE(s.results.load(), 0);
        QCoreApplication::processEvents();
        QCOMPARE(s.errors.count(), 0);   // a cancelled frame is not an error
    }

    void taskSwitchCancelsTheFrameInFlight() {
        SpinningWorker s;
        QVERIFY(s.spin_once(1));
        const auto t0 = std::chrono::steady_clock::now();
        s.w.setTaskMode(TaskMode::Depth);
        const double ms = ms_until([&] { return s.w.idle(); });
        qInfo("setTaskMode -> worker idle after %.1f ms", ms);
        QVERIFY2(ms >= 0 && ms < 100, qPrintable(QString::number(ms)));
        QCOMPARE(s.w.counters().cancelled, uint64_t(1));
        // The next frame runs with the new task (and is cancelled in turn by the next switch).
        QVERIFY(s.spin_once(2));
        QVERIFY(std::chrono::steady_clock::now() - t0 < 5s);
        s.w.setTaskMode(TaskMode::Segmentation);
        QVERIFY(ms_until([&] { return s.w.idle(); }) >= 0);
        QCOMPARE(s.w.counters().cancelled, uint64_t(2));
        QCOMPARE(s.w.counters().failed, uint64_t(0));
        QCoreApplication::processEvents();
        QCOMPARE(s.errors.count(), 0);
        // The same task again is no change: nothing to cancel.
        QVERIFY(s.spin_once(3));
        s.w.setTaskMode(TaskMode::Segmentation);
        std::this_thread::sleep_for(50ms);
        QVERIFY(!s.w.idle());
        s.w.stop();
    }

    void backendSwitchCancelsAndTheNextFrameRunsOnTheNewBackend() {
        SpinningWorker s;
        std::vector<std::string> backends;
        std::mutex m;
        s.w.setResultSink([&](const ResultPtr& r) {
            std::lock_guard l(m);
            backends.push_back(r->backend);
        });
        QVERIFY(s.spin_once(1));
        QElapsedTimer t;
        t.start();
        s.w.setBackend("cpu");
        const double idle_ms = ms_until([&] { return s.w.idle(); });
        s.w.offer(make_frame(2));
        QVERIFY(ms_until([&] {
                    std::lock_guard l(m);
                    return !backends.empty();
                }, 5000) >= 0);
        const double result_ms = t.nsecsElapsed() / 1e6;
        qInfo("setBackend -> worker idle after %.1f ms, first cpu result after %.1f ms", idle_ms, result_ms);
        QVERIFY2(idle_ms >= 0 && idle_ms < 100, qPrintable(QString::number(idle_ms)));
        QCOMPARE(backends.front(), std::string("cpu"));
        QCOMPARE(s.w.counters().cancelled, uint64_t(1));
        s.w.stop();
    }

    void sourceChangeCancelsTheFrameInFlight() {
        SpinningWorker s;
        QVERIFY(s.spin_once(1));
        s.w.discardWaiting();
        const double ms = ms_until([&] { return s.w.idle(); });
        qInfo("discardWaiting -> worker idle after %.1f ms", ms);
        QVERIFY2(ms >= 0 && ms < 100, qPrintable(QString::number(ms)));
        QCOMPARE(s.w.counters().cancelled, uint64_t(1));
        s.w.stop();
    }

    // Requests racing the worker as it takes frames: none is lost. Every frame offered spins until a
    // request cancels it, so a lost request shows as a frame still spinning after the last one.
    void aBurstOfRequestsLosesNone() {
        SpinningWorker s;
        for (int i = 0; i < 200; ++i) {
            s.w.offer(make_frame(uint64_t(i + 1)));
            if (i % 3 == 0) std::this_thread::sleep_for(std::chrono::microseconds(100 * (i % 7)));
            s.w.setTaskMode(i % 2 ? TaskMode::Segmentation : TaskMode::Depth);
        }
        s.w.discardWaiting();   // the last request: nothing may be left spinning after it
        const double ms = ms_until([&] { return s.w.idle(); }, 3000);
        QVERIFY2(ms >= 0 && ms < 200, qPrintable(QString::number(ms)));
        const auto c = s.w.counters();
        QCOMPARE(c.failed, uint64_t(0));
        QCOMPARE(c.processed, uint64_t(0));
        QVERIFY(c.cancelled >= 1);
        // Every frame offered was cancelled, replaced by a newer one, or discarded (at most the last).
        QVERIFY(c.cancelled + c.dropped <= c.offered && c.offered - c.cancelled - c.dropped <= 1);
        s.w.stop();
    }
};

QTEST_MAIN(TestAppWorker)
#include "test_app_worker.moc"
