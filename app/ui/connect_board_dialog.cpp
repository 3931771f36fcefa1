#include "ui/connect_board_dialog.h"

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

namespace edgemoe::app {

ConnectBoardDialog::ConnectBoardDialog(BoardLink& link, const BoardSettings& initial, QWidget* parent)
    : QDialog(parent), link_(link) {
    setWindowTitle(tr("Connect to board"));
    auto* intro = new QLabel(tr("A board running <tt>edgemoe-serve</tt> with the same model. Its backends join the "
                                "backend lists, so compare mode can show this machine against the board."));
    intro->setWordWrap(true);
    host_ = new QLineEdit(initial.host);
    host_->setPlaceholderText(tr("zcu102.local or 192.168.1.20"));
    port_ = new QSpinBox;
    port_->setRange(1, 65535);
    port_->setValue(initial.port);
    token_ = new QLineEdit(initial.token);
    token_->setEchoMode(QLineEdit::Password);
    token_->setPlaceholderText(tr("the first line of the board's --token-file"));
    token_->setToolTip(tr("Needed unless the board is this machine"));
    auto* form = new QFormLayout;
    form->addRow(tr("Host"), host_);
    form->addRow(tr("Port"), port_);
    form->addRow(tr("Token"), token_);
    status_ = new QLabel;
    status_->setWordWrap(true);
    status_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close);
    connect_ = buttons->addButton(tr("Connect"), QDialogButtonBox::AcceptRole);
    connect_->setDefault(true);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(connect_, &QPushButton::clicked, this, &ConnectBoardDialog::start);
    auto* l = new QVBoxLayout(this);
    l->addWidget(intro);
    l->addLayout(form);
    l->addWidget(status_);
    l->addWidget(buttons);
    setMinimumWidth(420);

    connect(&link_, &BoardLink::connected, this, [this](const QString& address) {
        QStringList names;
        for (const BackendInfo& b : link_.backends())
            names << QString::fromStdString(b.name) + (b.available ? QString() : tr(" (not available)"));
        showResult(true, tr("Connected to %1: %2").arg(address, names.join(QStringLiteral(", "))));
        accept();
    });
    connect(&link_, &BoardLink::failed, this, [this](const QString& reason) { showResult(false, reason); });
}

BoardSettings ConnectBoardDialog::settings() const {
    BoardSettings s;
    s.host = host_->text().trimmed();
    s.port = port_->value();
    s.token = token_->text().trimmed();
    return s;
}

void ConnectBoardDialog::start() {
    const BoardSettings s = settings();
    connect_->setEnabled(false);
    status_->setObjectName(QString());
    status_->setText(tr("Connecting to %1…").arg(s.address().isEmpty() ? s.host : s.address()));
    link_.connectTo(s);
}

void ConnectBoardDialog::showResult(bool ok, const QString& text) {
    connect_->setEnabled(true);
    status_->setObjectName(ok ? QString() : QStringLiteral("Warn"));
    status_->setStyleSheet(ok ? QString() : QStringLiteral("color: #e0a040;"));
    status_->setText(text);
    adjustSize();   // room for a long reason
}

}  // namespace edgemoe::app
