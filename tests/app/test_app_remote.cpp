// The inference worker against an edgemoe-serve on loopback (in this process): a backend that
// pipelines gets 2 frames in flight, results in frame order and bit-identical to the backend in
// process; when the board dies mid-stream the worker says "board disconnected: ..." once, goes on with
// cpu, and goes back to the board by itself when it is back on the same port.
#include <QtTest>

#include <array>

#include <QElapsedTimer>
#include <QSignalSpy>

#include "app_test_support.h"
#include "edgemoe/frame_runner.h"
#include "remote/server.h"

using namespace edgemoe;
using namespace edgemoe::app;
using namespace edgemoe::app::test;
using namespace std::chrono_literals;

namespace {

remote::ServeOptions loopback(const std::string& listen = "127.0.0.1:0") {
    remote::ServeOptions o;
    o.listen = listen;
    o.backend_options.threads = 1;
    o.meters = false;
    o.log = [](const std::string&) {};
    return o;
}

// A board that stops answering while `hold` is set (each frame waits at most 5 s).
struct Gate {
    std::mutex m;
    std::condition_variable cv;
    bool hold = false;
    void set(bool h) {
        {
            std::lock_guard l(m);
            hold = h;
        }
        cv.notify_all();
    }
};


// Points a worker at the board on 127.0.0.1:port: remote/cpu, one server thread, deadline_ms per frame.
void use_board(InferenceWorker& w, int port, int deadline_ms) {
    BackendOptions o;
    o.threads = 1;
    o.remote = "127.0.0.1:" + std::to_string(port);
    o.remote_deadline_ms = deadline_ms;
    w.setBackendOptions(o);
    w.setBackend("remote/cpu");
}

class GatedBackend final : public Backend {
public:
    GatedBackend(std::unique_ptr<Backend> inner, Gate& gate) : inner_(std::move(inner)), gate_(gate) {}
    std::string name() const override { return inner_->name(); }
    std::string description() const override { return "gated " + inner_->description(); }
    void infer(const cv::Mat& image, int task, NetworkOutput& out) override {
        {
            std::unique_lock l(gate_.m);
            gate_.cv.wait_for(l, 5s, [&] { return !gate_.hold; });
        }
        inner_->infer(image, task, out);
    }

private:
    std::unique_ptr<Backend> inner_;
    Gate& gate_;
};

FramePtr make_frame(uint64_t seq) {
    auto f = std::make_shared<Frame>();
    f->seq = seq;
    f->index = int64_t(seq);
    f->bgr = pattern_frame(int(seq));
    f->captured = SteadyClock::now();
    return f;
}

// Offers a new frame every `period` from a thread of its own, like a camera, until destroyed.
struct Camera {
    InferenceWorker& w;
    std::atomic<bool> stop{false};
    std::atomic<uint64_t> seq{0};
    std::thread t;
    Camera(InferenceWorker& worker, std::chrono::microseconds period) : w(worker) {
        t = std::thread([this, period] {
            while (!stop.load()) {
                w.offer(make_frame(seq.fetch_add(1) + 1));
                std::this_thread::sleep_for(period);
            }
        });
    }
    ~Camera() {
        stop = true;
        t.join();
    }
};

struct Results {
    std::mutex m;
    std::vector<ResultPtr> all;
    void add(const ResultPtr& r) {
        std::lock_guard l(m);
        all.push_back(r);
    }
    size_t count_from(const std::string& backend, size_t since = 0) {
        std::lock_guard l(m);
        size_t n = 0;
        for (size_t i = since; i < all.size(); ++i) n += all[i]->backend == backend;
        return n;
    }
    size_t size() {
        std::lock_guard l(m);
        return all.size();
    }
};

// backendChanged and inferenceError as they are emitted (on the worker's thread), under a lock.
struct Said {
    std::mutex m;
    std::vector<std::array<QString, 3>> changes;
    std::vector<QString> errors;
    explicit Said(InferenceWorker& w) {
        QObject::connect(&w, &InferenceWorker::backendChanged, &w,
                         [this](const QString& a, const QString& b, const QString& c) {
                             std::lock_guard l(m);
                             changes.push_back({a, b, c});
                         }, Qt::DirectConnection);
        QObject::connect(&w, &InferenceWorker::inferenceError, &w, [this](const QString& e) {
            std::lock_guard l(m);
            errors.push_back(e);
        }, Qt::DirectConnection);
    }
    int changes_with(const QString& active, const QString& reason_start) {
        std::lock_guard l(m);
        int n = 0;
        for (const auto& c : changes) n += c[1] == active && c[2].startsWith(reason_start);
        return n;
    }
    size_t error_count() {
        std::lock_guard l(m);
        return errors.size();
    }
};

}  // namespace

