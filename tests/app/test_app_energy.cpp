// The stats view's energy figures from real meter code on a fake sysfs tree: a RAPL package counter
// that advances speaks for cpu and fpga-emu; fpga has no board sensor here and says why.
#include <QtTest>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include "core/meter_energy_source.h"

using namespace edgemoe::app;
namespace fs = std::filesystem;

class TestAppEnergy : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;

    // Written to a temporary name and renamed, so the sampler thread never reads a half-written file.
    void write(const std::string& rel, const std::string& text) {
        const fs::path p = fs::path(dir_.path().toStdString()) / rel;
        fs::create_directories(p.parent_path());
        const fs::path tmp = p.string() + ".tmp";
        std::ofstream(tmp) << text;
        fs::rename(tmp, p);
    }
    void set_energy_uj(long long uj) { write("sys/class/powercap/intel-rapl:0/energy_uj", std::to_string(uj) + "\n"); }

private slots:
    void figures_from_a_fake_rapl_package() {
        write("sys/class/powercap/intel-rapl:0/name", "package-0\n");
        write("sys/class/powercap/intel-rapl:0/max_energy_range_uj", "262143328850\n");
        set_energy_uj(1'000'000);
        MeterEnergySource source(dir_.path().toStdString());

        // No board sensor in this tree: the fpga backend's figures say so, with discovery's reason.
        const EnergyFigures fpga = source.figures("fpga");
        QVERIFY(!fpga.available());
        QVERIFY2(fpga.unavailable.startsWith("not available: zcu102:"), qPrintable(fpga.unavailable));

        // The counter rises by 5 J per 100 ms (50 W) while "frames" of 100 ms finish.
        using Clock = std::chrono::steady_clock;
        long long uj = 1'000'000;
        for (int i = 0; i < 8; ++i) {
            const auto start = Clock::now();
            for (int k = 0; k < 10; ++k) {
                uj += 500'000;
                set_energy_uj(uj);
                std::this_thread::sleep_for(std::chrono::milliseconds(10));
            }
            source.frameFinished(0, "cpu", i, start, Clock::now());
        }
        // Frames get their energy once the sampler has covered their end: wait for that (a loaded test
        // machine can delay the sampler thread).
        EnergyFigures cpu;
        for (int tries = 0; tries < 100 && !cpu.joules_per_frame; ++tries) {
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
            source.resolvePending();
            cpu = source.figures("cpu");
        }
        QCOMPARE(cpu.meter, QString("rapl:package-0"));
        QVERIFY(cpu.joules_per_frame.has_value());
        // 5 J per 100 ms frame, within the sleep jitter of a loaded test machine.
        QVERIFY2(*cpu.joules_per_frame > 3.0 && *cpu.joules_per_frame < 8.0,
                 qPrintable(QString::number(*cpu.joules_per_frame)));
        QVERIFY(cpu.frames_per_joule.has_value() && std::abs(*cpu.frames_per_joule * *cpu.joules_per_frame - 1) < 1e-9);
        // fpga-emu runs on the host CPU: the package meter speaks for it too.
        QCOMPARE(source.figures("fpga-emu").meter, QString("rapl:package-0"));

        // Export: the JSON summary names the meter and has a cpu summary; the CSV one row per frame.
        const QJsonObject json = QJsonDocument::fromJson(QByteArray::fromStdString(source.summaryJson())).object();
        QCOMPARE(json["meters"].toArray().size(), 1);
        QCOMPARE(json["meters"].toArray()[0].toObject()["name"].toString(), QString("rapl:package-0"));
        QCOMPARE(json["summary"].toArray()[0].toObject()["backend"].toString(), QString("cpu"));
        const QString csv = dir_.path() + "/energy.csv";
        source.exportCsv(csv);
        QFile f(csv);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QStringList lines = QString(f.readAll()).split('\n', Qt::SkipEmptyParts);
        QVERIFY2(lines.size() >= 8 && lines[0].startsWith("time_s,index,backend"), qPrintable(lines.join("|")));
        QVERIFY(lines[1].contains(",cpu,"));
    }

    void no_sensor_at_all() {
        QTemporaryDir empty;
        MeterEnergySource source(empty.path().toStdString());
        const EnergyFigures cpu = source.figures("cpu");
        QVERIFY(!cpu.available());
        QVERIFY2(cpu.unavailable.contains("rapl:"), qPrintable(cpu.unavailable));
        QVERIFY(!cpu.power_w.has_value() && !cpu.joules_per_frame.has_value());
        // The panels show a short state; the tooltip has the full reason and the hint.
        QCOMPARE(energy_state(cpu), QString("no meter on this machine"));
        QVERIFY2(cpu.hint.contains("modprobe intel_rapl_msr"), qPrintable(cpu.hint));
        QVERIFY(energy_details(cpu).contains("does not exist"));
        QVERIFY(energy_details(cpu).contains("hint: " + cpu.hint));
        // The summary (the metrics export) says why, with the hint, rather than a number.
        const QJsonObject json = QJsonDocument::fromJson(QByteArray::fromStdString(source.summaryJson())).object();
        QVERIFY(json["meters"].toArray().isEmpty());
        QVERIFY(!json["unavailable"].toArray().isEmpty());
        bool rapl_with_hint = false;
        for (const QJsonValue& v : json["unavailable"].toArray())
            rapl_with_hint |= v.toObject()["kind"].toString() == "rapl" && v.toObject()["hint"].toString() == cpu.hint &&
                              v.toObject()["reason"].toString().contains("does not exist");
        QVERIFY(rapl_with_hint);
        EnergyFigures waiting;
        waiting.unavailable = "not available: no reading yet from rapl:package-0";
        QCOMPARE(energy_state(waiting), QString("waiting for the first reading"));
    }
};

QTEST_GUILESS_MAIN(TestAppEnergy)
#include "test_app_energy.moc"
