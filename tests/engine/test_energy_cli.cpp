// edgemoe-meters end to end: on a fake sysfs tree (a RAPL package and a KV260 INA260), in text and
// JSON, listing only, with no meter at all, on this machine, and with bad arguments.
#include <QtTest>

#include <nlohmann/json.hpp>

#include "test_energy_fake_sysfs.h"

using namespace energy_test;

namespace {

struct Run {
    int rc = -1;
    std::string out, err;
};

Run run_tool(const QStringList& args) {
    QProcess p;
    p.start(QString(EDGEMOE_BINARY_DIR) + "/engine/cli/edgemoe-meters", args);
    Run r;
    if (!p.waitForFinished(20000)) return r;
    r.rc = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -2;
    r.out = p.readAllStandardOutput().toStdString();
    r.err = p.readAllStandardError().toStdString();
    return r;
}

void make_board(const FakeSysfs& fs) {
    fs.write("sys/class/powercap/intel-rapl:0/name", "package-0\n");
    fs.write("sys/class/powercap/intel-rapl:0/energy_uj", "123456789\n");
    fs.write("sys/class/powercap/intel-rapl:0/max_energy_range_uj", "262143328850\n");
    fs.write("sys/class/hwmon/hwmon0/name", "ina260_u14\n");
    fs.write("sys/class/hwmon/hwmon0/power1_input", "4500000\n");
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

class TestEnergyCli : public QObject {
    Q_OBJECT

private slots:
    void json_on_a_fake_tree() {
        FakeSysfs fs;
        make_board(fs);
        const Run r = run_tool({"--sysfs-root", QString::fromStdString(fs.root().string()), "--seconds", "0.2",
                                "--json", "--no-nvml"});
        QVERIFY2(r.rc == 0, r.err.c_str());
        const nlohmann::json j = nlohmann::json::parse(r.out);
        QCOMPARE(j["sysfs_root"].get<std::string>(), fs.root().string());
        QVERIFY(j["seconds"].get<double>() >= 0.19);
        QCOMPARE(j["period_ms"].get<int>(), 10);
        QCOMPARE(j["meters"].size(), size_t(2));
        const auto& rapl = j["meters"][0];
        QCOMPARE(rapl["name"].get<std::string>(), std::string("rapl:package-0"));
        QCOMPARE(rapl["method"].get<std::string>(), std::string("energy counter"));
        QCOMPARE(rapl["available"].get<bool>(), true);
        QCOMPARE(rapl["energy_j"].get<double>(), 0.0);   // the fake counter does not move
        const auto& kv = j["meters"][1];
        QCOMPARE(kv["name"].get<std::string>(), std::string("kv260:som"));
        QCOMPARE(kv["method"].get<std::string>(), std::string("integrated power"));
        QVERIFY(std::abs(kv["average_power_w"].get<double>() - 4.5) < 1e-9);
        QVERIFY(std::abs(kv["energy_j"].get<double>() - 4.5 * j["seconds"].get<double>()) < 1e-9);
        std::string kinds;
        for (const auto& u : j["unavailable"]) kinds += u["kind"].get<std::string>() + " ";
        QCOMPARE(kinds, std::string("amd_energy zcu102 xrt nvml "));
    }

    void text_listing_and_exit_statuses() {
        FakeSysfs fs;
        make_board(fs);
        const QString root = QString::fromStdString(fs.root().string());
        Run r = run_tool({"--sysfs-root", root, "--seconds", "0.1", "--no-nvml"});
        QVERIFY2(r.rc == 0, r.err.c_str());
        QVERIFY2(contains(r.out, "kv260:som") && contains(r.out, "integrated power") && contains(r.out, "4.500 W"),
                 r.out.c_str());
        QVERIFY(contains(r.out, "not available:"));
        QVERIFY(contains(r.out, "no INA226 power monitor"));

        r = run_tool({"--sysfs-root", root, "--seconds", "0", "--no-nvml"});   // list only
        QCOMPARE(r.rc, 0);
        QVERIFY(contains(r.out, "meters found:") && !contains(r.out, "over "));

        FakeSysfs empty;
        r = run_tool({"--sysfs-root", QString::fromStdString(empty.root().string()), "--seconds", "0.05", "--no-nvml"});
        QCOMPARE(r.rc, 2);
        QVERIFY(contains(r.out, "no meter found"));
        QVERIFY(contains(r.out, "sys/class/powercap does not exist"));
    }

    void runs_on_this_machine() {
        const Run r = run_tool({"--seconds", "0.1", "--json"});
        QVERIFY2(r.rc == 0 || r.rc == 2, r.err.c_str());
        const nlohmann::json j = nlohmann::json::parse(r.out);
        QVERIFY(j["meters"].size() + j["unavailable"].size() > 0);
        // Every meter that gave no figure says why.
        for (const auto& m : j["meters"])
            QVERIFY(m["available"].get<bool>() ? m.contains("average_power_w") : m.contains("reason"));
    }

    void bad_arguments_fail_clearly() {
        Run r = run_tool({"--frobnicate"});
        QCOMPARE(r.rc, 1);
        QVERIFY2(contains(r.err, "edgemoe-meters: unknown argument '--frobnicate'"), r.err.c_str());
        r = run_tool({"--seconds", "soon"});
        QCOMPARE(r.rc, 1);
        QVERIFY(contains(r.err, "--seconds needs a number of seconds"));
        r = run_tool({"--sysfs-root", "/nonexistent/sys-copy"});
        QCOMPARE(r.rc, 1);
        QVERIFY(contains(r.err, "/nonexistent/sys-copy: not a directory"));
        r = run_tool({"--period-ms", "0"});
        QCOMPARE(r.rc, 1);
        r = run_tool({"--help"});
        QCOMPARE(r.rc, 0);
        QVERIFY(contains(r.out, "usage: edgemoe-meters"));
    }
};

QTEST_GUILESS_MAIN(TestEnergyCli)
#include "test_energy_cli.moc"
