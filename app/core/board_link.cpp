#include "core/board_link.h"

#include <QMetaObject>
#include <QSettings>

#include "core/pipeline.h"

namespace edgemoe::app {

BoardSettings BoardSettings::load(QSettings& s) {
    BoardSettings b;
    s.beginGroup(QStringLiteral("board"));
    b.host = s.value(QStringLiteral("host"), b.host).toString();
    b.port = s.value(QStringLiteral("port"), b.port).toInt();
    b.token = s.value(QStringLiteral("token")).toString();
    s.endGroup();
    return b;
}

void BoardSettings::save(QSettings& s) const {
    s.beginGroup(QStringLiteral("board"));
    s.setValue(QStringLiteral("host"), host);
    s.setValue(QStringLiteral("port"), port);
    s.setValue(QStringLiteral("token"), token);
    s.endGroup();
}

QString BoardSettings::address() const {
    const QString h = host.trimmed();
    if (h.isEmpty() || port < 1 || port > 65535) return {};
    return (h.contains(':') && !h.startsWith('[') ? "[" + h + "]" : h) + ":" + QString::number(port);
}

BoardLink::BoardLink(Pipeline& pipeline, QObject* parent) : QObject(parent), pipeline_(pipeline) {}

BoardLink::~BoardLink() {
    if (thread_.joinable()) thread_.join();
}

void BoardLink::connectTo(const BoardSettings& settings) {
    if (busy_.exchange(true)) return;
    if (thread_.joinable()) thread_.join();
    const QString address = settings.address();
    if (address.isEmpty()) {
        busy_ = false;
        emit failed(tr("give the board's host name or address and a port from 1 to 65535"));
        return;
    }
    BackendOptions options = pipeline_.backendOptions();
    options.remote = address.toStdString();
    options.remote_token = settings.token.toStdString();
    auto model = pipeline_.model();
    thread_ = std::thread([this, settings, options, model] {
        std::vector<BackendInfo> found;
        QString error;
        try {
            found = list_remote_backends(model, options);
        } catch (const std::exception& e) {
            error = QString::fromStdString(e.what());
        }
        QMetaObject::invokeMethod(this, [this, settings, found, error] { finish(settings, found, error); },
                                  Qt::QueuedConnection);
    });
}

void BoardLink::finish(const BoardSettings& settings, std::vector<BackendInfo> backends, const QString& error) {
    busy_ = false;
    if (!error.isEmpty()) {
        emit failed(error);
        return;
    }
    BackendOptions options = pipeline_.backendOptions();
    options.remote = settings.address().toStdString();
    options.remote_token = settings.token.toStdString();
    pipeline_.setBackendOptions(options);
    backends_ = std::move(backends);
    emit connected(settings.address());
}

}  // namespace edgemoe::app
