#include "ui/main_window.h"

#include <chrono>

#include <QAction>
#include <QApplication>
#include <QButtonGroup>
#include <QCheckBox>
#include <QCloseEvent>
#include <QResizeEvent>
#include <QComboBox>
#include <QDateTime>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QMenu>
#include <QPushButton>
#include <QScrollArea>
#include <QSettings>
#include <QSlider>
#include <QStandardPaths>
#include <QStatusBar>
#include <QVBoxLayout>

#include "core/compare_summary.h"
#include "core/palette.h"
#include "edgemoe/error.h"
#include "edgemoe/resources.h"
#include "core/board_link.h"
#include "ui/compare_view.h"
#include "ui/card.h"
#include "ui/connect_board_dialog.h"
#include "ui/control_panel.h"
#include "ui/expert_view.h"
#include "ui/message_banner.h"
#include "ui/stats_view.h"
#include "ui/theme.h"
#include "ui/transport_bar.h"
#include "ui/video_view.h"

namespace edgemoe::app {

namespace {

QString task_label(TaskMode m) {
    switch (m) {
        case TaskMode::Segmentation: return QStringLiteral("semseg");
        case TaskMode::Depth: return QStringLiteral("depth");
        case TaskMode::Both: return QStringLiteral("semseg + depth");
    }
    return {};
}

const DepthColormap kColormaps[] = {DepthColormap::Turbo, DepthColormap::Inferno, DepthColormap::Viridis, DepthColormap::Grey};

}  // namespace

MainWindow::MainWindow(Pipeline& pipeline, AppSettings settings, std::vector<BackendInfo> backends, QWidget* parent)
    : QMainWindow(parent), pipeline_(pipeline), settings_(std::move(settings)), backends_(std::move(backends)) {
    register_metatypes();
    // The platform adds the application's display name ("… — EdgeMoE Live"); update_title() sets the rest.
    setWindowTitle(task_label(TaskMode::Segmentation));
    setWindowIcon(app_icon());
    if (backends_.empty()) backends_.push_back({"cpu", true, {}});
    build_ui();
    build_actions();
    wire_pipeline();

    // View settings from the saved ones.
    ViewMode vm = ViewMode::Overlay;
    view_mode_from_name(settings_.view, vm);
    view_settings_.mode = vm;
    view_settings_.alpha = float(settings_.alpha);
    try {
        view_settings_.colormap = depth_colormap_from_name(settings_.colormap.toStdString());
    } catch (const std::exception&) {
    }
    view_settings_.experts = settings_.experts_overlay;
    view_settings_.expert_block = std::max(0, settings_.expert_block);
    view_settings_.legend = settings_.legend;

    refresh_timer_.setInterval(250);
    connect(&refresh_timer_, &QTimer::timeout, this, &MainWindow::refreshPanels);
    resize(1600, 960);
    if (!settings_.geometry.isEmpty()) restoreGeometry(settings_.geometry);
}

MainWindow::~MainWindow() {
    if (!shut_down_) {
        shut_down_ = true;
        pipeline_.shutdown();
    }
}

void MainWindow::setSettingsFile(const QString& path, bool enabled) {
    settings_file_ = path;
    save_settings_ = enabled;
}

void MainWindow::build_ui() {
    auto* central = new QWidget;
    auto* root = new QVBoxLayout(central);
    root->setContentsMargins(14, 10, 14, 8);
    root->setSpacing(10);

    // Title line.
    auto* header = new QHBoxLayout;
    header->setSpacing(12);
    auto* logo = new QLabel;
    logo->setPixmap(app_icon().pixmap(30, 30));
    title_ = new QLabel(QStringLiteral("M³ViT · Edge-MoE"));
    title_->setObjectName("Title");
    badge_ = new QLabel(tr("UNTRAINED MODEL · outputs mean nothing"));
    badge_->setObjectName("Badge");
    badge_->setToolTip(tr("The model has random weights: it shows how the pipeline, the routing and the timing work, "
                          "not what a trained network sees."));
    badge_->hide();
    subtitle_ = new QLabel;
    subtitle_->setObjectName("Subtitle");
    subtitle_->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
    subtitle_->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);   // the source's name never widens the window
    subtitle_->setMinimumWidth(60);
    header->addWidget(logo);
    header->addWidget(title_);
    header->addWidget(badge_);
    header->addWidget(subtitle_, 1);
    root->addLayout(header);

    banner_ = new MessageBanner;
    root->addWidget(banner_);

    auto* body = new QHBoxLayout;
    body->setSpacing(14);
    root->addLayout(body, 1);

    // Left: the video, the transport bar, the panels under it.
    auto* left = new QVBoxLayout;
    left->setSpacing(10);
    body->addLayout(left, 1);
    video_ = new VideoView;
    video_->setObjectName("Video");
    video_->setMessage(tr("Starting…"), false);
    left->addWidget(video_, 1);

