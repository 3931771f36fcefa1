#include "core/app_options.h"

#include <algorithm>

#include <QCommandLineParser>

namespace edgemoe::app {

ParseOutcome parse_options(const QStringList& args, AppOptions& out, QString& text) {
    QCommandLineParser p;
    p.setApplicationDescription(
        "EdgeMoE Live: the M³ViT multi-task mixture-of-experts vision transformer, live.\n"
        "Semantic segmentation and depth from one backbone; its MoE layers route each patch to experts per task.\n"
        "Without options it plays the bundled sample video with the bundled model.");
    const QCommandLineOption help = p.addHelpOption();
    const QCommandLineOption version = p.addVersionOption();
    // --input as well: edgemoe-run calls it that.
    const QCommandLineOption source({"i", "source", "input"},
                                    "Camera index or /dev/videoN, video file, image, folder of images, or synthetic[:WxH].",
                                    "SPEC");
    const QCommandLineOption model("model", "Model file (.safetensors).", "FILE");
    const QCommandLineOption task("task", "semseg, depth or both.", "TASK");
    const QCommandLineOption backend("backend", "cpu, fpga-emu or fpga (falls back to cpu when it cannot start).", "NAME");
    const QCommandLineOption xclbin("xclbin", "FPGA kernel binary for the fpga backend.", "FILE");
    const QCommandLineOption device("device", "FPGA device for the fpga backend: index or PCIe BDF.", "DEV");
    const QCommandLineOption compare("compare", "Compare mode: also run every frame through this backend.", "BACKEND");
    const QCommandLineOption view("view", "overlay, output or input.", "MODE");
    const QCommandLineOption colormap("colormap", "Depth colour map: turbo, inferno, viridis or grey.", "MAP");
    const QCommandLineOption threads("threads", "CPU backend threads (default: all cores).", "N");
    const QCommandLineOption fullscreen("fullscreen", "Start full screen.");
    const QCommandLineOption paused("paused", "Open the source paused.");
    const QCommandLineOption out_dir("out", "Folder for recordings, screenshots and metrics.", "DIR");
    const QCommandLineOption settings_file("settings", "Settings file (INI) instead of the user's.", "FILE");
    const QCommandLineOption no_settings("no-settings", "Neither read nor save settings.");
    const QCommandLineOption list("list-backends", "Print the backends of this build and exit.");
    const QCommandLineOption soak("soak", "Benchmark: run SECONDS, print memory and UI-thread time, exit.", "SECONDS");
    const QCommandLineOption soak_task("soak-task-every", "Soak: switch the task every SECONDS.", "SECONDS");
    const QCommandLineOption soak_record("soak-record",
                                         "Soak: record ON seconds of every EVERY seconds (the first at EVERY/4), "
                                         "each recording removed once written unless --soak-keep-recordings.",
                                         "ON/EVERY");
    const QCommandLineOption soak_warmup("soak-warmup", "Soak: seconds before the memory and file-handle baseline (default 10).",
                                         "SECONDS");
    const QCommandLineOption soak_growth("soak-max-rss-growth", "Soak: exit 1 when RSS grows more than MIB after warm-up.", "MIB");
    const QCommandLineOption soak_fds("soak-check-fds", "Soak: exit 1 when the open file handles grow after warm-up.");
    const QCommandLineOption soak_keep("soak-keep-recordings", "Soak: keep the recordings it makes.");
    const QCommandLineOption grab("grab", "Save a picture of the window to FILE after --grab-after frames, exit.", "FILE");
    const QCommandLineOption grab_after("grab-after", "Frames to show before --grab (default 30).", "N");
    const QCommandLineOption window_size("window-size", "Initial window size, e.g. 1920x1080.", "WxH");
    p.addPositionalArgument("source", "The input, as for --source (optional).", "[SPEC]");
    for (const auto* o : {&source, &model, &task, &backend, &xclbin, &device, &compare, &view, &colormap, &threads, &fullscreen,
                          &paused, &out_dir, &settings_file, &no_settings, &list, &soak, &soak_task, &soak_record, &soak_warmup, &soak_growth, &soak_fds, &soak_keep,
                          &grab, &grab_after, &window_size})
        p.addOption(*o);
    if (!p.parse(args)) {
        text = p.errorText();
        return ParseOutcome::Error;
    }
    if (p.isSet(help)) {
        text = p.helpText().replace(QStringLiteral("<executable_name>"), QStringLiteral("edgemoe-live"));
        return ParseOutcome::Help;
    }
    if (p.isSet(version)) {
        text = QStringLiteral("edgemoe-live ") + QStringLiteral(EDGEMOE_VERSION);
        return ParseOutcome::Version;
    }
    // One positional argument is the source (what a file manager's "open with" passes).
    const QStringList positional = p.positionalArguments();
    if (positional.size() > 1 || (positional.size() == 1 && p.isSet(source))) {
        text = QStringLiteral("unexpected argument '%1' (one source only: -i/--source/--input SPEC, or SPEC alone)").arg(positional.last());
        return ParseOutcome::Error;
    }
    out.source = positional.isEmpty() ? p.value(source) : positional.first();
    out.model = p.value(model);
    out.task = p.value(task);
    out.backend = p.value(backend);
    out.xclbin = p.value(xclbin);
    out.device = p.value(device);
    out.compare = p.value(compare);
    out.view = p.value(view);
    out.colormap = p.value(colormap);
    out.out_dir = p.value(out_dir);
    out.settings_file = p.value(settings_file);
    out.fullscreen = p.isSet(fullscreen);
    out.paused = p.isSet(paused);
    out.no_settings = p.isSet(no_settings);
    out.list_backends = p.isSet(list);
    out.grab_path = p.value(grab);
    bool ok = true;
    if (p.isSet(threads)) {
        out.threads = p.value(threads).toInt(&ok);
        if (!ok || out.threads < 0) {
            text = QStringLiteral("--threads needs a number >= 0, not '%1'").arg(p.value(threads));
            return ParseOutcome::Error;
        }
    }
    if (p.isSet(soak)) {
        out.soak_seconds = p.value(soak).toDouble(&ok);
        if (!ok || out.soak_seconds <= 0) {
            text = QStringLiteral("--soak needs a positive number of seconds, not '%1'").arg(p.value(soak));
            return ParseOutcome::Error;
        }
    }
    // The soak's plan: positive numbers of seconds (or MiB), each named in its error.
    auto seconds = [&](const QCommandLineOption& o, double& v, bool zero_ok) {
        if (!p.isSet(o)) return true;
        v = p.value(o).toDouble(&ok);
        if (ok && (v > 0 || (zero_ok && v == 0))) return true;
        text = QStringLiteral("--%1 needs a %2 number, not '%3'").arg(o.names().first(), zero_ok ? "non-negative" : "positive", p.value(o));
        return false;
    };
    if (!seconds(soak_task, out.soak_task_every, false) || !seconds(soak_warmup, out.soak_warmup, true) ||
        !seconds(soak_growth, out.soak_max_rss_growth, true))
        return ParseOutcome::Error;
    if (p.isSet(soak_record)) {
        const QStringList parts = p.value(soak_record).split('/');
        bool ok_on = false, ok_every = false;
        if (parts.size() == 2) {
            out.soak_record_on = parts[0].toDouble(&ok_on);
            out.soak_record_every = parts[1].toDouble(&ok_every);
        }
        if (!ok_on || !ok_every || out.soak_record_on <= 0 || out.soak_record_every <= out.soak_record_on) {
            text = QStringLiteral("--soak-record needs ON/EVERY seconds with 0 < ON < EVERY (e.g. 20/60), not '%1'")
                       .arg(p.value(soak_record));
            return ParseOutcome::Error;
        }
    }
    out.soak_check_fds = p.isSet(soak_fds);
    out.soak_keep_recordings = p.isSet(soak_keep);
    if (p.isSet(grab_after)) {
        out.grab_after = p.value(grab_after).toInt(&ok);
        if (!ok || out.grab_after < 1) {
            text = QStringLiteral("--grab-after needs a number >= 1, not '%1'").arg(p.value(grab_after));
            return ParseOutcome::Error;
        }
    }
    if (p.isSet(window_size)) {
        const QStringList wh = p.value(window_size).split('x');
        bool ok_w = false, ok_h = false;
        if (wh.size() == 2) {
            out.width = wh[0].toInt(&ok_w);
            out.height = wh[1].toInt(&ok_h);
        }
        if (!ok_w || !ok_h || out.width < 320 || out.height < 240) {
            text = QStringLiteral("--window-size needs WIDTHxHEIGHT (at least 320x240), not '%1'").arg(p.value(window_size));
            return ParseOutcome::Error;
        }
    }
    const QStringList tasks = {"semseg", "seg", "segmentation", "depth", "both", "all"};
    if (!out.task.isEmpty() && !tasks.contains(out.task.toLower())) {
        text = QStringLiteral("--task must be semseg, depth or both, not '%1'").arg(out.task);
        return ParseOutcome::Error;
    }
    const QStringList views = {"overlay", "output", "raw", "input", "frame"};
    if (!out.view.isEmpty() && !views.contains(out.view.toLower())) {
        text = QStringLiteral("--view must be overlay, output or input, not '%1'").arg(out.view);
        return ParseOutcome::Error;
    }
    const QStringList maps = {"turbo", "inferno", "viridis", "grey", "gray"};
    if (!out.colormap.isEmpty() && !maps.contains(out.colormap.toLower())) {
        text = QStringLiteral("--colormap must be turbo, inferno, viridis or grey, not '%1'").arg(out.colormap);
        return ParseOutcome::Error;
    }
    return ParseOutcome::Run;
}

void AppSettings::load(QSettings& s) {
    source = s.value("source", source).toString();
    model = s.value("model", model).toString();
    task = s.value("task", task).toString();
    backend = s.value("backend", backend).toString();
    compare_backend = s.value("compare_backend", compare_backend).toString();
    compare = s.value("compare", compare).toBool();
    xclbin = s.value("xclbin", xclbin).toString();
    device = s.value("device", device).toString();
    view = s.value("view/mode", view).toString();
    alpha = std::clamp(s.value("view/alpha", alpha).toDouble(), 0.0, 1.0);
    colormap = s.value("view/colormap", colormap).toString();
    experts_overlay = s.value("view/experts", experts_overlay).toBool();
    expert_block = s.value("view/expert_block", expert_block).toInt();
    legend = s.value("view/legend", legend).toBool();
    speed = std::clamp(s.value("playback/speed", speed).toDouble(), 0.1, 8.0);
    loop = s.value("playback/loop", loop).toBool();
    out_dir = s.value("out_dir", out_dir).toString();
    geometry = s.value("window/geometry").toByteArray();
    window_state = s.value("window/state").toByteArray();
}

void AppSettings::save(QSettings& s) const {
    s.setValue("source", source);
    s.setValue("model", model);
    s.setValue("task", task);
    s.setValue("backend", backend);
    s.setValue("compare_backend", compare_backend);
    s.setValue("compare", compare);
    s.setValue("xclbin", xclbin);
    s.setValue("device", device);
    s.setValue("view/mode", view);
    s.setValue("view/alpha", alpha);
    s.setValue("view/colormap", colormap);
    s.setValue("view/experts", experts_overlay);
    s.setValue("view/expert_block", expert_block);
    s.setValue("view/legend", legend);
    s.setValue("playback/speed", speed);
    s.setValue("playback/loop", loop);
    s.setValue("out_dir", out_dir);
    s.setValue("window/geometry", geometry);
    s.setValue("window/state", window_state);
    s.sync();
}

void AppSettings::apply(const AppOptions& o) {
    if (!o.source.isEmpty()) source = o.source;
    if (!o.model.isEmpty()) model = o.model;
    if (!o.task.isEmpty()) task = o.task.toLower();
    if (!o.backend.isEmpty()) backend = o.backend;
    if (!o.compare.isEmpty()) {
        compare = true;
        compare_backend = o.compare;
    }
    if (!o.xclbin.isEmpty()) xclbin = o.xclbin;
    if (!o.device.isEmpty()) device = o.device;
    if (!o.view.isEmpty()) view = o.view.toLower();
    if (!o.colormap.isEmpty()) colormap = o.colormap.toLower();
    if (!o.out_dir.isEmpty()) out_dir = o.out_dir;
}

}  // namespace edgemoe::app
