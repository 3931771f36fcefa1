// edgemoe-selftest as a person runs it: a pass (fpga-emu against itself: the same comparison and
// report as on a board), the fpga backend refused without XRT (exit 3, XRT's reason), a frame of the
// wrong size (exit 2, naming the file). The sensors are looked up in an empty fake sysfs tree.
#include <QtTest>

#include "test_fixtures.h"

class TestSelftestCli : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;

    int run(const QStringList& args, QString& out, const QProcessEnvironment& env = QProcessEnvironment::systemEnvironment()) {
        QProcess p;
        p.setProcessEnvironment(env);
        p.start(QString(EDGEMOE_BINARY_DIR) + "/engine/cli/edgemoe-selftest",
                args + QStringList{"--sysfs-root", dir_.path(), "--threads", "2"});
        if (!p.waitForFinished(600000)) return -1;
        out = QString::fromLocal8Bit(p.readAllStandardOutput() + p.readAllStandardError());
        return p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -2;
    }
    QStringList model() const { return {"--model", QString::fromStdString(edgemoe::test::kUntrainedModel)}; }

private slots:
    void passes_against_the_same_kernel() {
        QString out;
        QCOMPARE(run(model() + QStringList{"--backend", "fpga-emu"}, out), 0);
        QVERIFY2(out.contains("identical to fpga-emu") && out.contains("selftest: PASS"), qPrintable(out));
        QVERIFY2(out.contains("frame: ") && out.contains("selftest/frame.npy"), qPrintable(out));
        QVERIFY2(out.contains("energy of fpga-emu frames: not available"), qPrintable(out));
    }
    void fpga_without_xrt_says_why() {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.remove("XILINX_XRT");
        QString out;
        QCOMPARE(run(model() + QStringList{"--xclbin", dir_.filePath("none.xclbin")}, out, env), 3);
        QVERIFY2(out.contains("kernel: cannot open fpga: fpga: not available"), qPrintable(out));
        QVERIFY2(out.contains("energy of fpga frames: not available"), qPrintable(out));
    }
    void a_frame_of_the_wrong_size_is_refused() {
        QString out;
        const QString tiny = QString::fromStdString(edgemoe::test::fixture("tiny_input.npy"));
        QCOMPARE(run(model() + QStringList{"--backend", "fpga-emu", "--frame", tiny}, out), 2);
        QVERIFY2(out.contains(tiny + ": not a 128x256x3 uint8 array"), qPrintable(out));
    }
};

QTEST_GUILESS_MAIN(TestSelftestCli)
#include "test_selftest_cli.moc"
