// edgemoe-run end to end (and edgemoe-bench's GEMM kernel choice): runs the real binary on the tiny model and an image, then checks the
// PNGs, the raw .npy against the PyTorch golden, and the metrics.json schema.
#include <QtTest>

#include <fstream>

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "edgemoe/npy.h"

using namespace edgemoe;

class TestCli : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;

    int run_tool(const QStringList& args, QString* err = nullptr, const QString& tool = "edgemoe-run",
                 QString* out = nullptr) {
        QProcess p;
        p.start(QString(EDGEMOE_BINARY_DIR) + "/engine/cli/" + tool, args);
        if (!p.waitForFinished(120000)) return -1;
        if (err) *err = QString::fromLocal8Bit(p.readAllStandardError());
        if (out) *out = QString::fromLocal8Bit(p.readAllStandardOutput());
        return p.exitCode();
    }

private slots:
    void runs_tiny_model_on_an_image() {
        // The fixture input saved as a PNG (BGR on disk): the runner's resize is then an identity.
        const NpyArray a = read_npy(std::string(EDGEMOE_FIXTURES) + "/tiny_input.npy");
        cv::Mat rgb(int(a.shape[0]), int(a.shape[1]), CV_8UC3, const_cast<uint8_t*>(a.bytes.data())), bgr;
        cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
        const QString img = dir_.path() + "/input.png", out = dir_.path() + "/out";
        QVERIFY(cv::imwrite(img.toStdString(), bgr));

        QString err;
        const int rc = run_tool({"--model", QString(EDGEMOE_FIXTURES) + "/tiny.safetensors", "--input", img, "--task",
                                 "all", "--out", out, "--raw", "--idle-seconds", "0"},
                                &err);
        QVERIFY2(rc == 0, qPrintable(err));
        QVERIFY2(err.contains("UNTRAINED"), qPrintable(err));

        for (const char* task : {"semseg", "depth"}) {
            const std::string base = out.toStdString() + "/000000_" + task;
            const cv::Mat png = cv::imread(base + ".png");
            QCOMPARE(png.cols, 64);
            QCOMPARE(png.rows, 32);
            const NpyArray raw = read_npy(base + ".npy");
            const NpyArray ref = read_npy(std::string(EDGEMOE_FIXTURES) + "/tiny_out_" + task + ".npy");
            QVERIFY(raw.shape == ref.shape);
            const std::vector<float> r = raw.to_float(), g = ref.to_float();
            double err_max = 0, scale = 0;
            for (size_t i = 0; i < g.size(); ++i) {
                err_max = std::max(err_max, double(std::abs(r[i] - g[i])));
                scale = std::max(scale, double(std::abs(g[i])));
            }
            QVERIFY(err_max <= 1e-4 * scale);
        }

        std::ifstream f((out + "/metrics.json").toStdString());
        const nlohmann::json m = nlohmann::json::parse(f);
        QCOMPARE(m["backend"].get<std::string>(), std::string("cpu"));
        QCOMPARE(m["trained"].get<bool>(), false);
        QCOMPARE(m["frames"].size(), size_t(2));
        const auto& fr = m["frames"][0];
        QCOMPARE(fr["index"].get<int>(), 0);
        for (const char* k : {"preprocess", "backbone", "head", "postprocess", "total"}) {
            QVERIFY(fr["latency_ms"][k].get<double>() >= 0);
            QVERIFY(m["summary"]["latency_ms"]["median"].contains(k));
            QVERIFY(m["summary"]["latency_ms"]["p90"].contains(k));
        }
        // Energy: meters found here, or for each kind of sensor the reason it is not available; never
        // an invented figure. One CSV row per frame and task.
        const auto& energy = m["energy"];
        QVERIFY(energy.contains("meters") && energy.contains("unavailable"));
        QVERIFY(!energy["meters"].empty() || !energy["unavailable"].empty());
        for (const auto& u : energy["unavailable"]) QVERIFY(!u["reason"].get<std::string>().empty());
        std::ifstream csv((out + "/energy.csv").toStdString());
        std::string line;
        int rows = -1;
        while (std::getline(csv, line)) ++rows;
        QCOMPARE(rows, 2);
        // experts: per MoE block, tokens per expert; each block routes 33 tokens x top-2.
        QCOMPARE(fr["experts"].size(), size_t(2));
        int total = 0;
        for (int c : fr["experts"][0]) total += c;
        QCOMPARE(total, 66);
    }

    // edgemoe-bench names the emulator's GEMM kernel and its counters, and takes fpga-emu@KERNEL
    // entries; a kernel this CPU lacks, or @ on another backend, is refused by name.
    void bench_names_the_gemm_kernel() {
        const QString model = QString(EDGEMOE_FIXTURES) + "/tiny.safetensors";
        const QStringList common = {"--model", model, "--frames", "1", "--warmup", "0", "--task", "semseg"};
        QString err, out;
        int rc = run_tool(common + QStringList{"--backend", "fpga-emu@baseline"}, &err, "edgemoe-bench", &out);
        QVERIFY2(rc == 0, qPrintable(err));
        QVERIFY2(out.contains("baseline: "), qPrintable(out));
        QVERIFY2(out.contains("rows on the exact integer path (2^53 bound failed): 0"), qPrintable(out));
        rc = run_tool(common + QStringList{"--backend", "fpga-emu@avx1024"}, &err, "edgemoe-bench");
        QCOMPARE(rc, 1);
        QVERIFY2(err.contains("avx1024") && err.contains("available:"), qPrintable(err));
        rc = run_tool(common + QStringList{"--backend", "cpu@avx2"}, &err, "edgemoe-bench");
        QCOMPARE(rc, 1);
        QVERIFY2(err.contains("only fpga-emu takes @KERNEL"), qPrintable(err));
    }

    void bad_arguments_fail_clearly() {
        QString err;
        QCOMPARE(run_tool({"--model", "/nonexistent/model.safetensors", "--input", "0"}, &err), 1);
        QVERIFY2(err.contains("/nonexistent/model.safetensors: cannot open"), qPrintable(err));
        QCOMPARE(run_tool({"--model", QString(EDGEMOE_FIXTURES) + "/tiny.safetensors", "--input",
                           dir_.path() + "/none.mp4"}, &err), 1);
        QVERIFY2(err.contains("none.mp4: no such file"), qPrintable(err));
        QCOMPARE(run_tool({"--model", QString(EDGEMOE_FIXTURES) + "/tiny.safetensors", "--task", "normals",
                           "--input", "0"}, &err), 1);
        QVERIFY2(err.contains("no task 'normals'"), qPrintable(err));
        QCOMPARE(run_tool({"--model", QString(EDGEMOE_FIXTURES) + "/tiny.safetensors", "--backend", "gpu",
                           "--input", "0"}, &err), 1);
        QVERIFY2(err.contains("unknown backend 'gpu'"), qPrintable(err));
        QCOMPARE(run_tool({"--frobnicate"}, &err), 1);
        QVERIFY(err.contains("unknown argument '--frobnicate'"));
    }
};

QTEST_GUILESS_MAIN(TestCli)
#include "test_cli.moc"
