#pragma once
// What the client and the server of the remote backend share: the protocol version, the token's
// metadata key, the message caps, the model identity, the peer classifier and the conversions between
// the wire messages (edgemoe_remote.proto) and the engine's types. No gRPC calls here.
#include <cstdint>
#include <string>
#include <string_view>

#include <opencv2/core/mat.hpp>

#include "edgemoe/model.h"
#include "edgemoe/result.h"
#include "remote/edgemoe_remote.pb.h"

namespace edgemoe::remote {

namespace pb = edgemoe::remote::v1;

// Bumped with every change a peer must know about; Hello compares it before any frame is sent.
constexpr uint32_t kProtocolVersion = 1;
// gRPC metadata key (lower case, as gRPC requires) that carries the shared token on every call.
constexpr const char* kTokenKey = "x-edgemoe-token";
constexpr int kDefaultPort = 50613;

// The largest FrameRequest the server accepts: one frame at the model's input size plus a little for
// the other fields. Anything bigger is refused by gRPC before it is parsed.
size_t max_request_bytes(const ModelConfig& config);
// The largest FrameReply a client accepts for this model (the widest head's output and the routing).
size_t max_reply_bytes(const ModelConfig& config);

// The model file's identity (FNV-1a 64 of its bytes, computed once per file and cached).
pb::ModelIdentity identify(const Model& model);
bool same_model(const pb::ModelIdentity& a, const pb::ModelIdentity& b);
// "edgemoe-demo (36883064 bytes, hash 0123abcd...)".
std::string describe(const pb::ModelIdentity& id);

// "HOST:PORT[/backend]" (HOST may be a name, an IPv4 address or [IPv6]); throws BackendError naming
// the text and what is wrong with it.
struct RemoteAddress {
    std::string target;    // HOST:PORT, for grpc::CreateChannel
    std::string backend;   // the server's backend, empty for its default
};
RemoteAddress parse_address(std::string_view text);

// gRPC peer strings ("ipv4:127.0.0.1:5000", "ipv6:[::1]:5000", "ipv6:[::ffff:127.0.0.1]:5000",
// "unix:..."): true when the client is on this machine. Anything unrecognised is not loopback.
bool is_loopback_peer(std::string_view peer);
// A listen address ("127.0.0.1:5000", "[::1]:0", "localhost:5000") that only this machine can reach.
bool is_loopback_listen(std::string_view address);

// Engine output -> reply (reuses the reply's storage).
void fill_reply(const NetworkOutput& net, pb::FrameReply& reply);
// Reply -> engine output (reuses `net`'s storage). Throws std::runtime_error when the reply does not
// describe a consistent output for `config` (wrong sizes, an expert id out of range).
void read_reply(const pb::FrameReply& reply, const ModelConfig& config, NetworkOutput& net);

}  // namespace edgemoe::remote