    transport_ = new TransportBar;
    left->addWidget(transport_);

    auto* panels = new QHBoxLayout;
    panels_layout_ = panels;
    panels->setSpacing(12);
    expert_view_ = new ExpertView;
    block_combo_ = no_focus(new QComboBox);
    block_combo_->setStyleSheet(QStringLiteral("padding: 1px 8px;"));
    // Wide enough for "MoE block 11" plus the arrow: the card's title would squeeze it otherwise.
    block_combo_->setMinimumWidth(block_combo_->fontMetrics().horizontalAdvance(QStringLiteral("MoE block 11")) + 44);
    block_combo_->setToolTip(tr("Which MoE block's routing to show ([ and ])"));
    // A short card title: with the block list next to it, it must leave room at 1280 wide in compare mode.
    panels->addWidget(make_card(tr("Experts"), expert_view_, block_combo_), 4);
    stats_view_ = new StatsView;
    stats_view_->setSources(&pipeline_.stats(), &pipeline_.energy());
    auto* export_button = no_focus(new QPushButton(tr("Export…")));
    export_button->setToolTip(tr("Per-frame latency and expert use as CSV and JSON (Ctrl+E)"));
    export_button->setStyleSheet(QStringLiteral("padding: 2px 8px;"));
    panels->addWidget(make_card(tr("Performance"), stats_view_, export_button), 6);
    compare_view_ = new CompareView;
    compare_card_ = make_card(tr("Compare"), compare_view_);
    compare_card_->hide();
    panels->addWidget(compare_card_, 5);
    panels_host_ = new QWidget;
    panels_host_->setLayout(panels);
    panels->setContentsMargins(0, 0, 0, 0);
    panels_host_->setFixedHeight(270);
    left->addWidget(panels_host_);

    // Right: the controls.
    panel_ = new ControlPanel(backends_);
    body->addWidget(panel_);

    setCentralWidget(central);

    status_label_ = new QLabel;
    status_label_->setContentsMargins(12, 2, 12, 2);
    // Its text changes a few times a second: its size must not relayout the window each time.
    status_label_->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    statusBar()->addWidget(status_label_, 1);
    statusBar()->setSizeGripEnabled(false);

    // The user's choices, from the control panel and the transport bar.
    connect(panel_, &ControlPanel::taskChosen, this, &MainWindow::setTaskMode);
    connect(panel_, &ControlPanel::viewModeChosen, this, &MainWindow::setViewMode);
    connect(panel_, &ControlPanel::backendChosen, this, &MainWindow::setBackend);
    connect(panel_, &ControlPanel::compareBackendChosen, this, &MainWindow::setCompareBackend);
    connect(panel_, &ControlPanel::compareToggled, this, &MainWindow::setCompare);
    connect(panel_, &ControlPanel::alphaChosen, this, &MainWindow::setAlpha);
    connect(panel_, &ControlPanel::colormapChosen, this, &MainWindow::setColormap);
    connect(panel_, &ControlPanel::legendToggled, this, &MainWindow::setLegend);
    connect(panel_, &ControlPanel::expertsToggled, this, &MainWindow::setExpertsOverlay);
    connect(panel_, &ControlPanel::connectBoardClicked, this, &MainWindow::openConnectBoard);
    connect(panel_, &ControlPanel::openModelClicked, this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("Open model"), QFileInfo(settings_.model).absolutePath(),
                                                          tr("Models (*.safetensors);;All files (*)"));
        if (!path.isEmpty()) openModel(path);
    });
    connect(block_combo_, &QComboBox::activated, this, &MainWindow::setExpertBlock);
    connect(export_button, &QPushButton::clicked, this, [this] { exportMetrics(); });
    connect(transport_, &TransportBar::playPauseClicked, this, &MainWindow::togglePlay);
    connect(transport_, &TransportBar::stepClicked, this, &MainWindow::step);
    connect(transport_, &TransportBar::stepBackClicked, this, &MainWindow::stepBack);
    connect(transport_, &TransportBar::recordToggled, this, [this](bool on) {
        if (on) {
            if (!startRecording()) transport_->setRecording(false);
        } else {
            stopRecording();
        }
    });
    connect(transport_, &TransportBar::screenshotClicked, this, [this] { saveScreenshot(); });
    connect(transport_, &TransportBar::openClicked, this, &MainWindow::show_open_menu);
    connect(transport_, &TransportBar::speedChosen, this, [this](double speed) {
        settings_.speed = speed;
        pipeline_.capture().setSpeed(speed);
    });
    connect(transport_, &TransportBar::loopToggled, this, [this](bool on) {
        settings_.loop = on;
        pipeline_.capture().setLoop(on);
    });
    connect(transport_, &TransportBar::seekRequested, this, [this](int frame) { pipeline_.capture().seek(frame); });
    connect(video_, &VideoView::targetSizeChanged, this, [this](QSize s) { pipeline_.compositor().setTargetSize(s); });
    connect(video_, &VideoView::doubleClicked, this, &MainWindow::toggleFullscreen);
    video_->setPaintCallback([this](double ms) {
        if (!paint_pending_) return;
        paint_pending_ = false;
        pipeline_.stats().addDisplay(pending_ui_ms_ + ms);
        pending_ui_ms_ = 0;
    });
}

