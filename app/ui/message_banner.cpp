#include "ui/message_banner.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QTimer>

namespace edgemoe::app {

MessageBanner::MessageBanner(QWidget* parent)
    : QFrame(parent), icon_(new QLabel(this)), label_(new QLabel(this)), action_(new QPushButton(this)),
      close_(new QPushButton(QStringLiteral("✕"), this)), hide_timer_(new QTimer(this)) {
    setObjectName("Banner");
    auto* l = new QHBoxLayout(this);
    l->setContentsMargins(14, 8, 8, 8);
    l->setSpacing(10);
    icon_->setFixedWidth(18);
    label_->setWordWrap(true);
    label_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    label_->setObjectName("BannerText");
    action_->setFocusPolicy(Qt::NoFocus);
    close_->setFocusPolicy(Qt::NoFocus);
    close_->setFixedWidth(32);
    close_->setToolTip(tr("Dismiss"));
    l->addWidget(icon_);
    l->addWidget(label_, 1);
    l->addWidget(action_);
    l->addWidget(close_);
    hide_timer_->setSingleShot(true);
    connect(hide_timer_, &QTimer::timeout, this, &MessageBanner::clear);
    connect(close_, &QPushButton::clicked, this, &MessageBanner::clear);
    connect(action_, &QPushButton::clicked, this, [this] {
        if (on_action_) on_action_();
    });
    hide();
}

void MessageBanner::showMessage(Level level, const QString& text, const QString& action, std::function<void()> on_action) {
    level_ = level;
    const char* bg = level == Level::Error ? "#3a1517" : level == Level::Warning ? "#3a2a0c" : "#10283a";
    const char* fg = level == Level::Error ? "#ff8a8d" : level == Level::Warning ? "#ffcf70" : "#8fd8ff";
    setStyleSheet(QStringLiteral("QFrame#Banner { background: %1; border: 1px solid %2; border-radius: 8px; }"
                                 "QLabel { color: %2; }")
                      .arg(bg, fg));
    icon_->setText(level == Level::Error ? QStringLiteral("⚠") : level == Level::Warning ? QStringLiteral("⚠") : QStringLiteral("ℹ"));
    label_->setText(text);
    on_action_ = std::move(on_action);
    action_->setText(action);
    action_->setVisible(!action.isEmpty() && on_action_);
    show();
    if (level == Level::Info) hide_timer_->start(6000);
    else hide_timer_->stop();
}

void MessageBanner::clear() {
    hide_timer_->stop();
    label_->clear();
    hide();
}

QString MessageBanner::text() const { return label_->text(); }

}  // namespace edgemoe::app
