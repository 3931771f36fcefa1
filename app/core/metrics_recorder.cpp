#include "core/metrics_recorder.h"

#include <cstring>
#include <fstream>
#include <map>
#include <stdexcept>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include "edgemoe/metrics.h"

namespace edgemoe::app {

void MetricsRecorder::configure(const ModelConfig& config, const std::string& model_name, bool trained) {
    std::lock_guard lock(mutex_);
    model_ = model_name;
    trained_ = trained;
    task_names_.clear();
    for (const TaskInfo& t : config.tasks) task_names_.push_back(t.name);
    blocks_ = int(config.moe_blocks.size());
    experts_ = config.num_experts;
    rows_.assign(capacity_, Row{});
    experts_ring_.assign(capacity_ * size_t(blocks_) * size_t(experts_), 0);
    head_ = size_ = 0;
}

void MetricsRecorder::reset() {
    std::lock_guard lock(mutex_);
    head_ = size_ = 0;
}

size_t MetricsRecorder::size() const {
    std::lock_guard lock(mutex_);
    return size_;
}

void MetricsRecorder::add(const InferenceResult& r) {
    std::lock_guard lock(mutex_);
    if (rows_.empty()) return;
    for (int p = 0; p < r.passes; ++p) {
        const FrameResult& out = r.out[p];
        Row& row = rows_[head_];
        row.index = r.frame ? r.frame->index : out.frame_index;
        row.seq = r.frame ? r.frame->seq : 0;
        row.worker = r.worker;
        std::memset(row.backend, 0, sizeof row.backend);
        std::memcpy(row.backend, r.backend.data(), std::min(r.backend.size(), sizeof row.backend - 1));
        row.task = out.task;
        row.times = out.times;
        row.times.draw = 0;   // setDrawTime() fills it in once the frame is drawn
        int32_t* counts = experts_ring_.data() + head_ * size_t(blocks_) * size_t(experts_);
        std::fill(counts, counts + size_t(blocks_) * experts_, 0);
        const int nb = std::min<int>(blocks_, int(out.net.routing.size()));
        for (int b = 0; b < nb; ++b)
            for (int16_t e : out.net.routing[size_t(b)].expert)
                if (e >= 0 && e < experts_) ++counts[size_t(b) * experts_ + e];
        head_ = (head_ + 1) % capacity_;
        size_ = std::min(size_ + 1, capacity_);
    }
}

void MetricsRecorder::setDrawTime(int worker, uint64_t seq, double draw_ms) {
    std::lock_guard lock(mutex_);
    if (rows_.empty()) return;
    // Newest first: the result was added a few rows ago at most (the other stream's results and the
    // passes of this one in between).
    const size_t n = std::min(size_, kDrawLookback);
    bool found = false;
    for (size_t i = 0; i < n; ++i) {
        Row& row = rows_[(head_ + capacity_ - 1 - i) % capacity_];
        if (row.worker != worker || row.seq != seq) {
            if (found) break;   // past this result's rows
            continue;
        }
        found = true;
        if (row.times.draw == 0) row.times.draw = draw_ms;   // the first image that showed it
    }
}

void MetricsRecorder::exportCsv(const QString& path) const {
    std::ofstream f(path.toStdString());
    if (!f) throw std::runtime_error(path.toStdString() + ": cannot open for writing");
    f << "seq,frame,stream,backend,task,capture_ms,preprocess_ms,backbone_ms,head_ms,postprocess_ms,draw_ms,total_ms\n";
    std::lock_guard lock(mutex_);
    const size_t start = (head_ + capacity_ - size_) % std::max<size_t>(capacity_, 1);
    for (size_t i = 0; i < size_; ++i) {
        const Row& r = rows_[(start + i) % capacity_];
        const std::string task = r.task >= 0 && r.task < int(task_names_.size()) ? task_names_[size_t(r.task)] : "?";
        f << r.seq << ',' << r.index << ',' << r.worker << ',' << r.backend << ',' << task << ',' << r.times.capture << ','
          << r.times.preprocess << ',' << r.times.backbone << ',' << r.times.head << ',' << r.times.postprocess << ','
          << r.times.draw << ',' << r.times.total << '\n';
    }
    if (!f) throw std::runtime_error(path.toStdString() + ": write error");
}

std::string MetricsRecorder::toJson(const std::string& energy_json) const {
    // One MetricsLog per (stream, backend), in order of first appearance.
    std::lock_guard lock(mutex_);
    std::vector<std::pair<std::string, MetricsLog>> logs;
    std::map<std::string, size_t> at;
    const size_t start = (head_ + capacity_ - size_) % std::max<size_t>(capacity_, 1);
    for (size_t i = 0; i < size_; ++i) {
        const size_t k = (start + i) % capacity_;
        const Row& r = rows_[k];
        const std::string key = std::to_string(r.worker) + ":" + r.backend;
        auto it = at.find(key);
        if (it == at.end()) {
            it = at.emplace(key, logs.size()).first;
            logs.emplace_back(key, MetricsLog(model_, trained_, r.backend));
        }
        FrameRecord rec;
        rec.index = r.index;
        rec.task = r.task >= 0 && r.task < int(task_names_.size()) ? task_names_[size_t(r.task)] : "?";
        rec.times = r.times;
        const int32_t* counts = experts_ring_.data() + k * size_t(blocks_) * size_t(experts_);
        for (int b = 0; b < blocks_; ++b)
            rec.expert_tokens.emplace_back(counts + size_t(b) * experts_, counts + size_t(b + 1) * experts_);
        logs[it->second].second.add(std::move(rec));
    }
    QJsonArray runs;
    for (const auto& [key, log] : logs) {
        QJsonObject run = QJsonDocument::fromJson(QByteArray::fromStdString(log.to_json())).object();
        run.insert("stream", key.substr(0, 1) == "0" ? "primary" : "compare");
        runs.append(run);
    }
    QJsonObject root;
    root.insert("app", "edgemoe-live");
    root.insert("model", QString::fromStdString(model_));
    root.insert("trained", trained_);
    root.insert("runs", runs);
    if (!energy_json.empty())
        root.insert("energy", QJsonDocument::fromJson(QByteArray::fromStdString(energy_json)).object());
    return QJsonDocument(root).toJson(QJsonDocument::Indented).toStdString();
}

void MetricsRecorder::exportJson(const QString& path, const std::string& energy_json) const {
    const std::string json = toJson(energy_json);
    std::ofstream f(path.toStdString());
    if (!f) throw std::runtime_error(path.toStdString() + ": cannot open for writing");
    f << json;
    if (!f) throw std::runtime_error(path.toStdString() + ": write error");
}

}  // namespace edgemoe::app
