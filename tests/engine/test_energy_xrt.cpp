// XRT electrical info: the JSON parser (string figures, "N/A", numbers, xbutil's wrapper, bad input)
// and the meter built on a source function, as the XRT backend will supply it.
#include <QtTest>

#include <stdexcept>

#include "edgemoe/backend.h"
#include "edgemoe/meter_discovery.h"
#include "edgemoe/meter_xrt.h"
#include "test_energy_fake_sysfs.h"

using namespace energy_test;

namespace {

// The shape of xrt::device::get_info<electrical>() on an Alveo card.
const char* kU50 = R"({
  "power_rails": [
    {"id": "12v_aux", "description": "12 Volts Auxillary",
     "voltage": {"volts": "12.208", "is_present": "true"}, "current": {"amps": "0.336", "is_present": "true"}},
    {"id": "12v_pex", "description": "12 Volts PCI Express",
     "voltage": {"volts": "12.192", "is_present": "true"}, "current": {"amps": "N/A", "is_present": "true"}},
    {"id": "vccint", "description": "Internal FPGA Vcc",
     "voltage": {"volts": "0.850", "is_present": "true"}, "current": {"amps": "0", "is_present": "false"}}
  ],
  "power_consumption_max_watts": "75",
  "power_consumption_watts": "19.803",
  "power_consumption_warning": "false"
})";

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

class TestEnergyXrt : public QObject {
    Q_OBJECT

private slots:
    void parses_string_figures_and_rails() {
        const XrtElectrical e = parse_xrt_electrical(kU50);
        QVERIFY(e.power_w);
        QCOMPARE(*e.power_w, 19.803);
        QCOMPARE(*e.max_power_w, 75.0);
        QCOMPARE(e.rails.size(), size_t(3));
        QCOMPARE(e.rails[0].id, std::string("12v_aux"));
        QCOMPARE(*e.rails[0].volts, 12.208);
        QCOMPARE(*e.rails[0].amps, 0.336);
        QVERIFY(!e.rails[1].amps);        // "N/A"
        QVERIFY(e.rails[2].volts);
        QVERIFY(!e.rails[2].amps);        // is_present "false"
    }

    void na_numbers_and_the_xbutil_wrapper() {
        XrtElectrical e = parse_xrt_electrical(R"({"power_consumption_watts": "N/A", "power_rails": []})");
        QVERIFY(!e.power_w);
        e = parse_xrt_electrical(R"({"power_consumption_watts": 23.5})");
        QCOMPARE(*e.power_w, 23.5);
        e = parse_xrt_electrical(R"({"electrical": {"power_consumption_watts": " 7.25 "}})");
        QCOMPARE(*e.power_w, 7.25);
        e = parse_xrt_electrical("{}");   // no xclbin loaded: nothing reported
        QVERIFY(!e.power_w && e.rails.empty());
    }

    void bad_input_throws_with_the_reason() {
        const auto fails_with = [](const char* text, const char* part) {
            try {
                parse_xrt_electrical(text);
            } catch (const std::invalid_argument& e) {
                return contains(e.what(), part);
            }
            return false;
        };
        QVERIFY(fails_with("not json", "not JSON"));
        QVERIFY(fails_with("[1, 2]", "not a JSON object"));
        QVERIFY(fails_with(R"({"power_consumption_watts": "12.x"})", "'12.x' is not a number"));
        QVERIFY(fails_with(R"({"power_consumption_watts": true})", "neither a number nor a string"));
        QVERIFY(fails_with(R"({"power_rails": [{"id": 3}]})", "XRT electrical info"));
    }

    void meter_reads_the_source_and_reports_failures() {
        auto text = std::make_shared<std::string>(kU50);
        XrtDevice dev;
        dev.name = "xrt:0000:65:00.1";
        dev.what = "Alveo U50";
        dev.source = [text]() -> std::string {
            if (*text == "throw") throw std::runtime_error("xrt: device is gone");
            return *text;
        };
        auto m = make_xrt_meter(dev);
        QCOMPARE(m->kind(), MeterKind::IntegratedPower);
        QCOMPARE(m->family(), std::string("xrt"));
        QCOMPARE(m->update_interval(), std::chrono::nanoseconds(std::chrono::seconds(1)));
        Reading r = m->read(at(1));
        QVERIFY(r.ok);
        QCOMPARE(r.power_w, 19.803);
        *text = R"({"power_consumption_watts": "N/A"})";
        r = m->read(at(2));
        QVERIFY(!r.ok);
        QCOMPARE(r.power_w, 0.0);
        QVERIFY2(contains(r.error, "power_consumption_watts as N/A"), r.error.c_str());
        QVERIFY(contains(r.hint, "xbutil"));
        *text = std::string("throw");
        r = m->read(at(3));
        QVERIFY(!r.ok);
        QVERIFY(contains(r.error, "xrt:0000:65:00.1: xrt: device is gone"));
        *text = std::string("{");
        QVERIFY(contains(m->read(at(4)).error, "not JSON"));
    }

    void discovery_takes_the_backends_sources() {
        DiscoveryOptions o;
        Discovery none;
        discover_xrt(o, none);
        QVERIFY(none.meters.empty());
        QVERIFY(contains(none.unavailable.at(0).reason, "no Alveo card open"));
        o.xrt.push_back({"xrt:0", "card 0", [] { return std::string(R"({"power_consumption_watts": "20"})"); }});
        o.xrt.push_back({"xrt:1", "card 1", [] { return std::string(R"({"power_consumption_watts": "N/A"})"); }});
        Discovery d;
        discover_xrt(o, d);
        QCOMPARE(d.meters.size(), size_t(1));
        QCOMPARE(d.meters[0]->name(), std::string("xrt:0"));
        QCOMPARE(d.unavailable.size(), size_t(1));
        QCOMPARE(d.unavailable[0].meter, std::string("xrt:1"));
    }

    // The registry says which sensor families describe each backend's work (the app and the
    // server take it from there): the host package for the host backends, the board for fpga.
    void the_registry_names_each_backends_meters() {
        using V = std::vector<std::string>;
        QCOMPARE(edgemoe::energy_meter_families("cpu"), (V{"rapl", "amd_energy"}));
        QCOMPARE(edgemoe::energy_meter_families("fpga-emu"), (V{"rapl", "amd_energy"}));
        QCOMPARE(edgemoe::energy_meter_families("fpga"), (V{"zcu102", "kv260", "xrt"}));
        QVERIFY(edgemoe::energy_meter_families("no-such-backend").empty());
        // Every backend that computes on this machine or its card has meters; the remote backend's
        // energy is the server's (its frames carry the board's readings), so none here speaks for it.
        for (const edgemoe::BackendInfo& b : edgemoe::list_backends())
            QVERIFY2(edgemoe::energy_meter_families(b.name).empty() == (b.name == "remote"), b.name.c_str());
        QVERIFY(edgemoe::energy_meter_families("remote/fpga").empty());
    }
};

QTEST_GUILESS_MAIN(TestEnergyXrt)
#include "test_energy_xrt.moc"
