#include "ui/theme.h"

#include <QApplication>
#include <QPainter>
#include <QPalette>
#include <QPixmap>
#include <QStyleFactory>

#include "core/palette.h"

namespace edgemoe::app {

void apply_dark_theme(QApplication& app) {
    app.setStyle(QStyleFactory::create("Fusion"));
    QPalette p;
    const QColor window = palette::kBackground, base(0x16, 0x19, 0x1e), text = palette::kText;
    p.setColor(QPalette::Window, window);
    p.setColor(QPalette::WindowText, text);
    p.setColor(QPalette::Base, base);
    p.setColor(QPalette::AlternateBase, palette::kPanel);
    p.setColor(QPalette::ToolTipBase, palette::kPanel);
    p.setColor(QPalette::ToolTipText, text);
    p.setColor(QPalette::Text, text);
    p.setColor(QPalette::Button, QColor(0x24, 0x28, 0x30));
    p.setColor(QPalette::ButtonText, text);
    p.setColor(QPalette::BrightText, palette::kError);
    p.setColor(QPalette::Highlight, palette::kAccent);
    p.setColor(QPalette::HighlightedText, QColor(0x08, 0x0a, 0x0e));
    p.setColor(QPalette::Link, palette::kAccent);
    p.setColor(QPalette::PlaceholderText, palette::kTextDim);
    p.setColor(QPalette::Disabled, QPalette::Text, QColor(0x60, 0x66, 0x70));
    p.setColor(QPalette::Disabled, QPalette::ButtonText, QColor(0x60, 0x66, 0x70));
    p.setColor(QPalette::Disabled, QPalette::WindowText, QColor(0x60, 0x66, 0x70));
    app.setPalette(p);
    app.setFont(palette::font(13));
    app.setStyleSheet(QStringLiteral(R"(
        QToolTip { color: #e6e9ef; background: #1a1d23; border: 1px solid #2a2f38; padding: 4px; }
        QFrame#Card { background: #1a1d23; border: 1px solid #252a33; border-radius: 10px; }
        QLabel#CardTitle { color: #9aa3b2; font-size: 11px; font-weight: 700; letter-spacing: 1px; }
        QLabel#Title { font-size: 20px; font-weight: 600; color: #e6e9ef; }
        QLabel#Subtitle { color: #9aa3b2; }
        QLabel#Badge { background: #ffb020; color: #140e00; font-weight: 800; border-radius: 6px; padding: 3px 8px; }
        QLabel#Dim { color: #9aa3b2; }
        QLabel#Warn { color: #ffb020; }
        QPushButton, QToolButton { background: #242830; border: 1px solid #2f3541; border-radius: 6px; padding: 5px 10px; color: #e6e9ef; }
        QPushButton:hover, QToolButton:hover { background: #2c313b; border-color: #3b4350; }
        QPushButton:checked, QToolButton:checked { background: #4cc2ff; color: #08121a; border-color: #4cc2ff; font-weight: 600; }
        QPushButton:disabled, QToolButton:disabled { color: #5a606a; }
        QPushButton#Record:checked { background: #ff5a5f; border-color: #ff5a5f; color: #1a0506; }
        QComboBox { background: #242830; border: 1px solid #2f3541; border-radius: 6px; padding: 4px 8px; }
        QComboBox QAbstractItemView { background: #1a1d23; border: 1px solid #2f3541; selection-background-color: #4cc2ff; selection-color: #08121a; }
        QSlider::groove:horizontal { height: 4px; background: #2f3541; border-radius: 2px; }
        QSlider::sub-page:horizontal { background: #4cc2ff; border-radius: 2px; }
        QSlider::handle:horizontal { background: #e6e9ef; width: 14px; height: 14px; margin: -5px 0; border-radius: 7px; }
        QCheckBox { spacing: 8px; }
        QStatusBar { background: #0d0f12; color: #9aa3b2; }
        QStatusBar QLabel { color: #9aa3b2; }
        QScrollArea { border: none; background: transparent; }
        QScrollBar:vertical { background: transparent; width: 8px; }
        QScrollBar::handle:vertical { background: #2f3541; border-radius: 4px; min-height: 24px; }
        QScrollBar::add-line, QScrollBar::sub-line { height: 0; }
        QMenu { background: #1a1d23; border: 1px solid #2f3541; }
        QMenu::item:selected { background: #4cc2ff; color: #08121a; }
    )"));
}

QIcon app_icon() {
    QIcon svg(QStringLiteral(":/icons/edgemoe-live.svg"));
    if (!svg.pixmap(64, 64).isNull()) return svg;
    // No SVG plugin: paint the same design.
    QIcon icon;
    for (int size : {16, 24, 32, 48, 64, 128, 256}) {
        QPixmap pm(size, size);
        pm.fill(Qt::transparent);
        QPainter p(&pm);
        p.setRenderHint(QPainter::Antialiasing);
        p.scale(size / 256.0, size / 256.0);
        QLinearGradient g(0, 0, 0, 256);
        g.setColorAt(0, QColor(0x1c, 0x2b, 0x3c));
        g.setColorAt(1, QColor(0x0c, 0x11, 0x18));
        p.setPen(Qt::NoPen);
        p.setBrush(g);
        p.drawRoundedRect(QRectF(8, 8, 240, 240), 52, 52);
        p.setBrush(QColor(0x5b, 0x70, 0x88));
        for (int x : {84, 122, 160}) {
            p.drawRoundedRect(QRectF(x, 36, 12, 22), 3, 3);
            p.drawRoundedRect(QRectF(x, 198, 12, 22), 3, 3);
            p.drawRoundedRect(QRectF(36, x, 22, 12), 3, 3);
            p.drawRoundedRect(QRectF(198, x, 22, 12), 3, 3);
        }
        p.setPen(QPen(QColor(0x5b, 0x70, 0x88), 6));
        p.setBrush(QColor(0x17, 0x21, 0x2c));
        p.drawRoundedRect(QRectF(56, 56, 144, 144), 18, 18);
        p.setPen(Qt::NoPen);
        const QColor c[9] = {palette::kAccent, QColor(0x24, 0x31, 0x42), palette::kAccent2,
                             QColor(0x24, 0x31, 0x42), palette::kTask1, palette::kAccent,
                             palette::kAccent2, palette::kAccent, QColor(0x24, 0x31, 0x42)};
        for (int i = 0; i < 9; ++i) {
            p.setBrush(c[i]);
            p.drawRoundedRect(QRectF(74 + 38 * (i % 3), 74 + 38 * (i / 3), 32, 32), 6, 6);
        }
        p.end();
        icon.addPixmap(pm);
    }
    return icon;
}

}  // namespace edgemoe::app
