#pragma once
// Shows the composed image: centred, at one device pixel per image pixel when it fits (the compositor
// draws it at this widget's size), scaled down otherwise. The only per-frame work on the UI thread
// is this paint. Without an image it shows a placeholder or an error message.
#include <functional>

#include <QImage>
#include <QWidget>

namespace edgemoe::app {

class VideoView : public QWidget {
    Q_OBJECT
public:
    explicit VideoView(QWidget* parent = nullptr);

    void setImage(const QImage& image);          // shares the pixels, no copy
    const QImage& image() const { return image_; }
    void clearImage();
    // Shown over the picture (error) or instead of it (no picture yet).
    void setMessage(const QString& text, bool error);
    QString message() const { return message_; }
    void setRecording(bool on);
    void setPaused(bool on);
    // The image area in device pixels: what the compositor should draw.
    QSize targetSize() const;
    // Called after each paint with its duration in ms.
    void setPaintCallback(std::function<void(double)> cb) { on_paint_ = std::move(cb); }

signals:
    void targetSizeChanged(QSize device_pixels);
    void doubleClicked();

protected:
    void paintEvent(QPaintEvent*) override;
    void resizeEvent(QResizeEvent*) override;
    void mouseDoubleClickEvent(QMouseEvent*) override;

private:
    QImage image_;
    QString message_;
    bool error_ = false, recording_ = false, paused_ = false;
    std::function<void(double)> on_paint_;
};

}  // namespace edgemoe::app
