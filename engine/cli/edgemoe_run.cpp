// edgemoe-run: runs a model on a video, image, folder or camera without a window, and writes the
// coloured outputs, optionally the raw float outputs (.npy), and metrics.json.
#include <cstdio>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>

#include <opencv2/imgcodecs.hpp>

#include "args.h"
#include "interrupt.h"
#include "remote_args.h"
#include "edgemoe/backend.h"
#include "edgemoe/colorize.h"
#include "edgemoe/energy.h"
#include "edgemoe/error.h"
#include "edgemoe/frame_runner.h"
#include "edgemoe/frame_source.h"
#include "edgemoe/metrics.h"
#include "edgemoe/npy.h"
#include "edgemoe/resources.h"

using namespace edgemoe;

namespace {

const char* kUsage = R"(usage: edgemoe-run [options]
  --model FILE       model file (default: the bundled model)
  --input SPEC       video file, image, folder of images, or camera index/device (default: bundled sample)
  --task NAME        task name from the model, or "all" (default: the model's first task)
  --backend NAME     backend (default: cpu)
  --threads N        worker threads (default: all cores)
  --remote H:P[/B]   remote: an edgemoe-serve, e.g. board:50613/fpga (with --backend remote)
  --token-file F     remote: file holding the server's shared token (needed from another machine)
  --xclbin FILE      fpga: the kernel binary to load
  --device SPEC      fpga: card index, PCIe BDF, a list "0,1" or "all" (default 0)
  --frames N         stop after N frames (default: all)
  --out DIR          output folder (default: edgemoe-out)
  --raw              also write raw float32 outputs as <frame>_<task>.npy (CxHxW, model resolution)
  --idle-seconds S   measure the idle power for S seconds before the first frame (default 2; 0: none)
  --sysfs-root DIR   where the power sensors' sysfs lives (default /)
  --list-backends    print the backends of this build and exit

Energy: every meter edgemoe-meters finds is sampled every 10 ms; energy.csv gets one row per frame
and metrics.json an "energy" section (or the reason each kind of sensor is not available).
)";

std::string frame_name(int64_t index, const std::string& task, const char* ext) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%06lld", static_cast<long long>(index));
    return std::string(buf) + "_" + task + ext;
}

