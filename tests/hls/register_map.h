#pragma once
// Renders the kernel's register map as Markdown from kernel_args.h.
#include <cstdio>
#include <string>

#include "edgemoe_hls/kernel_args.h"

namespace edgemoe_hls {

inline std::string register_map_markdown() {
    std::string s = "# edgemoe_top register map\n\nGenerated from `hls/include/edgemoe_hls/kernel_args.h` by "
                    "`hls_register_map` (tests/hls); `test_kernel_args` fails when this file is stale.\n\n";
    char buf[160];
    std::snprintf(buf, sizeof buf, "Kernel `%s`, argument-list signature `0x%016llx`.\n\n", kKernelName,
                  static_cast<unsigned long long>(kernel_signature()));
    s += buf;
    s += "| offset | register | bits | notes |\n|---|---|---|---|\n";
    s += "| 0x00 | control | 32 | bit 0 ap_start, 1 ap_done, 2 ap_idle, 3 ap_ready, 7 auto_restart |\n";
    s += "| 0x04 | global interrupt enable | 32 | bit 0 |\n";
    s += "| 0x08 | IP interrupt enable | 32 | bit 0 ap_done, bit 1 ap_ready |\n";
    s += "| 0x0C | IP interrupt status | 32 | toggle on write |\n";
    for (int i = 0; i < kKernelArgCount; ++i) {
        const KernelArg& a = kKernelArgs[i];
        if (a.kind == ArgKind::Memory)
            std::snprintf(buf, sizeof buf, "| 0x%02X | %s | 64 | pointer to %s, AXI master bundle %s |\n",
                          register_offset(i), a.name, a.element, a.bundle);
        else
            std::snprintf(buf, sizeof buf, "| 0x%02X | %s | 32 | scalar %s |\n", register_offset(i), a.name, a.element);
        s += buf;
    }
    return s;
}

}  // namespace edgemoe_hls
