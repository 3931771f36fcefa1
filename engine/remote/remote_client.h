#pragma once
// The client side of edgemoe-serve: one connection (a gRPC channel and one Infer stream) to a server,
// with up to `max_in_flight` frames out at once so the network's latency hides behind the board's
// inference. Results come back in frame order. A frame offered while the window is full is refused
// (submit returns false) and the caller drops it: stale frames are never queued.
//
// Failures throw RemoteError with a message for people: "board disconnected: ..." when the stream
// breaks, "board stalled: ..." when a frame's result misses its deadline, "refused by the board: ..."
// for a wrong token, and a model mismatch naming both models.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <opencv2/core/mat.hpp>

#include "edgemoe/model.h"
#include "edgemoe/result.h"
#include "remote/wire.h"

namespace grpc {
class Channel;
class ClientContext;
template <class W, class R>
class ClientReaderWriter;
}  // namespace grpc

namespace edgemoe::remote {

struct RemoteError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct ClientOptions {
    std::string address;        // HOST:PORT[/backend]
    std::string token;
    std::chrono::milliseconds connect_timeout{3000};
    std::chrono::milliseconds frame_deadline{5000};
    int max_in_flight = 2;
};

// What the server said about itself (Hello).
struct ServerInfo {
    pb::HelloReply hello;
    std::string backend;        // the backend this client's frames use
};

// Calls Hello (with the token) and checks the protocol version; no model check. `cancel` (optional):
// once it reads true the call is abandoned within a few milliseconds and FrameCancelled is thrown.
ServerInfo hello(const ClientOptions& options, const std::atomic<bool>* cancel = nullptr);

class RemoteClient {
public:
    // Connects: Hello, protocol and model check against `model`, then opens the frame stream.
    RemoteClient(std::shared_ptr<const Model> model, ClientOptions options);
    ~RemoteClient();
    RemoteClient(const RemoteClient&) = delete;
    RemoteClient& operator=(const RemoteClient&) = delete;

    const ServerInfo& server() const { return info_; }
    const std::string& target() const { return address_.target; }
    // False once the stream has failed; every later call throws the failure.
    bool healthy() const;

    // Waits (in collect, and in submit when abandoned frames fill the window) give up within a few
    // milliseconds once `flag` reads true: they throw edgemoe::FrameCancelled and abandon every frame
    // in flight. Set before the first frame; nullptr (the default): waits run to the deadline.
    void set_cancel_flag(const std::atomic<bool>* flag) { cancel_ = flag; }

    // image: CV_8UC3 at the model's input size. False (nothing sent) when max_in_flight frames are out
    // (abandoned frames whose results have not come yet count: the server still works on them; when
    // they alone fill the window, submit waits for them, up to the frame deadline).
    bool submit(const cv::Mat& image, int task);
    // Frames whose results the caller will collect (abandoned ones not counted).
    int in_flight() const { return in_flight_ - abandoned_; }
    // True when the oldest frame's result has arrived (collect will not wait), or the stream failed.
    bool ready() const;
    // The oldest frame's result, waiting up to the frame deadline. out.energy gets the server's latest
    // per-frame energy; `server_ms` (optional) the server's own time for the frame.
    void collect(NetworkOutput& out, double* server_ms = nullptr);
    // Every frame in flight is given up: its result, when it comes, is read and thrown away (the stream
    // stays open; results keep frame order).
    void abandon() { abandoned_ = in_flight_; }

private:
    void reader_loop();
    // Waits until a reply is ready (true), the stream failed, or the deadline passed (false); throws
    // FrameCancelled (after abandon()) when the cancel flag is set.
    bool wait_reply(std::unique_lock<std::mutex>& lock);
    void await_reply(std::unique_lock<std::mutex>& lock);
    // Reads and throws away the results of abandoned frames: those already there, or (wait) up to
    // the deadline each until none is left.
    void reap_abandoned(bool wait);
    bool cancelled() const { return cancel_ && cancel_->load(std::memory_order_relaxed); }
    [[noreturn]] void fail(const std::string& why);
    void close_stream();

    std::shared_ptr<const Model> model_;
    ClientOptions options_;
    RemoteAddress address_;
    ServerInfo info_;
    std::shared_ptr<grpc::Channel> channel_;
    std::unique_ptr<grpc::ClientContext> context_;
    std::unique_ptr<grpc::ClientReaderWriter<pb::FrameRequest, pb::FrameReply>> stream_;
    std::thread reader_;

    pb::FrameRequest request_;          // reused for every frame
    uint64_t next_sequence_ = 0, expect_sequence_ = 0;
    int in_flight_ = 0;                 // the caller's thread only, abandoned frames included
    int abandoned_ = 0;                 // the oldest of them, whose results are thrown away
    const std::atomic<bool>* cancel_ = nullptr;

    mutable std::mutex mutex_;          // guards everything below
    std::condition_variable arrived_;
    std::vector<pb::FrameReply> ready_; // ring of max_in_flight replies
    size_t ready_head_ = 0, ready_count_ = 0;
    bool reader_done_ = false;
    std::string failure_;               // set once: the first failure, for people
};

}  // namespace edgemoe::remote
