// The kernel's cycle model (edgemoe/cycle_model.h):
//  - its linear-unit totals equal the iterations the kernel itself runs, counted inside run_kernel on
//    a real frame of the tiny model with that frame's routing (so the model follows the kernel's loops
//    and the router's real expert queues);
//  - at the Edge-MoE design point the backbone comes out near the paper's ~6.5 M cycles, with
//    attention a large share;
//  - inactive experts cost neither cycles nor DRAM traffic; the head is charged only when asked;
//  - every other pipelined loop's trip total (LayerNorm, attention, routing, upsampling) equals the
//    kernel's own count (design.h's probe), and the targets hold on the demo model;
//  - the resource model's counts of a few units equal hand-derived numbers, and changing a
//    parallelism constant moves cycles and resources the right way;
//  - the model's HP-port mapping is hls/scripts/zcu102.cfg's.
#include <QtTest>

#include <fstream>
#include <map>
#include <sstream>

#include "edgemoe/cycle_model.h"
#include "edgemoe/resource_model.h"
#include "edgemoe/model.h"
#include "fpga/kernel_buffers.h"
#include "fpga/kernel_output.h"
#include "fpga/packing.h"
#include "edgemoe/backend.h"
#include "kernel.h"
#include "test_fixtures.h"

using namespace edgemoe;
using namespace edgemoe_hls;

namespace {

// The kernel's own linear unit, counting the iterations of its main loops as it runs, and the
// probe's counts of every other pipelined loop (hls/src/design.h).
struct CountingUnit : HlsLinearUnit {
    double tile_steps = 0, weight_beats = 0, source_beats = 0, sink_beats = 0;
    double loops[kLoopCount] = {};
    template <class L, class Src, class Sink>
    void run(const L& layer, int rows, Src& src, Sink& sink) {
        tile_steps += double(rows) * (L::OUT16 / 16) * (L::IN16 / 16);
        weight_beats += double(L::OUT16) * (L::IN16 / 16);
        source_beats += double(rows) * Src::kBeats;
        sink_beats += double(rows) * Sink::kBeats;
        HlsLinearUnit::run(layer, rows, src, sink);
    }
    void count(Loop l) { ++loops[l]; }
};

const std::string kDemoModel = std::string(EDGEMOE_SOURCE_DIR) + "/resources/models/edgemoe-demo.safetensors";

ExpertRouting routing_to(int block, int tokens, int top_k, std::vector<int> experts) {
    ExpertRouting r;
    r.block = block;
    r.tokens = tokens;
    r.top_k = top_k;
    for (int t = 0; t < tokens; ++t)
        for (int k = 0; k < top_k; ++k) r.expert.push_back(int16_t(experts[size_t(t * top_k + k) % experts.size()]));
    r.weight.assign(r.expert.size(), 0.5f);
    return r;
}

}  // namespace

class TestCycleModel : public QObject {
    Q_OBJECT
private slots:
    void linear_unit_counts_match_the_kernel() {
        using S = TinyShape;
        auto model = Model::load(test::fixture("tiny.safetensors"));
        const fpga::PackedWeights packed = fpga::pack<S>(*model);
        fpga::KernelBuffers<S> buf;
        const cv::Mat image = test::load_image("tiny_input.npy");
        for (int task = 0; task < 2; ++task) {
            const int channels = model->config().tasks[size_t(task)].channels;
            const KernelArgs a = buf.args(packed, task, channels, image.ptr<uint8_t>());
            CountingUnit counter;
            run_kernel<S>(a, counter);
            NetworkOutput out;
            fpga::decode_routing<S>(buf.routing.data(), out);
            const CycleEstimate est = estimate_kernel_cycles(model->config(), out.routing, channels);
            QCOMPARE(est.linear_tile_steps, counter.tile_steps);
            QCOMPARE(est.weight_beats, counter.weight_beats);
            QCOMPARE(est.source_beats, counter.source_beats);
            QCOMPARE(est.sink_beats, counter.sink_beats);
            for (int l = 0; l < kLoopCount; ++l) {
                const auto it = est.loop_trips.find(kLoopNames[l]);
                QVERIFY2(it != est.loop_trips.end(), kLoopNames[l]);
                QVERIFY2(counter.loops[l] > 0, kLoopNames[l]);
                QVERIFY2(it->second == counter.loops[l],
                         qPrintable(QString("%1: model %2, kernel %3").arg(kLoopNames[l]).arg(it->second).arg(counter.loops[l])));
            }
            QVERIFY(est.head_cycles > 0);
        }
    }

