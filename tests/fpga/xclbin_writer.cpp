#include "xclbin_writer.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstddef>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <xrt/xclbin.h>

#include "edgemoe_hls/kernel_args.h"

namespace edgemoe::test {
namespace {

using edgemoe_hls::ArgKind;
using edgemoe_hls::kKernelArgs;
using edgemoe_hls::kKernelArgCount;

std::string hex(uint64_t v) {
    std::ostringstream s;
    s << "0x" << std::hex << v;
    return s.str();
}

std::string upper(std::string s) {
    for (char& c : s) c = char(std::toupper(static_cast<unsigned char>(c)));
    return s;
}

template <class T>
void append(std::vector<char>& out, const T& v) {
    const size_t at = out.size();
    out.resize(at + sizeof(T));
    std::memcpy(out.data() + at, &v, sizeof(T));
}

// The fixed part of a counted section: m_count, padded to where the element array starts.
std::vector<char> counted(int32_t count, size_t array_offset) {
    std::vector<char> out(array_offset, 0);
    std::memcpy(out.data(), &count, sizeof count);
    return out;
}

// Section payloads. The xclbin.h structs end in a one-element array; a section is the fixed part
// (up to that array) followed by m_count elements.
std::vector<char> mem_topology_section(const XclbinSpec& s) {
    std::vector<char> out = counted(int32_t(s.banks.size()), offsetof(mem_topology, m_mem_data));
    for (size_t i = 0; i < s.banks.size(); ++i) {
        mem_data m{};
        m.m_type = MEM_DDR4;
        m.m_used = 1;
        m.m_size = 4ull * 1024 * 1024;                       // KiB: a 4 GiB bank
        m.m_base_address = uint64_t(i) * 0x100000000ull;
        std::strncpy(reinterpret_cast<char*>(m.m_tag), s.banks[i].c_str(), sizeof(m.m_tag) - 1);
        append(out, m);
    }
    return out;
}

uint64_t cu_base(int cu) { return 0x1800000ull + uint64_t(cu) * 0x10000; }

std::vector<char> ip_layout_section(const XclbinSpec& s) {
    std::vector<char> out = counted(s.compute_units, offsetof(ip_layout, m_ip_data));
    for (int cu = 0; cu < s.compute_units; ++cu) {
        ip_data ip{};
        ip.m_type = IP_KERNEL;
        // ap_ctrl_hs handshake, interrupt enabled, interrupt id = cu (bits 1..7).
        ip.properties = (AP_CTRL_HS << IP_CONTROL_SHIFT) | 0x1 | ((uint32_t(cu) << IP_INTERRUPT_ID_SHIFT) & IP_INTERRUPT_ID_MASK);
        ip.m_base_address = cu_base(cu);
        const std::string name = s.kernel + ":" + s.kernel + "_" + std::to_string(cu + 1);
        std::strncpy(reinterpret_cast<char*>(ip.m_name), name.c_str(), sizeof(ip.m_name) - 1);
        append(out, ip);
    }
    return out;
}

std::vector<char> connectivity_section(const XclbinSpec& s) {
    std::vector<connection> conns;
    for (int cu = 0; cu < s.compute_units; ++cu)
        for (size_t a = 0; a < s.args.size(); ++a)
            if (s.args[a].address_qualifier == 1) conns.push_back({int32_t(a), cu, s.args[a].bank});
    std::vector<char> out = counted(int32_t(conns.size()), offsetof(connectivity, m_connection));
    for (const connection& c : conns) append(out, c);
    return out;
}

// The kernel XML as v++ writes it (the parts XRT reads: kernel name, ports, args, instances).
std::vector<char> embedded_metadata_section(const XclbinSpec& s) {
    std::ostringstream x;
    x << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      << "<project name=\"edgemoe\">\n"
      << "  <platform vendor=\"xilinx\" boardid=\"noop\" name=\"" << s.platform << "\" featureRomTime=\"0\">\n"
      << "    <version major=\"1\" minor=\"0\"/>\n"
      << "    <description/>\n"
      << "    <board name=\"\" vendor=\"\" fpgaDevice=\"\"/>\n"
      << "    <build_flow/>\n"
      << "    <host architecture=\"x86_64\"/>\n"
      << "    <device name=\"fpga0\" fpgaDevice=\"\" addrWidth=\"0\">\n"
      << "      <core name=\"OCL_REGION_0\" target=\"bitstream\" type=\"clc_region\" clockFreq=\"300MHz\" "
         "numComputeUnits=\""
      << s.compute_units << "\">\n"
      << "        <kernel name=\"" << s.kernel << "\" language=\"c\" vlnv=\"xilinx.com:hls:" << s.kernel
      << ":1.0\" preferredWorkGroupSizeMultiple=\"0\" workGroupSize=\"1\" interrupt=\"true\" "
         "hwControlProtocol=\"ap_ctrl_hs\">\n";
    std::vector<std::string> ports;
    for (const XclbinArg& a : s.args)
        if (a.address_qualifier == 1 && std::find(ports.begin(), ports.end(), a.port) == ports.end())
            ports.push_back(a.port);
    for (const std::string& p : ports)
        x << "          <port name=\"" << p
          << "\" mode=\"master\" range=\"0xFFFFFFFFFFFFFFFF\" dataWidth=\"256\" portType=\"addressable\" base=\"0x0\"/>\n";
    x << "          <port name=\"S_AXI_CONTROL\" mode=\"slave\" range=\"0x1000\" dataWidth=\"32\" "
         "portType=\"addressable\" base=\"0x0\"/>\n";
    for (size_t i = 0; i < s.args.size(); ++i) {
        const XclbinArg& a = s.args[i];
        x << "          <arg name=\"" << a.name << "\" addressQualifier=\"" << a.address_qualifier << "\" id=\"" << i
          << "\" port=\"" << a.port << "\" size=\"" << hex(a.size) << "\" offset=\"" << hex(a.offset)
          << "\" hostOffset=\"0x0\" hostSize=\"" << hex(a.size) << "\" type=\"" << a.type << "\"/>\n";
    }
    x << "          <compileWorkGroupSize x=\"1\" y=\"1\" z=\"1\"/>\n"
      << "          <maxWorkGroupSize x=\"1\" y=\"1\" z=\"1\"/>\n";
    for (int cu = 0; cu < s.compute_units; ++cu)
        x << "          <instance name=\"" << s.kernel << "_" << cu + 1 << "\">\n"
          << "            <addrRemap base=\"" << hex(cu_base(cu)) << "\" range=\"0x10000\" port=\"S_AXI_CONTROL\"/>\n"
          << "          </instance>\n";
    x << "        </kernel>\n      </core>\n    </device>\n  </platform>\n</project>\n";
    const std::string text = x.str();
    return std::vector<char>(text.begin(), text.end());
}

// What `xclbinutil --key-value USER:key:value` writes: {"key_values":[{"key":..,"value":..}]}.
std::vector<char> keyvalue_metadata_section(const XclbinSpec& s) {
    std::string j = "{\"key_values\":[";
    for (size_t i = 0; i < s.key_values.size(); ++i)
        j += std::string(i ? "," : "") + "{\"key\":\"" + s.key_values[i].first + "\",\"value\":\"" +
             s.key_values[i].second + "\"}";
    j += "]}";
    return std::vector<char>(j.begin(), j.end());
}

// A UUID derived from the content, so different files get different ids (XRT keys loaded
// xclbins by UUID) and the same spec always gives the same file.
void content_uuid(const std::vector<std::vector<char>>& sections, unsigned char out[16]) {
    uint64_t h[2] = {1469598103934665603ull, 0x9e3779b97f4a7c15ull};
    for (const auto& s : sections)
        for (char c : s) {
            h[0] = (h[0] ^ uint8_t(c)) * 1099511628211ull;
            h[1] = (h[1] ^ uint8_t(c)) * 0x100000001b3ull + 0x632be59bd9b4e019ull;
        }
    std::memcpy(out, h, 16);
}

}  // namespace

XclbinSpec edgemoe_spec(const std::string& shape) {
    XclbinSpec s;
    std::vector<std::string> bundles;
    for (int i = 0; i < kKernelArgCount; ++i) {
        const auto& k = kKernelArgs[i];
        XclbinArg a;
        a.name = k.name;
        a.offset = edgemoe_hls::register_offset(i);
        if (k.kind == ArgKind::Memory) {
            auto it = std::find(bundles.begin(), bundles.end(), std::string(k.bundle));
            if (it == bundles.end()) it = bundles.insert(bundles.end(), k.bundle);
            a.address_qualifier = 1;
            a.port = "M_AXI_" + upper(k.bundle);
            a.size = 8;
            a.type = std::string(k.element) + "*";
            a.bank = int(it - bundles.begin()) % int(s.banks.size());
        } else {
            a.address_qualifier = 0;
            a.port = "S_AXI_CONTROL";
            a.size = 4;
            a.type = k.element;
        }
        s.args.push_back(a);
    }
    s.key_values.push_back(signature_key_value(edgemoe_hls::kernel_signature()));
    s.key_values.push_back({"edgemoe_shape", shape});
    return s;
}

std::pair<std::string, std::string> signature_key_value(uint64_t signature) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "0x%016llx", static_cast<unsigned long long>(signature));
    return {"edgemoe_signature", buf};
}

