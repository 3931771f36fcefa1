#pragma once
// Small pieces the window's parts share: the rounded card with a title (the control panel's cards,
// the panels under the video), and buttons that never take the keyboard focus (so the window's
// single-key shortcuts keep working after a click).
#include <QString>
#include <qnamespace.h>

class QFrame;
class QWidget;

namespace edgemoe::app {

// A card: `title` in capitals, `header_extra` (a list, a button) at the right of the title, `body`
// under it taking the room.
QFrame* make_card(const QString& title, QWidget* body, QWidget* header_extra = nullptr);

template <class W>
W* no_focus(W* w) {
    w->setFocusPolicy(Qt::NoFocus);
    return w;
}

}  // namespace edgemoe::app
