#pragma once
// A strip across the top of the window for problems that need the user's eye (a source that cannot
// be opened, a camera unplugged, a backend that fell back to cpu), with an optional action button.
// Informational messages hide themselves after a few seconds.
#include <functional>

#include <QFrame>

class QLabel;
class QPushButton;
class QTimer;

namespace edgemoe::app {

class MessageBanner : public QFrame {
    Q_OBJECT
public:
    enum class Level { Info, Warning, Error };
    explicit MessageBanner(QWidget* parent = nullptr);
    void showMessage(Level level, const QString& text, const QString& action = {}, std::function<void()> on_action = {});
    void clear();
    QString text() const;
    Level level() const { return level_; }

private:
    QLabel* icon_;
    QLabel* label_;
    QPushButton* action_;
    QPushButton* close_;
    QTimer* hide_timer_;
    Level level_ = Level::Info;
    std::function<void()> on_action_;
};

}  // namespace edgemoe::app
