// Fuzz target for the model-file parser. Any input must either parse or throw ModelError: no crash,
// no hang, no huge allocation. Built two ways:
//  - with clang and -fsanitize=fuzzer (EDGEMOE_FUZZ=ON): a libFuzzer binary, see tests/fuzz/README.md;
//  - otherwise with replay_main.cpp: a ctest that replays the seed corpus plus deterministic mutations.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "edgemoe/error.h"
#include "model/model_config.h"
#include "model/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    try {
        auto file = edgemoe::safetensors::parse(std::vector<uint8_t>(data, data + size), "fuzz");
        for (const auto& [name, entry] : file.tensors) (void)file.read(name);
        auto it = file.metadata.find(edgemoe::kConfigKey);
        if (it != file.metadata.end()) (void)edgemoe::parse_model_config(it->second, "fuzz");
    } catch (const edgemoe::ModelError&) {
    }
    return 0;
}
