// Which panel-GEMM kernels this binary has and which of them this CPU runs (see panel_gemm.h).
#include "fpga/panel_gemm.h"

#include <stdexcept>

namespace edgemoe::fpga {

// Defined by the copies of panel_gemm_kernel.cpp that engine/CMakeLists.txt builds.
extern const PanelGemmKernel kPanelGemm_baseline;
#ifdef EDGEMOE_GEMM_X86_VARIANTS
extern const PanelGemmKernel kPanelGemm_avx2;
extern const PanelGemmKernel kPanelGemm_avx512;
#endif

const std::vector<const PanelGemmKernel*>& panel_gemm_kernels() {
    static const std::vector<const PanelGemmKernel*> kernels = [] {
        std::vector<const PanelGemmKernel*> k;
#ifdef EDGEMOE_GEMM_X86_VARIANTS
        // __builtin_cpu_supports also checks that the OS saves the wider registers (XCR0).
        if (__builtin_cpu_supports("avx512f")) k.push_back(&kPanelGemm_avx512);
        if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) k.push_back(&kPanelGemm_avx2);
#endif
        // The baseline copy is built with the program's own flags, so a CPU that runs the program runs it.
        // In a -march=native build it may be as wide as the best variant: it then comes last all the same.
        k.push_back(&kPanelGemm_baseline);
        return k;
    }();
    return kernels;
}

const PanelGemmKernel& panel_gemm_kernel(const std::string& name) {
    const auto& kernels = panel_gemm_kernels();
    if (name.empty()) return *kernels.front();
    std::string names;
    for (const PanelGemmKernel* k : kernels) {
        if (name == k->name) return *k;
        names += names.empty() ? "" : ", ";
        names += k->name;
    }
    throw std::invalid_argument("GEMM kernel '" + name + "' is not available on this CPU (available: " + names + ")");
}

std::string describe(const PanelGemmKernel& k) {
    return std::string(k.name) + ": " + k.isa + ", " + std::to_string(k.vector_bits) + "-bit vectors, " +
           std::to_string(k.tile_rows) + "x" + std::to_string(k.tile_cols) + " register tiles";
}

}  // namespace edgemoe::fpga
