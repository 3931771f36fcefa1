#include "ui/transport_bar.h"

#include <cmath>

#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QSignalBlocker>
#include <QSlider>

#include "ui/card.h"

namespace edgemoe::app {

TransportBar::TransportBar(QWidget* parent) : QWidget(parent) {
    auto* transport = new QHBoxLayout(this);
    transport->setContentsMargins(0, 0, 0, 0);
    transport->setSpacing(6);
    auto* step_back = no_focus(new QPushButton(QStringLiteral("❚◀")));
    step_back->setToolTip(tr("Previous frame (Left)"));
    play_ = no_focus(new QPushButton(tr("❚❚ Pause")));
    play_->setToolTip(tr("Play / pause (Space)"));
    play_->setMinimumWidth(92);
    auto* step_fwd = no_focus(new QPushButton(QStringLiteral("▶❚")));
    step_fwd->setToolTip(tr("Next frame (Right)"));
    seek_ = no_focus(new QSlider(Qt::Horizontal));
    seek_->setRange(0, 0);
    position_ = new QLabel(QStringLiteral("—"));
    position_->setObjectName("Dim");
    position_->setMinimumWidth(90);
    speed_ = no_focus(new QComboBox);
    for (double s : {0.25, 0.5, 1.0, 1.5, 2.0, 4.0}) speed_->addItem(QStringLiteral("%1×").arg(s), s);
    speed_->setToolTip(tr("Playback speed"));
    loop_ = no_focus(new QCheckBox(tr("Loop")));
    auto* open_button = no_focus(new QPushButton(tr("Open…")));
    open_button->setToolTip(tr("Open a video, image, folder or camera (O)"));
    record_ = no_focus(new QPushButton(tr("● Record")));
    record_->setObjectName("Record");
    record_->setCheckable(true);
    record_->setToolTip(tr("Record the view to a video file (R)"));
    auto* shot_button = no_focus(new QPushButton(tr("Screenshot")));
    shot_button->setToolTip(tr("Save the view as PNG (S); the whole window: Shift+S"));
    transport->addWidget(step_back);
    transport->addWidget(play_);
    transport->addWidget(step_fwd);
    transport->addWidget(seek_, 1);
    transport->addWidget(position_);
    transport->addWidget(speed_);
    transport->addWidget(loop_);
    transport->addSpacing(10);
    transport->addWidget(open_button);
    transport->addWidget(record_);
    transport->addWidget(shot_button);

    connect(play_, &QPushButton::clicked, this, &TransportBar::playPauseClicked);
    connect(step_fwd, &QPushButton::clicked, this, &TransportBar::stepClicked);
    connect(step_back, &QPushButton::clicked, this, &TransportBar::stepBackClicked);
    connect(record_, &QPushButton::clicked, this, &TransportBar::recordToggled);
    connect(shot_button, &QPushButton::clicked, this, &TransportBar::screenshotClicked);
    connect(open_button, &QPushButton::clicked, this, &TransportBar::openClicked);
    connect(speed_, &QComboBox::activated, this, [this](int i) { emit speedChosen(speed_->itemData(i).toDouble()); });
    connect(loop_, &QCheckBox::toggled, this, &TransportBar::loopToggled);
    // While dragging, every move seeks; and once more where it was let go.
    connect(seek_, &QSlider::valueChanged, this, [this](int v) {
        if (seek_->isSliderDown()) emit seekRequested(v);
    });
    connect(seek_, &QSlider::sliderReleased, this, [this] { emit seekRequested(seek_->value()); });
}

void TransportBar::setPlaying(bool playing) { play_->setText(playing ? tr("❚❚ Pause") : tr("▶ Play")); }

void TransportBar::setRecording(bool on) { record_->setChecked(on); }

void TransportBar::setSource(bool seekable, int64_t frame_count) {
    seek_->setEnabled(seekable);
    seek_->setRange(0, int(std::max<int64_t>(0, frame_count - 1)));
}

void TransportBar::setPosition(int64_t index, int64_t count) {
    if (!seek_->isSliderDown()) {
        const QSignalBlocker block(seek_);
        seek_->setValue(int(index));
    }
    position_->setText(count > 0 ? QStringLiteral("%1 / %2").arg(index + 1).arg(count) : QStringLiteral("%1").arg(index + 1));
}

void TransportBar::setSpeed(double speed) {
    const QSignalBlocker block(speed_);
    int best = 2;   // 1x
    for (int i = 0; i < speed_->count(); ++i)
        if (std::abs(speed_->itemData(i).toDouble() - speed) < 1e-6) best = i;
    speed_->setCurrentIndex(best);
}

void TransportBar::setLoop(bool on) {
    const QSignalBlocker block(loop_);
    loop_->setChecked(on);
}

}  // namespace edgemoe::app
