// The kernel's cycle model (edgemoe/cycle_model.h):
//  - its linear-unit totals equal the iterations the kernel itself runs, counted inside run_kernel on
//    a real frame of the tiny model with that frame's routing (so the model follows the kernel's loops
//    and the router's real expert queues);
//  - at the Edge-MoE design point the backbone comes out near the paper's ~6.5 M cycles, with
//    attention a large share;
//  - inactive experts cost neither cycles nor DRAM traffic; the head is charged only when asked.
#include <QtTest>

#include "edgemoe/cycle_model.h"
#include "edgemoe/model.h"
#include "fpga/kernel_buffers.h"
#include "fpga/kernel_output.h"
#include "fpga/packing.h"
#include "kernel.h"
#include "test_fixtures.h"

using namespace edgemoe;
using namespace edgemoe_hls;

namespace {

// The kernel's own linear unit, counting the iterations of its two main loops as it runs.
struct CountingUnit : HlsLinearUnit {
    double tile_steps = 0, weight_beats = 0;
    template <class L, class Src, class Sink>
    void run(const L& layer, int rows, Src& src, Sink& sink) {
        tile_steps += double(rows) * (L::OUT16 / 16) * (L::IN16 / 16);
        weight_beats += double(L::OUT16) * (L::IN16 / 16);
        HlsLinearUnit::run(layer, rows, src, sink);
    }
};

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
            QVERIFY(est.head_cycles > 0);
        }
    }

    void design_point_near_the_papers_estimate() {
        auto model = Model::load(test::kUntrainedModel);
        const CycleEstimate est = estimate_kernel_cycles(model->config(), {}, 0);
        const double paper = 6.5e6;   // Edge-MoE's ~6.5 M cycles (~22 ms at 300 MHz) for the backbone
        qInfo("backbone %.2f M cycles = %.1f ms at 300 MHz, attention %.0f%%, DRAM %.1f MB", est.backbone_cycles / 1e6,
              est.ms(est.backbone_cycles, 300), 100 * est.attention_cycles / est.backbone_cycles,
              est.backbone_bytes / 1e6);
        QVERIFY2(est.backbone_cycles > 0.75 * paper && est.backbone_cycles < 1.25 * paper,
                 qPrintable(QString::number(est.backbone_cycles)));
        QVERIFY(est.attention_cycles > 0.25 * est.backbone_cycles && est.attention_cycles < 0.5 * est.backbone_cycles);
        QCOMPARE(est.head_cycles, 0.0);
        QCOMPARE(est.head_bytes, 0.0);
        // The per-part sums are the backbone's: a head adds its own norm and convs elsewhere.
        const CycleEstimate with_head = estimate_kernel_cycles(model->config(), {}, 7);
        QVERIFY(with_head.head_cycles > 0);
        QCOMPARE(with_head.cycles_of("norm"), est.cycles_of("norm"));
        QCOMPARE(est.cycles_of("norm"), 2.0 * model->config().depth * model->config().num_tokens() * 2 * 192);
        QVERIFY(est.ms(est.backbone_cycles, 300) > 15 && est.ms(est.backbone_cycles, 300) < 35);
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
