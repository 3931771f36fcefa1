#pragma once
// "Connect to board": the board's address and token (remembered in QSettings, group "board"), and the
// connection itself, made off the UI thread. On success the pipeline's backend options point at the
// board, so the backends it offers ("remote/cpu", "remote/fpga", ...) are created by name like any
// other; the window only adds those names to its lists.
#include <atomic>
#include <thread>
#include <vector>

#include <QObject>
#include <QString>

#include "edgemoe/backend.h"

class QSettings;

namespace edgemoe::app {

class Pipeline;

struct BoardSettings {
    QString host = QStringLiteral("127.0.0.1");
    int port = 50613;
    QString token;   // stored in the user's settings file, like the rest of this program's settings

    static BoardSettings load(QSettings& s);
    void save(QSettings& s) const;
    // "host:port", IPv6 in brackets. Empty when the host is empty or the port out of range.
    QString address() const;
};

class BoardLink : public QObject {
    Q_OBJECT
public:
    explicit BoardLink(Pipeline& pipeline, QObject* parent = nullptr);
    ~BoardLink() override;

    // Asks the board for its backends (up to a few seconds, on a thread of its own); emits
    // connected() or failed() on this object's thread. Ignored while a connection is being made.
    void connectTo(const BoardSettings& settings);
    bool busy() const { return busy_.load(); }
    // The backends of the board last connected (names "remote/...").
    const std::vector<BackendInfo>& backends() const { return backends_; }

signals:
    void connected(QString address);
    void failed(QString reason);

private:
    void finish(const BoardSettings& settings, std::vector<BackendInfo> backends, const QString& error);

    Pipeline& pipeline_;
    std::thread thread_;
    std::atomic<bool> busy_{false};
    std::vector<BackendInfo> backends_;
};

}  // namespace edgemoe::app
