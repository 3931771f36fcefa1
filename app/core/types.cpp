#include "core/types.h"

namespace edgemoe::app {

const char* task_mode_name(TaskMode m) {
    switch (m) {
        case TaskMode::Segmentation: return "semseg";
        case TaskMode::Depth: return "depth";
        case TaskMode::Both: return "both";
    }
    return "?";
}

bool task_mode_from_name(const QString& name, TaskMode& out) {
    const QString n = name.trimmed().toLower();
    if (n == "semseg" || n == "seg" || n == "segmentation") out = TaskMode::Segmentation;
    else if (n == "depth") out = TaskMode::Depth;
    else if (n == "both" || n == "all") out = TaskMode::Both;
    else return false;
    return true;
}

TaskPlan plan_tasks(const ModelConfig& config, TaskMode mode) {
    auto first_of = [&](TaskKind kind) {
        for (size_t i = 0; i < config.tasks.size(); ++i)
            if (config.tasks[i].kind == kind) return int(i);
        return -1;
    };
    const int seg = first_of(TaskKind::Segmentation), depth = first_of(TaskKind::Depth);
    TaskPlan p;
    auto add = [&](int t) {
        if (t >= 0 && p.count < 2) p.task[p.count++] = t;
    };
    switch (mode) {
        case TaskMode::Segmentation: add(seg); break;
        case TaskMode::Depth: add(depth); break;
        case TaskMode::Both: add(seg); add(depth); break;
    }
    if (p.count == 0 && !config.tasks.empty()) add(0);
    return p;
}

void register_metatypes() {
    static const bool done = [] {
        qRegisterMetaType<FramePtr>("edgemoe::app::FramePtr");
        qRegisterMetaType<ResultPtr>("edgemoe::app::ResultPtr");
        qRegisterMetaType<SourceInfo>("edgemoe::app::SourceInfo");
        qRegisterMetaType<TaskMode>("edgemoe::app::TaskMode");
        return true;
    }();
    (void)done;
}

}  // namespace edgemoe::app
