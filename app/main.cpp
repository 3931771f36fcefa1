// edgemoe-live: the desktop program. Parses the command line, restores the settings, builds the
// pipeline and the window, and runs. See README.md ("edgemoe-live") for the options and keys.
#include <cstdio>
#include <chrono>
#include <cstdlib>
#include <thread>

#include <QApplication>
#include <QSettings>
#include <QTimer>

#include "core/app_options.h"
#include "core/meter_energy_source.h"
#include "core/pipeline.h"
#include "core/soak.h"
#include "edgemoe/backend.h"
#include "ui/main_window.h"
#include "ui/theme.h"

using namespace edgemoe;
using namespace edgemoe::app;

int main(int argc, char** argv) {
    // The command line first, without a window system: --help, --version, --list-backends and a bad
    // option work on a machine without a display too.
    QStringList args;
    for (int i = 0; i < argc; ++i) args << QString::fromLocal8Bit(argv[i]);
    AppOptions options;
    QString text;
    switch (parse_options(args, options, text)) {
        case ParseOutcome::Help:
        case ParseOutcome::Version:
            std::fputs(qPrintable(text + "\n"), stdout);
            return 0;
        case ParseOutcome::Error:
            std::fputs(qPrintable("edgemoe-live: " + text + "\n"), stderr);
            return 2;
        case ParseOutcome::Run: break;
    }
    if (options.list_backends) {
        for (const BackendInfo& b : list_backends())
            std::printf("%s  %s\n", b.name.c_str(), b.available ? "available" : ("not available: " + b.why_not).c_str());
        return 0;
    }

    QApplication qapp(argc, argv);
    QApplication::setOrganizationName("EdgeMoE");
    QApplication::setApplicationName("edgemoe-live");
    QApplication::setApplicationDisplayName("EdgeMoE Live");
    QApplication::setApplicationVersion(EDGEMOE_VERSION);
    QApplication::setDesktopFileName("edgemoe-live");

    apply_dark_theme(qapp);
    QApplication::setWindowIcon(app_icon());

    AppSettings settings;
    if (!options.no_settings) {
        if (options.settings_file.isEmpty()) {
            QSettings s;
            settings.load(s);
        } else {
            QSettings s(options.settings_file, QSettings::IniFormat);
            settings.load(s);
        }
    }
    settings.apply(options);

    Pipeline::Options po;
    // Real sensors (RAPL, board rails, XRT, NVML) when the machine has them; each backend's figures
    // say "not available" with the reason otherwise.
    po.energy = std::make_shared<MeterEnergySource>(qEnvironmentVariable("EDGEMOE_SYSFS_ROOT", "/").toStdString());
    po.backend_options.threads = options.threads;
    po.backend_options.xclbin = settings.xclbin.toStdString();
    po.backend_options.device = settings.device.toStdString();
    Pipeline pipeline(po);
    const bool measuring = options.soak_seconds > 0 || !options.grab_path.isEmpty();
    MainWindow window(pipeline, settings, list_backends());
    window.setSettingsFile(options.settings_file, !options.no_settings && !measuring);
    if (options.width > 0) window.resize(options.width, options.height);
    if (options.fullscreen) window.showFullScreen();
    else window.show();
    window.startup(options.paused);

    std::unique_ptr<SoakMonitor> soak;
    if (options.soak_seconds > 0) {
        soak = std::make_unique<SoakMonitor>(pipeline, options.soak_seconds, std::min(10.0, options.soak_seconds));
        SoakPlan plan;
        plan.task_every_s = options.soak_task_every;
        plan.record_on_s = options.soak_record_on;
        plan.record_every_s = options.soak_record_every;
        plan.warmup_s = options.soak_warmup;
        plan.max_rss_growth_mib = options.soak_max_rss_growth;
        plan.check_fds = options.soak_check_fds;
        plan.delete_recordings = !options.soak_keep_recordings;
        soak->setPlan(plan);
        // The plan's actions go through the window, as a user's would.
        QObject::connect(soak.get(), &SoakMonitor::switchTaskRequested, &window, &MainWindow::cycleTask);
        QObject::connect(soak.get(), &SoakMonitor::recordingRequested, &window, [&window](bool on) {
            if (on) window.startRecording();
            else window.stopRecording();
        });
        QObject::connect(soak.get(), &SoakMonitor::finished, &window, [&window](int code) {
            // Bounded: should closing hang (a frame in flight that never returns), the process ends
            // anyway a minute later, with a message and exit code 3.
            std::thread([] {
                std::this_thread::sleep_for(std::chrono::seconds(60));
                std::fputs("edgemoe-live: soak: the program did not quit within 60 s of the end; exiting\n", stderr);
                std::fflush(stdout);
                _exit(3);
            }).detach();
            window.close();
            QApplication::exit(code);
        });
        soak->start();
    }
    if (!options.grab_path.isEmpty()) {
        auto grab_now = [&window, &options] {
            static bool done = false;
            if (done) return;
            done = true;
            window.refreshPanels();
            const bool ok = window.grab().save(options.grab_path, "PNG");
            std::printf("%s %s (%lld frames shown)\n", ok ? "saved" : "could not save", qPrintable(options.grab_path),
                        static_cast<long long>(window.framesDisplayed()));
            window.close();
            QApplication::exit(ok ? 0 : 1);
        };
        QObject::connect(&window, &MainWindow::frameDisplayed, &window, [&window, &options, grab_now](qint64) {
            // Let the panels catch up with a refresh, then take the picture.
            if (window.framesDisplayed() == options.grab_after) QTimer::singleShot(300, &window, grab_now);
        });
        // Whatever happens (no frames: a bad source), take the picture after 20 s.
        QTimer::singleShot(20000, &window, grab_now);
    }
    return QApplication::exec();
}