void MainWindow::build_actions() {
    auto add = [this](const QString& text, const QList<QKeySequence>& keys, auto fn) {
        auto* a = new QAction(text, this);
        a->setShortcuts(keys);
        a->setShortcutContext(Qt::WindowShortcut);
        connect(a, &QAction::triggered, this, fn);
        addAction(a);
        return a;
    };
    add(tr("Cycle task"), {Qt::Key_T}, [this] { cycleTask(); });
    add(tr("Segmentation"), {Qt::Key_1}, [this] { setTaskMode(TaskMode::Segmentation); });
    add(tr("Depth"), {Qt::Key_2}, [this] { setTaskMode(TaskMode::Depth); });
    add(tr("Both tasks"), {Qt::Key_3}, [this] { setTaskMode(TaskMode::Both); });
    add(tr("Cycle backend"), {Qt::Key_B}, [this] { cycleBackend(); });
    add(tr("Compare"), {Qt::Key_C}, [this] { toggleCompare(); });
    add(tr("Play/pause"), {Qt::Key_Space}, [this] { togglePlay(); });
    add(tr("Next frame"), {Qt::Key_Right, Qt::Key_Period}, [this] { step(); });
    add(tr("Previous frame"), {Qt::Key_Left, Qt::Key_Comma}, [this] { stepBack(); });
    add(tr("Record"), {Qt::Key_R}, [this] { toggleRecording(); });
    add(tr("Screenshot"), {Qt::Key_S}, [this] { saveScreenshot(); });
    add(tr("Window screenshot"), {QKeySequence(Qt::SHIFT | Qt::Key_S)}, [this] { saveWindowShot(); });
    add(tr("Full screen"), {Qt::Key_F, Qt::Key_F11}, [this] { toggleFullscreen(); });
    add(tr("Leave full screen"), {Qt::Key_Escape}, [this] {
        if (isFullScreen()) toggleFullscreen();
    });
    add(tr("Cycle view"), {Qt::Key_V}, [this] { cycleViewMode(); });
    add(tr("Cycle colour map"), {Qt::Key_M}, [this] { cycleColormap(); });
    add(tr("Expert grid"), {Qt::Key_E}, [this] { setExpertsOverlay(!view_settings_.experts); });
    add(tr("Previous MoE block"), {Qt::Key_BracketLeft}, [this] { setExpertBlock(view_settings_.expert_block - 1); });
    add(tr("Next MoE block"), {Qt::Key_BracketRight}, [this] { setExpertBlock(view_settings_.expert_block + 1); });
    add(tr("Legend"), {Qt::Key_L}, [this] { setLegend(!view_settings_.legend); });
    add(tr("More opacity"), {Qt::Key_Plus, Qt::Key_Equal}, [this] { setAlpha(view_settings_.alpha + 0.1); });
    add(tr("Less opacity"), {Qt::Key_Minus}, [this] { setAlpha(view_settings_.alpha - 0.1); });
    add(tr("Open"), {Qt::Key_O}, [this] { show_open_menu(); });
    add(tr("Open file"), {QKeySequence::Open}, [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("Open a video or image"));
        if (!path.isEmpty()) openSource(path);
    });
    add(tr("Export metrics"), {QKeySequence(Qt::CTRL | Qt::Key_E)}, [this] { exportMetrics(); });
    add(tr("Quit"), {QKeySequence::Quit, QKeySequence(Qt::CTRL | Qt::Key_Q)}, [this] { close(); });
}

