// NVML: the dlopen loader reports a missing library cleanly (this machine has no NVIDIA driver), and
// the meters work against fake entry points: total-energy counter where supported, power otherwise,
// errors and counter resets reported.
#include <QtTest>

#include <cstring>

#include "edgemoe/meter_discovery.h"
#include "edgemoe/meter_nvml.h"
#include "test_energy_fake_sysfs.h"

using namespace energy_test;

namespace {

// The fake driver's state: two GPUs; GPU 0 has an energy counter, GPU 1 only power.
struct FakeNvml {
    int init_rc = 0;
    int shutdowns = 0;
    unsigned long long energy_mj = 1'000'000;
    int energy_rc = 0;
    unsigned power_mw = 150'000;
    int power_rc = 0;
} g;

int fake_init() { return g.init_rc; }
int fake_shutdown() { return ++g.shutdowns, 0; }
int fake_count(unsigned* n) { return *n = 2, 0; }
int fake_handle(unsigned i, NvmlApi::Device* d) { return *d = reinterpret_cast<void*>(uintptr_t(i + 1)), 0; }
int fake_name(NvmlApi::Device d, char* buf, unsigned len) {
    std::snprintf(buf, len, "Fake GPU %d", int(reinterpret_cast<uintptr_t>(d)));
    return 0;
}
int fake_energy(NvmlApi::Device d, unsigned long long* mj) {
    if (reinterpret_cast<uintptr_t>(d) == 2) return 3;   // NVML_ERROR_NOT_SUPPORTED
    if (g.energy_rc) return g.energy_rc;
    return *mj = g.energy_mj, 0;
}
int fake_power(NvmlApi::Device, unsigned* mw) {
    if (g.power_rc) return g.power_rc;
    return *mw = g.power_mw, 0;
}
const char* fake_error(int rc) { return rc == 4 ? "Insufficient Permissions" : rc == 9 ? "Driver Not Loaded" : "Unknown Error"; }

NvmlApi fake_api() {
    NvmlApi a;
    a.init = fake_init;
    a.shutdown = fake_shutdown;
    a.device_count = fake_count;
    a.device_by_index = fake_handle;
    a.device_name = fake_name;
    a.total_energy = fake_energy;
    a.power_usage = fake_power;
    a.error_string = fake_error;
    return a;
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

class TestEnergyNvml : public QObject {
    Q_OBJECT

private slots:
    void init() { g = FakeNvml{}; }

    void missing_library_is_reported_cleanly() {
        std::string error;
        QVERIFY(!NvmlSession::load("libnvidia-ml-not-here.so.1", error));
        QCOMPARE(error, std::string("libnvidia-ml-not-here.so.1 not found (no NVIDIA driver on this machine)"));
        DiscoveryOptions o;
        o.nvml_library = "libnvidia-ml-not-here.so.1";
        Discovery d;
        discover_nvml(o, d);
        QVERIFY(d.meters.empty());
        QCOMPARE(d.unavailable.size(), size_t(1));
        QCOMPARE(d.unavailable[0].kind, std::string("nvml"));
        QVERIFY(contains(d.unavailable[0].hint, "install the NVIDIA driver"));
    }

    void the_real_library_loads_or_is_not_found() {
        std::string error;
        auto s = NvmlSession::load("libnvidia-ml.so.1", error);
        if (s) {
            // A machine with an NVIDIA driver: whatever it has must come back without crashing.
            const NvmlFound f = nvml_meters(s);
            QVERIFY(!f.meters.empty() || !f.problems.empty());
            return;
        }
        QVERIFY2(error == "libnvidia-ml.so.1 not found (no NVIDIA driver on this machine)" ||
                     contains(error, "nvmlInit_v2 failed"),
                 error.c_str());
    }

    void energy_counter_where_supported_power_otherwise() {
        std::string error;
        auto s = NvmlSession::from_api(fake_api(), error);
        QVERIFY2(s, error.c_str());
        NvmlFound f = nvml_meters(s);
        QVERIFY(f.problems.empty());
        QCOMPARE(f.meters.size(), size_t(2));
        Meter& gpu0 = *f.meters[0];
        Meter& gpu1 = *f.meters[1];
        QCOMPARE(gpu0.name(), std::string("nvml:0"));
        QCOMPARE(gpu0.kind(), MeterKind::EnergyCounter);
        QVERIFY(contains(gpu0.what(), "Fake GPU 1"));
        QCOMPARE(gpu1.kind(), MeterKind::IntegratedPower);
        QCOMPARE(gpu0.update_interval(), std::chrono::nanoseconds(std::chrono::milliseconds(100)));

        gpu0.read(at(0));
        g.energy_mj += 2500;
        Reading r = gpu0.read(at(1));
        QVERIFY(r.ok);
        QVERIFY(std::abs(r.energy_j - 2.5) < 1e-9);
        r = gpu1.read(at(1));
        QVERIFY(r.ok);
        QCOMPARE(r.power_w, 150.0);

        g.energy_mj = 10;   // driver reloaded
        r = gpu0.read(at(2));
        QVERIFY(!r.ok);
        QVERIFY2(contains(r.error, "went back from 1002500 to 10 mJ"), r.error.c_str());
        g.energy_rc = 4;
        r = gpu0.read(at(3));
        QVERIFY(!r.ok);
        QVERIFY2(contains(r.error, "nvml:0: nvmlDeviceGetTotalEnergyConsumption: NVML error 4: Insufficient Permissions"),
                 r.error.c_str());
        g.power_rc = 15;
        QVERIFY(contains(gpu1.read(at(3)).error, "nvmlDeviceGetPowerUsage: NVML error 15"));

        // The session shuts NVML down once, when the last meter goes.
        s.reset();
        QCOMPARE(g.shutdowns, 0);
        f.meters.clear();
        QCOMPARE(g.shutdowns, 1);
    }

    void init_failure_is_reported() {
        g.init_rc = 9;
        std::string error;
        QVERIFY(!NvmlSession::from_api(fake_api(), error));
        QCOMPARE(error, std::string("nvmlInit_v2 failed: NVML error 9: Driver Not Loaded"));
        QCOMPARE(g.shutdowns, 0);
    }

    void a_gpu_that_cannot_be_read_is_a_problem_not_a_meter() {
        g.power_rc = 4;
        std::string error;
        auto s = NvmlSession::from_api(fake_api(), error);
        const NvmlFound f = nvml_meters(s);
        QCOMPARE(f.meters.size(), size_t(1));   // GPU 0's energy counter still works
        QCOMPARE(f.problems.size(), size_t(1));
        QVERIFY2(contains(f.problems[0], "nvml:1: nvmlDeviceGetPowerUsage: NVML error 4"), f.problems[0].c_str());
    }
};

QTEST_GUILESS_MAIN(TestEnergyNvml)
#include "test_energy_nvml.moc"
