#pragma once
// Colours and fonts shared by the compositor (drawing into frames) and the widgets.
#include <QColor>
#include <QFont>
#include <QString>

namespace edgemoe::app::palette {

// 20 well-separated colours for expert ids (then they repeat).
QColor expert(int id);

inline const QColor kBackground{0x11, 0x13, 0x17};
inline const QColor kPanel{0x1a, 0x1d, 0x23};
inline const QColor kPanelLine{0x2a, 0x2f, 0x38};
inline const QColor kText{0xe6, 0xe9, 0xef};
inline const QColor kTextDim{0x9a, 0xa3, 0xb2};
inline const QColor kAccent{0x4c, 0xc2, 0xff};     // primary stream, cyan
inline const QColor kAccent2{0xff, 0x8a, 0x3d};    // compare stream, orange
inline const QColor kWarn{0xff, 0xb0, 0x20};       // UNTRAINED, fallbacks
inline const QColor kError{0xff, 0x5a, 0x5f};
inline const QColor kGood{0x5c, 0xd6, 0x8a};
// Task colours in the histogram: first and second pass.
inline const QColor kTask0{0x4c, 0xc2, 0xff};
inline const QColor kTask1{0xc0, 0x7c, 0xff};

// The UI font family (DejaVu Sans on Debian; whatever the system has otherwise).
QString fontFamily();
QFont font(int pixel_size, int weight = QFont::Normal);

}  // namespace edgemoe::app::palette
