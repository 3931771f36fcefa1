#include "ui/control_panel.h"

#include <cmath>

#include <QButtonGroup>
#include <QCheckBox>
#include <QComboBox>
#include <QFileInfo>
#include <QFrame>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QScrollArea>
#include <QSignalBlocker>
#include <QSlider>
#include <QVBoxLayout>

#include "edgemoe/model.h"
#include "ui/card.h"

namespace edgemoe::app {

namespace {
const DepthColormap kColormaps[] = {DepthColormap::Turbo, DepthColormap::Inferno, DepthColormap::Viridis, DepthColormap::Grey};
}

ControlPanel::ControlPanel(const std::vector<BackendInfo>& backends, QWidget* parent) : QWidget(parent) {
    auto* controls = new QWidget;
    auto* cl = new QVBoxLayout(controls);
    cl->setContentsMargins(0, 0, 4, 0);
    cl->setSpacing(12);

    {
        auto* w = new QWidget;
        auto* l = new QHBoxLayout(w);
        l->setContentsMargins(0, 0, 0, 0);
        l->setSpacing(6);
        task_group_ = new QButtonGroup(this);
        const std::pair<TaskMode, QString> tasks[] = {
            {TaskMode::Segmentation, tr("Segment")}, {TaskMode::Depth, tr("Depth")}, {TaskMode::Both, tr("Both")}};
        for (const auto& [mode, text] : tasks) {
            auto* b = no_focus(new QPushButton(text));
            b->setCheckable(true);
            b->setObjectName(QStringLiteral("task-") + task_mode_name(mode));
            task_group_->addButton(b, int(mode));
            l->addWidget(b);
        }
        task_group_->button(int(TaskMode::Segmentation))->setToolTip(tr("Semantic segmentation (1; T cycles)"));
        task_group_->button(int(TaskMode::Depth))->setToolTip(tr("Depth (2; T cycles)"));
        task_group_->button(int(TaskMode::Both))->setToolTip(tr("Both tasks, two passes, side by side (3; T cycles)"));
        cl->addWidget(make_card(tr("Task"), w));
    }
    {
        auto* w = new QWidget;
        auto* l = new QGridLayout(w);
        l->setContentsMargins(0, 0, 0, 0);
        l->setVerticalSpacing(8);
        backend_combo_ = no_focus(new QComboBox);
        compare_combo_ = no_focus(new QComboBox);
        add_backend_items(backends);
        backend_combo_->setToolTip(tr("Backend (B cycles)"));
        compare_check_ = no_focus(new QCheckBox(tr("Compare with")));
        compare_check_->setToolTip(tr("Run every frame through a second backend too, side by side (C)"));
        backend_note_ = new QLabel;
        backend_note_->setObjectName("Warn");
        backend_note_->setWordWrap(true);
        backend_note_->hide();
        l->addWidget(new QLabel(tr("Run on")), 0, 0);
        l->addWidget(backend_combo_, 0, 1);
        l->addWidget(compare_check_, 1, 0);
        l->addWidget(compare_combo_, 1, 1);
        l->addWidget(backend_note_, 2, 0, 1, 2);
        auto* board = no_focus(new QPushButton(tr("Connect to board…")));
        board->setToolTip(tr("Add the backends of a board running edgemoe-serve"));
        connect(board, &QPushButton::clicked, this, &ControlPanel::connectBoardClicked);
        l->addWidget(board, 3, 0, 1, 2);
        l->setColumnStretch(1, 1);
        cl->addWidget(make_card(tr("Backend"), w));
    }
    {
        auto* w = new QWidget;
        auto* l = new QVBoxLayout(w);
        l->setContentsMargins(0, 0, 0, 0);
        l->setSpacing(8);
        auto* modes = new QHBoxLayout;
        modes->setSpacing(6);
        view_group_ = new QButtonGroup(this);
        const std::pair<ViewMode, QString> views[] = {
            {ViewMode::Overlay, tr("Overlay")}, {ViewMode::Output, tr("Output")}, {ViewMode::Input, tr("Frame")}};
        for (const auto& [mode, text] : views) {
            auto* b = no_focus(new QPushButton(text));
            b->setCheckable(true);
            b->setObjectName(QStringLiteral("view-") + view_mode_name(mode));
            view_group_->addButton(b, int(mode));
            modes->addWidget(b);
        }
        view_group_->button(int(ViewMode::Overlay))->setToolTip(tr("Output blended over the frame (V cycles)"));
        view_group_->button(int(ViewMode::Output))->setToolTip(tr("The raw output alone"));
        view_group_->button(int(ViewMode::Input))->setToolTip(tr("The frame alone"));
        l->addLayout(modes);
        auto* alpha_row = new QHBoxLayout;
        alpha_slider_ = no_focus(new QSlider(Qt::Horizontal));
        alpha_slider_->setRange(0, 100);
        alpha_slider_->setToolTip(tr("Overlay opacity (+ / -)"));
        alpha_label_ = new QLabel;
        alpha_label_->setMinimumWidth(38);
        alpha_label_->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
        alpha_row->addWidget(new QLabel(tr("Opacity")));
        alpha_row->addWidget(alpha_slider_, 1);
        alpha_row->addWidget(alpha_label_);
        l->addLayout(alpha_row);
        auto* cmap_row = new QHBoxLayout;
        colormap_combo_ = no_focus(new QComboBox);
        for (DepthColormap m : kColormaps) colormap_combo_->addItem(QString::fromLatin1(depth_colormap_name(m)), int(m));
        colormap_combo_->setToolTip(tr("Depth colour map (M cycles)"));
        cmap_row->addWidget(new QLabel(tr("Depth colours")));
        cmap_row->addWidget(colormap_combo_, 1);
        l->addLayout(cmap_row);
        legend_check_ = no_focus(new QCheckBox(tr("Legend and scale bar (L)")));
        experts_check_ = no_focus(new QCheckBox(tr("Expert grid on the image (E)")));
        l->addWidget(legend_check_);
        l->addWidget(experts_check_);
        cl->addWidget(make_card(tr("View"), w));
    }
    {
        auto* w = new QWidget;
        auto* l = new QVBoxLayout(w);
        l->setContentsMargins(0, 0, 0, 0);
        model_label_ = new QLabel(tr("no model"));
        model_label_->setWordWrap(true);
        model_label_->setObjectName("Dim");
        model_label_->setTextInteractionFlags(Qt::TextSelectableByMouse);
        auto* open_model = no_focus(new QPushButton(tr("Open model…")));
        connect(open_model, &QPushButton::clicked, this, &ControlPanel::openModelClicked);
        l->addWidget(model_label_);
        l->addWidget(open_model);
        cl->addWidget(make_card(tr("Model"), w));
    }
    {
        // The key column has a fixed width, so that "Space ← →" does not run into its text.
        auto* keys = new QLabel(tr("<table cellspacing=0 cellpadding=2>"
                                   "<tr><td width=96><b>T</b> / 1 2 3</td><td>task</td></tr>"
                                   "<tr><td><b>B</b></td><td>backend</td></tr>"
                                   "<tr><td><b>C</b></td><td>compare</td></tr>"
                                   "<tr><td><b>V</b> &nbsp; <b>M</b></td><td>view, colour map</td></tr>"
                                   "<tr><td><b>+</b> <b>−</b></td><td>opacity</td></tr>"
                                   "<tr><td><b>E</b> &nbsp; <b>[</b> <b>]</b></td><td>expert grid, block</td></tr>"
                                   "<tr><td><b>Space</b> ← →</td><td>pause, step</td></tr>"
                                   "<tr><td><b>R</b> &nbsp; <b>S</b></td><td>record, screenshot</td></tr>"
                                   "<tr><td><b>O</b> &nbsp; <b>F</b></td><td>open, full screen</td></tr>"
                                   "</table>"));
        keys->setObjectName("Dim");
        cl->addWidget(make_card(tr("Keys"), keys));
    }
    cl->addStretch(1);
    auto* scroll = new QScrollArea;
    scroll->setWidget(controls);
    scroll->setWidgetResizable(true);
    scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    scroll->setFrameShape(QFrame::NoFrame);
    auto* root = new QVBoxLayout(this);
    root->setContentsMargins(0, 0, 0, 0);
    root->addWidget(scroll);
    setFixedWidth(330);

    // The user's choices.
    connect(task_group_, &QButtonGroup::idClicked, this, [this](int id) { emit taskChosen(TaskMode(id)); });
    connect(view_group_, &QButtonGroup::idClicked, this, [this](int id) { emit viewModeChosen(ViewMode(id)); });
    connect(backend_combo_, &QComboBox::activated, this,
            [this](int i) { emit backendChosen(backend_combo_->itemData(i).toString()); });
    connect(compare_combo_, &QComboBox::activated, this,
            [this](int i) { emit compareBackendChosen(compare_combo_->itemData(i).toString()); });
    connect(compare_check_, &QCheckBox::toggled, this, &ControlPanel::compareToggled);
    connect(alpha_slider_, &QSlider::valueChanged, this, [this](int v) { emit alphaChosen(v / 100.0); });
    connect(colormap_combo_, &QComboBox::activated, this,
            [this](int i) { emit colormapChosen(DepthColormap(colormap_combo_->itemData(i).toInt())); });
    connect(legend_check_, &QCheckBox::toggled, this, &ControlPanel::legendToggled);
    connect(experts_check_, &QCheckBox::toggled, this, &ControlPanel::expertsToggled);
}

void ControlPanel::add_backend_items(const std::vector<BackendInfo>& backends) {
    for (const BackendInfo& b : backends) {
        const QString name = QString::fromStdString(b.name);
        for (QComboBox* combo : {backend_combo_, compare_combo_}) {
            if (combo->findData(name) >= 0) continue;
            combo->addItem(b.available ? name : name + tr(" (not available)"), name);
            if (!b.available) combo->setItemData(combo->count() - 1, QString::fromStdString(b.why_not), Qt::ToolTipRole);
        }
    }
}

void ControlPanel::addBackends(const std::vector<BackendInfo>& backends) { add_backend_items(backends); }

void ControlPanel::setModel(const Model& model) {
    const ModelConfig& c = model.config();
    const bool has_seg = plan_tasks(c, TaskMode::Segmentation).count &&
                         c.tasks[size_t(plan_tasks(c, TaskMode::Segmentation).task[0])].kind == TaskKind::Segmentation;
    const bool has_depth = plan_tasks(c, TaskMode::Depth).count &&
                           c.tasks[size_t(plan_tasks(c, TaskMode::Depth).task[0])].kind == TaskKind::Depth;
    task_group_->button(int(TaskMode::Segmentation))->setEnabled(has_seg);
    task_group_->button(int(TaskMode::Depth))->setEnabled(has_depth);
    task_group_->button(int(TaskMode::Both))->setEnabled(has_seg && has_depth);
    model_label_->setText(tr("<b>%1</b>%2<br>%3 M parameters · %4 tokens · %5 experts, top-%6<br>%7")
                              .arg(QString::fromStdString(c.name).toHtmlEscaped(),
                                   c.trained ? QString() : tr(" · <span style='color:#ffb020'>untrained</span>"))
                              .arg(model.parameter_count() / 1e6, 0, 'f', 1)
                              .arg(c.num_tokens())
                              .arg(c.num_experts)
                              .arg(c.top_k)
                              .arg(QFileInfo(QString::fromStdString(model.path())).fileName().toHtmlEscaped()));
    model_label_->setToolTip(QString::fromStdString(model.path() + "\n" + c.description));
}

bool ControlPanel::taskAvailable(TaskMode mode) const {
    const QAbstractButton* b = task_group_->button(int(mode));
    return b && b->isEnabled();
}

void ControlPanel::setTaskMode(TaskMode mode) {
    if (QAbstractButton* b = task_group_->button(int(mode))) b->setChecked(true);
}

void ControlPanel::setBackend(const QString& name) {
    const int i = backend_combo_->findData(name);
    if (i < 0) return;
    const QSignalBlocker block(backend_combo_);
    backend_combo_->setCurrentIndex(i);
}

void ControlPanel::setCompareBackend(const QString& name) {
    const int i = compare_combo_->findData(name);
    if (i < 0) return;
    const QSignalBlocker block(compare_combo_);
    compare_combo_->setCurrentIndex(i);
}

void ControlPanel::setCompare(bool on) {
    const QSignalBlocker block(compare_check_);
    compare_check_->setChecked(on);
}

void ControlPanel::setBackendNote(const QString& text) {
    backend_note_->setText(text);
    backend_note_->setVisible(!text.isEmpty());
}

void ControlPanel::setViewSettings(const ViewSettings& s) {
    {
        const QSignalBlocker b1(alpha_slider_), b2(colormap_combo_), b3(experts_check_), b4(legend_check_);
        alpha_slider_->setValue(int(std::lround(s.alpha * 100)));
        alpha_label_->setText(QStringLiteral("%1%").arg(int(std::lround(s.alpha * 100))));
        colormap_combo_->setCurrentIndex(colormap_combo_->findData(int(s.colormap)));
        experts_check_->setChecked(s.experts);
        legend_check_->setChecked(s.legend);
    }
    if (QAbstractButton* b = view_group_->button(int(s.mode))) b->setChecked(true);
    alpha_slider_->setEnabled(s.mode == ViewMode::Overlay);
}

QAbstractButton* ControlPanel::taskButton(TaskMode m) const { return task_group_->button(int(m)); }
QAbstractButton* ControlPanel::viewButton(ViewMode m) const { return view_group_->button(int(m)); }

}  // namespace edgemoe::app
