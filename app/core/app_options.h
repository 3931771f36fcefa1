#pragma once
// The program's command line (QCommandLineParser) and its persistent settings (QSettings), and how
// they combine: an option given on the command line wins over the saved setting, a saved setting
// over the built-in default (the bundled model and sample video).
#include <QByteArray>
#include <QSettings>
#include <QString>
#include <QStringList>

namespace edgemoe::app {

struct AppOptions {
    QString source, model, task, backend, xclbin, device, compare, view, colormap, out_dir, settings_file;
    int threads = 0;
    bool fullscreen = false;
    bool no_settings = false;   // neither read nor write saved settings
    bool paused = false;
    bool list_backends = false;
    double soak_seconds = 0;    // > 0: run that long, print RSS and UI-thread time, exit
    // The soak's plan (see SoakPlan in core/soak.h).
    double soak_task_every = 0;                     // --soak-task-every SECONDS
    double soak_record_on = 0, soak_record_every = 0;   // --soak-record ON/EVERY
    double soak_warmup = 10;                        // --soak-warmup SECONDS
    double soak_max_rss_growth = -1;                // --soak-max-rss-growth MIB
    bool soak_check_fds = false;                    // --soak-check-fds
    bool soak_keep_recordings = false;              // --soak-keep-recordings
    QString grab_path;          // save a picture of the whole window after grab_after frames, exit
    int grab_after = 30;
    int width = 0, height = 0;  // --window-size WxH
};

enum class ParseOutcome { Run, Help, Version, Error };

// args includes the program name (as QCoreApplication::arguments()). `text`: the help or version text,
// or the error message.
ParseOutcome parse_options(const QStringList& args, AppOptions& out, QString& text);

struct AppSettings {
    QString source;                 // empty: the bundled sample video
    QString model;                  // empty: the bundled model
    QString task = "semseg";
    QString backend = "cpu";
    QString compare_backend;        // empty: the first other available backend (see default_compare_backend)
    bool compare = false;
    QString xclbin;
    QString device;                 // fpga: device index or PCIe BDF
    QString view = "overlay";
    double alpha = 0.55;
    QString colormap = "turbo";
    bool experts_overlay = false;
    int expert_block = 0;
    bool legend = true;
    double speed = 1.0;
    bool loop = true;
    QString out_dir;                // empty: the user's Pictures / Videos / Documents folders
    QByteArray geometry, window_state;

    void load(QSettings& s);
    void save(QSettings& s) const;
    // Command-line values override.
    void apply(const AppOptions& o);
};

}  // namespace edgemoe::app
