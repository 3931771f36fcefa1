// edgemoe-serve: serves this machine's backends (cpu, fpga-emu, fpga) to remote clients over gRPC,
// so that a laptop with the camera and the window drives a board that does the inference.
#include <csignal>
#include <iostream>

#include "args.h"
#include "edgemoe/error.h"
#include "edgemoe/token_file.h"
#include "remote/server.h"

using namespace edgemoe;

namespace {

const char* kUsage = R"(usage: edgemoe-serve --model FILE [options]
  --model FILE       model file; clients must have loaded the very same file
  --backend NAME     default backend for clients that name none: cpu, fpga-emu, fpga (default: cpu)
  --listen ADDR:PORT where to listen (default 127.0.0.1:50613: this machine only). Another address,
                     e.g. 0.0.0.0:50613, lets other machines connect and needs --token-file
  --token-file F     file whose first line is the shared token; clients on other machines must send it
  --require-token    ask clients on this machine for the token too
  --max-clients N    most clients at once (default 4); their frames take turns per backend
  --threads N        worker threads of the backends (default: all cores)
  --xclbin FILE      fpga: the kernel binary to load
  --device SPEC      fpga: card index or PCIe BDF (default 0)
  --no-meters        do not sample this machine's energy meters
  --sysfs-root DIR   where the power sensors' sysfs lives (default /)

Stops on SIGINT or SIGTERM; connected clients then see "board disconnected".
)";

int serve(int argc, char** argv) {
    const cli::Args args(argc, argv, {"--help", "--require-token", "--no-meters"},
                         {"--model", "--backend", "--listen", "--token-file", "--max-clients", "--threads", "--xclbin",
                          "--device", "--sysfs-root"});
    if (args.has("--help")) {
        std::cout << kUsage;
        return 0;
    }
    if (!args.has("--model")) throw std::invalid_argument("--model FILE is required (see --help)");
    remote::ServeOptions o;
    o.listen = args.get("--listen", o.listen);
    o.default_backend = args.get("--backend", "cpu");
    o.require_token_for_all = args.has("--require-token");
    o.max_clients = int(args.get_int("--max-clients", o.max_clients));
    if (o.max_clients < 1) throw std::invalid_argument("--max-clients needs at least 1");
    o.meters = !args.has("--no-meters");
    o.sysfs_root = args.get("--sysfs-root", "/");
    o.backend_options.threads = int(args.get_int("--threads", 0));
    o.backend_options.xclbin = args.get("--xclbin");
    o.backend_options.device = args.get("--device");
    if (args.has("--token-file")) {
        std::string warning;
        o.token = read_token_file(args.get("--token-file"), &warning);
        if (!warning.empty()) std::cerr << "edgemoe-serve: warning: " << warning << "\n";
    }
    if (o.token.empty() && !remote::is_loopback_listen(o.listen))
        throw std::invalid_argument("--listen " + o.listen +
                                    " lets other machines connect: give --token-file FILE with the shared token");
    if (o.require_token_for_all && o.token.empty()) throw std::invalid_argument("--require-token needs --token-file");

    auto model = Model::load(args.get("--model"));
    // The signals are taken by sigwait below; gRPC's threads inherit the mask and never see them.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

    remote::Server server(model, o);
    // Creating the default backend now shows its problems at start, not at the first client.
    {
        const std::string name = o.default_backend;
        bool listed = false;
        for (const BackendInfo& b : list_backends())
            if (b.name == name) {
                listed = true;
                if (!b.available) std::cerr << "edgemoe-serve: warning: backend " << name << " not available here: " << b.why_not << "\n";
            }
        if (!listed) throw BackendError("unknown backend '" + name + "'");
    }
    server.service().log("model " + model->config().name + " (" + model->path() + ")");
    for (const std::string& line : server.service().meters().describe()) server.service().log(line);
    server.service().log("listening on " + o.listen.substr(0, o.listen.rfind(':')) + ":" + std::to_string(server.port()) +
                         (o.token.empty() ? " (clients on this machine only)" : " (token required from other machines)") +
                         ", default backend " + o.default_backend);
    int sig = 0;
    sigwait(&stop_signals, &sig);
    server.service().log(std::string("stopping (") + (sig == SIGINT ? "SIGINT" : "SIGTERM") + "), " +
                         std::to_string(server.service().frames_served()) + " frames served");
    server.stop();
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return serve(argc, argv);
    } catch (const std::invalid_argument& e) {
        std::cerr << "edgemoe-serve: " << e.what() << "\n";
        return 2;
    } catch (const std::exception& e) {
        std::cerr << "edgemoe-serve: " << e.what() << "\n";
        return 1;
    }
}
