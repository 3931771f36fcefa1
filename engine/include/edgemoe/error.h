#pragma once
// The engine reports bad input (a corrupt model file, an unknown backend, an unreadable source) with
// these exceptions. Each message names the file or device and says what is wrong.
#include <stdexcept>
#include <string>

namespace edgemoe {

// A model file that cannot be used: unreadable, malformed, or disagreeing with its own config.
struct ModelError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// A backend that cannot be created or cannot run (unknown name, device missing, wrong xclbin...).
struct BackendError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// An input source (camera, video, image, folder) that cannot be opened or read.
struct SourceError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

}  // namespace edgemoe