std::vector<char> build_xclbin(const XclbinSpec& spec) {
    std::vector<std::pair<axlf_section_kind, std::vector<char>>> sections = {
        {MEM_TOPOLOGY, mem_topology_section(spec)},
        {IP_LAYOUT, ip_layout_section(spec)},
        {CONNECTIVITY, connectivity_section(spec)},
        {EMBEDDED_METADATA, embedded_metadata_section(spec)},
    };
    if (!spec.key_values.empty()) sections.push_back({KEYVALUE_METADATA, keyvalue_metadata_section(spec)});

    const size_t n = sections.size();
    const size_t header = sizeof(axlf) - sizeof(axlf_section_header) + n * sizeof(axlf_section_header);
    std::vector<size_t> offsets;
    size_t at = header;
    for (const auto& s : sections) {
        at = (at + 7) & ~size_t(7);   // sections start 8-byte aligned, as xclbinutil writes them
        offsets.push_back(at);
        at += s.second.size();
    }
    std::vector<char> out(at, 0);

    axlf top{};
    std::memcpy(top.m_magic, "xclbin2", 8);
    top.m_signature_length = -1;
    std::memset(top.reserved, 0xFF, sizeof(top.reserved));
    std::memset(top.m_keyBlock, 0xFF, sizeof(top.m_keyBlock));
    top.m_uniqueId = 0;
    top.m_header.m_length = at;
    top.m_header.m_timeStamp = 0;
    top.m_header.m_versionMajor = 2;
    top.m_header.m_versionMinor = 13;
    top.m_header.m_versionPatch = 0;
    top.m_header.m_mode = XCLBIN_FLAT;
    std::strncpy(reinterpret_cast<char*>(top.m_header.m_platformVBNV), spec.platform.c_str(),
                 sizeof(top.m_header.m_platformVBNV) - 1);
    std::vector<std::vector<char>> payloads;
    for (const auto& s : sections) payloads.push_back(s.second);
    content_uuid(payloads, top.m_header.uuid);
    top.m_header.m_numSections = uint32_t(n);
    std::memcpy(out.data(), &top, sizeof(axlf) - sizeof(axlf_section_header));

    static const char* names[] = {"MEM_TOPOLOGY", "IP_LAYOUT", "CONNECTIVITY", "EMBEDDED_METADATA", "KEYVALUE_METADATA"};
    for (size_t i = 0; i < n; ++i) {
        axlf_section_header h{};
        h.m_sectionKind = sections[i].first;
        std::strncpy(h.m_sectionName, names[i], sizeof(h.m_sectionName) - 1);
        h.m_sectionOffset = offsets[i];
        h.m_sectionSize = sections[i].second.size();
        std::memcpy(out.data() + offsetof(axlf, m_sections) + i * sizeof(axlf_section_header), &h, sizeof(h));
        std::memcpy(out.data() + offsets[i], sections[i].second.data(), sections[i].second.size());
    }
    return out;
}

void write_file(const std::string& path, const std::vector<char>& bytes) {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f.write(bytes.data(), std::streamsize(bytes.size()));
    if (!f) throw std::runtime_error("cannot write " + path);
}

}  // namespace edgemoe::test
