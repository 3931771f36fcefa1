#pragma once
// The "fpga-emu" backend: runs the hls/ kernel source itself, compiled by g++ (C-simulation), on
// buffers laid out exactly as on the board. Internal: callers use create_backend("fpga-emu").
#include <memory>
#include <string>

#include "edgemoe/backend.h"

namespace edgemoe::fpga {

std::unique_ptr<Backend> make_emu_backend(std::shared_ptr<const Model> model, const BackendOptions& options);

// Why `model` cannot run on the kernel (a shape the kernel was not built for), or "".
std::string emu_unsupported_reason(const ModelConfig& c);

}  // namespace edgemoe::fpga
