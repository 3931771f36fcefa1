// RAPL powercap meters on fake sysfs trees: discovery of packages and sub-zones, wrap-around,
// counter resets, long gaps, missing files, EACCES (injected: tests run as root), malformed values,
// and the sampler refusing a period that could miss a wrap.
#include <QtTest>

#include "edgemoe/energy_sampler.h"
#include "edgemoe/meter_discovery.h"
#include "test_energy_fake_sysfs.h"

using namespace energy_test;

namespace {

constexpr uint64_t kRange = 262143328850;   // a common max_energy_range_uj

void add_zone(const FakeSysfs& fs, const std::string& zone, const std::string& name, uint64_t energy,
              uint64_t range = kRange) {
    const std::string d = "sys/class/powercap/" + zone + "/";
    fs.write(d + "name", name + "\n");
    fs.write(d + "energy_uj", std::to_string(energy) + "\n");
    fs.write(d + "max_energy_range_uj", std::to_string(range) + "\n");
}

const Meter* find(const Discovery& d, const std::string& name) {
    for (const auto& m : d.meters)
        if (m->name() == name) return m.get();
    return nullptr;
}

Meter* find_mut(Discovery& d, const std::string& name) { return const_cast<Meter*>(find(d, name)); }

const Unavailable* find_unavailable(const Discovery& d, const std::string& meter) {
    for (const auto& u : d.unavailable)
        if (u.meter == meter) return &u;
    return nullptr;
}

// Discovery's probe read used the real clock; the tests continue on the fake one (at(t)). This read
// may itself report a long gap (it depends on the machine's uptime): from here on, times are fake.
void rebase_on_fake_clock(Meter* m) { m->read(at(0)); }

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

class TestEnergyRapl : public QObject {
    Q_OBJECT

private slots:
    void finds_every_package_and_sub_zone() {
        FakeSysfs fs;
        add_zone(fs, "intel-rapl:0", "package-0", 1000);
        add_zone(fs, "intel-rapl:0:0", "core", 500);
        add_zone(fs, "intel-rapl:0:1", "dram", 200);
        add_zone(fs, "intel-rapl:1", "package-1", 3000);
        add_zone(fs, "intel-rapl:1:0", "core", 100);
        fs.mkdir("sys/class/powercap/intel-rapl");           // the control type itself: not a zone
        add_zone(fs, "intel-rapl-mmio:0", "package-0", 1);   // MMIO duplicate of package 0: ignored
        Discovery d;
        discover_rapl(fs.root(), {}, d);
        QCOMPARE(d.meters.size(), size_t(5));
        QVERIFY(d.unavailable.empty());
        const char* names[] = {"rapl:package-0", "rapl:package-0/core", "rapl:package-0/dram", "rapl:package-1",
                               "rapl:package-1/core"};
        for (size_t i = 0; i < 5; ++i) QCOMPARE(d.meters[i]->name(), std::string(names[i]));
        const Meter& dram = *d.meters[2];
        QCOMPARE(dram.kind(), MeterKind::EnergyCounter);
        QCOMPARE(dram.family(), std::string("rapl"));
        QVERIFY(contains(dram.what(), "DRAM"));
        QVERIFY(contains(d.meters[3]->what(), "package 1"));
        QVERIFY(dram.update_interval() <= std::chrono::milliseconds(1));
        // 262 kJ at 1000 W wraps in 262 s: half of that is the longest safe period.
        const double safe_s = std::chrono::duration<double>(dram.max_read_interval()).count();
        QVERIFY(std::abs(safe_s - 131.07) < 0.1);
    }

    void counts_energy_and_undoes_a_wrap_around() {
        FakeSysfs fs;
        add_zone(fs, "intel-rapl:0", "package-0", kRange - 5'000'000);   // 5 J below the top
        Discovery d;
        discover_rapl(fs.root(), {}, d);   // the probe read is the baseline
        Meter* m = find_mut(d, "rapl:package-0");
        QVERIFY(m);
        rebase_on_fake_clock(m);
        Reading r = m->read(at(0.05));
        QVERIFY(r.ok);
        const double e0 = r.energy_j;
        fs.write("sys/class/powercap/intel-rapl:0/energy_uj", std::to_string(kRange - 1'000'000) + "\n");
        r = m->read(at(0.1));
        QVERIFY2(r.ok, r.error.c_str());
        QVERIFY(std::abs(r.energy_j - e0 - 4.0) < 1e-9);
        fs.write("sys/class/powercap/intel-rapl:0/energy_uj", "3000000\n");   // wrapped: 1 J + 3 J
        r = m->read(at(0.2));
        QVERIFY2(r.ok, r.error.c_str());
        QVERIFY(std::abs(r.energy_j - e0 - 8.0) < 1e-9);
    }

