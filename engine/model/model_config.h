#pragma once
// Reads the model config from the file's `edgemoe.config` metadata (see docs/model-format.md).
// Sizes that the tensors carry are filled in later by the loader, which checks the two agree.
#include <string>

#include "edgemoe/model.h"

namespace edgemoe {

inline constexpr const char* kConfigKey = "edgemoe.config";

// Throws ModelError prefixed with `label`.
ModelConfig parse_model_config(const std::string& json_text, const std::string& label);

}  // namespace edgemoe
