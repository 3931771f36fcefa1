#include "edgemoe/resources.h"

#include <cstdlib>
#include <filesystem>
#include <vector>

namespace edgemoe {
namespace {

namespace fs = std::filesystem;

std::vector<fs::path> resource_roots() {
    std::vector<fs::path> roots;
    if (const char* env = std::getenv("EDGEMOE_RESOURCES"); env && *env) roots.emplace_back(env);
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (!ec) roots.push_back(exe.parent_path() / ".." / "share" / "edgemoe-live");
#ifdef EDGEMOE_SOURCE_RESOURCES
    roots.emplace_back(EDGEMOE_SOURCE_RESOURCES);
#endif
    return roots;
}

}  // namespace

std::string find_resource(const std::string& relative) {
    std::error_code ec;
    for (const fs::path& root : resource_roots()) {
        const fs::path p = root / relative;
        if (fs::is_regular_file(p, ec)) return fs::weakly_canonical(p, ec).string();
    }
    return {};
}

std::string default_model_path() { return find_resource("models/edgemoe-demo.safetensors"); }

std::string default_input_path() { return find_resource("samples/street.mp4"); }

}  // namespace edgemoe