void MainWindow::wire_pipeline() {
    CaptureWorker& cap = pipeline_.capture();
    connect(&pipeline_, &Pipeline::composedReady, this, &MainWindow::on_composed_ready, Qt::QueuedConnection);
    connect(&cap, &CaptureWorker::sourceOpened, this, [this](const SourceInfo& info) {
        if (source_error_) banner_->clear();
        source_error_ = false;
        video_->setMessage(frames_displayed_ ? QString() : tr("Opening %1…").arg(info.description), false);
        subtitle_->setText(info.description);
        subtitle_->setToolTip(info.description);
        source_frames_ = info.frame_count;
        transport_->setSource(!info.live && info.frame_count > 1, info.frame_count);
    });
    connect(&cap, &CaptureWorker::sourceError, this, [this](const QString& message) {
        source_error_ = true;
        banner_->showMessage(MessageBanner::Level::Error, message, tr("Open another…"), [this] { show_open_menu(); });
        video_->setMessage(message, true);
        emit sourceProblem(message);
    });
    connect(&cap, &CaptureWorker::sourceFinished, this, [this] {
        banner_->showMessage(MessageBanner::Level::Info, tr("End of the video. Space plays it again from the start."));
        pipeline_.capture().seek(0);
    });
    connect(&cap, &CaptureWorker::playingChanged, this, [this](bool playing) {
        transport_->setPlaying(playing);
        video_->setPaused(!playing);
    });
    connect(&cap, &CaptureWorker::positionChanged, this,
            [this](qint64 index, qint64 count) { transport_->setPosition(index, count); });
    connect(&pipeline_, &Pipeline::backendChanged, this,
            [this](int stream, const QString& requested, const QString& active, const QString& reason) {
                if (stream == 0) panel_->setBackend(active);
                else panel_->setCompareBackend(active);
                if (reason.startsWith("board disconnected")) {
                    // A lost board: the worker goes back to it by itself, so the choice stays as it is.
                    banner_->showMessage(MessageBanner::Level::Warning,
                                         tr("%1. Running on %2 until the board is back (asked every 2 s).")
                                             .arg(reason, active.isEmpty() ? tr("nothing") : active));
                    if (stream == 0) panel_->setBackendNote(tr("%1 away: %2").arg(requested, reason));
                } else if (!reason.isEmpty() && active == requested) {   // "board back: ..."
                    banner_->showMessage(MessageBanner::Level::Info, reason);
                    if (stream == 0) panel_->setBackendNote({});
                } else if (!reason.isEmpty()) {
                    const QString text = tr("%1 could not start: %2. Running on %3 instead.")
                                             .arg(requested, reason, active.isEmpty() ? tr("nothing") : active);
                    banner_->showMessage(MessageBanner::Level::Warning, text);
                    panel_->setBackendNote(tr("%1 unavailable: %2").arg(requested, reason));
                    if (stream == 0) settings_.backend = active;
                    else settings_.compare_backend = active;
                } else if (stream == 0) {
                    panel_->setBackendNote({});
                }
                emit backendActive(stream, active);
                update_title();
            });
    connect(&pipeline_, &Pipeline::inferenceError, this, [this](int, const QString& message) {
        banner_->showMessage(MessageBanner::Level::Error, tr("Inference failed: %1").arg(message));
    });
    connect(&pipeline_.recorder(), &Recorder::finished, this, [this](const QString& path, qint64 frames) {
        transport_->setRecording(false);
        video_->setRecording(false);
        banner_->showMessage(MessageBanner::Level::Info, tr("Recording saved: %1 (%2 frames)").arg(path).arg(frames));
        emit recordingChanged(false);
    });
    connect(&pipeline_.recorder(), &Recorder::error, this, [this](const QString& message) {
        banner_->showMessage(MessageBanner::Level::Error, tr("Recording stopped: %1").arg(message));
        stopRecording();
    });
}

void MainWindow::apply_model(std::shared_ptr<const Model> model) {
    const ModelConfig& c = model->config();
    pipeline_.setModel(model);
    QStringList names;
    for (const TaskInfo& t : c.tasks) names << QString::fromStdString(t.name);
    expert_view_->setSource(&pipeline_.experts(), names);
    {
        const QSignalBlocker block(block_combo_);
        block_combo_->clear();
        for (size_t i = 0; i < c.moe_blocks.size(); ++i) block_combo_->addItem(tr("MoE block %1").arg(c.moe_blocks[i]), int(i));
    }
    view_settings_.expert_block = std::clamp(view_settings_.expert_block, 0, std::max(0, int(c.moe_blocks.size()) - 1));
    badge_->setVisible(!c.trained);
    panel_->setModel(*model);
    apply_view_settings();
}

