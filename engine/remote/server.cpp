#include "remote/server.h"

#include <chrono>
#include <iostream>
#include <unistd.h>

#include <grpcpp/grpcpp.h>

#include "edgemoe/error.h"
#include "remote/edgemoe_remote.grpc.pb.h"

namespace edgemoe::remote {
namespace {

using Clock = std::chrono::steady_clock;

double ms_between(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double, std::milli>(b - a).count(); }

// Compares in time independent of where the strings differ, so the token cannot be found by timing.
bool same_token(std::string_view a, std::string_view b) {
    unsigned char diff = a.size() == b.size() ? 0 : 1;
    for (size_t i = 0; i < a.size(); ++i) diff |= uint8_t(a[i]) ^ uint8_t(i < b.size() ? b[i] : 0);
    return diff == 0;
}

std::string host_name() {
    char buf[256] = {};
    if (gethostname(buf, sizeof buf - 1) != 0) return "unknown host";
    return buf;
}

// The Alveo cards' XRT power readings, when the server hosts the fpga backend (none on Zynq boards,
// whose rails are hwmon sensors, nor without XRT).
std::vector<energy::XrtDevice> card_power(const ServeOptions& o) {
    std::vector<energy::XrtDevice> out;
    if (!o.meters) return out;
    std::string why_not;
    for (DevicePowerSource& p : device_power_sources("fpga", o.backend_options, why_not))
        out.push_back({p.name, p.what, std::move(p.read)});
    return out;
}

}  // namespace

void TicketLock::lock() {
    std::unique_lock l(mutex_);
    const uint64_t mine = next_++;
    turn_.wait(l, [&] { return serving_ == mine; });
}

void TicketLock::unlock() {
    {
        std::lock_guard l(mutex_);
        ++serving_;
    }
    turn_.notify_all();
}

FrameService::FrameService(std::shared_ptr<const Model> model, ServeOptions options)
    : model_(std::move(model)),
      options_(std::move(options)),
      identity_(identify(*model_)),
      meters_(options_.meters, options_.sysfs_root, card_power(options_)) {
    if (!options_.factory) options_.factory = create_backend;
    if (options_.require_token_for_all && options_.token.empty())
        throw std::invalid_argument("edgemoe-serve: every client must present a token, but no token is set");
}

FrameService::~FrameService() = default;

void FrameService::log(const std::string& line) const {
    if (options_.log) options_.log(line);
    else std::cerr << "edgemoe-serve: " << line << std::endl;
}

grpc::Status FrameService::authorize(std::string_view peer, std::string_view token) const {
    const bool local = is_loopback_peer(peer);
    if (local && !options_.require_token_for_all) return grpc::Status::OK;
    if (options_.token.empty())
        return {grpc::StatusCode::PERMISSION_DENIED,
                "edgemoe-serve refuses " + std::string(peer) +
                    ": clients on other machines need the shared token, and this server has none (start it with --token-file FILE)"};
    if (token.empty())
        return {grpc::StatusCode::UNAUTHENTICATED,
                "edgemoe-serve refuses " + std::string(peer) + ": no token given (the board's --token-file holds it)"};
    if (!same_token(token, options_.token))
        return {grpc::StatusCode::UNAUTHENTICATED,
                "edgemoe-serve refuses " + std::string(peer) + ": wrong token (it must match the board's --token-file)"};
    return grpc::Status::OK;
}

void FrameService::hello(pb::HelloReply& reply) const {
    reply.set_protocol_version(kProtocolVersion);
    *reply.mutable_model() = identity_;
    reply.set_default_backend(options_.default_backend);
    for (const BackendInfo& b : list_backends()) {
        if (b.name == "remote") continue;   // a server does not relay to another server
        pb::BackendEntry* e = reply.add_backends();
        e->set_name(b.name);
        e->set_available(b.available);
        e->set_why_not(b.why_not);
    }
    reply.set_server(host_name() + ", edgemoe-serve " + std::string(EDGEMOE_VERSION));
    reply.set_max_request_bytes(max_request_bytes(model_->config()));
}

FrameService::Hosted& FrameService::hosted(const std::string& name) {
    std::lock_guard lock(hosted_mutex_);
    auto& slot = hosted_[name];
    if (slot) return *slot;
    slot = std::make_unique<Hosted>();
    if (name == "remote" || name.substr(0, 7) == "remote/") {
        slot->error = "backend " + name + " cannot be served (a server does not relay to another)";
        return *slot;
    }
    try {
        slot->backend = options_.factory(name, model_, options_.backend_options);
        log("backend " + name + ": " + slot->backend->description());
    } catch (const std::exception& e) {
        slot->error = e.what();
        log("backend " + name + " not available: " + slot->error);
    }
    return *slot;
}

grpc::Status FrameService::handle(const pb::FrameRequest& req, pb::FrameReply& reply) {
    const auto t0 = Clock::now();
    const ModelConfig& c = model_->config();
    const size_t want = size_t(c.image_h) * c.image_w * 3;
    if (req.height() != uint32_t(c.image_h) || req.width() != uint32_t(c.image_w) || req.image().size() != want)
        return {grpc::StatusCode::INVALID_ARGUMENT,
                "frame " + std::to_string(req.sequence()) + " is " + std::to_string(req.width()) + "x" +
                    std::to_string(req.height()) + " with " + std::to_string(req.image().size()) +
                    " bytes; this model takes " + std::to_string(c.image_w) + "x" + std::to_string(c.image_h) +
                    "x3 = " + std::to_string(want) + " bytes (the client resizes)"};
    if (req.task() >= c.tasks.size())
        return {grpc::StatusCode::INVALID_ARGUMENT, "frame " + std::to_string(req.sequence()) + " asks for task " +
                                                        std::to_string(req.task()) + "; the model has " +
                                                        std::to_string(c.tasks.size())};
    const std::string& name = req.backend().empty() ? options_.default_backend : req.backend();
    Hosted& h = hosted(name);
    if (!h.backend) return {grpc::StatusCode::FAILED_PRECONDITION, "backend " + name + " not available on the board: " + h.error};

    // The backend reads the request's bytes in place.
    const cv::Mat image(c.image_h, c.image_w, CV_8UC3, const_cast<char*>(req.image().data()));
    std::lock_guard turn(h.turn);
    const auto t1 = Clock::now();
    try {
        h.backend->infer(image, int(req.task()), h.out);
    } catch (const std::exception& e) {
        return {grpc::StatusCode::INTERNAL, "backend " + name + " failed on frame " + std::to_string(req.sequence()) + ": " + e.what()};
    }
    const auto t2 = Clock::now();
    fill_reply(h.out, reply);
    reply.set_sequence(req.sequence());
    reply.set_backend(name);
    meters_.frame(name, req.sequence(), t1, t2, *reply.mutable_energy());
    reply.set_wait_ms(ms_between(t0, t1));
    reply.set_server_ms(ms_between(t0, Clock::now()));
    served_.fetch_add(1);
    return grpc::Status::OK;
}

bool FrameService::client_joined() {
    if (clients_.fetch_add(1) >= options_.max_clients) {
        clients_.fetch_sub(1);
        return false;
    }
    return true;
}

void FrameService::client_left() { clients_.fetch_sub(1); }

class Server::GrpcService final : public pb::EdgeMoe::Service {
public:
    explicit GrpcService(FrameService& s) : s_(s) {}

