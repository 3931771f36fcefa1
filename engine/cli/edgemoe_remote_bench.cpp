// edgemoe-remote-bench: what the network costs. Runs the same frames through a backend in this
// process and through edgemoe-serve over loopback (a server started inside this program on
// 127.0.0.1, or --remote HOST:PORT for a real board), in one run, and prints frames/s and the
// latency each frame gains. Phases alternate in rounds so that a change in machine load hits all alike.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <numeric>

#include "args.h"
#include "edgemoe/backend.h"
#include "edgemoe/error.h"
#include "edgemoe/resources.h"
#include "edgemoe/token_file.h"
#include "remote/remote_client.h"
#include "remote/server.h"

using namespace edgemoe;

namespace {

using Clock = std::chrono::steady_clock;

const char* kUsage = R"(usage: edgemoe-remote-bench [options]
  --model FILE     model file (default: the bundled model)
  --backend NAME   the backend to compare, in process and on the server (default: cpu)
  --threads N      its worker threads (default: all cores)
  --frames N       frames per phase and round (default 20)
  --rounds N       rounds of the three phases (default 3)
  --remote H:P     a running edgemoe-serve with the same model (default: one started here on 127.0.0.1)
  --token-file F   the server's token (for --remote on another machine)

Phases: "in process" (the backend itself), "remote, 1 in flight" (each frame waits for its result, as
the remote backend's infer() does), "remote, 2 in flight" (the client keeps two frames out, as a live
source does) and "backend submit/collect" (the same through the remote backend's pipelined interface,
as FrameRunner, edgemoe-run and the desktop program use it). Added latency = median remote latency - median in-process latency; transport = round trip minus
the server's own time for the frame (independent of how long inference takes under load).
)";

double ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v[v.size() / 2];
}

struct Phase {
    explicit Phase(const char* n) : name(n) {}
    const char* name;
    std::vector<double> latency_ms;
    double seconds = 0;
    int frames = 0;
    double fps() const { return seconds > 0 ? frames / seconds : 0; }
};

