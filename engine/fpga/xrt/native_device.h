#pragma once
// The transport seam over XRT's native C++ API: a real card (or XRT's noop shim). Opening follows
// the steps of Xilinx's Vitis examples in order: open the device, load the xclbin, open the kernel;
// then buffer objects per argument in kernel.group_id(arg), sync, run, wait, sync back.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <experimental/xrt_xclbin.h>
#include <xrt/xrt_device.h>

#include "fpga/xrt/device_spec.h"
#include "fpga/xrt/transport.h"

namespace edgemoe::fpga {

// How many cards XRT enumerates (0 when it cannot say; the noop shim always says 0).
unsigned xrt_card_count();

// Opens one card (xrt::device by index or BDF), naming it for messages. Throws BackendError.
xrt::device open_xrt_card(const CardRef& card, std::string& name);

// The cards listed in `spec` ("all": every card XRT enumerates), each with `xclbin` loaded and the
// kernel opened. Throws BackendError naming the card and the file.
std::vector<std::unique_ptr<Device>> open_xrt_devices(const DeviceSpec& spec, const std::string& xclbin_path,
                                                      const xrt::xclbin& xclbin);

}  // namespace edgemoe::fpga
