#pragma once
// The shared token of edgemoe-serve and its clients lives in a file (never on a command line, where
// `ps` shows it to every user): its first line, without surrounding white space.
#include <string>

namespace edgemoe {

// Throws std::runtime_error naming the file when it cannot be read or holds no token. `warning`
// (optional) is set when other users may read the file.
std::string read_token_file(const std::string& path, std::string* warning = nullptr);

}  // namespace edgemoe