int bench(int argc, char** argv) {
    const cli::Args args(argc, argv, {"--help"},
                         {"--model", "--backend", "--threads", "--frames", "--rounds", "--remote", "--token-file"});
    if (args.has("--help")) {
        std::cout << kUsage;
        return 0;
    }
    const std::string model_path = args.get("--model", default_model_path());
    if (model_path.empty()) throw ModelError("no --model given and no bundled model found (set EDGEMOE_RESOURCES)");
    const std::string backend_name = args.get("--backend", "cpu");
    const int frames = int(args.get_int("--frames", 20)), rounds = int(args.get_int("--rounds", 3));
    if (frames < 1 || rounds < 1) throw std::invalid_argument("--frames and --rounds need at least 1");
    auto model = Model::load(model_path);
    const ModelConfig& c = model->config();

    BackendOptions bo;
    bo.threads = int(args.get_int("--threads", 0));
    std::unique_ptr<remote::Server> server;
    std::string address = args.get("--remote");
    if (address.empty()) {
        remote::ServeOptions so;
        so.listen = "127.0.0.1:0";
        so.default_backend = backend_name;
        so.backend_options = bo;
        so.log = [](const std::string&) {};
        server = std::make_unique<remote::Server>(model, so);
        address = "127.0.0.1:" + std::to_string(server->port());
    }
    BackendOptions ro = bo;
    ro.remote = address;
    if (args.has("--token-file")) ro.remote_token = read_token_file(args.get("--token-file"));

    auto local = create_backend(backend_name, model, bo);
    auto remote_backend = create_backend("remote/" + backend_name, model, ro);
    remote::ClientOptions co;
    co.address = address + "/" + backend_name;
    co.token = ro.remote_token;
    co.max_in_flight = 2;
    remote::RemoteClient pipelined(model, co);
    // One frame at a time, as the remote backend does it, but with the server's own time per frame:
    // round trip minus that time is what the network and the messages cost, whatever the load.
    co.max_in_flight = 1;
    remote::RemoteClient single(model, co);
    std::vector<double> transport_ms;

    // Deterministic frames, different from each other.
    std::vector<cv::Mat> images;
    for (int i = 0; i < 4; ++i) {
        cv::Mat m(c.image_h, c.image_w, CV_8UC3);
        for (size_t b = 0; b < m.total() * 3; ++b) m.data[b] = uint8_t((b * 7 + size_t(i) * 61) ^ (b >> 9));
        images.push_back(m);
    }
    NetworkOutput a, b;
    local->infer(images[0], 0, a);   // warm-up, and the exactness check
    remote_backend->infer(images[0], 0, b);
    const bool identical = a.raw.size() == b.raw.size() &&
                           std::memcmp(a.raw.data(), b.raw.data(), a.raw.size() * sizeof(float)) == 0;

    Phase in_process("in process"), remote1("remote, 1 in flight"), remote2("remote, 2 in flight"),
        backend2("backend submit/collect");
    for (int r = 0; r < rounds; ++r) {
        for (Phase* p : {&in_process, &remote1}) {
            const auto t0 = Clock::now();
            for (int f = 0; f < frames; ++f) {
                const cv::Mat& img = images[size_t(f) % images.size()];
                const auto s = Clock::now();
                if (p == &in_process) {
                    local->infer(img, 0, a);
                } else {
                    double server_ms = 0;
                    single.submit(img, 0);
                    single.collect(a, &server_ms);
                    transport_ms.push_back(ms(Clock::now() - s) - server_ms);
                }
                p->latency_ms.push_back(ms(Clock::now() - s));
            }
            p->seconds += std::chrono::duration<double>(Clock::now() - t0).count();
            p->frames += frames;
        }
        const auto t0 = Clock::now();
        int sent = 0, got = 0;
        std::vector<Clock::time_point> sent_at(static_cast<size_t>(frames));
        while (got < frames) {
            while (sent < frames && pipelined.in_flight() < 2) {
                sent_at[size_t(sent)] = Clock::now();
                pipelined.submit(images[size_t(sent) % images.size()], 0);
                ++sent;
            }
            pipelined.collect(b);
            remote2.latency_ms.push_back(ms(Clock::now() - sent_at[size_t(got)]));
            ++got;
        }
        remote2.seconds += std::chrono::duration<double>(Clock::now() - t0).count();
        remote2.frames += frames;

        // The same through the Backend interface (what FrameRunner, edgemoe-run and the desktop
        // program use): the remote backend's own window.
        const auto t1 = Clock::now();
        sent = got = 0;
        const int window = remote_backend->max_in_flight();
        while (got < frames) {
            while (sent < frames && remote_backend->frames_in_flight() < window) {
                sent_at[size_t(sent)] = Clock::now();
                remote_backend->submit_frame(images[size_t(sent) % images.size()], 0);
                ++sent;
            }
            remote_backend->collect_frame(b);
            backend2.latency_ms.push_back(ms(Clock::now() - sent_at[size_t(got)]));
            ++got;
        }
        backend2.seconds += std::chrono::duration<double>(Clock::now() - t1).count();
        backend2.frames += frames;
    }

    const double base = median(in_process.latency_ms);
    std::printf("edgemoe-remote-bench: model %s (%dx%d), backend %s, %d rounds x %d frames per phase, server %s\n",
                c.name.c_str(), c.image_w, c.image_h, backend_name.c_str(), rounds, frames,
                server ? ("in this process on " + address).c_str() : address.c_str());
    std::printf("results bit-identical to in process: %s\n", identical ? "yes" : "NO");
    std::printf("%-22s %10s %12s %14s %12s\n", "phase", "frames/s", "vs in proc", "median ms", "added ms");
    for (const Phase* p : {&in_process, &remote1, &remote2, &backend2}) {
        const double med = median(p->latency_ms);
        char added[32] = "-";
        if (p == &remote1) std::snprintf(added, sizeof added, "%.3f", med - base);
        std::printf("%-22s %10.2f %11.1f%% %14.3f %12s\n", p->name, p->fps(), 100.0 * p->fps() / in_process.fps(), med, added);
    }
    std::vector<double> sorted = transport_ms;
    std::sort(sorted.begin(), sorted.end());
    std::printf("transport per frame (1 in flight: round trip minus the server's own time): median %.3f ms, p90 %.3f ms\n",
                median(transport_ms), sorted.empty() ? 0.0 : sorted[sorted.size() * 9 / 10]);
    std::printf("(added ms: per frame, 1 in flight against in process. With 2 in flight a frame's latency counts from\n"
                " its submit, so it includes the wait behind the frame ahead of it.)\n");
    if (server) server->stop();
    return identical ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return bench(argc, argv);
    } catch (const std::invalid_argument& e) {
        std::cerr << "edgemoe-remote-bench: " << e.what() << "\n";
        return 2;
    } catch (const std::exception& e) {
        std::cerr << "edgemoe-remote-bench: " << e.what() << "\n";
        return 1;
    }
}
