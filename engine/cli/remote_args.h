#pragma once
// --remote HOST:PORT[/backend] and --token-file F, shared by the command-line tools that create
// backends by name (with --backend remote).
#include "args.h"
#include "edgemoe/backend.h"
#include "edgemoe/token_file.h"

namespace edgemoe::cli {

inline void apply_remote_args(const Args& args, BackendOptions& options) {
    options.remote = args.get("--remote");
    if (args.has("--token-file")) options.remote_token = read_token_file(args.get("--token-file"));
}

}  // namespace edgemoe::cli