int run(int argc, char** argv) {
    const cli::Args args(argc, argv, {"--raw", "--help", "--list-backends"},
                         {"--model", "--input", "--task", "--backend", "--threads", "--frames", "--out", "--idle-seconds",
                          "--sysfs-root", "--xclbin", "--device", "--remote", "--token-file"});
    if (args.has("--help")) {
        std::cout << kUsage;
        return 0;
    }
    if (args.has("--list-backends")) {
        for (const BackendInfo& b : list_backends())
            std::cout << b.name << (b.available ? "  available" : "  not available: " + b.why_not) << "\n";
        return 0;
    }
    const std::string model_path = args.get("--model", default_model_path());
    if (model_path.empty()) throw ModelError("no --model given and no bundled model found (set EDGEMOE_RESOURCES)");
    const std::string input = args.get("--input", default_input_path());
    if (input.empty()) throw SourceError("no --input given and no bundled sample video found");
    const std::filesystem::path out_dir = args.get("--out", "edgemoe-out");
    const long max_frames = args.get_int("--frames", -1);
    const bool raw = args.has("--raw");

    auto model = Model::load(model_path);
    const ModelConfig& cfg = model->config();
    std::vector<int> tasks;
    const std::string task_arg = args.get("--task", cfg.tasks.front().name);
    if (task_arg == "all") {
        for (size_t t = 0; t < cfg.tasks.size(); ++t) tasks.push_back(int(t));
    } else {
        const int t = cfg.task_index(task_arg);
        if (t < 0) throw std::invalid_argument("model " + model_path + " has no task '" + task_arg + "'");
        tasks.push_back(t);
    }
    BackendOptions opts;
    opts.threads = int(args.get_int("--threads", 0));
    opts.xclbin = args.get("--xclbin");
    opts.device = args.get("--device");
    cli::apply_remote_args(args, opts);
    const std::string backend_name = args.get("--backend", "cpu");
    FrameRunner runner(model, create_backend(backend_name, model, opts));
    cli::install_interrupt_handler();
    runner.backend().set_cancel_flag(&cli::interrupted);
    auto source = FrameSource::open(input);

    std::filesystem::create_directories(out_dir);
    std::cerr << "model   " << model_path << " (" << cfg.name << (cfg.trained ? "" : ", UNTRAINED: outputs mean nothing")
              << ")\nbackend " << runner.backend().description() << "\ninput   " << source->describe() << "\n";

    // Energy: sample every meter found; an idle baseline first, so dynamic energy can be shown too.
    using Clock = std::chrono::steady_clock;
    energy::DiscoveryOptions discovery;
    std::string no_card_power;
    for (DevicePowerSource& p : device_power_sources(backend_name, opts, no_card_power))
        discovery.xrt.push_back({p.name, p.what, std::move(p.read)});
    energy::Discovery found = energy::discover_meters(args.get("--sysfs-root", "/"), discovery);
    if (!no_card_power.empty()) std::cerr << "meter   card power not available: " << no_card_power << "\n";
    for (const auto& m : found.meters) std::cerr << "meter   " << m->name() << ": " << m->what() << "\n";
    if (found.meters.empty()) std::cerr << "meter   none available (see metrics.json \"energy\".\"unavailable\")\n";
    energy::Sampler sampler(std::move(found.meters));
    sampler.start();
    energy::EnergyAttribution attribution(sampler);
    const long idle_s = args.get_int("--idle-seconds", 2);
    if (idle_s > 0 && sampler.size() > 0) attribution.set_idle(energy::measure_idle(sampler, std::chrono::seconds(idle_s)));
    std::ofstream csv_file(out_dir / "energy.csv");
    energy::EnergyCsvWriter csv(csv_file, attribution, Clock::now());
    csv.write_header();
    std::vector<int> streams;
    for (int t : tasks) streams.push_back(attribution.stream(backend_name, cfg.tasks[size_t(t)].name));
    const auto write_row = [&](const energy::FrameEnergy& e) { csv.write(e); };

    MetricsLog log(cfg.name, cfg.trained, backend_name);
    // Passes (one per frame and task) in flight: one, or up to the backend's window for a backend
    // that pipelines (a remote board), results in order. Each has its own result, reused.
    struct Pass {
        int64_t index = 0;
        size_t ti = 0;
        double capture_ms = 0;   // the frame's read, on its first pass
        energy::FrameMark mark;
        FrameResult result;
    };
    std::vector<Pass> passes(size_t(runner.max_in_flight()));
    size_t head = 0, count = 0, next_task = tasks.size();
    int64_t index = -1;
    double capture_ms = 0;
    bool end_of_input = false, interrupted = false;
    cv::Mat frame, picture;
    const auto finish = [&](Pass& p) {
        FrameResult& result = p.result;
        const int t = tasks[p.ti];
        p.mark.end = Clock::now();
        result.times.capture = p.capture_ms;
        p.mark.ops = 2 * (cfg.backbone_macs() + cfg.head_macs());
        const StageTimes& st = result.times;
        p.mark.latency_ms = {st.capture, st.preprocess, st.backbone, st.head, st.postprocess, st.draw, st.total};
        attribution.add_frame(p.mark);
        attribution.poll(write_row);
        const TaskInfo& task = cfg.tasks[size_t(t)];
        if (task.kind == TaskKind::Segmentation)
            colorize_classes(result.class_map_frame, task, picture);
        else
            colorize_depth(result.depth_frame, task, DepthColormap::Turbo, picture);
        if (!cfg.trained) stamp_untrained(picture);
        const std::string png = (out_dir / frame_name(p.index, task.name, ".png")).string();
        if (!cv::imwrite(png, picture)) throw std::runtime_error(png + ": cannot write");
        if (raw)
            write_npy((out_dir / frame_name(p.index, task.name, ".npy")).string(), result.net.raw.data(),
                      {result.net.channels, result.net.height, result.net.width});
        log.add({p.index, task.name, result.times, count_expert_tokens(result.net, cfg.num_experts)});
        if (p.index % 10 == 0 && p.ti + 1 == tasks.size()) std::cerr << "frame " << p.index << "  " << result.times.total << " ms\n";
    };
    try {
        for (;;) {
            // Fill the window: the next task of this frame, or the next frame.
            while (count < passes.size() && !cli::interrupted.load()) {
                if (next_task == tasks.size()) {
                    if (end_of_input || (max_frames >= 0 && index + 1 >= max_frames)) break;
                    const auto capture_start = Clock::now();
                    if (!source->read(frame)) {
                        end_of_input = true;
                        break;
                    }
                    capture_ms = std::chrono::duration<double, std::milli>(Clock::now() - capture_start).count();
                    ++index;
                    next_task = 0;
                }
                Pass& p = passes[(head + count) % passes.size()];
                p.index = index;
                p.ti = next_task;
                p.mark = energy::FrameMark{streams[next_task], index, Clock::now()};
                p.capture_ms = next_task == 0 ? capture_ms : 0;
                if (!runner.submit(frame, tasks[next_task], p.result)) break;
                ++count;
                ++next_task;
            }
            if (cli::interrupted.load()) throw FrameCancelled("interrupted");
            if (count == 0) break;
            runner.collect();
            finish(passes[head]);
            head = (head + 1) % passes.size();
            --count;
        }
    } catch (const FrameCancelled&) {
        interrupted = true;
        runner.drop_in_flight();
        std::cerr << "edgemoe-run: interrupted (Ctrl-C) after " << log.frames().size() << " outputs\n";
    }
    sampler.stop();
    attribution.flush(std::chrono::seconds(1), write_row);
    if (log.frames().empty() && !interrupted) throw SourceError(source->describe() + ": delivered no frames");
    log.set_section("energy", energy::energy_json(attribution, found.unavailable));
    log.write_json((out_dir / "metrics.json").string());
    std::cerr << log.frames().size() << " outputs written to " << out_dir.string() << "; median total "
              << log.percentile(&StageTimes::total, 0.5) << " ms\n";
    return interrupted ? 130 : 0;   // 128 + SIGINT, as a shell reports a program Ctrl-C ended
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return run(argc, argv);
    } catch (const std::exception& e) {
        std::cerr << "edgemoe-run: " << e.what() << "\n";
        return 1;
    }
}