void MainWindow::startup(bool paused) {
    // The model: the chosen one, else the bundled one.
    QString path = settings_.model.isEmpty() ? QString::fromStdString(default_model_path()) : settings_.model;
    std::shared_ptr<const Model> model;
    QString problem;
    if (path.isEmpty()) {
        problem = tr("No model file found: none given and no bundled model (resources/models). Open one with “Open model…”.");
    } else {
        try {
            model = Pipeline::loadModel(path);
        } catch (const std::exception& e) {
            problem = QString::fromUtf8(e.what());
        }
    }
    if (!model && !settings_.model.isEmpty()) {
        const QString fallback = QString::fromStdString(default_model_path());
        if (!fallback.isEmpty() && fallback != path) {
            try {
                model = Pipeline::loadModel(fallback);
                problem = tr("%1 — using the bundled model instead.").arg(problem);
                settings_.model.clear();
            } catch (const std::exception&) {
            }
        }
    }
    if (!problem.isEmpty()) banner_->showMessage(model ? MessageBanner::Level::Warning : MessageBanner::Level::Error, problem);

    TaskMode mode = TaskMode::Segmentation;
    task_mode_from_name(settings_.task, mode);
    pipeline_.setTaskMode(mode);
    pipeline_.setBackend(settings_.backend);
    if (settings_.compare_backend.isEmpty() || settings_.compare_backend == settings_.backend) {
        const QString partner = default_compare_backend(backends_, settings_.backend);
        if (!partner.isEmpty()) settings_.compare_backend = partner;
    }
    pipeline_.setCompareBackend(settings_.compare_backend);

    if (model) apply_model(model);
    setTaskMode(mode);
    setBackend(settings_.backend);
    panel_->setCompareBackend(settings_.compare_backend);
    setCompare(settings_.compare);
    apply_view_settings();
    transport_->setSpeed(settings_.speed);
    transport_->setLoop(settings_.loop);
    pipeline_.capture().setSpeed(settings_.speed);
    pipeline_.capture().setLoop(settings_.loop);
    pipeline_.compositor().setTargetSize(video_->targetSize());
    pipeline_.start();
    refresh_timer_.start();

    if (!model) {
        video_->setMessage(problem, true);
        return;
    }
    QString source = settings_.source;
    if (source.isEmpty()) {
        source = QString::fromStdString(default_input_path());
        if (source.isEmpty()) {
            source = QStringLiteral("synthetic");
            banner_->showMessage(MessageBanner::Level::Info,
                                 tr("No bundled sample video (resources/samples/street.mp4) yet: showing a synthetic street "
                                    "test pattern. Open a video, a folder or a camera with O."));
        }
    }
    video_->setMessage(tr("Opening %1…").arg(source), false);
    pipeline_.openSource(source, !paused);
    if (paused) video_->setPaused(true);
}

AppSettings MainWindow::currentSettings() const {
    AppSettings s = settings_;
    s.task = task_mode_name(pipeline_.taskMode());
    s.backend = pipeline_.backend();
    s.compare_backend = pipeline_.compareBackend();
    s.compare = pipeline_.compareEnabled();
    s.view = view_mode_name(view_settings_.mode);
    s.alpha = view_settings_.alpha;
    s.colormap = depth_colormap_name(view_settings_.colormap);
    s.experts_overlay = view_settings_.experts;
    s.expert_block = view_settings_.expert_block;
    s.legend = view_settings_.legend;
    const QString spec = pipeline_.capture().currentSpec();
    if (!spec.isEmpty()) s.source = spec;
    s.geometry = saveGeometry();
    return s;
}

QAbstractButton* MainWindow::taskButton(TaskMode m) const { return panel_->taskButton(m); }
QAbstractButton* MainWindow::viewButton(ViewMode m) const { return panel_->viewButton(m); }
QComboBox* MainWindow::backendCombo() const { return panel_->backendCombo(); }
QComboBox* MainWindow::compareCombo() const { return panel_->compareCombo(); }
QCheckBox* MainWindow::compareCheck() const { return panel_->compareCheck(); }
QSlider* MainWindow::alphaSlider() const { return panel_->alphaSlider(); }
QComboBox* MainWindow::colormapCombo() const { return panel_->colormapCombo(); }
QCheckBox* MainWindow::expertsCheck() const { return panel_->expertsCheck(); }
QPushButton* MainWindow::playButton() const { return transport_->playButton(); }
QPushButton* MainWindow::recordButton() const { return transport_->recordButton(); }

void MainWindow::setTaskMode(TaskMode mode) {
    if (!panel_->taskAvailable(mode)) return;
    pipeline_.setTaskMode(mode);
    settings_.task = task_mode_name(mode);
    panel_->setTaskMode(mode);
    if (const auto model = pipeline_.model()) {
        const TaskPlan plan = plan_tasks(model->config(), mode);
        std::vector<int> tasks(plan.task, plan.task + plan.count);
        expert_view_->setTasks(tasks);
    }
    update_title();
    emit taskModeChanged(mode);
}

void MainWindow::cycleTask() {
    const TaskMode order[] = {TaskMode::Segmentation, TaskMode::Depth, TaskMode::Both};
    int i = 0;
    while (order[i] != pipeline_.taskMode()) ++i;
    for (int k = 1; k <= 3; ++k) {
        const TaskMode next = order[(i + k) % 3];
        if (panel_->taskAvailable(next)) {
            setTaskMode(next);
            return;
        }
    }
}

void MainWindow::setBackend(const QString& name) {
    pipeline_.setBackend(name);
    settings_.backend = name;
    panel_->setBackend(name);
    update_title();
}

void MainWindow::cycleBackend() {
    std::vector<QString> usable;
    for (const BackendInfo& b : backends_)
        if (b.available) usable.push_back(QString::fromStdString(b.name));
    if (usable.empty()) return;
    auto it = std::find(usable.begin(), usable.end(), pipeline_.backend());
    const size_t i = it == usable.end() ? 0 : size_t(it - usable.begin() + 1) % usable.size();
    setBackend(usable[i]);
}

