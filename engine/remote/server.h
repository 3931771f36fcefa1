#pragma once
// edgemoe-serve's server: the machine's backends for remote clients over gRPC (edgemoe_remote.proto).
//
// FrameService is the part without sockets (who may connect, checking a frame, running it, its
// energy), so tests and the fuzzer drive it directly; Server puts it on a port.
//
// Security: the server listens where it is told (edgemoe-serve defaults to 127.0.0.1). A client on
// another machine must present the shared token (gRPC metadata x-edgemoe-token); without a token
// configured, only clients on this machine are served. A FrameRequest larger than one frame plus
// 1 KiB is refused by gRPC before it is parsed; a malformed one ends that client's stream with an
// error; the server carries on.
//
// Several clients: each backend runs one frame at a time; frames of different clients take turns
// in arrival order (a ticket lock), so with at most two frames in flight per client no client waits
// behind another's whole stream. Up to max_clients streams at once; more are refused ("board busy").
#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include <grpcpp/support/status.h>

#include "edgemoe/backend.h"
#include "remote/server_meters.h"
#include "remote/wire.h"

namespace grpc {
class Server;
}

namespace edgemoe::remote {

using BackendMaker = std::function<std::unique_ptr<Backend>(std::string_view, std::shared_ptr<const Model>, const BackendOptions&)>;

struct ServeOptions {
    std::string listen = "127.0.0.1:" + std::to_string(kDefaultPort);
    std::string token;                   // empty: only clients on this machine are served
    bool require_token_for_all = false;  // also ask clients on this machine for the token
    std::string default_backend = "cpu";
    BackendOptions backend_options;
    BackendMaker factory;                // empty: create_backend
    int max_clients = 4;
    bool meters = true;                  // sample this machine's energy meters
    std::string sysfs_root = "/";
    std::function<void(const std::string&)> log;   // empty: stderr
};

// Frames of several threads through one backend, served in arrival order.
class TicketLock {
public:
    void lock();
    void unlock();

private:
    std::mutex mutex_;
    std::condition_variable turn_;
    uint64_t next_ = 0, serving_ = 0;
};

class FrameService {
public:
    FrameService(std::shared_ptr<const Model> model, ServeOptions options);
    ~FrameService();

    // OK, or the refusal (UNAUTHENTICATED / PERMISSION_DENIED) with a message for the client.
    grpc::Status authorize(std::string_view peer, std::string_view token) const;
    void hello(pb::HelloReply& reply) const;
    // Checks and runs one frame; thread-safe. Not OK: the message says what was wrong with the frame
    // (or the backend), and the caller ends that client's stream.
    grpc::Status handle(const pb::FrameRequest& request, pb::FrameReply& reply);

    // A client stream starts / ends; false when max_clients are already connected.
    bool client_joined();
    void client_left();

    const Model& model() const { return *model_; }
    const ServeOptions& options() const { return options_; }
    int64_t frames_served() const { return served_.load(); }
    int clients() const { return clients_.load(); }
    ServerMeters& meters() { return meters_; }
    void log(const std::string& line) const;

private:
    struct Hosted {
        std::unique_ptr<Backend> backend;
        std::string error;     // creation failed: why (kept, so that it is not retried every frame)
        TicketLock turn;
        NetworkOutput out;     // reused for every frame, under `turn`
    };
    Hosted& hosted(const std::string& name);

    std::shared_ptr<const Model> model_;
    ServeOptions options_;
    pb::ModelIdentity identity_;
    ServerMeters meters_;
    std::mutex hosted_mutex_;
    std::map<std::string, std::unique_ptr<Hosted>> hosted_;
    std::atomic<int64_t> served_{0};
    std::atomic<int> clients_{0};
};

class Server {
public:
    // Starts listening on options.listen. Throws std::runtime_error when it cannot (address in use,
    // not an address of this machine).
    Server(std::shared_ptr<const Model> model, ServeOptions options);
    ~Server();

    int port() const { return port_; }
    FrameService& service() { return *service_; }
    // Ends every client's stream (they see "board disconnected") and stops listening.
    void stop();
    // Blocks until stop() (from another thread or a signal handler's helper).
    void wait();

private:
    class GrpcService;
    std::unique_ptr<FrameService> service_;
    std::unique_ptr<GrpcService> grpc_service_;
    std::unique_ptr<grpc::Server> server_;
    int port_ = 0;
    std::once_flag stopped_;
};

}  // namespace edgemoe::remote