    void a_counter_that_goes_back_is_an_error_not_a_wrap() {
        FakeSysfs fs;
        add_zone(fs, "intel-rapl:0", "package-0", 50'000'000'000);   // 50 kJ
        Discovery d;
        discover_rapl(fs.root(), {}, d);
        Meter* m = find_mut(d, "rapl:package-0");
        rebase_on_fake_clock(m);
        QVERIFY(m->read(at(0.5)).ok);
        // Back to 1 J: a wrap would mean 212 kJ in one second. It is a reset (driver reload).
        fs.write("sys/class/powercap/intel-rapl:0/energy_uj", "1000000\n");
        Reading r = m->read(at(1));
        QVERIFY(!r.ok);
        QVERIFY2(contains(r.error, "went back from 50000000000 to 1000000"), r.error.c_str());
        QVERIFY(contains(r.error, "driver reloaded"));
        QCOMPARE(r.energy_j, 0.0);
        // Counting resumes from the new value.
        fs.write("sys/class/powercap/intel-rapl:0/energy_uj", "3000000\n");
        const double before = m->read(at(1.5)).energy_j;
        fs.write("sys/class/powercap/intel-rapl:0/energy_uj", "5000000\n");
        r = m->read(at(2));
        QVERIFY(r.ok);
        QVERIFY(std::abs(r.energy_j - before - 2.0) < 1e-9);
    }

    void a_gap_long_enough_to_hide_a_wrap_is_an_error() {
        FakeSysfs fs;
        add_zone(fs, "intel-rapl:0", "package-0", 0, 1'000'000'000);   // 1 kJ: wraps in 1 s at 1000 W
        Discovery d;
        discover_rapl(fs.root(), {}, d);
        Meter* m = find_mut(d, "rapl:package-0");
        rebase_on_fake_clock(m);
        fs.write("sys/class/powercap/intel-rapl:0/energy_uj", "500000000\n");
        const Reading r = m->read(at(3));
        QVERIFY(!r.ok);
        QVERIFY2(contains(r.error, "3.0 s since the previous read"), r.error.c_str());
        QVERIFY(contains(r.error, "wrap"));
    }

    void sampler_refuses_a_period_that_could_miss_a_wrap() {
        FakeSysfs fs;
        add_zone(fs, "intel-rapl:0", "package-0", 0, 10'000'000);   // 10 J: wraps in 10 ms at 1000 W
        Discovery d;
        discover_rapl(fs.root(), {}, d);
        QCOMPARE(d.meters.size(), size_t(1));
        QCOMPARE(d.meters[0]->max_read_interval(), std::chrono::nanoseconds(std::chrono::milliseconds(5)));
        try {
            Sampler s(std::move(d.meters));   // 10 ms default
            QFAIL("accepted a 10 ms period");
        } catch (const std::invalid_argument& e) {
            QVERIFY2(contains(e.what(), "rapl:package-0") && contains(e.what(), "at most half that, 5"), e.what());
        }
        Discovery d2;
        discover_rapl(fs.root(), {}, d2);
        SamplerOptions o;
        o.period = std::chrono::milliseconds(2);
        Sampler ok(std::move(d2.meters), o);
        QCOMPARE(ok.size(), size_t(1));
    }

    void permission_denied_gives_the_reason_and_the_fix() {
        FakeSysfs fs;
        add_zone(fs, "intel-rapl:0", "package-0", 1000);
        add_zone(fs, "intel-rapl:0:0", "core", 1000);
        FaultyReader faulty;
        faulty.fail("intel-rapl:0/energy_uj", EACCES);   // the package only; the core zone stays readable
        DiscoveryOptions o;
        o.reader = faulty.reader();
        Discovery d;
        discover_rapl(fs.root(), o, d);
        QCOMPARE(d.meters.size(), size_t(1));
        QCOMPARE(d.meters[0]->name(), std::string("rapl:package-0/core"));
        const Unavailable* u = find_unavailable(d, "rapl:package-0");
        QVERIFY(u);
        QCOMPARE(u->kind, std::string("rapl"));
        QVERIFY2(contains(u->reason, "intel-rapl:0/energy_uj: permission denied"), u->reason.c_str());
        QVERIFY(contains(u->hint, "PLATYPUS"));
        QVERIFY(contains(u->hint, "udev"));
        QVERIFY(contains(u->hint, "SUBSYSTEM==\"powercap\""));
        QVERIFY(contains(u->hint, "chmod"));

        // Access lost after discovery: the read fails with the same hint, and no number.
        faulty.fail("intel-rapl:0:0/energy_uj", EACCES);
        const Reading r = d.meters[0]->read(at(1));
        QVERIFY(!r.ok);
        QVERIFY(contains(r.error, "permission denied"));
        QVERIFY(contains(r.hint, "udev"));
    }

    void missing_and_malformed_files_are_reported() {
        FakeSysfs fs;
        add_zone(fs, "intel-rapl:0", "package-0", 1000);
        fs.remove("sys/class/powercap/intel-rapl:0/energy_uj");
        add_zone(fs, "intel-rapl:1", "package-1", 1000);
        fs.remove("sys/class/powercap/intel-rapl:1/max_energy_range_uj");
        add_zone(fs, "intel-rapl:2", "package-2", 1000);
        fs.write("sys/class/powercap/intel-rapl:2/energy_uj", "12x34\n");
        add_zone(fs, "intel-rapl:3", "package-3", 1000);
        fs.write("sys/class/powercap/intel-rapl:3/energy_uj", "");
        Discovery d;
        discover_rapl(fs.root(), {}, d);
        QVERIFY(d.meters.empty());
        QCOMPARE(d.unavailable.size(), size_t(4));
        QVERIFY(contains(find_unavailable(d, "rapl:package-0")->reason, "energy_uj: no such file"));
        QVERIFY(contains(find_unavailable(d, "rapl:package-1")->reason, "max_energy_range_uj: no such file"));
        QVERIFY(contains(find_unavailable(d, "rapl:package-1")->reason, "wrap-around cannot be undone"));
        QVERIFY(contains(find_unavailable(d, "rapl:package-2")->reason, "malformed value '12x34'"));
        QVERIFY(contains(find_unavailable(d, "rapl:package-3")->reason, "malformed value ''"));
    }

    void value_beyond_the_range_is_malformed() {
        FakeSysfs fs;
        add_zone(fs, "intel-rapl:0", "package-0", 2000, 1000);
        Discovery d;
        discover_rapl(fs.root(), {}, d);
        QVERIFY(d.meters.empty());
        QVERIFY(contains(d.unavailable.at(0).reason, "outside the counter's range"));
    }

    void no_powercap_folder_says_so() {
        FakeSysfs fs;
        Discovery d;
        discover_rapl(fs.root(), {}, d);
        QVERIFY(d.meters.empty());
        QCOMPARE(d.unavailable.size(), size_t(1));
        QVERIFY(d.unavailable[0].meter.empty());
        QVERIFY(contains(d.unavailable[0].reason, "sys/class/powercap does not exist"));
        fs.mkdir("sys/class/powercap/intel-rapl");
        Discovery d2;
        discover_rapl(fs.root(), {}, d2);
        QVERIFY(contains(d2.unavailable.at(0).reason, "no intel-rapl:N zone"));
    }

    void discover_meters_uses_rapl_and_skips_amd_energy() {
        FakeSysfs fs;
        add_zone(fs, "intel-rapl:0", "package-0", 1000);
        fs.write("sys/class/hwmon/hwmon0/name", "zenergy\n");
        fs.write("sys/class/hwmon/hwmon0/energy1_label", "Esocket0\n");
        fs.write("sys/class/hwmon/hwmon0/energy1_input", "1000\n");
        DiscoveryOptions o;
        o.nvml = false;
        const Discovery d = discover_meters(fs.root(), o);
        QVERIFY(find(d, "rapl:package-0"));
        QVERIFY(!find(d, "amd_energy:socket0"));
        bool said_why = false;
        for (const auto& u : d.unavailable)
            said_why |= u.kind == "amd_energy" && contains(u.reason, "RAPL package zones measure the same energy");
        QVERIFY(said_why);
    }
};

QTEST_GUILESS_MAIN(TestEnergyRapl)
#include "test_energy_rapl.moc"
