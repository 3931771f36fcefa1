#pragma once
// The float32 CPU reference backend. Internal: callers create it through create_backend("cpu").
#include <memory>

#include "edgemoe/backend.h"

namespace edgemoe::cpu {

std::unique_ptr<Backend> make_cpu_backend(std::shared_ptr<const Model> model, const BackendOptions& options);

}  // namespace edgemoe::cpu
