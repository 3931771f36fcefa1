#pragma once
// The look: Fusion with a dark palette and a small style sheet, and the program's icon.
#include <QIcon>

class QApplication;

namespace edgemoe::app {

void apply_dark_theme(QApplication& app);
// The icon: the SVG from resources/icons when Qt's SVG plugin is there, otherwise the same picture
// painted here.
QIcon app_icon();

}  // namespace edgemoe::app