    // The targets, on the demo model and the sample video's first frame's routing as the
    // kernel computes it (both tasks), at 300 MHz.
    void targets_hold_on_the_demo_model() {
        auto model = Model::load(kDemoModel);
        const ModelConfig& c = model->config();
        BackendOptions o;
        auto emu = create_backend("fpga-emu", model, o);
        const cv::Mat img = test::load_image("demo_input.npy");
        for (int t = 0; t < 2; ++t) {
            NetworkOutput out;
            emu->infer(img, t, out);
            const CycleEstimate est = estimate_kernel_cycles(c, out.routing, c.tasks[size_t(t)].channels);
            qInfo("task %d: backbone %.2f M, head %.2f M, frame %.2f M cycles (%.1f ms at 300 MHz); busiest stage %s "
                  "at %.1f GB/s",
                  t, est.backbone_cycles / 1e6, est.head_cycles / 1e6, (est.backbone_cycles + est.head_cycles) / 1e6,
                  est.ms(est.backbone_cycles + est.head_cycles, 300), est.peak_stage.c_str(), est.peak_stage_gb_s);
            QVERIFY(est.backbone_cycles <= 6.5e6);
            QVERIFY(est.head_cycles <= 2.0e6);
            QVERIFY(est.backbone_cycles + est.head_cycles <= 9.0e6);
            // Four 128-bit ports at 300 MHz can never ask more than 19.2 GB/s: below the DDR's 21.3.
            QVERIFY(est.peak_stage_gb_s > 0 && est.peak_stage_gb_s <= 4 * 16 * 0.3 + 1e-9);
            QVERIFY(est.peak_stage_gb_s < est.ddr_peak_gb_s);
        }
        const ResourceEstimate r = estimate_resources(c);
        const Device zcu = zcu102_device();
        qInfo("resources: DSP %.0f (%.1f%%), BRAM18K %.0f (%.1f%%)", r.total.dsp, 100 * r.dsp_share(zcu), r.total.bram18k,
              100 * r.bram_share(zcu));
        QVERIFY(r.dsp_share(zcu) <= 0.8);
        QVERIFY(r.bram_share(zcu) <= 0.8);
    }

    // Per-part sums are the backbone's; the norms are 24 x N rows of two 16-lane loops, each bounded
    // by the 768 bytes a row moves on a 16-byte port (48 cycles), plus loading gamma and beta.
    void per_part_sums_are_the_backbones() {
        auto model = Model::load(test::kUntrainedModel);
        const CycleEstimate est = estimate_kernel_cycles(model->config(), {}, 0);
        QCOMPARE(est.head_cycles, 0.0);
        QCOMPARE(est.head_bytes, 0.0);
        const CycleEstimate with_head = estimate_kernel_cycles(model->config(), {}, 7);
        QVERIFY(with_head.head_cycles > 0);
        QCOMPARE(with_head.cycles_of("norm"), est.cycles_of("norm"));
        const double n = model->config().num_tokens(), d = 192;
        QCOMPARE(est.cycles_of("norm"), 2.0 * model->config().depth * (d + n * 2 * (d * 4 / 16)));
        QVERIFY(est.attention_cycles > 0.1 * est.backbone_cycles && est.attention_cycles < 0.35 * est.backbone_cycles);
    }

    // Hand-derived counts.
    void resource_counts_by_hand() {
        QCOMPARE(dsps_per_product(32, 16), 2);   // activation x weight: 32 bits on the 27-bit port = 2 pieces
        QCOMPARE(dsps_per_product(32, 32), 4);   // Q.K: 2 x 2 pieces
        QCOMPARE(dsps_per_product(25, 32), 2);   // p x V: 25 signed bits fit the 27-bit port, 32 = 2 x 18-bit
        QCOMPARE(dsps_per_product(8, 16), 1);
        QCOMPARE(bram18k_for(256, 576, 16), 256.0);    // FC1's 768 x 192 weights over 256 banks: 576 words each
        QCOMPARE(bram18k_for(16, 1548, 32), 64.0);     // K: 129 x 192 words over 16 banks, 4 x 512 x 36 each
        QCOMPARE(bram18k_for(16, 12, 32), 0.0);        // 384 bits a bank: LUTRAM
        QCOMPARE(bram18k_for(1, 256, 256), 8.0);       // 256-bit burst buffer: 8 blocks side by side
        auto model = Model::load(test::kUntrainedModel);
        const ResourceEstimate r = estimate_resources(model->config());
        std::map<std::string, UnitResources> by;
        for (const auto& u : r.units) by[u.unit.substr(0, u.unit.find(' '))] = u;
        // 256 MACs x 2; ping/pong 2 x 256 banks of 576 words (FC1), + row (16 x 108 words) and
        // accumulator / bias (16 x 48 x 64 bit: 2 blocks a bank) buffers.
        QCOMPARE(by["linear"].dsp, 512.0);
        QCOMPARE(by["linear"].bram18k, 512.0 + 16 + 2 * 32);
        // 2 units x (4 x 16 x 4 + 4 x 16 x 2 + 4 x 11).
        QCOMPARE(by["attention,"].dsp, 2.0 * (256 + 128 + 44));
        QCOMPARE(by["attention,"].bram18k, 2 * 64.0 + 2 * 4);   // K and V; per unit 4 score banks of 129 words
        double dsp = 0, bram = 0;
        for (const auto& u : r.units) {
            dsp += u.dsp;
            bram += u.bram18k;
            QVERIFY(u.lut_low <= u.lut_high && u.ff_low <= u.ff_high);
        }
        QCOMPARE(r.total.dsp, dsp);
        QCOMPARE(r.total.bram18k, bram);
    }

