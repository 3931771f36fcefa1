#pragma once
// "Connect to board...": host, port and token of an edgemoe-serve. The connection is made by
// BoardLink (app/core); this dialog only collects the fields and shows what happened.
#include <QDialog>

#include "core/board_link.h"

class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;

namespace edgemoe::app {

class ConnectBoardDialog : public QDialog {
    Q_OBJECT
public:
    ConnectBoardDialog(BoardLink& link, const BoardSettings& initial, QWidget* parent = nullptr);
    BoardSettings settings() const;

private:
    void start();
    void showResult(bool ok, const QString& text);

    BoardLink& link_;
    QLineEdit* host_;
    QSpinBox* port_;
    QLineEdit* token_;
    QLabel* status_;
    QPushButton* connect_;
};

}  // namespace edgemoe::app
