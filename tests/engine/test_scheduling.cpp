// The backends' threads and cancellation (issue 14), on the shipped demo model (the Edge-MoE shape,
// so the same frames run on cpu and fpga-emu):
//  - every output bit (head, backbone, routing) is the same for 1, 2 and 3 threads, after
//    set_threads() between frames and while a frame runs, and while a competing thread burns a core;
//  - a frame in flight gives up within 100 ms of its cancel flag (FrameCancelled), also on a busy
//    machine, and the next frame equals a reference frame bit for bit.
#include <QtTest>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "busy_thread.h"
#include "edgemoe/backend.h"
#include "edgemoe/model.h"
#include "test_fixtures.h"

using namespace edgemoe;
using Clock = std::chrono::steady_clock;

namespace {

const std::string kDemo = std::string(EDGEMOE_SOURCE_DIR) + "/resources/models/edgemoe-demo.safetensors";

// The arm64 build runs this suite under qemu-user (tests/engine/CMakeLists.txt defines this there),
// where a demo frame takes 14-20 s instead of ~0.1 s. There the suite runs fewer frames (the same
// checks of every bit), and a cancelled frame must return within 3% of a frame's time instead of
// 100 ms: the poll points are the same work items, each ~100x slower (measured under qemu: 107-250 ms
// for 19 s frames). Natively the bound is the 100 ms.
#if defined(EDGEMOE_TEST_UNDER_EMULATOR)
constexpr bool kEmulated = true;
#else
constexpr bool kEmulated = false;
#endif

double ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

bool same_routing(const NetworkOutput& a, const NetworkOutput& b) {
    if (a.routing.size() != b.routing.size()) return false;
    for (size_t i = 0; i < a.routing.size(); ++i)
        if (a.routing[i].expert != b.routing[i].expert || a.routing[i].weight != b.routing[i].weight) return false;
    return true;
}

// Every output bit: the head, the backbone (captured) and the routing.
bool identical(const NetworkOutput& a, const NetworkOutput& b) {
    return a.raw == b.raw && a.backbone == b.backbone && same_routing(a, b);
}

std::unique_ptr<Backend> make(const std::string& name, std::shared_ptr<const Model> model, int threads) {
    BackendOptions o;
    o.threads = threads;
    o.capture_backbone = true;
    return create_backend(name, std::move(model), o);
}

}  // namespace

class TestScheduling : public QObject {
    Q_OBJECT
    std::shared_ptr<const Model> model_;
    cv::Mat image_;

private slots:
    void initTestCase() {
        model_ = Model::load(kDemo);
        image_ = test::load_image("demo_input.npy");
    }

    void bit_identical_for_any_thread_count_data() {
        QTest::addColumn<QString>("backend");
        QTest::newRow("cpu") << "cpu";
        QTest::newRow("fpga-emu") << "fpga-emu";
    }
    void bit_identical_for_any_thread_count() {
        QFETCH(QString, backend);
        const std::string name = backend.toStdString();
        for (int task : {0, 1}) {
            if (kEmulated && task == 1) break;
            NetworkOutput ref;
            make(name, model_, 1)->infer(image_, task, ref);
            for (int threads : {2, 3}) {
                auto b = make(name, model_, threads);
                for (int round = 0; round < 2; ++round) {
                    NetworkOutput o;
                    b->infer(image_, task, o);
                    QVERIFY2(identical(o, ref), qPrintable(QString("task %1, %2 threads").arg(task).arg(threads)));
                }
            }
        }
    }

