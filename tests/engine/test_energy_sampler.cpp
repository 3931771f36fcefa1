// The sampler against synthetic power traces with a known integral: energy over arbitrary intervals
// within 1% for both an energy counter and an integrated power meter, failed reads splitting the
// series, the ring buffer's history, the real thread, and no allocation per sample.
#include <QtTest>

#include <thread>

#include "cli/alloc_counter.h"
#include "edgemoe/energy_sampler.h"
#include "test_energy_trace.h"

using namespace energy_test;

namespace {

std::vector<std::unique_ptr<Meter>> meters_for(const Trace& trace, std::shared_ptr<bool> failing = nullptr) {
    std::vector<std::unique_ptr<Meter>> m;
    m.push_back(std::make_unique<FakeMeter>("counter", MeterKind::EnergyCounter, trace, failing));
    m.push_back(std::make_unique<FakeMeter>("power", MeterKind::IntegratedPower, trace, failing));
    return m;
}

// Samples every 10 ms with +-2 ms of jitter from `from` to `to` seconds.
void sample_span(Sampler& s, FakeClock& clock, Lcg& rng, double from, double to) {
    for (double t = from; t <= to; t += 0.008 + 0.004 * rng.uniform()) {
        clock.now = at(t);
        s.sample_once();
    }
}

}  // namespace

class TestEnergySampler : public QObject {
    Q_OBJECT

private slots:
    void energy_over_frames_matches_the_integral_within_one_percent() {
        const Trace trace = wavy_trace();
        FakeClock clock;
        SamplerOptions o;
        o.clock = clock.fn();
        o.capacity = 1000;
        Sampler s(meters_for(trace), o);
        Lcg rng;
        sample_span(s, clock, rng, 0, 4);
        double worst[2] = {0, 0};
        double t = 0.0137, sum[2] = {0, 0};
        const double first = t;
        int frames = 0;
        while (t < 3.9) {
            const double dur = 0.02 + 0.04 * rng.uniform();   // 20-60 ms frames, back to back
            const double exact = trace.energy(t + dur) - trace.energy(t);
            for (size_t m = 0; m < 2; ++m) {
                const IntervalEnergy e = s.energy(m, at(t), at(t + dur));
                QVERIFY2(e.ok(), describe(e.status));
                worst[m] = std::max(worst[m], std::abs(e.joules - exact) / exact);
                sum[m] += e.joules;
            }
            t += dur;
            ++frames;
        }
        QVERIFY(frames > 50);
        qInfo("worst per-frame error: counter %.4f%%, integrated power %.4f%%", 100 * worst[0], 100 * worst[1]);
        QVERIFY(worst[0] < 0.01);
        QVERIFY(worst[1] < 0.01);
        // Back-to-back frames add up to the whole span.
        const double exact_total = trace.energy(t) - trace.energy(first);
        for (size_t m = 0; m < 2; ++m) QVERIFY(std::abs(sum[m] - exact_total) / exact_total < 1e-3);
        // An interval shorter than the period, between two samples, gets the mean power of the samples
        // around it: close, not exact (power moves ~7% in 10 ms here).
        const double exact = trace.energy(1.0043) - trace.energy(1.0011);
        QVERIFY(std::abs(s.energy(0, at(1.0011), at(1.0043)).joules - exact) / exact < 0.05);
    }

    void a_failed_read_makes_spanning_intervals_unavailable() {
        const Trace trace = wavy_trace();
        FakeClock clock;
        SamplerOptions o;
        o.clock = clock.fn();
        auto failing = std::make_shared<bool>(false);
        Sampler s(meters_for(trace, failing), o);
        for (int k = 0; k <= 100; ++k) {   // samples every 10 ms over [0, 1]; reads at 0.50 and 0.51 fail
            *failing = k == 50 || k == 51;
            clock.now = at(k * 0.01);
            s.sample_once();
        }
        for (size_t m = 0; m < 2; ++m) {
            QVERIFY(s.energy(m, at(0.1), at(0.49)).ok());
            QCOMPARE(s.energy(m, at(0.45), at(0.55)).status, EnergyStatus::ReadFailed);
            QCOMPARE(s.energy(m, at(0.495), at(0.498)).status, EnergyStatus::ReadFailed);   // next sample failed
            QCOMPARE(s.energy(m, at(0.515), at(0.519)).status, EnergyStatus::ReadFailed);   // previous sample failed
            // From the first good sample after the failure on, figures come back.
            const IntervalEnergy after = s.energy(m, at(0.52), at(0.9));
            QVERIFY(after.ok());
            const double exact = trace.energy(0.9) - trace.energy(0.52);
            QVERIFY(std::abs(after.joules - exact) / exact < 0.01);
            const MeterHealth h = s.health(m);
            QCOMPARE(h.reads, size_t(101));
            QCOMPARE(h.failed_reads, size_t(2));
            QVERIFY(h.last_ok);
            QCOMPARE(h.last_error, std::string("fake: permission denied"));
            QCOMPARE(h.last_hint, std::string("fake hint"));
        }
    }

