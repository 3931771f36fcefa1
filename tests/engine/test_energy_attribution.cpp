// Per-frame energy and summaries: frames marked while the sampler runs (on a fake clock) get total
// and dynamic energy within 1% of a synthetic trace's integral; summaries per backend and task;
// a meter without access says "not available" (text, JSON, CSV) rather than a number; frames the
// sampler never covers; no allocation per frame; CSV and JSON export.
#include <QtTest>

#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "cli/alloc_counter.h"
#include "edgemoe/energy.h"
#include "test_energy_trace.h"

using namespace energy_test;

namespace {

constexpr double kBusyFrom = 1.2;
constexpr double kOps = 1.5e9;   // operations per frame

struct Planned {
    FrameMark mark;
    double start_s, end_s;
};

// Frames of 30-50 ms with 0-10 ms gaps from `from` to `to`, alternating two streams.
std::vector<Planned> plan_frames(Lcg& rng, double from, double to, int stream_a, int stream_b) {
    std::vector<Planned> out;
    double t = from;
    for (int64_t i = 0; t < to; ++i) {
        const double dur = 0.03 + 0.02 * rng.uniform();
        Planned p;
        p.start_s = t;
        p.end_s = t + dur;
        p.mark.stream = i % 2 ? stream_b : stream_a;
        p.mark.index = i;
        p.mark.start = at(p.start_s);
        p.mark.end = at(p.end_s);
        p.mark.ops = kOps;
        p.mark.latency_ms = {1, 2, 3, 4, 5, 6, dur * 1e3};
        out.push_back(p);
        t += dur + 0.01 * rng.uniform();
    }
    return out;
}

// Runs the clock from 0 to `end_s`: samples every 10 ms (+-2 ms), and at each frame's end queues it
// and polls, as a pipeline does.
void run_pipeline(Sampler& s, FakeClock& clock, Lcg& rng, EnergyAttribution& attr, const std::vector<Planned>& frames,
                  double end_s, const std::function<void(const FrameEnergy&)>& on_frame) {
    size_t next_frame = 0;
    double next_sample = 0;
    while (next_sample <= end_s || next_frame < frames.size()) {
        const bool frame_first = next_frame < frames.size() && frames[next_frame].end_s < next_sample;
        if (frame_first) {
            clock.now = at(frames[next_frame].end_s);
            QVERIFY(attr.add_frame(frames[next_frame].mark));
            ++next_frame;
        } else {
            clock.now = at(next_sample);
            s.sample_once();
            next_sample += 0.008 + 0.004 * rng.uniform();
        }
        attr.poll(on_frame);
    }
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

class TestEnergyAttribution : public QObject {
    Q_OBJECT

private slots:
    void frame_energy_total_and_dynamic_within_one_percent_and_summaries() {
        const Trace trace = idle_then_busy_trace(kBusyFrom);
        FakeClock clock;
        SamplerOptions so;
        so.clock = clock.fn();
        std::vector<std::unique_ptr<Meter>> meters;
        meters.push_back(std::make_unique<FakeMeter>("counter", MeterKind::EnergyCounter, trace));
        meters.push_back(std::make_unique<FakeMeter>("power", MeterKind::IntegratedPower, trace));
        Sampler s(std::move(meters), so);
        EnergyAttribution attr(s);
        const int a = attr.stream("fpga-emu", "semseg"), b = attr.stream("cpu", "depth");
        QCOMPARE(attr.stream("fpga-emu", "semseg"), a);
        Lcg rng;
        const std::vector<Planned> frames = plan_frames(rng, 1.5, 3.5, a, b);

        // Idle first (two marked idle intervals), then the frames.
        std::vector<FrameEnergy> got;
        run_pipeline(s, clock, rng, attr, {}, 1.15, {});
        attr.set_idle(idle_baseline(s, {{at(0.1), at(0.6)}, {at(0.7), at(1.1)}}));
        QVERIFY(std::abs(attr.idle().seconds - 0.9) < 1e-9);
        for (size_t m = 0; m < 2; ++m) QVERIFY(std::abs(*attr.idle().watts(m) - 12.0) < 1e-9);

        std::ostringstream csv;
        EnergyCsvWriter writer(csv, attr, at(0));
        writer.write_header();
        run_pipeline(s, clock, rng, attr, frames, 3.6, [&](const FrameEnergy& e) {
            got.push_back(e);
            writer.write(e);
        });
        QCOMPARE(attr.pending(), size_t(0));
        QCOMPARE(got.size(), frames.size());

        double worst_total = 0, worst_dynamic = 0, total_j[2][2] = {}, seconds[2] = {};
        for (size_t i = 0; i < got.size(); ++i) {
            const Planned& p = frames[i];
            QCOMPARE(got[i].frame.index, p.mark.index);
            const double exact = trace.energy(p.end_s) - trace.energy(p.start_s);
            const double exact_dynamic = exact - 12 * (p.end_s - p.start_s);
            const int st = got[i].frame.stream;
            seconds[st] += got[i].seconds;
            for (size_t m = 0; m < 2; ++m) {
                const MeterEnergy& e = got[i].meters[m];
                QVERIFY2(e.ok(), describe(e.status));
                QVERIFY(e.has_dynamic);
                worst_total = std::max(worst_total, std::abs(e.total_j - exact) / exact);
                worst_dynamic = std::max(worst_dynamic, std::abs(e.dynamic_j - exact_dynamic) / exact_dynamic);
                QVERIFY(std::abs(e.mean_power_w - e.total_j / got[i].seconds) < 1e-9);
                total_j[st][m] += e.total_j;
            }
        }
        qInfo("%zu frames; worst error: total %.4f%%, dynamic %.4f%%", got.size(), 100 * worst_total, 100 * worst_dynamic);
        QVERIFY(worst_total < 0.01);
        QVERIFY(worst_dynamic < 0.01);

        const std::vector<EnergySummary> sum = attr.summaries();
        QCOMPARE(sum.size(), size_t(2));
        QCOMPARE(sum[0].backend, std::string("fpga-emu"));
        QCOMPARE(sum[1].task, std::string("depth"));
        QCOMPARE(sum[0].frames + sum[1].frames, int64_t(frames.size()));
        QCOMPARE(sum[0].ops_per_frame, kOps);
        for (int st = 0; st < 2; ++st)
            for (size_t m = 0; m < 2; ++m) {
                const MeterSummary& ms = sum[size_t(st)].meters[m];
                const double n = double(sum[size_t(st)].frames);
                QVERIFY(ms.available);
                QCOMPARE(ms.frames, sum[size_t(st)].frames);
                QCOMPARE(ms.frames_without, int64_t(0));
                QVERIFY(std::abs(ms.energy_j - total_j[st][m]) < 1e-9);
                QVERIFY(std::abs(ms.j_per_frame - total_j[st][m] / n) < 1e-12);
                QVERIFY(std::abs(*ms.frames_per_j - n / total_j[st][m]) < 1e-9);
                QVERIFY(std::abs(ms.mean_power_w - total_j[st][m] / seconds[st]) < 1e-9);
                QVERIFY(std::abs(*ms.gops_per_w - kOps * n / total_j[st][m] / 1e9) < 1e-9);
                QVERIFY(std::abs(*ms.idle_power_w - 12) < 1e-9);
                const double dyn = total_j[st][m] - 12 * seconds[st];
                QVERIFY(std::abs(*ms.dynamic_j_per_frame - dyn / n) < 1e-9);
                QVERIFY(std::abs(*ms.dynamic_gops_per_w - kOps * n / dyn / 1e9) < 1e-6);
                QVERIFY(ms.dynamic_reason.empty());
                // Power during frames is 22 W +- 4 W: the mean over ~1 s of frames is close to 22.
                QVERIFY(std::abs(ms.mean_power_w - 22) < 1);
            }
        const std::string text = format_summary(sum[0]);
        QVERIFY2(contains(text, "fpga-emu / semseg") && contains(text, "GOPS/W") && contains(text, "idle 12.000 W"),
                 text.c_str());

        // CSV: a header and one row per frame.
        std::istringstream lines(csv.str());
        std::string header, line;
        std::getline(lines, header);
        QCOMPARE(header, std::string("time_s,index,backend,task,frame_ms,capture_ms,preprocess_ms,backbone_ms,head_ms,"
                                     "postprocess_ms,draw_ms,total_ms,counter_j,counter_dynamic_j,counter_w,power_j,"
                                     "power_dynamic_j,power_w"));
        size_t rows = 0;
        while (std::getline(lines, line)) {
            ++rows;
            QVERIFY(!contains(line, "NA"));
        }
        QCOMPARE(rows, frames.size());

        // JSON summary.
        const nlohmann::json j = nlohmann::json::parse(energy_json(attr, {{"nvml", "", "libnvidia-ml.so.1 not found", "install"}}));
        QCOMPARE(j["meters"].size(), size_t(2));
        QCOMPARE(j["meters"][1]["method"].get<std::string>(), std::string("integrated power"));
        QCOMPARE(j["unavailable"][0]["kind"].get<std::string>(), std::string("nvml"));
        QVERIFY(std::abs(j["idle"]["power_w"]["power"].get<double>() - 12) < 1e-9);
        const auto& jm = j["summary"][0]["meters"]["counter"];
        QCOMPARE(jm["available"].get<bool>(), true);
        QVERIFY(std::abs(jm["j_per_frame"].get<double>() - sum[0].meters[0].j_per_frame) < 1e-12);
        for (const char* k : {"mean_power_w", "frames_per_j", "gops_per_w", "dynamic_j_per_frame", "dynamic_gops_per_w"})
            QVERIFY2(jm.contains(k), k);
    }

    void a_meter_without_access_says_not_available_never_a_number() {
        // A real RAPL meter that loses read access (EACCES) after discovery, next to a working one.
        FakeSysfs fs;
        fs.write("sys/class/powercap/intel-rapl:0/name", "package-0\n");
        fs.write("sys/class/powercap/intel-rapl:0/energy_uj", "1000\n");
        fs.write("sys/class/powercap/intel-rapl:0/max_energy_range_uj", "262143328850\n");
        FaultyReader faulty;
        DiscoveryOptions o;
        o.reader = faulty.reader();
        Discovery d;
        discover_rapl(fs.root(), o, d);
        QCOMPARE(d.meters.size(), size_t(1));
        faulty.fail("energy_uj", EACCES);
        d.meters.push_back(std::make_unique<FakeMeter>("power", MeterKind::IntegratedPower, wavy_trace()));

        FakeClock clock;
        SamplerOptions so;
        so.clock = clock.fn();
        Sampler s(std::move(d.meters), so);
        EnergyAttribution attr(s);
        const int st = attr.stream("cpu", "semseg");
        Lcg rng;
        std::ostringstream csv;
        EnergyCsvWriter writer(csv, attr, at(0));
        run_pipeline(s, clock, rng, attr, {}, 0.5, {});
        attr.set_idle(idle_baseline(s, {{at(0.1), at(0.4)}}));
        QVERIFY(!attr.idle().watts(0));
        run_pipeline(s, clock, rng, attr, plan_frames(rng, 0.6, 1.0, st, st), 1.1,
                     [&](const FrameEnergy& e) { writer.write(e); });

        const EnergySummary sum = attr.summaries().at(0);
        const MeterSummary& rapl = sum.meters[0];
        QCOMPARE(rapl.meter, std::string("rapl:package-0"));
        QVERIFY(!rapl.available);
        QCOMPARE(rapl.frames, int64_t(0));
        QCOMPARE(rapl.frames_without, sum.frames);
        QVERIFY2(contains(rapl.reason, "a sensor read failed") && contains(rapl.reason, "energy_uj: permission denied"),
                 rapl.reason.c_str());
        QCOMPARE(rapl.mean_power_w, 0.0);
        QVERIFY(!rapl.frames_per_j && !rapl.gops_per_w && !rapl.dynamic_j_per_frame);
        QVERIFY(sum.meters[1].available);
        // The working meter next to it has its figures, dynamic ones included.
        QVERIFY(sum.meters[1].idle_power_w && sum.meters[1].dynamic_j_per_frame && sum.meters[1].gops_per_w);
        const std::string text = format_summary(sum);
        QVERIFY2(contains(text, "rapl:package-0: not available: no frame has a reading"), text.c_str());

        const nlohmann::json j = nlohmann::json::parse(energy_json(attr, {}));
        const auto& jr = j["summary"][0]["meters"]["rapl:package-0"];
        QCOMPARE(jr["available"].get<bool>(), false);
        QVERIFY(contains(jr["reason"].get<std::string>(), "permission denied"));
        for (const char* k : {"mean_power_w", "j_per_frame", "frames_per_j", "energy_j", "gops_per_w"}) QVERIFY(!jr.contains(k));
        QCOMPARE(j["idle"]["power_w"]["rapl:package-0"]["available"].get<bool>(), false);
        QVERIFY(contains(j["meters"][0]["last_error"].get<std::string>(), "permission denied"));
        // CSV: NA in every RAPL cell.
        std::istringstream lines(csv.str());
        std::string line;
        size_t rows = 0;
        while (std::getline(lines, line)) {
            ++rows;
            QVERIFY2(contains(line, ",NA,NA,NA,"), line.c_str());
        }
        QCOMPARE(int64_t(rows), sum.frames);
    }

    void frames_the_sampler_never_covers_are_given_up() {
        FakeClock clock;
        SamplerOptions so;
        so.clock = clock.fn();
        std::vector<std::unique_ptr<Meter>> meters;
        meters.push_back(std::make_unique<FakeMeter>("power", MeterKind::IntegratedPower, wavy_trace()));
        Sampler s(std::move(meters), so);
        AttributionOptions ao;
        ao.max_pending = 2;
        EnergyAttribution attr(s, ao);
        const int st = attr.stream("cpu", "semseg");
        for (int k = 0; k <= 10; ++k) {
            clock.now = at(k * 0.01);
            s.sample_once();
        }
        FrameMark f;
        f.stream = st;
        f.start = at(0.05);
        f.end = at(0.2);   // the sampler stops at 0.1
        QVERIFY(attr.add_frame(f));
        QVERIFY(attr.add_frame(f));
        QVERIFY(!attr.add_frame(f));
        QCOMPARE(attr.dropped(), size_t(1));
        clock.now = at(1.0);
        QCOMPARE(attr.poll(), size_t(0));   // still waiting
        clock.now = at(2.3);                // 2.1 s after the frames' end: given up
        int seen = 0;
        QCOMPARE(attr.poll([&](const FrameEnergy& e) {
                     ++seen;
                     QCOMPARE(e.meters[0].status, EnergyStatus::NotSampledYet);
                 }),
                 size_t(2));
        QCOMPARE(seen, 2);
        const MeterSummary m = attr.summaries().at(0).meters.at(0);
        QVERIFY(!m.available);
        QCOMPARE(m.frames_without, int64_t(2));
        QVERIFY2(contains(m.reason, "no sample after the interval yet"), m.reason.c_str());
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, attr.add_frame(FrameMark{7}));
    }

    void flush_waits_for_the_running_sampler() {
        std::vector<std::unique_ptr<Meter>> meters;
        meters.push_back(std::make_unique<FakeMeter>(
            "ten-watts", MeterKind::IntegratedPower, Trace{[](double) { return 10.0; }, [](double t) { return 10 * t; }}));
        SamplerOptions so;
        so.period = std::chrono::milliseconds(2);
        Sampler s(std::move(meters), so);
        s.start();
        EnergyAttribution attr(s);
        attr.set_idle(measure_idle(s, std::chrono::milliseconds(20)));
        QVERIFY(std::abs(*attr.idle().watts(0) - 10) < 1e-9);
        FrameMark f{attr.stream("cpu", "depth"), 0, Clock::now()};
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        f.end = Clock::now();
        attr.add_frame(f);
        QCOMPARE(attr.flush(std::chrono::seconds(2)), size_t(1));
        s.stop();
        const MeterSummary m = attr.summaries().at(0).meters.at(0);
        QVERIFY(m.available);
        QVERIFY(std::abs(m.mean_power_w - 10) < 1e-9);
        QVERIFY(std::abs(*m.dynamic_j_per_frame) < 1e-9);
        QVERIFY(!m.dynamic_frames_per_j);
        QVERIFY2(contains(m.dynamic_reason, "not above the idle baseline"), m.dynamic_reason.c_str());
    }

    void no_allocation_per_frame_once_streams_exist() {
        FakeClock clock;
        SamplerOptions so;
        so.clock = clock.fn();
        std::vector<std::unique_ptr<Meter>> meters;
        meters.push_back(std::make_unique<FakeMeter>("power", MeterKind::IntegratedPower, wavy_trace()));
        meters.push_back(std::make_unique<FakeMeter>("counter", MeterKind::EnergyCounter, wavy_trace()));
        Sampler s(std::move(meters), so);
        EnergyAttribution attr(s);
        const int st = attr.stream("fpga", "semseg");
        double sink = 0;
        const std::function<void(const FrameEnergy&)> on_frame = [&sink](const FrameEnergy& e) { sink += e.meters[0].total_j; };
        const long before = edgemoe::cli::heap_allocations();
        for (int k = 0; k < 1000; ++k) {
            clock.now = at(k * 0.01);
            s.sample_once();
            FrameMark f;
            f.stream = st;
            f.index = k;
            f.start = at(k * 0.01 - 0.015);
            f.end = at(k * 0.01 - 0.005);
            attr.add_frame(f);
            attr.poll(on_frame);
        }
        QCOMPARE(edgemoe::cli::heap_allocations() - before, 0L);
        QVERIFY(sink > 0);
    }
};

QTEST_GUILESS_MAIN(TestEnergyAttribution)
#include "test_energy_attribution.moc"