void MainWindow::setCompare(bool on) {
    // Comparing a backend with itself says nothing: the partner is the first other available one
    // unless the user chose one (remembered in the settings).
    if (on && (pipeline_.compareBackend().isEmpty() || pipeline_.compareBackend() == pipeline_.backend())) {
        const QString partner = default_compare_backend(backends_, pipeline_.backend());
        if (!partner.isEmpty()) setCompareBackend(partner);
    }
    pipeline_.setCompareEnabled(on);
    settings_.compare = on;
    panel_->setCompare(on);
    compare_card_->setVisible(on);
    // Two stats columns need room: the expert card gives some to the performance card.
    panels_layout_->setStretch(0, on ? 3 : 4);
    stats_view_->setStreams(on ? 2 : 1);
    update_title();
    emit compareChanged(on);
}

void MainWindow::toggleCompare() { setCompare(!pipeline_.compareEnabled()); }

void MainWindow::setCompareBackend(const QString& name) {
    pipeline_.setCompareBackend(name);
    settings_.compare_backend = name;
    panel_->setCompareBackend(name);
    update_title();
}

void MainWindow::apply_view_settings() {
    panel_->setViewSettings(view_settings_);
    {
        const QSignalBlocker block(block_combo_);
        if (view_settings_.expert_block < block_combo_->count()) block_combo_->setCurrentIndex(view_settings_.expert_block);
    }
    expert_view_->setBlock(view_settings_.expert_block);
    pipeline_.compositor().setSettings(view_settings_);
}

void MainWindow::setViewMode(ViewMode mode) {
    view_settings_.mode = mode;
    apply_view_settings();
}

void MainWindow::cycleViewMode() { setViewMode(ViewMode((int(view_settings_.mode) + 1) % 3)); }

void MainWindow::setAlpha(double alpha) {
    view_settings_.alpha = float(std::clamp(alpha, 0.0, 1.0));
    apply_view_settings();
}

void MainWindow::setColormap(DepthColormap map) {
    view_settings_.colormap = map;
    apply_view_settings();
}

void MainWindow::cycleColormap() {
    int i = 0;
    while (kColormaps[i] != view_settings_.colormap) ++i;
    setColormap(kColormaps[(i + 1) % 4]);
}

void MainWindow::setExpertsOverlay(bool on) {
    view_settings_.experts = on;
    apply_view_settings();
}

void MainWindow::setExpertBlock(int block_pos) {
    const int n = block_combo_->count();
    if (n == 0) return;
    view_settings_.expert_block = (block_pos % n + n) % n;
    apply_view_settings();
}

void MainWindow::setLegend(bool on) {
    view_settings_.legend = on;
    apply_view_settings();
}

void MainWindow::openSource(const QString& spec) {
    settings_.source = spec;
    video_->setMessage(frames_displayed_ ? QString() : tr("Opening %1…").arg(spec), false);
    pipeline_.openSource(spec, true);
}

bool MainWindow::openModel(const QString& path) {
    std::shared_ptr<const Model> model;
    try {
        model = Pipeline::loadModel(path);
    } catch (const std::exception& e) {
        banner_->showMessage(MessageBanner::Level::Error, tr("Cannot use this model: %1").arg(QString::fromUtf8(e.what())));
        return false;
    }
    const bool first = !pipeline_.model();
    apply_model(model);
    settings_.model = path;
    setTaskMode(pipeline_.taskMode());
    banner_->showMessage(MessageBanner::Level::Info, tr("Model loaded: %1").arg(QString::fromStdString(model->config().name)));
    if (first) {
        QString source = settings_.source.isEmpty() ? QString::fromStdString(default_input_path()) : settings_.source;
        pipeline_.openSource(source.isEmpty() ? QStringLiteral("synthetic") : source, true);
    }
    return true;
}

void MainWindow::togglePlay() { pipeline_.capture().togglePlay(); }
void MainWindow::step() { pipeline_.capture().step(); }
void MainWindow::stepBack() { pipeline_.capture().stepBack(); }

QString MainWindow::output_path(const QString& kind, const QString& ext) const {
    QString dir = settings_.out_dir;
    if (dir.isEmpty()) {
        const auto where = kind == "recording"  ? QStandardPaths::MoviesLocation
                           : kind == "metrics" ? QStandardPaths::DocumentsLocation
                                               : QStandardPaths::PicturesLocation;
        dir = QStandardPaths::writableLocation(where);
        if (dir.isEmpty()) dir = QDir::homePath();
    }
    QDir().mkpath(dir);
    const QString stamp = QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmmss-zzz"));
    return QDir(dir).filePath(QStringLiteral("edgemoe-live-%1-%2.%3").arg(kind, stamp, ext));
}

