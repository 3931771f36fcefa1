#include "ui/video_view.h"

#include <chrono>

#include <QPainter>
#include <QPainterPath>
#include <QResizeEvent>

#include "core/palette.h"

namespace edgemoe::app {

VideoView::VideoView(QWidget* parent) : QWidget(parent) {
    setAttribute(Qt::WA_OpaquePaintEvent);
    setMinimumSize(320, 180);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
}

void VideoView::setImage(const QImage& image) {
    image_ = image;
    update();
}

void VideoView::clearImage() {
    image_ = QImage();
    update();
}

void VideoView::setMessage(const QString& text, bool error) {
    message_ = text;
    error_ = error;
    update();
}

void VideoView::setRecording(bool on) {
    recording_ = on;
    update();
}

void VideoView::setPaused(bool on) {
    paused_ = on;
    update();
}

QSize VideoView::targetSize() const {
    const qreal dpr = devicePixelRatioF();
    return QSize(int(width() * dpr), int(height() * dpr));
}

void VideoView::resizeEvent(QResizeEvent* e) {
    QWidget::resizeEvent(e);
    emit targetSizeChanged(targetSize());
}

void VideoView::mouseDoubleClickEvent(QMouseEvent*) { emit doubleClicked(); }

void VideoView::paintEvent(QPaintEvent*) {
    const auto t0 = std::chrono::steady_clock::now();
    QPainter p(this);
    p.fillRect(rect(), palette::kBackground);
    const qreal dpr = devicePixelRatioF();
    QRect shown;
    if (!image_.isNull()) {
        const QSizeF logical(image_.width() / dpr, image_.height() / dpr);
        QSizeF fit = logical;
        if (fit.width() > width() || fit.height() > height()) fit.scale(size(), Qt::KeepAspectRatio);
        shown = QRect(QPoint(int((width() - fit.width()) / 2), int((height() - fit.height()) / 2)), fit.toSize());
        p.drawImage(shown, image_);
    }
    const auto chip = [&](const QString& text, const QColor& bg, const QColor& fg, QPoint top_right) {
        const QFont f = palette::font(12, QFont::Bold);
        p.setFont(f);
        const QFontMetrics fm(f);
        const QRect r(top_right.x() - fm.horizontalAdvance(text) - 20, top_right.y(), fm.horizontalAdvance(text) + 20, fm.height() + 8);
        p.setRenderHint(QPainter::Antialiasing);
        p.setPen(Qt::NoPen);
        p.setBrush(bg);
        p.drawRoundedRect(r, 8, 8);
        p.setPen(fg);
        p.drawText(r, Qt::AlignCenter, text);
        return r;
    };
    const QRect area = shown.isNull() ? rect() : shown;
    int y = area.bottom() - 34;
    if (recording_) chip(QStringLiteral("●  REC"), palette::kError, QColor(0x1a, 0x05, 0x06), QPoint(area.right() - 10, y)), y -= 30;
    if (paused_ && !image_.isNull()) chip(QStringLiteral("❚❚  PAUSED"), QColor(0, 0, 0, 170), palette::kText, QPoint(area.right() - 10, y));
    if (!message_.isEmpty()) {
        const QFont f = palette::font(image_.isNull() ? 17 : 14, image_.isNull() ? QFont::DemiBold : QFont::Normal);
        p.setFont(f);
        const QRect box = image_.isNull() ? rect().adjusted(40, 40, -40, -40) : QRect(area.left() + 20, area.center().y() - 40, area.width() - 40, 80);
        if (!image_.isNull()) {
            p.setRenderHint(QPainter::Antialiasing);
            p.setPen(Qt::NoPen);
            p.setBrush(QColor(10, 12, 16, 215));
            p.drawRoundedRect(box, 12, 12);
        }
        p.setPen(error_ ? palette::kError : palette::kTextDim);
        p.drawText(box.adjusted(16, 8, -16, -8), Qt::AlignCenter | Qt::TextWordWrap, message_);
    }
    p.end();
    if (on_paint_) on_paint_(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
}

}  // namespace edgemoe::app
