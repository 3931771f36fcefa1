// edgemoe-bench: times the engine stage by stage over N frames, prints median and p90, the
// effective GFLOP/s next to the machine's measured FMA peak, and counts heap allocations made
// while steady-state frames run (the target is zero).
#include <cstdlib>
#include <iomanip>
#include <fstream>
#include <iostream>
#include <optional>
#include <thread>

#include <nlohmann/json.hpp>
#include <opencv2/imgproc.hpp>

#include "args.h"
#include "interrupt.h"
#include "remote_args.h"
#include "edgemoe/backend.h"
#include "edgemoe/energy.h"
#include "edgemoe/frame_runner.h"
#include "edgemoe/frame_source.h"
#include "edgemoe/metrics.h"
#include "edgemoe/resources.h"
#include "edgemoe/cycle_model.h"
#include "edgemoe/resource_model.h"
#include "peak_flops.h"
#include "side_by_side.h"

#include "alloc_counter.h"
#include "busy_load.h"

using namespace edgemoe;

namespace {

const char* kUsage = R"(usage: edgemoe-bench [options]
  --model FILE     model file (default: the bundled model)
  --input SPEC     frame source (default: bundled sample video; a synthetic frame if none)
  --task NAME      task to time (default: every task in turn)
  --backend LIST   backend, or several separated by commas, timed in turn in this one run with
                   the ratio of each to the first printed (default: cpu); fpga-emu@KERNEL picks
                   the emulator's GEMM kernel (avx512, avx2, baseline) for that entry
  --emu-gemm NAME  fpga-emu's GEMM kernel for entries without @ (default: the fastest this CPU runs)
  --threads N      worker threads (default: all cores)
  --remote H:P[/B] remote: an edgemoe-serve, e.g. board:50613/fpga (with --backend remote)
  --token-file F   remote: file holding the server's shared token (needed from another machine)
  --frames N       timed frames per task (default: 30)
  --warmup N       untimed frames first (default: 3)
  --json FILE      also write the figures as JSON
  --sysfs-root DIR where the power sensors' sysfs lives (default /)
  --clock-mhz F    FPGA clock for the kernel's predicted latency (default 300, the ZCU102 design point)
  --load N         time with N competing busy processes, started after the peak and idle-energy
                   measurements and ended when the timing does (for idle and loaded figures side by
                   side, with PyTorch's, in one run: tools/bench/bench_vs_torch.py --load N)
  --load-seconds S hard bound on each busy process's life (default 600)
  --interleave     with --load: idle and loaded frames in turn (the busy processes stopped and
                   continued around each frame), so the loaded/idle ratio of each backend and task
                   comes from one stretch of time, however a shared machine's speed drifts
  --side-by-side S after the timing, the listed backends (two or more) each alone for S seconds,
                   then all at once, each on its own thread as the desktop program's compare mode
                   runs them (first task): frames/s alone and together, and each one's share

For the fpga backends the kernel's cycle model (edgemoe/cycle_model.h) predicts the FPGA's cycles,
latency and DRAM traffic for the timed frame's routing, printed next to the measured time, with the
kernel's estimated resources (edgemoe/resource_model.h) as a share of the ZCU102 and the U50.

Energy per frame comes from every meter edgemoe-meters finds (idle baseline: 2 s before timing).
)";

cv::Mat first_frame(const std::string& spec) {
    cv::Mat frame;
    if (!spec.empty()) {
        try {
            auto src = FrameSource::open(spec);
            if (src->read(frame)) return frame;
        } catch (const std::exception& e) {
            std::cerr << "edgemoe-bench: " << e.what() << "; using a synthetic frame\n";
        }
    }
    frame.create(720, 1280, CV_8UC3);
    cv::randu(frame, 0, 255);
    cv::GaussianBlur(frame, frame, cv::Size(0, 0), 6);
    return frame;
}

// The kernel's predicted cycles for this frame's routing, next to the emulation's measured time, and
// its estimated resources on the ZCU102 (and the U50).
nlohmann::json print_cycle_estimate(const ModelConfig& cfg, const FrameResult& r, double clock_mhz) {
    const CycleEstimate est = estimate_kernel_cycles(cfg, r.net.routing, r.net.channels);
    const double total = est.backbone_cycles + est.head_cycles;
    const double dense = est.cycles_of("fc1") + est.cycles_of("fc2") - est.cycles_of("experts");
    std::cout << "  predicted FPGA (cycle model at " << clock_mhz << " MHz, this frame's routing):\n"
              << "    backbone " << est.backbone_cycles / 1e6 << " M cycles = " << est.ms(est.backbone_cycles, clock_mhz)
              << " ms (attention " << 100 * est.attention_cycles / est.backbone_cycles << "%), DRAM "
              << est.backbone_bytes / 1e6 << " MB\n"
              << "    head     " << est.head_cycles / 1e6 << " M cycles = " << est.ms(est.head_cycles, clock_mhz)
              << " ms, DRAM " << est.head_bytes / 1e6 << " MB\n"
              << "    frame    " << total / 1e6 << " M cycles = " << est.ms(total, clock_mhz) << " ms\n"
              << "    backbone by part: patch embed " << est.cycles_of("patch") / 1e6 << ", norms "
              << est.cycles_of("norm") / 1e6 << ", qkv " << est.cycles_of("qkv") / 1e6 << ", attention "
              << est.attention_cycles / 1e6 << ", proj " << est.cycles_of("proj") / 1e6 << ", dense MLP " << dense / 1e6
              << ", gate + routing " << (est.cycles_of("gate") + est.cycles_of("routing")) / 1e6 << ", experts "
              << est.cycles_of("experts") / 1e6 << " M cycles\n"
              << "    head by stage: norm " << est.head_cycles_of("norm") / 1e6 << ", convs "
              << est.head_cycles_of("conv") / 1e6 << ", upsampling " << est.head_cycles_of("upsample") / 1e6
              << ", final resize " << est.head_cycles_of("final") / 1e6 << " M cycles\n"
              << "    DRAM: 4 HP ports x 16 B/cycle; busiest stage " << est.peak_stage << " at " << est.peak_stage_gb_s
              << " GB/s of the DDR's " << est.ddr_peak_gb_s << " GB/s peak\n";
    const ResourceEstimate res = estimate_resources(cfg);
    const Device zcu = zcu102_device(), u50 = u50_device();
    std::cout << "  estimated resources (from the source's constants, not synthesis):\n"
              << "    DSP " << res.total.dsp << " = " << 100 * res.dsp_share(zcu) << "% of " << zcu.name << " ("
              << 100 * res.dsp_share(u50) << "% of U50), BRAM18K " << res.total.bram18k << " = "
              << 100 * res.bram_share(zcu) << "% (" << 100 * res.bram_share(u50) << "%), LUT "
              << res.total.lut_low / 1e3 << "-" << res.total.lut_high / 1e3 << " k = up to " << 100 * res.lut_share(zcu)
              << "%, FF " << res.total.ff_low / 1e3 << "-" << res.total.ff_high / 1e3 << " k = up to "
              << 100 * res.ff_share(zcu) << "%\n";
    nlohmann::json stages = nlohmann::json::array();
    for (const auto& st : est.stages)
        stages.push_back({{"stage", st.name}, {"cycles", st.cycles}, {"dram_bytes", st.dram_bytes}, {"head", st.head},
                          {"port_bytes", st.port_bytes}});
    nlohmann::json units = nlohmann::json::array();
    for (const auto& u : res.units)
        units.push_back({{"unit", u.unit}, {"dsp", u.dsp}, {"bram18k", u.bram18k}, {"lut", {u.lut_low, u.lut_high}},
                         {"ff", {u.ff_low, u.ff_high}}, {"how", u.how}});
    return {{"clock_mhz", clock_mhz},
            {"stages", stages},
            {"backbone_cycles", est.backbone_cycles},
            {"head_cycles", est.head_cycles},
            {"backbone_ms", est.ms(est.backbone_cycles, clock_mhz)},
            {"frame_ms", est.ms(total, clock_mhz)},
            {"attention_cycles", est.attention_cycles},
            {"backbone_dram_bytes", est.backbone_bytes},
            {"head_dram_bytes", est.head_bytes},
            {"peak_stage_gb_s", est.peak_stage_gb_s},
            {"resources",
             {{"units", units},
              {"dsp", res.total.dsp},
              {"bram18k", res.total.bram18k},
              {"lut", {res.total.lut_low, res.total.lut_high}},
              {"ff", {res.total.ff_low, res.total.ff_high}},
              {"zcu102_dsp_share", res.dsp_share(zcu)},
              {"zcu102_bram_share", res.bram_share(zcu)}}}};
}

// "fpga-emu@avx2": the backend's name, and the emulator's GEMM kernel for this entry.
cli::SideBySideEntry parse_entry(const std::string& label, const BackendOptions& opts) {
    const size_t at = label.find('@');
    cli::SideBySideEntry e{label, label.substr(0, at), opts};
    if (at != std::string::npos) {
        if (label.compare(0, at, "fpga-emu") != 0)
            throw std::invalid_argument("--backend " + label + ": only fpga-emu takes @KERNEL");
        e.options.emu_gemm = label.substr(at + 1);
    }
    return e;
}

int run(int argc, char** argv) {
    const cli::Args args(argc, argv, {"--help", "--interleave"},
                         {"--model", "--input", "--task", "--backend", "--threads", "--frames", "--warmup", "--json",
                          "--sysfs-root", "--clock-mhz", "--emu-gemm", "--remote",
                          "--token-file", "--load", "--load-seconds", "--side-by-side"});
    if (args.has("--help")) {
        std::cout << kUsage;
        return 0;
    }
    const std::string model_path = args.get("--model", default_model_path());
    auto model = Model::load(model_path);
    const ModelConfig& cfg = model->config();
    BackendOptions opts;
    opts.threads = int(args.get_int("--threads", 0));
    if (opts.threads <= 0) opts.threads = int(std::max(1u, std::thread::hardware_concurrency()));
    opts.emu_gemm = args.get("--emu-gemm");
    cli::apply_remote_args(args, opts);
    std::vector<std::string> backends;
    {
        std::string list = args.get("--backend", "cpu"), item;
        for (size_t i = 0; i <= list.size(); ++i)
            if (i == list.size() || list[i] == ',') {
                if (!item.empty()) backends.push_back(item);
                item.clear();
            } else {
                item += list[i];
            }
    }
    if (backends.empty()) throw std::invalid_argument("--backend needs a name");
    const long frames = args.get_int("--frames", 30), warmup = args.get_int("--warmup", 3);
    const double clock_mhz = std::stod(args.get("--clock-mhz", "300"));
    if (!(clock_mhz > 0)) throw std::invalid_argument("--clock-mhz must be positive");
    const long load_count = args.get_int("--load", 0);
    const double load_seconds = std::stod(args.get("--load-seconds", "600"));
    if (load_count < 0 || load_count > 256) throw std::invalid_argument("--load takes 0 to 256 busy processes");
    if (!(load_seconds > 0)) throw std::invalid_argument("--load-seconds must be positive");
    const bool interleave = args.has("--interleave");
    if (interleave && load_count == 0) throw std::invalid_argument("--interleave needs --load N");
    const double side_by_side = std::stod(args.get("--side-by-side", "0"));
    if (side_by_side < 0) throw std::invalid_argument("--side-by-side must not be negative");
    if (side_by_side > 0 && backends.size() < 2) throw std::invalid_argument("--side-by-side needs two or more backends");
    const cv::Mat frame = first_frame(args.get("--input", default_input_path()));

    std::vector<int> tasks;
    if (args.has("--task")) {
        const int t = cfg.task_index(args.get("--task"));
        if (t < 0) throw std::invalid_argument("model has no task '" + args.get("--task") + "'");
        tasks.push_back(t);
    } else {
        for (size_t t = 0; t < cfg.tasks.size(); ++t) tasks.push_back(int(t));
    }

    cli::install_interrupt_handler();
    const double peak = cli::measure_peak_gflops(opts.threads);
    const double gflop = 2 * (cfg.backbone_macs() + cfg.head_macs()) / 1e9;
    std::cout << "model     " << model_path << " (" << cfg.name << ", head channels " << cfg.head_channels << ")\n"
              << "frame     " << frame.cols << "x" << frame.rows << " -> " << cfg.image_w << "x" << cfg.image_h << "\n"
              << std::fixed << std::setprecision(2) << "work      " << 2 * cfg.backbone_macs() / 1e9
              << " GFLOP backbone + " << 2 * cfg.head_macs() / 1e9 << " GFLOP head per frame\n"
              << "peak      " << peak << " GFLOP/s float32 FMA on " << opts.threads << " threads (measured)\n\n";

    nlohmann::json report = {{"model", cfg.name}, {"threads", opts.threads}, {"peak_gflops", peak},
                             {"gflop_per_frame", gflop}, {"backends", nlohmann::json::object()}};
    // Energy: every meter found, sampled in the background; the idle baseline before any work.
    energy::Discovery found = energy::discover_meters(args.get("--sysfs-root", "/"));
    energy::Sampler sampler(std::move(found.meters));
    sampler.start();
    energy::EnergyAttribution attribution(sampler);
    if (sampler.size() > 0) attribution.set_idle(energy::measure_idle(sampler, std::chrono::seconds(2)));
    const auto ignore = [](const energy::FrameEnergy&) {};

    // Competing load for the timing only (the peak and the idle baseline above are idle figures).
    std::optional<cli::BusyLoad> load;
    if (load_count > 0) {
        load.emplace(int(load_count), load_seconds);
        std::cout << "load      " << load_count << " busy processes (pids";
        for (pid_t p : load->pids()) std::cout << " " << p;
        std::cout << "), each ended with the timing or after " << load_seconds << " s\n\n" << std::flush;
    }
    report["load"] = load_count;

    FrameResult result;
    // median backbone and head ms per backend and task, for the ratios at the end
    std::vector<std::vector<std::pair<double, double>>> medians;
    for (const std::string& backend : backends) {
        const cli::SideBySideEntry entry = parse_entry(backend, opts);
        FrameRunner runner(model, create_backend(entry.backend, model, entry.options));
        runner.backend().set_cancel_flag(&cli::interrupted);   // Ctrl-C: the frame gives up, the run stops
        std::cout << "backend   " << backend << ": " << runner.backend().description() << "\n\n";
        nlohmann::json& breport = report["backends"][backend];
        breport["description"] = runner.backend().description();
        medians.emplace_back();
        for (int t : tasks) {
            // A backend that does not poll the flag still stops between frames.
            const auto stop_if_interrupted = [] {
                if (cli::interrupted.load()) throw FrameCancelled("interrupted");
            };
            for (long i = 0; i < warmup; ++i) {
                stop_if_interrupted();
                runner.run(frame, t, result);
            }
            MetricsLog log(cfg.name, cfg.trained, backend);
            const int stream = attribution.stream(backend, cfg.tasks[size_t(t)].name);
            // Heap allocations are counted over the per-frame path only (the frame and its energy
            // bookkeeping), not over this benchmark's own record keeping.
            long allocs = 0;
            MetricsLog idle_log(cfg.name, cfg.trained, backend);   // --interleave: the idle frames
            for (long i = 0; i < frames; ++i) {
                for (int phase = 0; phase < (interleave ? 2 : 1); ++phase) {
                    // --interleave: an idle frame (busy processes stopped), then a loaded one.
                    const bool idle_frame = interleave && phase == 0;
                    const long index = interleave ? 2 * i + phase : i;   // the frame's place in the run
                    if (interleave) idle_frame ? load->pause() : load->resume();
                    stop_if_interrupted();
                    const long before = cli::heap_allocations();
                    energy::FrameMark mark{stream, index, std::chrono::steady_clock::now()};
                    runner.run(frame, t, result);
                    mark.end = std::chrono::steady_clock::now();
                    mark.ops = gflop * 1e9;
                    attribution.add_frame(mark);
                    attribution.poll(ignore);
                    allocs += cli::heap_allocations() - before;
                    (idle_frame ? idle_log : log).add({index, cfg.tasks[size_t(t)].name, result.times, {}});
                }
            }
            if (interleave) load->resume();
            auto med = [&](double StageTimes::*s) { return log.percentile(s, 0.5); };
            auto p90 = [&](double StageTimes::*s) { return log.percentile(s, 0.9); };
            const double net_ms = med(&StageTimes::backbone) + med(&StageTimes::head);
            const double gflops = gflop / (net_ms / 1e3);
            std::cout << "task " << cfg.tasks[size_t(t)].name << " (" << frames << " frames)\n"
                      << "  stage          median ms    p90 ms\n";
            const std::pair<const char*, double StageTimes::*> stages[] = {
                {"preprocess", &StageTimes::preprocess}, {"backbone", &StageTimes::backbone},
                {"head", &StageTimes::head}, {"postprocess", &StageTimes::postprocess}, {"total", &StageTimes::total}};
            nlohmann::json tj;
            for (const auto& [name, field] : stages) {
                std::cout << "  " << std::left << std::setw(14) << name << std::right << std::setw(10) << med(field)
                          << std::setw(10) << p90(field) << "\n";
                tj["median_ms"][name] = med(field);
                tj["p90_ms"][name] = p90(field);
            }
            std::cout << "  effective     " << gflops << " GFLOP/s (backbone + head) = " << 100 * gflops / peak
                      << "% of measured peak\n"
                      << "  heap allocations during the " << frames * (interleave ? 2 : 1) << " timed frames: " << allocs
                      << "\n";
            if (interleave) {
                const double idle_bb = idle_log.percentile(&StageTimes::backbone, 0.5);
                const double idle_net = idle_bb + idle_log.percentile(&StageTimes::head, 0.5);
                std::cout << "  interleaved   idle frames: backbone " << idle_bb << " ms, backbone + head " << idle_net
                          << " ms; loaded/idle " << med(&StageTimes::backbone) / idle_bb << "x backbone, "
                          << net_ms / idle_net << "x backbone + head\n";
                tj["idle_median_ms"] = {{"backbone", idle_bb}, {"head", idle_net - idle_bb}};
            }
            std::cout << "\n";
            tj["effective_gflops"] = gflops;
            tj["heap_allocations"] = allocs;
            if (backend.rfind("fpga", 0) == 0) tj["predicted_fpga"] = print_cycle_estimate(cfg, result, clock_mhz);
            breport["tasks"][cfg.tasks[size_t(t)].name] = tj;
            medians.back().emplace_back(med(&StageTimes::backbone), med(&StageTimes::head));
        }
        // What the backend counted (e.g. fpga-emu's rows on the exact integer path): a slow figure
        // explains itself.
        for (const BackendCounter& c : runner.backend().counters()) {
            std::cout << "  counter       " << c.name << ": " << std::setprecision(0) << c.value << std::setprecision(2)
                      << "\n";
            breport["counters"][c.name] = c.value;
        }
        std::cout << "\n";
    }
    if (side_by_side > 0) {
        std::vector<cli::SideBySideEntry> entries;
        for (const std::string& b : backends) entries.push_back(parse_entry(b, opts));
        const int task = tasks.front();
        std::cout << "\nside by side: each backend alone for " << side_by_side << " s, then all at once, each on its "
                  << "own thread (as compare mode runs them), task " << cfg.tasks[size_t(task)].name
                  << (load ? ", under the load above" : "") << "\n";
        const auto figures = cli::run_side_by_side(model, entries, frame, task, side_by_side, cli::interrupted);
        double sum = 0, least = 1e9;
        nlohmann::json sj = nlohmann::json::array();
        for (const auto& f : figures) {
            std::cout << "  " << std::left << std::setw(18) << f.label << std::right << " alone " << std::setw(7)
                      << f.alone_fps << " frames/s (" << f.alone_frames << ")   together " << std::setw(7) << f.together_fps
                      << " frames/s (" << f.together_frames << ")   share " << f.share() << "\n";
            sum += f.share();
            least = std::min(least, f.share());
            sj.push_back({{"backend", f.label}, {"alone_fps", f.alone_fps}, {"together_fps", f.together_fps},
                          {"alone_frames", f.alone_frames}, {"together_frames", f.together_frames}, {"share", f.share()}});
        }
        std::cout << "  shares add up to " << sum << " (1 = the cores split with nothing lost), the least is " << least
                  << " (an even split of " << figures.size() << " is " << 1.0 / double(figures.size())
                  << "; near 0 = starved)\n";
        report["side_by_side"] = {{"seconds", side_by_side}, {"task", cfg.tasks[size_t(task)].name}, {"backends", sj},
                                  {"share_sum", sum}};
    }
    if (load) {
        // A load that ran out before the timing did makes the figures partly idle ones: say so.
        const int ended = load->ended();
        if (ended > 0)
            std::cerr << "edgemoe-bench: " << ended << " of " << load_count << " busy processes ended (--load-seconds "
                      << load_seconds << ") before the timing did: the figures are not all under load\n";
        report["load_ended_early"] = ended;
        load.reset();
    }
    sampler.stop();
    attribution.flush(std::chrono::seconds(1), ignore);
    if (sampler.size() == 0) {
        std::cout << "energy: no meter available here:\n";
        for (const auto& u : found.unavailable) std::cout << "  " << u.kind << ": " << u.reason << "\n";
    }
    for (const auto& summary : attribution.summaries()) std::cout << energy::format_summary(summary);
    report["energy"] = nlohmann::json::parse(energy::energy_json(attribution, found.unavailable));
    for (size_t b = 1; b < backends.size(); ++b)
        for (size_t i = 0; i < tasks.size(); ++i) {
            const auto& base = medians[0][i];
            const auto& other = medians[b][i];
            std::cout << "ratio " << backends[b] << " / " << backends[0] << ", task " << cfg.tasks[size_t(tasks[i])].name
                      << ": backbone " << other.first / base.first << "x, head " << other.second / base.second
                      << "x, backbone + head " << (other.first + other.second) / (base.first + base.second) << "x\n";
        }
    if (args.has("--json")) {
        std::ofstream f(args.get("--json"));
        f << report.dump(1) << "\n";
        if (!f) throw std::runtime_error(args.get("--json") + ": cannot write");
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return run(argc, argv);
    } catch (const FrameCancelled&) {
        std::cerr << "edgemoe-bench: interrupted (Ctrl-C)\n";
        return 130;   // 128 + SIGINT, as a shell reports a program Ctrl-C ended
    } catch (const std::exception& e) {
        std::cerr << "edgemoe-bench: " << e.what() << "\n";
        return 1;
    }
}