bool MainWindow::startRecording(const QString& path_in) {
    const QString path = path_in.isEmpty() ? output_path("recording", "avi") : path_in;
    QString error;
    if (!pipeline_.recorder().start(path, 25, Recorder::Timing::RealTime, &error)) {
        banner_->showMessage(MessageBanner::Level::Error, tr("Cannot record: %1").arg(error));
        return false;
    }
    transport_->setRecording(true);
    video_->setRecording(true);
    emit recordingChanged(true);
    return true;
}

void MainWindow::stopRecording() { pipeline_.recorder().stop(); }

void MainWindow::toggleRecording() {
    if (pipeline_.recorder().recording()) stopRecording();
    else startRecording();
}

QString MainWindow::saveScreenshot(const QString& path_in) {
    const QImage img = pipeline_.compositor().latestImage();
    if (img.isNull()) {
        banner_->showMessage(MessageBanner::Level::Warning, tr("Nothing to save yet: no frame has been shown."));
        return {};
    }
    const QString path = path_in.isEmpty() ? output_path("view", "png") : path_in;
    if (!img.save(path, "PNG")) {
        banner_->showMessage(MessageBanner::Level::Error, tr("Cannot save %1").arg(path));
        return {};
    }
    banner_->showMessage(MessageBanner::Level::Info, tr("Screenshot saved: %1").arg(path));
    return path;
}

QString MainWindow::saveWindowShot(const QString& path_in) {
    const QString path = path_in.isEmpty() ? output_path("window", "png") : path_in;
    if (!grab().save(path, "PNG")) {
        banner_->showMessage(MessageBanner::Level::Error, tr("Cannot save %1").arg(path));
        return {};
    }
    banner_->showMessage(MessageBanner::Level::Info, tr("Window picture saved: %1").arg(path));
    return path;
}

QString MainWindow::exportMetrics(const QString& base_in) {
    QString base = base_in.isEmpty() ? output_path("metrics", "csv") : base_in;
    if (base.endsWith(".csv") || base.endsWith(".json")) base = base.left(base.lastIndexOf('.'));
    try {
        pipeline_.metrics().exportCsv(base + ".csv");
        pipeline_.metrics().exportJson(base + ".json", pipeline_.energy().summaryJson());
        pipeline_.energy().exportCsv(base + "-energy.csv");
    } catch (const std::exception& e) {
        banner_->showMessage(MessageBanner::Level::Error, tr("Cannot export metrics: %1").arg(QString::fromUtf8(e.what())));
        return {};
    }
    banner_->showMessage(MessageBanner::Level::Info,
                         tr("Metrics of the last %1 outputs saved: %2.csv / .json").arg(pipeline_.metrics().size()).arg(base));
    return base;
}

void MainWindow::toggleFullscreen() {
    if (isFullScreen()) showNormal();
    else showFullScreen();
}

void MainWindow::show_open_menu() {
    QMenu menu(this);
    menu.addAction(tr("Video or image file…"), this, [this] {
        const QString path = QFileDialog::getOpenFileName(
            this, tr("Open a video or image"), QFileInfo(settings_.source).absolutePath(),
            tr("Videos and images (*.mp4 *.avi *.mkv *.mov *.webm *.png *.jpg *.jpeg *.bmp *.tif *.tiff *.webp);;All files (*)"));
        if (!path.isEmpty()) openSource(path);
    });
    menu.addAction(tr("Folder of images…"), this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Open a folder of images"));
        if (!dir.isEmpty()) openSource(dir);
    });
    menu.addSeparator();
    const QStringList cams = QDir("/dev").entryList({"video*"}, QDir::System, QDir::Name);
    for (const QString& cam : cams) menu.addAction(tr("Camera /dev/%1").arg(cam), this, [this, cam] { openSource("/dev/" + cam); });
    if (cams.isEmpty()) menu.addAction(tr("No camera found"))->setEnabled(false);
    menu.addSeparator();
    const QString sample = QString::fromStdString(default_input_path());
    if (!sample.isEmpty()) menu.addAction(tr("Bundled sample video"), this, [this, sample] { openSource(sample); });
    menu.addAction(tr("Synthetic test pattern"), this, [this] { openSource(QStringLiteral("synthetic")); });
    menu.exec(QCursor::pos());
}

void MainWindow::on_composed_ready() {
    const auto t0 = std::chrono::steady_clock::now();
    Composed c;
    if (!pipeline_.compositor().take(c)) return;
    video_->setImage(c.image);
    if (frames_displayed_ == 0 || !source_error_) {
        if (!video_->message().isEmpty() && !source_error_) video_->setMessage({}, false);
    }
    ++frames_displayed_;
    last_frame_index_ = c.frame_index;
    pending_ui_ms_ += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    paint_pending_ = true;
    emit frameDisplayed(c.frame_index);
}

