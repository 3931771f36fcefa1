// "Connect to board...": the dialog and BoardLink against an edgemoe-serve on loopback; the board's
// backends join the lists, compare mode runs local cpu against the board, and when the board goes
// away the local stream keeps running. Also renders the dialog to a PNG (EDGEMOE_SCREENSHOT_DIR, when
// set, keeps it).
#include <QtTest>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTemporaryDir>

#include "app_test_support.h"
#include "core/board_link.h"
#include "core/meter_energy_source.h"
#include "core/pipeline.h"
#include "remote/server.h"
#include "ui/connect_board_dialog.h"
#include "ui/main_window.h"

using namespace edgemoe;
using namespace edgemoe::app;
using namespace edgemoe::app::test;

namespace {

remote::ServeOptions loopback() {
    remote::ServeOptions o;
    o.listen = "127.0.0.1:0";
    o.backend_options.threads = 1;
    o.meters = false;
    o.log = [](const std::string&) {};
    return o;
}

bool combo_has(MainWindow& w, const QString& name) {
    const auto combos = w.findChildren<QComboBox*>();
    int with = 0;
    for (QComboBox* c : combos)
        if (c->findData(name) >= 0) ++with;
    return with >= 2;   // the backend list and the compare list
}

}  // namespace

class TestAppBoard : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;

private slots:
    void initTestCase() {
        register_metatypes();
        QVERIFY(dir_.isValid());
    }

    void settingsRoundTrip() {
        QSettings s(dir_.filePath("board.ini"), QSettings::IniFormat);
        BoardSettings b;
        b.host = "::1";
        b.port = 1234;
        b.token = "tok-tok-tok";
        b.save(s);
        const BoardSettings r = BoardSettings::load(s);
        QCOMPARE(r.host, QString("::1"));
        QCOMPARE(r.port, 1234);
        QCOMPARE(r.token, QString("tok-tok-tok"));
        QCOMPARE(r.address(), QString("[::1]:1234"));
        b.port = 0;
        QVERIFY(b.address().isEmpty());
    }

    void boardEnergyComesFromTheBoardsReports() {
        // An empty sysfs: this machine has no meter at all, so any figure must be the board's.
        MeterEnergySource energy(dir_.filePath("no-sysfs").toStdString());
        EnergyFigures f = energy.figures("remote/fpga");
        QVERIFY(!f.available());
        ReportedEnergy r;
        r.reported = true;
        r.available = false;
        r.meter = "zcu102:pl";
        r.why_not = "no frame measured yet";
        energy.frameReported("remote/fpga", r);
        f = energy.figures("remote/fpga");
        QVERIFY(!f.available());
        QVERIFY2(f.unavailable.contains("on the board") && f.unavailable.contains("no frame measured yet"), qPrintable(f.unavailable));
        r.available = true;
        r.joules = 0.5;
        r.seconds = 0.05;
        energy.frameReported("remote/fpga", r);
        f = energy.figures("remote/fpga");
        QVERIFY(f.available());
        QCOMPARE(f.meter, QString("board zcu102:pl"));
        QCOMPARE(*f.joules_per_frame, 0.5);
        QCOMPARE(*f.power_w, 10.0);
        QCOMPARE(*f.frames_per_joule, 2.0);
        // A local backend is still described by this machine's meters (none here).
        QVERIFY(!energy.figures("cpu").available());
    }

    void dialogConnectsAndCompareRunsLocalAgainstBoard() {
        auto server = std::make_unique<remote::Server>(tiny_model(), loopback());
        Pipeline::Options po;   // the real registry: "remote/..." is created by name like any backend
        po.backend_options.threads = 1;
        Pipeline pipeline(po);
        AppSettings s;
        s.model = EDGEMOE_FIXTURES "/tiny.safetensors";
        s.source = write_image(dir_.path(), "grey.png", cv::Mat(90, 160, CV_8UC3, cv::Scalar(90, 128, 160)));
        s.backend = "cpu";
        s.compare_backend = "cpu";
        s.out_dir = dir_.path();
        MainWindow w(pipeline, s, list_backends());
        w.setSettingsFile(dir_.filePath("app.ini"), true);
        w.resize(1280, 800);
        w.show();
        w.startup(false);

        BoardLink link(pipeline);
        // A port nobody listens on first: the dialog says why, in words.
        BoardSettings wrong;
        wrong.port = 1;
        ConnectBoardDialog bad(link, wrong, &w);
        bad.show();
        QSignalSpy failed(&link, &BoardLink::failed);
        for (QPushButton* b : bad.findChildren<QPushButton*>())
            if (b->text() == "Connect") b->click();
        QVERIFY(failed.wait(8000));
        QVERIFY2(failed[0][0].toString().contains("cannot reach edgemoe-serve"), qPrintable(failed[0][0].toString()));
        const QString shots = qEnvironmentVariableIsSet("EDGEMOE_SCREENSHOT_DIR") ? qEnvironmentVariable("EDGEMOE_SCREENSHOT_DIR") : dir_.path();
        QVERIFY(bad.grab().save(shots + "/connect_board_dialog_unreachable.png", "PNG"));
        bad.close();

        BoardSettings good;
        good.port = server->port();
        ConnectBoardDialog dialog(link, good, &w);
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        QVERIFY(dialog.grab().save(shots + "/connect_board_dialog.png", "PNG"));
        QSignalSpy connected(&link, &BoardLink::connected);
        for (QPushButton* b : dialog.findChildren<QPushButton*>())
            if (b->text() == "Connect") b->click();
        QVERIFY(connected.wait(8000));
        QCOMPARE(dialog.result(), int(QDialog::Accepted));
        QVERIFY(std::any_of(link.backends().begin(), link.backends().end(),
                            [](const BackendInfo& b) { return b.name == "remote/cpu" && b.available; }));
        QCOMPARE(QString::fromStdString(pipeline.backendOptions().remote), "127.0.0.1:" + QString::number(server->port()));

        w.addBackends(link.backends());
        QVERIFY(combo_has(w, "remote/cpu"));
        w.setBackend("cpu");
        w.setCompareBackend("remote/cpu");
        w.setCompare(true);
        auto result_from = [&](int stream, const std::string& backend) {
            QSignalSpy spy(pipeline.worker(stream), &InferenceWorker::resultReady);
            return wait_for([&] {
                for (int i = 0; i < spy.count(); ++i)
                    if (spy[i][0].value<ResultPtr>()->backend == backend) return true;
                return false;
            }, 8000);
        };
        QVERIFY(result_from(1, "remote/cpu"));
        QVERIFY(result_from(0, "cpu"));
        QTest::qWait(300);
        QVERIFY(w.grab().save(shots + "/window_compare_local_vs_board.png", "PNG"));

        // The board goes away: the local stream keeps running.
        server->stop();
        server.reset();
        QVERIFY(result_from(0, "cpu"));
        QVERIFY(result_from(0, "cpu"));
        // The compare stream says so once and goes on with cpu until the board is back.
        QVERIFY(wait_for([&] { return pipeline.worker(1)->disconnectedBackend() == "remote/cpu"; }, 8000));
        QVERIFY(result_from(1, "cpu"));
        QTest::qWait(300);
        QVERIFY(w.grab().save(shots + "/window_board_disconnected.png", "PNG"));
        w.close();
    }
};

QTEST_MAIN(TestAppBoard)
#include "test_app_board.moc"