    void history_bounds_and_bad_intervals() {
        const Trace trace = wavy_trace();
        FakeClock clock;
        SamplerOptions o;
        o.clock = clock.fn();
        o.capacity = 50;
        Sampler s(meters_for(trace), o);
        QCOMPARE(s.energy(0, at(0), at(1)).status, EnergyStatus::NotSampledYet);
        for (int k = 0; k < 100; ++k) {
            clock.now = at(k * 0.01);
            s.sample_once();
        }
        // 50 samples kept: 0.50 .. 0.99.
        QCOMPARE(s.history_start(), at(0.5));
        QCOMPARE(s.covered_until(), at(0.99));
        QCOMPARE(s.energy(1, at(0.3), at(0.6)).status, EnergyStatus::BeforeHistory);
        QVERIFY(s.energy(1, at(0.5), at(0.99)).ok());
        QCOMPARE(s.energy(1, at(0.6), at(0.995)).status, EnergyStatus::NotSampledYet);
        QCOMPARE(s.energy(1, at(0.7), at(0.6)).status, EnergyStatus::BadInterval);
        const IntervalEnergy zero = s.energy(1, at(0.7), at(0.7));
        QVERIFY(zero.ok());
        QCOMPARE(zero.joules, 0.0);
        double secs = 0;
        const IntervalEnergy recent = s.recent_energy(0, std::chrono::milliseconds(200), &secs);
        QVERIFY(recent.ok());
        QVERIFY(std::abs(secs - 0.2) < 1e-6);
        QCOMPARE(s.find("power"), 1);
        QCOMPARE(s.find("nope"), -1);
    }

    void no_allocation_per_sample_once_running() {
        FakeClock clock;
        SamplerOptions o;
        o.clock = clock.fn();
        o.capacity = 500;
        Sampler s(meters_for(wavy_trace()), o);
        Lcg rng;
        sample_span(s, clock, rng, 0, 0.1);
        const long before = edgemoe::cli::heap_allocations();
        double sink = 0;
        for (int k = 0; k < 2000; ++k) {   // wraps the 500-sample ring four times
            clock.now = at(0.2 + k * 0.01);
            s.sample_once();
            sink += s.energy(1, at(0.2 + k * 0.01 - 0.05), at(0.2 + k * 0.01)).joules;
        }
        const long allocations = edgemoe::cli::heap_allocations() - before;
        QVERIFY(sink > 0);
        QCOMPARE(allocations, 0L);
    }

    void the_thread_samples_at_its_period() {
        std::vector<std::unique_ptr<Meter>> m;
        m.push_back(std::make_unique<FakeMeter>("ten-watts", MeterKind::IntegratedPower,
                                                Trace{[](double) { return 10.0; }, [](double t) { return 10 * t; }}));
        SamplerOptions o;
        o.period = std::chrono::milliseconds(2);
        Sampler s(std::move(m), o);
        QVERIFY(!s.wait_until_covered(Clock::now(), std::chrono::milliseconds(1)));   // not running
        s.start();
        QVERIFY(s.running());
        QVERIFY(s.wait_until_covered(Clock::now() + std::chrono::milliseconds(30), std::chrono::seconds(2)));
        s.stop();
        QVERIFY(!s.running());
        const MeterHealth h = s.health(0);
        QVERIFY2(h.reads >= 5, qPrintable(QString::number(h.reads)));
        const TimePoint t0 = s.history_start(), t1 = s.covered_until();
        const IntervalEnergy e = s.energy(0, t0, t1);
        QVERIFY(e.ok());
        QVERIFY(std::abs(e.joules - 10 * std::chrono::duration<double>(t1 - t0).count()) < 1e-9);
        // Stopped: a later time is never covered, and the wait says so at once.
        const auto start = Clock::now();
        QVERIFY(!s.wait_until_covered(Clock::now() + std::chrono::seconds(1), std::chrono::seconds(5)));
        QVERIFY(Clock::now() - start < std::chrono::milliseconds(500));
        s.start();   // restartable
        s.stop();
        QVERIFY(s.health(0).reads > h.reads);
    }

    void bad_options_are_refused() {
        SamplerOptions o;
        o.period = std::chrono::nanoseconds(0);
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, Sampler(meters_for(wavy_trace()), o));
        o.period = std::chrono::milliseconds(10);
        o.capacity = 1;
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, Sampler(meters_for(wavy_trace()), o));
    }
};

QTEST_GUILESS_MAIN(TestEnergySampler)
#include "test_energy_sampler.moc"
