#pragma once
// Finding the bundled model and sample video: $EDGEMOE_RESOURCES, then the installed share folder
// next to the executable (../share/edgemoe-live), then the source tree the build came from.
#include <string>

namespace edgemoe {

// Full path of `relative` (e.g. "models/edgemoe-demo.safetensors") in the first resource folder that
// has it, or an empty string.
std::string find_resource(const std::string& relative);

// The bundled model: the trained demo model.
std::string default_model_path();
// The bundled sample video.
std::string default_input_path();

}  // namespace edgemoe
