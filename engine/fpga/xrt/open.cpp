// create_backend("fpga") with XRT: every check that can fail without a card first (runtime, model
// shape, xclbin), then the cards. Built only when XRT's headers and library were found.
#include <cstdio>

#include "edgemoe/error.h"
#include "fpga/xrt/backend.h"
#include "fpga/xrt/device_spec.h"
#include "fpga/xrt/native_device.h"
#include "fpga/xrt/runtime_env.h"
#include "fpga/xrt/xclbin_check.h"
#include "fpga/fpga_emu_backend.h"

namespace edgemoe::fpga {

std::string xrt_unavailable_reason() {
    const std::string why = xrt_runtime_problem();
    if (!why.empty()) return why;
    // On hardware, a card must be there (the emulation shims open cards without enumerating any).
    if (check_xrt_runtime().emulation.empty() && xrt_card_count() == 0)
        return "XRT finds no card ('xbutil examine' lists the cards XRT sees; is the xocl/zocl driver loaded?)";
    return {};
}

std::unique_ptr<Backend> make_xrt_backend(std::shared_ptr<const Model> model, const BackendOptions& options) {
    if (!model) throw BackendError("fpga: no model loaded");
    if (options.xclbin.empty())
        throw BackendError("fpga: no xclbin given: the board needs the kernel binary (built as in hls/README.md, "
                           "'Building for a board'); pass its path as the xclbin option");
    const DeviceSpec spec = parse_device_spec(options.device);
    check_xrt_runtime();
    const std::string shape = shape_key_for(model->config());
    if (shape.empty()) throw BackendError("fpga: " + emu_unsupported_reason(model->config()));
    const CheckedXclbin x = check_xclbin(options.xclbin, shape);
    // Not a refusal: a neighbouring XRT release often loads the xclbin; if it does not, XRT's own
    // error follows this line.
    if (!x.note.empty()) std::fprintf(stderr, "fpga: warning: %s\n", x.note.c_str());
    return make_xrt_backend_on(std::move(model), options, open_xrt_devices(spec, x.path, x.xclbin));
}

std::function<std::string()> make_xrt_electrical_source(const std::string& device) {
    const DeviceSpec spec = parse_device_spec(device);
    if (spec.all || spec.cards.size() != 1)
        throw BackendError("fpga: electrical info is read from one card at a time, not '" + device + "'");
    check_xrt_runtime();
    auto name = std::make_shared<std::string>();
    auto card = std::make_shared<xrt::device>(open_xrt_card(spec.cards[0], *name));
    return [card, name]() -> std::string {
        try {
            return card->get_info<xrt::info::device::electrical>();
        } catch (const std::exception& e) {
            throw BackendError("fpga: " + *name + ": XRT has no electrical info: " + e.what());
        }
    };
}

std::optional<std::string> xrt_electrical_json(const std::string& device, std::string& why_not) {
    try {
        return make_xrt_electrical_source(device)();
    } catch (const BackendError& e) {
        why_not = e.what();
    } catch (const std::exception& e) {
        why_not = std::string("fpga: ") + e.what();
    }
    return std::nullopt;
}

}  // namespace edgemoe::fpga