    // More attention units: fewer cycles, more DSPs; more LayerNorm lanes than the port can feed:
    // more DSPs and no fewer cycles; narrower sinks: more cycles, fewer DSPs.
    void parallelism_moves_cycles_and_resources() {
        auto model = Model::load(test::kUntrainedModel);
        const ModelConfig& c = model->config();
        const KernelDesign base = kernel_design();
        const CycleEstimate e0 = estimate_kernel_cycles(c, {}, 7, base);
        const ResourceEstimate r0 = estimate_resources(c, base);

        KernelDesign one_unit = base;
        one_unit.attention_units = 1;
        const CycleEstimate e1 = estimate_kernel_cycles(c, {}, 7, one_unit);
        const ResourceEstimate r1 = estimate_resources(c, one_unit);
        QVERIFY(e1.attention_cycles > 1.5 * e0.attention_cycles);
        QVERIFY(r1.total.dsp < r0.total.dsp);
        QCOMPARE(r0.total.dsp - r1.total.dsp, 256.0 + 128 + 44);

        KernelDesign narrow = base;
        narrow.row_lanes = 1;
        const CycleEstimate e2 = estimate_kernel_cycles(c, {}, 7, narrow);
        const ResourceEstimate r2 = estimate_resources(c, narrow);
        QVERIFY(e2.cycles_of("qkv") > 1.2 * e0.cycles_of("qkv"));
        QVERIFY(e2.head_cycles > 2 * e0.head_cycles);
        QVERIFY(r2.total.dsp < r0.total.dsp);

        KernelDesign wide_norm = base;
        wide_norm.norm_lanes = 32;
        const CycleEstimate e3 = estimate_kernel_cycles(c, {}, 0, wide_norm);
        QCOMPARE(e3.cycles_of("norm"), e0.cycles_of("norm"));   // the 128-bit port binds
        QVERIFY(estimate_resources(c, wide_norm).total.dsp > r0.total.dsp);

        KernelDesign fast_ports = base;
        fast_ports.port_bytes_per_cycle = 32;
        QVERIFY(estimate_kernel_cycles(c, {}, 7, fast_ports).backbone_cycles < e0.backbone_cycles);
    }

    // The bundles' ports in the model are those of the v++ link config.
    void ports_match_the_zcu102_config() {
        std::ifstream f(std::string(EDGEMOE_SOURCE_DIR) + "/hls/scripts/zcu102.cfg");
        QVERIFY(f.good());
        std::map<std::string, std::string> port;
        for (std::string line; std::getline(f, line);) {
            const auto a = line.find("m_axi_"), b = line.find(':');
            if (line.rfind("sp=", 0) == 0 && a != std::string::npos && b != std::string::npos)
                port[line.substr(a + 6, b - a - 6)] = line.substr(b + 1);
        }
        const std::map<std::string, std::string> model = zcu102_bundle_ports();
        QCOMPARE(port.size(), model.size());
        for (const auto& [bundle, hp] : model) QCOMPARE(QString::fromStdString(port[bundle]), QString::fromStdString(hp));
    }

    void inactive_experts_cost_nothing() {
        auto model = Model::load(test::kUntrainedModel);
        const ModelConfig& c = model->config();
        std::vector<ExpertRouting> two, three;
        for (int b = 0, m = 0; b < c.depth; ++b)
            if (c.is_moe(b)) {
                two.push_back(routing_to(b, c.num_tokens(), c.top_k, {0, 1}));
                three.push_back(routing_to(b, c.num_tokens(), c.top_k, {m % 16, (m + 1) % 16, (m + 2) % 16}));
                ++m;
            }
        const CycleEstimate a = estimate_kernel_cycles(c, two, 0);
        const CycleEstimate b = estimate_kernel_cycles(c, three, 0);
        const CycleEstimate even = estimate_kernel_cycles(c, {}, 0);
        // Same tokens through more experts: more weights fetched, never less.
        QVERIFY(b.backbone_bytes > a.backbone_bytes);
        QVERIFY(even.backbone_bytes > b.backbone_bytes);
        // Two active experts per block: exactly 2 x 6 expert stage pairs, and no stage for the rest.
        int expert_stages = 0;
        for (const auto& st : a.stages)
            if (st.name.find("experts") != std::string::npos) ++expert_stages;
        QCOMPARE(expert_stages, 2 * 2 * 6);
        // The DRAM saved is the weights of the 14 experts left idle in each of the 6 MoE blocks.
        const double expert_weight_bytes = 2.0 * 384 * 192 * 2 + 384 * 2 + 192 * 2;   // FC1 + FC2 with biases
        const double idle = 14.0 * 6;
        QVERIFY(std::abs((even.backbone_bytes - a.backbone_bytes) - idle * expert_weight_bytes) < 1.0);
    }
};

QTEST_GUILESS_MAIN(TestCycleModel)
#include "test_cycle_model.moc"
