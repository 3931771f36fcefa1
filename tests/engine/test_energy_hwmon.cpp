// hwmon meters on fake sysfs trees: ZCU102 INA226 rails identified by I2C mux channel and address
// whatever the hwmonN numbering, by iio-hwmon names and by device-tree labels; PL and PS totals; the
// KV260's INA260; amd_energy/zenergy; and their failures.
#include <QtTest>

#include <algorithm>
#include <cstdio>
#include <random>

#include "edgemoe/meter_discovery.h"
#include "energy/zcu102_rails.h"
#include "test_energy_fake_sysfs.h"

using namespace energy_test;

namespace {

const char* kI2c0 = "sys/devices/platform/axi/ff020000.i2c/i2c-0";

// The ZCU102 layout of the ina2xx hwmon driver: every chip named "ina226", on bus 3 (PS_PMBUS,
// channel 0 of mux 0-0075) or bus 4 (PL_PMBUS, channel 1).
void add_mux(const FakeSysfs& fs) {
    const std::string mux = std::string(kI2c0) + "/0-0075";
    fs.mkdir(mux + "/i2c-3");
    fs.mkdir(mux + "/i2c-4");
    fs.link(mux + "/channel-0", "i2c-3");
    fs.link(mux + "/channel-1", "i2c-4");
    fs.link(mux + "/i2c-3/mux_device", "..");
    fs.link(mux + "/i2c-4/mux_device", "..");
}

// A hwmon device for an I2C chip: the device folder, its hwmon/hwmonN, and /sys/class/hwmon/hwmonN.
void add_i2c_hwmon(const FakeSysfs& fs, const std::string& adapter_dir, int bus, int address, int hwmon,
                   const std::string& name, long microwatts, const std::string& of_label = "") {
    char client[16];
    std::snprintf(client, sizeof client, "%d-%04x", bus, address);
    const std::string dev = adapter_dir + "/" + client;
    const std::string hw = dev + "/hwmon/hwmon" + std::to_string(hwmon);
    fs.write(hw + "/name", name + "\n");
    fs.write(hw + "/power1_input", std::to_string(microwatts) + "\n");
    fs.write(hw + "/update_interval", "35\n");
    fs.link(hw + "/device", "../..");
    if (!of_label.empty()) {
        fs.write("sys/firmware/devicetree/base/node-" + std::string(client) + "/label", of_label + std::string(1, '\0'));
        std::string up;   // from the device folder back to sys/
        for (size_t i = 0; i < size_t(std::count(dev.begin(), dev.end(), '/')); ++i) up += "../";
        fs.link(dev + "/of_node", up + "firmware/devicetree/base/node-" + std::string(client));
    }
    // From sys/class/hwmon to sys/devices/...
    fs.link("sys/class/hwmon/hwmon" + std::to_string(hwmon), "../../" + hw.substr(4));
}

void set_board(const FakeSysfs& fs, const std::string& compatible) {
    fs.write("sys/firmware/devicetree/base/compatible", compatible);
}

// Microwatts of each rail in the fake tree: distinct, so sums are checkable.
long rail_uw(size_t i) { return long(1'000'000 + 100'000 * i); }

// All 18 ZCU102 INA226s in the ina2xx layout, with hwmon numbers shuffled by `seed`.
void add_zcu102_ina2xx(const FakeSysfs& fs, unsigned seed) {
    add_mux(fs);
    set_board(fs, std::string("xlnx,zynqmp-zcu102-rev1.0") + '\0' + "xlnx,zynqmp-zcu102" + '\0' + "xlnx,zynqmp" + '\0');
    const auto rails = zcu102_rails();
    std::vector<int> numbers(rails.size());
    for (size_t i = 0; i < numbers.size(); ++i) numbers[i] = int(i) + 2;   // hwmon0/1: something else
    std::shuffle(numbers.begin(), numbers.end(), std::mt19937(seed));
    for (size_t i = 0; i < rails.size(); ++i) {
        const int bus = rails[i].mux_channel == 0 ? 3 : 4;
        add_i2c_hwmon(fs, std::string(kI2c0) + "/0-0075/i2c-" + std::to_string(bus), bus, rails[i].address,
                      numbers[i], "ina226", rail_uw(i));
    }
    fs.write("sys/class/hwmon/hwmon0/name", "cpu_thermal\n");
    fs.write("sys/class/hwmon/hwmon1/name", "ams\n");
}

double expected_total(ZynqDomain domain) {
    double w = 0;
    const auto rails = zcu102_rails();
    for (size_t i = 0; i < rails.size(); ++i)
        if (rails[i].domain == domain && rails[i].in_total) w += rail_uw(i) * 1e-6;
    return w;
}

// The power file of the chip at I2C client `client`, through /sys/class/hwmon as the meters see it.
std::string power_file_of(const FakeSysfs& fs, const std::string& client) {
    for (const auto& e : fs::directory_iterator(fs.path("sys/class/hwmon"))) {
        std::error_code ec;
        if (fs::canonical(e.path() / "device", ec).filename() == client && !ec) return (e.path() / "power1_input").string();
    }
    return {};
}

Meter* find(Discovery& d, const std::string& name) {
    for (auto& m : d.meters)
        if (m->name() == name) return m.get();
    return nullptr;
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

std::string unavailable_text(const Discovery& d) {
    std::string s;
    for (const auto& u : d.unavailable) s += u.kind + "|" + u.meter + "|" + u.reason + "\n";
    return s;
}

}  // namespace

class TestEnergyHwmon : public QObject {
    Q_OBJECT

private slots:
    void zcu102_rails_found_by_mux_channel_and_address_whatever_the_hwmon_numbers() {
        for (unsigned seed : {1u, 2u, 3u}) {
            FakeSysfs fs;
            add_zcu102_ina2xx(fs, seed);
            DiscoveryOptions o;
            o.rails = true;
            Discovery d;
            discover_zcu102(fs.root(), o, d);
            QVERIFY2(d.unavailable.empty(), unavailable_text(d).c_str());
            QCOMPARE(d.meters.size(), size_t(2 + 18));
            Meter* pl = find(d, "zcu102:pl");
            Meter* ps = find(d, "zcu102:ps");
            QVERIFY(pl && ps);
            QCOMPARE(pl->kind(), MeterKind::IntegratedPower);
            QVERIFY2(contains(pl->what(), "VCCINT (u79) + VCCBRAM (u81) + VCCAUX (u80)"), pl->what().c_str());
            QVERIFY(!contains(pl->what(), "WITHOUT"));
            const Reading rpl = pl->read(at(1)), rps = ps->read(at(1));
            QVERIFY(rpl.ok && rps.ok);
            QVERIFY(std::abs(rpl.power_w - expected_total(ZynqDomain::PL)) < 1e-9);
            QVERIFY(std::abs(rps.power_w - expected_total(ZynqDomain::PS)) < 1e-9);
            // Each rail reads its own chip: VCCINT is u79 at 0x40 on PL_PMBUS, not u76 at 0x40 on PS_PMBUS.
            const auto rails = zcu102_rails();
            for (size_t i = 0; i < rails.size(); ++i) {
                std::string name = std::string("zcu102:") + rails[i].rail;
                std::transform(name.begin(), name.end(), name.begin(), [](char c) { return char(std::tolower(c)); });
                Meter* m = find(d, name);
                QVERIFY2(m, name.c_str());
                QCOMPARE(m->update_interval(), std::chrono::nanoseconds(std::chrono::milliseconds(35)));
                QVERIFY(std::abs(m->read(at(1)).power_w - rail_uw(i) * 1e-6) < 1e-12);
            }
        }
    }

    void zcu102_iio_hwmon_names_carry_the_designator() {
        FakeSysfs fs;
        set_board(fs, std::string("xlnx,zynqmp-zcu102") + '\0');
        const auto rails = zcu102_rails();
        for (size_t i = 0; i < rails.size(); ++i) {
            const std::string d = "sys/class/hwmon/hwmon" + std::to_string(17 - i) + "/";
            fs.write(d + "name", std::string("ina226_") + rails[i].designator + "\n");
            fs.write(d + "power1_input", std::to_string(rail_uw(i)) + "\n");
        }
        Discovery d;
        discover_zcu102(fs.root(), {}, d);
        QVERIFY2(d.unavailable.empty(), unavailable_text(d).c_str());
        QCOMPARE(d.meters.size(), size_t(2));   // the totals only, without DiscoveryOptions::rails
        QVERIFY(std::abs(find(d, "zcu102:pl")->read(at(1)).power_w - expected_total(ZynqDomain::PL)) < 1e-9);
        QVERIFY(std::abs(find(d, "zcu102:ps")->read(at(1)).power_w - expected_total(ZynqDomain::PS)) < 1e-9);
        // No update_interval file in this layout: the documented assumption.
        QCOMPARE(find(d, "zcu102:pl")->update_interval(), std::chrono::nanoseconds(std::chrono::milliseconds(35)));
    }

    void zcu102_device_tree_label_identifies_a_chip_off_the_mux() {
        FakeSysfs fs;
        set_board(fs, std::string("xlnx,zynqmp-zcu102") + '\0');
        const std::string adapter = std::string(kI2c0);
        add_i2c_hwmon(fs, adapter, 0, 0x40, 4, "ina226", 2'000'000, "ina226-u79");
        add_i2c_hwmon(fs, adapter, 0, 0x41, 3, "ina226", 3'000'000);   // no label, not on a mux: unknown
        DiscoveryOptions o;
        o.rails = true;
        Discovery d;
        discover_zcu102(fs.root(), o, d);
        Meter* vccint = find(d, "zcu102:vccint");
        QVERIFY2(vccint, unavailable_text(d).c_str());
        QVERIFY(std::abs(vccint->read(at(1)).power_w - 2.0) < 1e-12);
        // The PL total has VCCINT only and says what it lacks.
        Meter* pl = find(d, "zcu102:pl");
        QVERIFY(pl);
        QVERIFY2(contains(pl->what(), "WITHOUT VCCBRAM (u81), VCCAUX (u80)"), pl->what().c_str());
        QVERIFY(!find(d, "zcu102:ps"));
        const std::string u = unavailable_text(d);
        QVERIFY2(contains(u, "zcu102|ina226:0-0041|cannot tell which rail"), u.c_str());
        QVERIFY(contains(u, "share addresses"));
        QVERIFY(contains(u, "zcu102|zcu102:ps|no readable PS rail"));
        QVERIFY(contains(u, "no INA226 found for VCCBRAM (u81)"));
    }

    void zcu102_unreadable_rail_is_left_out_with_the_reason_and_a_later_failure_fails_the_total() {
        FakeSysfs fs;
        add_zcu102_ina2xx(fs, 7);
        FaultyReader faulty;
        // u81 (VCCBRAM) is PL_PMBUS 0x41, client 4-0041.
        const std::string u81_power = power_file_of(fs, "4-0041");
        QVERIFY(!u81_power.empty());
        faulty.fail(u81_power, EACCES);
        DiscoveryOptions o;
        o.reader = faulty.reader();
        Discovery d;
        discover_zcu102(fs.root(), o, d);
        Meter* pl = find(d, "zcu102:pl");
        QVERIFY(pl);
        QVERIFY2(contains(pl->what(), "VCCINT (u79) + VCCAUX (u80); WITHOUT VCCBRAM (u81)"), pl->what().c_str());
        const std::string u = unavailable_text(d);
        QVERIFY2(contains(u, "zcu102|zcu102:vccbram|" + u81_power + ": permission denied"), u.c_str());

        // A rail of the total that stops answering fails the whole total: no partial sum.
        const std::string u79_power = power_file_of(fs, "4-0040");
        faulty.fail(u79_power, EIO);
        const Reading r = pl->read(at(2));
        QVERIFY(!r.ok);
        QVERIFY2(contains(r.error, "zcu102:vccint: " + u79_power + ": the driver returned an I/O error"), r.error.c_str());
        QCOMPARE(r.power_w, 0.0);
        faulty.clear();
        fs.write(u79_power.substr(fs.root().string().size() + 1), "garbage\n");
        QVERIFY(contains(pl->read(at(3)).error, "malformed value 'garbage'"));
    }

    void ina226_on_another_board_is_not_mapped_with_the_zcu102_table() {
        FakeSysfs fs;
        add_zcu102_ina2xx(fs, 5);
        set_board(fs, std::string("xlnx,zynqmp-zcu106-revA") + '\0' + "xlnx,zynqmp" + '\0');
        Discovery d;
        discover_zcu102(fs.root(), {}, d);
        QVERIFY(d.meters.empty());
        QVERIFY2(contains(unavailable_text(d), "the board is 'xlnx,zynqmp-zcu106-revA', not a ZCU102"),
                 unavailable_text(d).c_str());
    }

    void kv260_ina260_in_both_layouts() {
        {
            FakeSysfs fs;
            fs.write("sys/class/hwmon/hwmon1/name", "ina260_u14\n");
            fs.write("sys/class/hwmon/hwmon1/power1_input", "4500000\n");
            Discovery d;
            discover_kv260(fs.root(), {}, d);
            QVERIFY(d.unavailable.empty());
            Meter* m = find(d, "kv260:som");
            QVERIFY(m);
            QVERIFY(contains(m->what(), "u14"));
            QCOMPARE(m->kind(), MeterKind::IntegratedPower);
            QVERIFY(std::abs(m->read(at(1)).power_w - 4.5) < 1e-12);
        }
        {
            FakeSysfs fs;
            add_i2c_hwmon(fs, "sys/devices/platform/axi/ff030000.i2c/i2c-1", 1, 0x40, 0, "ina260", 3'250'000);
            Discovery d;
            discover_kv260(fs.root(), {}, d);
            Meter* m = find(d, "kv260:som");
            QVERIFY(m);
            QVERIFY2(contains(m->what(), "1-0040"), m->what().c_str());
            QVERIFY(std::abs(m->read(at(1)).power_w - 3.25) < 1e-12);
            fs.remove("sys/devices/platform/axi/ff030000.i2c/i2c-1/1-0040/hwmon/hwmon0/power1_input");
            const Reading r = m->read(at(2));
            QVERIFY(!r.ok);
            QVERIFY(contains(r.error, "power1_input: no such file"));
        }
        {
            FakeSysfs fs;
            Discovery d;
            discover_kv260(fs.root(), {}, d);
            QVERIFY(d.meters.empty());
            QVERIFY(contains(d.unavailable.at(0).reason, "no INA260"));
        }
    }

    void amd_energy_and_zenergy_sockets() {
        FakeSysfs fs;
        fs.write("sys/class/hwmon/hwmon2/name", "zenergy\n");
        fs.write("sys/class/hwmon/hwmon2/energy1_label", "Ecore000\n");
        fs.write("sys/class/hwmon/hwmon2/energy1_input", "10\n");
        fs.write("sys/class/hwmon/hwmon2/energy17_label", "Esocket0\n");
        fs.write("sys/class/hwmon/hwmon2/energy17_input", "5000000\n");
        fs.write("sys/class/hwmon/hwmon3/name", "amd_energy\n");
        fs.write("sys/class/hwmon/hwmon3/energy1_label", "Esocket1\n");
        fs.write("sys/class/hwmon/hwmon3/energy1_input", "7000000\n");
        FaultyReader faulty;
        DiscoveryOptions o;
        o.reader = faulty.reader();
        Discovery d;
        discover_amd_energy(fs.root(), o, d);
        QVERIFY2(d.unavailable.empty(), unavailable_text(d).c_str());
        QCOMPARE(d.meters.size(), size_t(2));   // sockets only: the core channels are inside them
        Meter* s0 = find(d, "amd_energy:socket0");
        QVERIFY(s0 && find(d, "amd_energy:socket1"));
        QCOMPARE(s0->kind(), MeterKind::EnergyCounter);
        QCOMPARE(s0->max_read_interval(), std::chrono::nanoseconds::max());   // 64-bit: no wrap
        s0->read(at(0));   // from here on, fake time
        fs.write("sys/class/hwmon/hwmon2/energy17_input", "7500000\n");
        Reading r = s0->read(at(1));
        QVERIFY(r.ok);
        QVERIFY(std::abs(r.energy_j - 2.5) < 1e-9);
        // The driver was reloaded: its accumulator starts again near 0. Not a wrap (it has none).
        fs.write("sys/class/hwmon/hwmon2/energy17_input", "1000\n");
        r = s0->read(at(2));
        QVERIFY(!r.ok);
        QVERIFY2(contains(r.error, "went back from 7500000 to 1000"), r.error.c_str());
        // Root-only counters since the PLATYPUS fix.
        faulty.fail("energy17_input", EACCES);
        r = s0->read(at(3));
        QVERIFY(!r.ok);
        QVERIFY(contains(r.error, "permission denied"));
        QVERIFY(contains(r.hint, "udev"));
    }

    void amd_energy_absent_says_so() {
        FakeSysfs fs;
        Discovery d;
        discover_amd_energy(fs.root(), {}, d);
        QVERIFY(d.meters.empty());
        QVERIFY(contains(d.unavailable.at(0).reason, "no amd_energy or zenergy device"));
    }
};

QTEST_GUILESS_MAIN(TestEnergyHwmon)
#include "test_energy_hwmon.moc"