    // One backend whose thread count changes between frames and while frames run (from another
    // thread, as the desktop program's settings do), with a thread burning a core all along.
    void bit_identical_with_set_threads_and_a_busy_core_data() { bit_identical_for_any_thread_count_data(); }
    void bit_identical_with_set_threads_and_a_busy_core() {
        QFETCH(QString, backend);
        const std::string name = backend.toStdString();
        NetworkOutput ref;
        make(name, model_, 1)->infer(image_, 1, ref);

        const test::BusyThread busy;
        auto b = make(name, model_, 2);
        for (int threads : {3, 1, 2}) {
            b->set_threads(threads);
            NetworkOutput o;
            b->infer(image_, 1, o);
            QVERIFY2(identical(o, ref), qPrintable(QString("after set_threads(%1)").arg(threads)));
        }
        std::atomic<bool> done{false};
        std::thread changer([&] {
            for (int i = 0; !done.load(); ++i) {
                b->set_threads(1 + i % 3);
                std::this_thread::sleep_for(std::chrono::milliseconds(3));
            }
        });
        bool all_same = true;
        for (int i = 0; i < (kEmulated ? 3 : 8); ++i) {
            NetworkOutput o;
            b->infer(image_, 1, o);
            all_same = all_same && identical(o, ref);
        }
        done = true;
        changer.join();
        QVERIFY(all_same);
    }

    // A thread raises the flag while a frame runs; infer() must throw FrameCancelled within 100 ms of
    // it (generous: the backends poll per work item and between layers, ~1 ms apart here), with a
    // competing busy thread. The flag goes up at several points of the frame (early backbone, late
    // backbone, head); each next frame must equal the reference.
    void cancel_returns_quickly_and_the_next_frame_is_exact_data() { bit_identical_for_any_thread_count_data(); }
    void cancel_returns_quickly_and_the_next_frame_is_exact() {
        QFETCH(QString, backend);
        const std::string name = backend.toStdString();
        auto b = make(name, model_, 2);
        std::atomic<bool> cancel{false};
        b->set_cancel_flag(&cancel);
        NetworkOutput ref;
        b->infer(image_, 0, ref);   // also the warm-up
        const test::BusyThread busy;
        const auto f0 = Clock::now();
        NetworkOutput timed;
        b->infer(image_, 0, timed);
        const double frame_ms = ms(Clock::now() - f0);
        QVERIFY(identical(timed, ref));

        int cancelled = 0;
        double worst = 0;
        const std::vector<double> flags = kEmulated ? std::vector<double>{0.0, 0.1} : std::vector<double>{0.0, 0.1, 0.5, 0.8};
        for (double at : flags) {   // share of a frame's time when the flag goes up
            const auto delay = std::chrono::microseconds(long(at * frame_ms * 1000));
            Clock::time_point raised;
            std::thread canceller([&] {
                std::this_thread::sleep_for(delay);
                raised = Clock::now();
                cancel = true;
            });
            NetworkOutput o;
            bool threw = false;
            try {
                b->infer(image_, 0, o);
            } catch (const FrameCancelled& e) {
                threw = true;
                QVERIFY(QString(e.what()).contains(backend));
            }
            const auto returned = Clock::now();
            canceller.join();
            if (threw) {
                const double late = ms(returned - raised);
                qInfo("%s: flag at %.0f%% of a %.0f ms frame: infer() returned %.2f ms after it", name.c_str(),
                      at * 100, frame_ms, late);
                worst = std::max(worst, late);
                ++cancelled;
            } else {
                qInfo("%s: flag at %.0f%% of a %.0f ms frame: the frame finished first", name.c_str(), at * 100,
                      frame_ms);
            }
            cancel = false;
            NetworkOutput next;
            b->infer(image_, 0, next);
            QVERIFY2(identical(next, ref), qPrintable(QString("frame after a cancel at %1").arg(at)));
        }
        // The flag raised before the frame starts, and a tenth into it, always catch the frame.
        QVERIFY2(cancelled >= 2, qPrintable(QString("only %1 of %2 frames cancelled").arg(cancelled).arg(flags.size())));
        const double bound = kEmulated ? 0.03 * frame_ms : 100;
        QVERIFY2(worst < bound, qPrintable(QString("worst %1 ms (bound %2 ms)").arg(worst).arg(bound)));
        if (kEmulated) return;

        // The other task in between, then the reference task again: still exact.
        NetworkOutput other, again;
        b->infer(image_, 1, other);
        b->infer(image_, 0, again);
        QVERIFY(identical(again, ref));
    }
};

QTEST_GUILESS_MAIN(TestScheduling)
#include "test_scheduling.moc"
