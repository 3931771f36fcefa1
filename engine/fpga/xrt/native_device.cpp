#include "fpga/xrt/native_device.h"

#include <experimental/xrt_system.h>
#include <xrt/xrt_bo.h>
#include <xrt/xrt_kernel.h>

#include "edgemoe/error.h"
#include "edgemoe_hls/kernel_args.h"

namespace edgemoe::fpga {
namespace {

RunState to_run_state(ert_cmd_state s) {
    switch (s) {
        case ERT_CMD_STATE_COMPLETED: return RunState::Completed;
        case ERT_CMD_STATE_TIMEOUT: return RunState::Timeout;
        case ERT_CMD_STATE_ERROR: return RunState::Error;
        case ERT_CMD_STATE_ABORT: return RunState::Abort;
        case ERT_CMD_STATE_NORESPONSE: return RunState::NoResponse;
        default: return RunState::Other;
    }
}

class NativeBuffer final : public DeviceBuffer {
public:
    NativeBuffer(const xrt::device& device, size_t bytes, int bank)
        : bo_(device, bytes, xrt::bo::flags::normal, xrt::memory_group(bank)), host_(bo_.map()), bank_(bank) {}
    size_t bytes() const override { return bo_.size(); }
    int bank() const override { return bank_; }
    void* host() override { return host_; }
    void to_device(size_t bytes, size_t offset) override { bo_.sync(XCL_BO_SYNC_BO_TO_DEVICE, bytes, offset); }
    void from_device(size_t bytes, size_t offset) override { bo_.sync(XCL_BO_SYNC_BO_FROM_DEVICE, bytes, offset); }
    const xrt::bo& bo() const { return bo_; }

private:
    xrt::bo bo_;
    void* host_;
    int bank_;
};

class NativeRun final : public KernelRun {
public:
    explicit NativeRun(const xrt::kernel& kernel) : run_(kernel) {}
    void set_buffer(int arg, DeviceBuffer& buffer) override {
        auto* b = dynamic_cast<NativeBuffer*>(&buffer);
        if (!b) throw std::logic_error("set_buffer: not an XRT buffer");
        run_.set_arg(arg, b->bo());
    }
    // The kernel's scalars are C ints: 4 bytes, as the xclbin check made sure.
    void set_scalar(int arg, int32_t value) override { run_.set_arg(arg, value); }
    void start() override { run_.start(); }
    RunState wait(std::chrono::milliseconds timeout) override { return to_run_state(run_.wait(timeout)); }
    void abort() override { run_.abort(); }

private:
    xrt::run run_;
};

class NativeDevice final : public Device {
public:
    NativeDevice(xrt::device device, std::string name, const std::string& xclbin_path, const xrt::xclbin& xclbin)
        : device_(std::move(device)), name_(std::move(name)) {
        // Load the xclbin, then open the kernel from it.
        try {
            uuid_ = device_.load_xclbin(xclbin);
        } catch (const std::exception& e) {
            std::string platform;
            try {
                platform = xclbin.get_xsa_name();
            } catch (const std::exception&) {
                // no platform name in the file: say less
            }
            throw BackendError("fpga: " + name_ + " did not load xclbin " + xclbin_path + ": " + e.what() +
                               (platform.empty() ? "" : " (the file is built for platform " + platform + ")"));
        }
        try {
            kernel_ = xrt::kernel(device_, uuid_, edgemoe_hls::kKernelName);
        } catch (const std::exception& e) {
            throw BackendError("fpga: " + name_ + ": cannot open kernel " + edgemoe_hls::kKernelName + " of " +
                               xclbin_path + ": " + e.what());
        }
    }

    std::string name() const override { return name_; }
    int arg_bank(int arg) const override { return kernel_.group_id(arg); }
    std::unique_ptr<DeviceBuffer> allocate(size_t bytes, int bank) override {
        return std::make_unique<NativeBuffer>(device_, bytes, bank);
    }
    std::unique_ptr<KernelRun> create_run() override { return std::make_unique<NativeRun>(kernel_); }

    std::optional<std::string> electrical_json(std::string& why_not) override {
        try {
            return device_.get_info<xrt::info::device::electrical>();
        } catch (const std::exception& e) {
            why_not = name_ + ": XRT has no electrical info: " + e.what();
            return std::nullopt;
        }
    }

private:
    xrt::device device_;
    std::string name_;
    xrt::uuid uuid_;
    xrt::kernel kernel_;
};

}  // namespace

unsigned xrt_card_count() {
    try {
        return xrt::system::enumerate_devices();
    } catch (const std::exception&) {
        return 0;
    }
}

xrt::device open_xrt_card(const CardRef& card, std::string& name) {
    name = "card " + card.text();
    xrt::device d;
    try {
        d = card.by_bdf ? xrt::device(card.bdf) : xrt::device(card.index);
    } catch (const std::exception& e) {
        const unsigned n = xrt_card_count();
        throw BackendError("fpga: cannot open " + name + ": " + e.what() + " (XRT finds " + std::to_string(n) +
                           (n == 1 ? " card" : " cards") + "; 'xbutil examine' lists them)");
    }
    // The platform name and BDF, when the shim can say (the noop shim cannot).
    std::string detail;
    try {
        detail = d.get_info<xrt::info::device::name>();
    } catch (const std::exception&) {
    }
    try {
        const std::string bdf = d.get_info<xrt::info::device::bdf>();
        if (!card.by_bdf) detail += (detail.empty() ? "" : ", ") + bdf;
    } catch (const std::exception&) {
    }
    if (!detail.empty()) name += " (" + detail + ")";
    return d;
}

std::vector<std::unique_ptr<Device>> open_xrt_devices(const DeviceSpec& spec, const std::string& xclbin_path,
                                                      const xrt::xclbin& xclbin) {
    std::vector<CardRef> cards = spec.cards;
    if (spec.all) {
        const unsigned n = xrt_card_count();
        if (n == 0)
            throw BackendError("fpga: device 'all': XRT finds no card ('xbutil examine' lists the cards XRT sees; "
                               "check the xocl/zocl driver is loaded)");
        for (unsigned i = 0; i < n; ++i) {
            CardRef r;
            r.index = i;
            cards.push_back(r);
        }
    }
    std::vector<std::unique_ptr<Device>> devices;
    for (const CardRef& c : cards) {
        std::string name;
        xrt::device d = open_xrt_card(c, name);
        devices.push_back(std::make_unique<NativeDevice>(std::move(d), std::move(name), xclbin_path, xclbin));
    }
    return devices;
}

}  // namespace edgemoe::fpga
