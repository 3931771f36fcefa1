// The remote backend in a build without gRPC (EDGEMOE_WITH_GRPC=OFF or libgrpc++-dev missing).
#include "edgemoe/error.h"
#include "remote/remote_backend.h"

namespace edgemoe::remote {

std::string unavailable_reason() { return "this build has no gRPC (install libgrpc++-dev protobuf-compiler-grpc and rebuild)"; }

std::unique_ptr<Backend> make_remote_backend(std::string_view name, std::shared_ptr<const Model>, const BackendOptions&) {
    throw BackendError(std::string(name) + ": not available: " + unavailable_reason());
}

std::vector<BackendInfo> list_backends_of(std::shared_ptr<const Model>, const BackendOptions&, const std::atomic<bool>*) {
    throw BackendError("remote: not available: " + unavailable_reason());
}

}  // namespace edgemoe::remote