class TestAppRemote : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() { register_metatypes(); }

    void twoFramesInFlightInOrderBitIdentical() {
        remote::Server server(tiny_model(), loopback());
        BackendOptions o;
        o.threads = 1;
        o.remote = "127.0.0.1:" + std::to_string(server.port());
        // Frames per second through a worker, over 40 results with a camera much faster than the
        // board (frames drop, never queue). "one at a time": the same remote backend behind the
        // Backend interface's default one-frame window.
        const auto measure = [&](bool pipelined, Results& got, int& in_flight) {
            BackendFactory factory;
            if (!pipelined)
                factory = [](const std::string& name, std::shared_ptr<const Model> model, const BackendOptions& bo) {
                    return std::unique_ptr<Backend>(new SleepyBackend(create_backend(name, std::move(model), bo), name, 0));
                };
            InferenceWorker w(0, tiny_model(), factory);
            w.setBackendOptions(o);
            w.setBackend("remote/cpu");
            w.setResultSink([&](const ResultPtr& r) { got.add(r); });
            Said said(w);
            w.start();
            double fps = 0;
            {
                Camera camera(w, 200us);
                if (!wait_for([&] { return got.size() >= 1; }, 8000)) return -1.0;
                QElapsedTimer t;
                t.start();
                const size_t first = got.size();
                if (!wait_for([&] { return got.size() >= first + 200; }, 20000)) return -1.0;
                fps = (got.size() - first) / (t.nsecsElapsed() / 1e9);
            }
            w.stop();
            in_flight = w.maxInFlight();
            if (said.error_count() != 0 || w.counters().dropped == 0 || w.maxInside() > 1 + in_flight) return -1.0;
            return fps;
        };
        Results single, got;
        int single_in_flight = 0, in_flight = 0;
        const double fps1 = measure(false, single, single_in_flight);
        const double fps2 = measure(true, got, in_flight);
        qInfo("remote/cpu (the tiny model, ~1 ms a frame) through the worker on loopback: %.1f frames/s with 2 in "
              "flight, %.1f one at a time (%.2fx: the round trip and the client's own work hide behind the board's)",
              fps2, fps1, fps2 / fps1);
        QVERIFY(fps1 > 0 && fps2 > 0);
        QCOMPARE(single_in_flight, 1);
        QCOMPARE(in_flight, 2);

        // In frame order, and exactly what the backend computes in this process.
        BackendOptions local;
        local.threads = 1;
        FrameRunner runner(tiny_model(), create_backend("cpu", tiny_model(), local));
        FrameResult expect;
        std::lock_guard l(got.m);
        for (size_t i = 0; i < got.all.size(); ++i) {
            const InferenceResult& r = *got.all[i];
            QCOMPARE(r.backend, std::string("remote/cpu"));
            if (i > 0) QVERIFY(r.frame->seq > got.all[i - 1]->frame->seq);
            runner.run(r.frame->bgr, r.out[0].task, expect);
            const NetworkOutput &a = expect.net, &b = r.out[0].net;
            QCOMPARE(b.raw.size(), a.raw.size());
            QVERIFY(std::memcmp(a.raw.data(), b.raw.data(), a.raw.size() * sizeof(float)) == 0);
            QCOMPARE(cv::norm(expect.class_map_frame, r.out[0].class_map_frame, cv::NORM_INF), 0.0);
            for (size_t k = 0; k < a.routing.size(); ++k) QVERIFY(a.routing[k].expert == b.routing[k].expert);
        }
    }

    void boardKilledMidStreamFallsBackToCpuAndComesBack() {
        auto server = std::make_unique<remote::Server>(tiny_model(), loopback());
        const int port = server->port();
        InferenceWorker w(0, tiny_model());
        use_board(w, port, 1000);
        Results got;
        w.setResultSink([&](const ResultPtr& r) { got.add(r); });
        Said said(w);
        w.start();
        Camera camera(w, 5ms);
        QVERIFY(wait_for([&] { return got.count_from("remote/cpu") >= 5; }, 8000));

        // The board dies: said once, frames go on with cpu.
        server->stop();
        server.reset();
        auto disconnects = [&] { return said.changes_with("cpu", "board disconnected: "); };
        QVERIFY(wait_for([&] { return disconnects() == 1; }, 5000));
        {
            std::lock_guard l(said.m);
            for (const auto& c : said.changes)
                if (c[2].startsWith("board disconnected: ")) {
                    QCOMPARE(c[0], QString("remote/cpu"));
                    qInfo("said: %s", qPrintable(c[2]));
                }
        }
        const size_t mark = got.size();
        QVERIFY(wait_for([&] { return got.count_from("cpu", mark) >= 20; }, 5000));
        QCOMPARE(w.requestedBackend(), QString("remote/cpu"));   // still what the user wants
        QCOMPARE(w.activeBackend(), QString("cpu"));
        QCOMPARE(w.disconnectedBackend(), QString("remote/cpu"));
        QTest::qWait(2500);   // the probe has tried at least once meanwhile: still one message
        QCOMPARE(disconnects(), 1);
        QCOMPARE(said.error_count(), size_t(0));

        // Back on the same port: the worker returns to it by itself, and says so.
        server = std::make_unique<remote::Server>(tiny_model(), loopback("127.0.0.1:" + std::to_string(port)));
        QElapsedTimer t;
        t.start();
        auto back = [&] { return said.changes_with("remote/cpu", "board back") == 1; };
        QVERIFY(wait_for(back, 8000));
        const size_t mark2 = got.size();
        QVERIFY(wait_for([&] { return got.count_from("remote/cpu", mark2) >= 5; }, 5000));
        qInfo("back on the board %.1f s after it restarted", t.elapsed() / 1e3);
        QCOMPARE(w.activeBackend(), QString("remote/cpu"));
        QVERIFY(w.disconnectedBackend().isEmpty());
        QCOMPARE(said.error_count(), size_t(0));
        QElapsedTimer st;
        st.start();
        w.stop();
        QVERIFY2(st.elapsed() < 1000, qPrintable(QString::number(st.elapsed())));
        server->stop();
    }

    void stalledBoardMissesItsDeadlineFallsBackAndComesBack() {
        Gate gate;
        remote::ServeOptions so = loopback();
        so.factory = [&gate](std::string_view name, std::shared_ptr<const Model> model, const BackendOptions& bo) {
            return std::unique_ptr<Backend>(new GatedBackend(create_backend(name, std::move(model), bo), gate));
        };
        remote::Server server(tiny_model(), so);
        InferenceWorker w(0, tiny_model());
        use_board(w, server.port(), 400);
        Results got;
        w.setResultSink([&](const ResultPtr& r) { got.add(r); });
        Said said(w);
        w.start();
        Camera camera(w, 5ms);
        QVERIFY(wait_for([&] { return got.count_from("remote/cpu") >= 5; }, 8000));
        gate.set(true);   // the board hangs (Hello still answers)
        QVERIFY(wait_for([&] { return said.changes_with("cpu", "board disconnected: board stalled") == 1; }, 5000));
        const size_t mark = got.size();
        QVERIFY(wait_for([&] { return got.count_from("cpu", mark) >= 20; }, 5000));
        QTest::qWait(2500);   // a probe answered Hello but its frame missed the deadline: not back
        QCOMPARE(said.changes_with("remote/cpu", "board back"), 0);
        QCOMPARE(said.changes_with("cpu", "board disconnected"), 1);
        gate.set(false);
        QVERIFY(wait_for([&] { return said.changes_with("remote/cpu", "board back") == 1; }, 10000));
        const size_t mark2 = got.size();
        QVERIFY(wait_for([&] { return got.count_from("remote/cpu", mark2) >= 5; }, 5000));
        QCOMPARE(said.error_count(), size_t(0));
        w.stop();
        server.stop();
    }
};

QTEST_MAIN(TestAppRemote)
#include "test_app_remote.moc"
