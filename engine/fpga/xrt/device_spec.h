#pragma once
// Which cards the `fpga` backend drives (BackendOptions.device): "" (card 0), an index ("1"), a PCIe
// BDF ("0000:65:00.1" or "65:00.1"), a comma-separated list of those ("0,1"), or "all" (every card
// XRT finds). Frames then go round-robin over the listed cards.
#include <string>
#include <vector>

namespace edgemoe::fpga {

struct CardRef {
    bool by_bdf = false;
    unsigned index = 0;    // when !by_bdf
    std::string bdf;       // when by_bdf
    std::string text() const { return by_bdf ? bdf : std::to_string(index); }
};

struct DeviceSpec {
    bool all = false;              // "all": enumerate at open time
    std::vector<CardRef> cards;    // otherwise, in the order given
};

// Throws BackendError for an empty list item, a duplicate, or text that is neither an index nor a BDF.
DeviceSpec parse_device_spec(const std::string& text);

}  // namespace edgemoe::fpga