    grpc::Status Hello(grpc::ServerContext* ctx, const pb::HelloRequest* req, pb::HelloReply* reply) override {
        const grpc::Status auth = check(*ctx);
        if (!auth.ok()) return auth;
        if (req->protocol_version() != kProtocolVersion)
            s_.log(ctx->peer() + " speaks protocol " + std::to_string(req->protocol_version()) + ", this server " +
                   std::to_string(kProtocolVersion));
        s_.hello(*reply);
        return grpc::Status::OK;
    }

    grpc::Status Infer(grpc::ServerContext* ctx, grpc::ServerReaderWriter<pb::FrameReply, pb::FrameRequest>* stream) override {
        const grpc::Status auth = check(*ctx);
        if (!auth.ok()) return auth;
        const std::string peer = ctx->peer();
        if (!s_.client_joined()) {
            s_.log("refused " + peer + ": already serving " + std::to_string(s_.options().max_clients) + " clients");
            return {grpc::StatusCode::RESOURCE_EXHAUSTED, "board busy: it already serves " +
                                                              std::to_string(s_.options().max_clients) +
                                                              " clients (edgemoe-serve --max-clients)"};
        }
        s_.log("client " + peer + " connected");
        pb::FrameRequest req;
        pb::FrameReply reply;
        int64_t frames = 0;
        grpc::Status result = grpc::Status::OK;
        bool write_failed = false;
        while (stream->Read(&req)) {
            const grpc::Status st = s_.handle(req, reply);
            if (!st.ok()) {
                s_.log(peer + ": " + st.error_message() + "; closing its stream");
                result = st;
                break;
            }
            if (!stream->Write(reply)) {
                write_failed = true;
                break;
            }
            ++frames;
        }
        // gRPC's Read returns false alike for a message that does not parse and for a client that
        // half-closes. Our clients end a stream by cancelling it, so a stream that ends otherwise
        // gets an error naming both causes (a half-closing client has had all its frames by then).
        if (result.ok() && !write_failed && !ctx->IsCancelled()) {
            result = {grpc::StatusCode::INVALID_ARGUMENT,
                      "edgemoe-serve: a message was not a FrameRequest (malformed), or the stream was half-closed "
                      "(clients end it by cancelling); stream closed"};
            s_.log(peer + ": " + result.error_message());
            s_.log(peer + ": closing its stream");
        }
        s_.client_left();
        // A client ends its stream by cancelling it; gRPC also cancels a stream whose message is over
        // the size cap (the client is told RESOURCE_EXHAUSTED).
        s_.log("client " + peer + " left after " + std::to_string(frames) + " frames");
        return result;
    }

private:
    grpc::Status check(grpc::ServerContext& ctx) const {
        const auto& meta = ctx.client_metadata();
        const auto it = meta.find(kTokenKey);
        const std::string_view token = it == meta.end() ? std::string_view() : std::string_view(it->second.data(), it->second.size());
        const grpc::Status st = s_.authorize(ctx.peer(), token);
        if (!st.ok()) s_.log(st.error_message());
        return st;
    }
    FrameService& s_;
};

Server::Server(std::shared_ptr<const Model> model, ServeOptions options) {
    const std::string listen = options.listen;
    service_ = std::make_unique<FrameService>(std::move(model), std::move(options));
    grpc_service_ = std::make_unique<GrpcService>(*service_);
    grpc::ServerBuilder builder;
    builder.AddListeningPort(listen, grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(grpc_service_.get());
    builder.SetMaxReceiveMessageSize(int(max_request_bytes(service_->model().config())));
    builder.SetMaxSendMessageSize(int(max_reply_bytes(service_->model().config())));
    // Clients ping every 2 s (remote_client.cpp): allow it, so that a dead link is seen quickly.
    builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 1000);
    builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
    server_ = builder.BuildAndStart();
    if (!server_ || port_ == 0)
        throw std::runtime_error("edgemoe-serve: cannot listen on " + listen +
                                 " (port in use, or not an address of this machine)");
}

Server::~Server() { stop(); }

void Server::stop() {
    std::call_once(stopped_, [this] {
        // Streams still open are cancelled at once; their clients see "board disconnected".
        server_->Shutdown(std::chrono::system_clock::now());
        server_->Wait();
    });
}

void Server::wait() { server_->Wait(); }

}  // namespace edgemoe::remote
