#pragma once
// The bar under the video: step back, play/pause, step, the seek slider and position, the speed, loop,
// and open / record / screenshot. It only says what the user chose (signals) and shows the state it
// is given (setters, which emit nothing); the window connects it to the capture worker and the
// recorder.
#include <cstdint>

#include <QWidget>

class QCheckBox;
class QComboBox;
class QLabel;
class QPushButton;
class QSlider;

namespace edgemoe::app {

class TransportBar : public QWidget {
    Q_OBJECT
public:
    explicit TransportBar(QWidget* parent = nullptr);

    void setPlaying(bool playing);
    void setRecording(bool on);
    // A newly opened source: whether it can seek, and its frame count (<= 0: unknown or live).
    void setSource(bool seekable, int64_t frame_count);
    // The frame shown (0-based) of `count` (<= 0: unknown); the slider follows unless the user drags it.
    void setPosition(int64_t index, int64_t count);
    void setSpeed(double speed);   // the nearest listed speed
    void setLoop(bool on);

    // Widgets, for tests.
    QPushButton* playButton() const { return play_; }
    QPushButton* recordButton() const { return record_; }
    QSlider* seekSlider() const { return seek_; }
    QComboBox* speedCombo() const { return speed_; }
    QCheckBox* loopCheck() const { return loop_; }

signals:
    void playPauseClicked();
    void stepClicked();
    void stepBackClicked();
    void seekRequested(int frame_index);
    void speedChosen(double speed);
    void loopToggled(bool on);
    void openClicked();
    // The record button pressed: start (true) or stop. The window answers with setRecording().
    void recordToggled(bool on);
    void screenshotClicked();

private:
    QPushButton* play_ = nullptr;
    QPushButton* record_ = nullptr;
    QSlider* seek_ = nullptr;
    QLabel* position_ = nullptr;
    QComboBox* speed_ = nullptr;
    QCheckBox* loop_ = nullptr;
};

}  // namespace edgemoe::app