void MainWindow::update_title() {
    const StreamStats& s0 = stats_view_->stream(0);
    const QString backend = s0.backend.isEmpty() ? pipeline_.backend() : s0.backend;
    QString text = QStringLiteral("M³ViT · Edge-MoE · %1 · %2").arg(task_label(pipeline_.taskMode()), backend);
    if (pipeline_.compareEnabled()) {
        const StreamStats& s1 = stats_view_->stream(1);
        text += QStringLiteral(" vs %1").arg(s1.backend.isEmpty() ? pipeline_.compareBackend() : s1.backend);
    }
    const double fps = stats_view_->display().fps;
    text += fps > 0 ? QStringLiteral(" · %1 FPS").arg(fps, 0, 'f', fps < 10 ? 1 : 0) : QStringLiteral(" · — FPS");
    if (title_->text() != text) title_->setText(text);
    // Without the program's name: the platform appends the application display name itself.
    QString window_title = task_label(pipeline_.taskMode()) + " · " + backend;
    if (pipeline_.compareEnabled())
        window_title += QStringLiteral(" vs ") + (pipeline_.stats().stream(1).backend.isEmpty() ? pipeline_.compareBackend()
                                                                                                : pipeline_.stats().stream(1).backend);
    if (windowTitle() != window_title) setWindowTitle(window_title);
}

void MainWindow::update_status() {
    QString s;
    if (const auto model = pipeline_.model())
        s = tr("model %1%2").arg(QString::fromStdString(model->config().name), model->config().trained ? QString() : tr(" (untrained)"));
    uint64_t dropped = 0, processed = 0;
    for (int i = 0; i < 2; ++i)
        if (InferenceWorker* w = pipeline_.worker(i)) {
            const auto c = w->counters();
            dropped += c.dropped;
            processed += c.processed;
        }
    dropped += pipeline_.compareDropped();
    s += tr("   ·   %1 frames inferred, %2 frames skipped to stay live").arg(processed).arg(dropped);
    if (pipeline_.recorder().recording())
        s += tr("   ·   recording %1 (%2 frames)").arg(QFileInfo(pipeline_.recorder().path()).fileName()).arg(pipeline_.recorder().framesWritten());
    if (status_label_->text() != s) status_label_->setText(s);
}

void MainWindow::refreshPanels() {
    stats_view_->refresh();
    expert_view_->refresh();
    if (pipeline_.compareEnabled()) {
        QStringList names;
        if (const auto model = pipeline_.model())
            for (const TaskInfo& t : model->config().tasks) names << QString::fromStdString(t.name);
        // The agreement and the summary come from the statistics (CompareStats), not from the drawing.
        const CompareStats& cs = pipeline_.compareStats();
        compare_view_->setData(cs.latest(), stats_view_->stream(0), stats_view_->stream(1), stats_view_->energy(0),
                               stats_view_->energy(1), names, cs.summary(stats_view_->stream(0), stats_view_->stream(1)));
    }
    update_title();
    update_status();
}

void MainWindow::resizeEvent(QResizeEvent* e) {
    QMainWindow::resizeEvent(e);
    // The panels under the video take about a quarter of the height (at least what the performance
    // table's ten rows need at its smallest font).
    if (panels_host_) panels_host_->setFixedHeight(std::clamp(height() * 27 / 100, 214, 300));
    if (badge_) badge_->setText(width() >= 1500 ? tr("UNTRAINED MODEL · outputs mean nothing") : tr("UNTRAINED MODEL"));
}

void MainWindow::closeEvent(QCloseEvent* e) {
    if (!shut_down_) {
        refresh_timer_.stop();
        settings_ = currentSettings();
        if (save_settings_) {
            if (settings_file_.isEmpty()) {
                QSettings s;
                settings_.save(s);
            } else {
                QSettings s(settings_file_, QSettings::IniFormat);
                settings_.save(s);
            }
        }
        shut_down_ = true;
        // Gone from the screen at once; a slow backend (the FPGA emulation takes seconds a frame)
        // then finishes its frame in flight before the threads stop.
        hide();
        QCoreApplication::processEvents(QEventLoop::ExcludeUserInputEvents);
        pipeline_.shutdown();
    }
    e->accept();
}

void MainWindow::openConnectBoard() {
    if (!board_link_) board_link_ = new BoardLink(pipeline_, this);
    auto open = [this] {
        return settings_file_.isEmpty() ? std::make_unique<QSettings>()
                                        : std::make_unique<QSettings>(settings_file_, QSettings::IniFormat);
    };
    ConnectBoardDialog dialog(*board_link_, BoardSettings::load(*open()), this);
    if (dialog.exec() != QDialog::Accepted) return;
    if (save_settings_) dialog.settings().save(*open());
    addBackends(board_link_->backends());
}

void MainWindow::addBackends(const std::vector<BackendInfo>& backends) {
    for (const BackendInfo& b : backends) {
        const QString name = QString::fromStdString(b.name);
        if (std::any_of(backends_.begin(), backends_.end(), [&](const BackendInfo& x) { return x.name == b.name; })) continue;
        backends_.push_back(b);
        panel_->addBackends({b});
    }
}

}  // namespace edgemoe::app
