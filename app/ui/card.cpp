#include "ui/card.h"

#include <QFrame>
#include <QHBoxLayout>
#include <QLabel>
#include <QVBoxLayout>

namespace edgemoe::app {

QFrame* make_card(const QString& title, QWidget* body, QWidget* header_extra) {
    auto* frame = new QFrame;
    frame->setObjectName("Card");
    auto* l = new QVBoxLayout(frame);
    l->setContentsMargins(12, 10, 12, 12);
    l->setSpacing(8);
    auto* head = new QHBoxLayout;
    auto* t = new QLabel(title.toUpper());
    t->setObjectName("CardTitle");
    head->addWidget(t);
    head->addStretch(1);
    if (header_extra) head->addWidget(header_extra);
    l->addLayout(head);
    if (body) l->addWidget(body, 1);
    return frame;
}

}  // namespace edgemoe::app
