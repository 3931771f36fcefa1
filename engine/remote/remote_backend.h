#pragma once
// The `remote` backend: runs frames on an edgemoe-serve (a board) through RemoteClient. Created by the
// registry as "remote" (options.remote = "HOST:PORT[/backend]") or "remote/<backend>" (options.remote
// = "HOST:PORT"). Its energy readings are the server's meters (NetworkOutput::energy).
#include <memory>
#include <string>
#include <vector>

#include "edgemoe/backend.h"

namespace edgemoe::remote {

// Empty when this build has the remote backend; else why not.
std::string unavailable_reason();
std::unique_ptr<Backend> make_remote_backend(std::string_view name, std::shared_ptr<const Model> model,
                                             const BackendOptions& options);
std::vector<BackendInfo> list_backends_of(std::shared_ptr<const Model> model, const BackendOptions& options,
                                         const std::atomic<bool>* cancel = nullptr);

}  // namespace edgemoe::remote
