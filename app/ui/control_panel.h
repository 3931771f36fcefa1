#pragma once
// The controls at the right of the window, as cards: the task (segmentation, depth, both), the
// backend (and the compare partner, the "Connect to board…" button), the view (overlay / output /
// frame, opacity, depth colours, legend, expert grid), the model, and the keys. It only says what the
// user chose (signals) and shows the state it is given (setters, which emit nothing); the window
// passes the choices on to the pipeline and the state back.
#include <vector>

#include <QWidget>

#include "core/frame_composer.h"
#include "core/types.h"
#include "edgemoe/backend.h"

class QAbstractButton;
class QButtonGroup;
class QCheckBox;
class QComboBox;
class QLabel;
class QSlider;

namespace edgemoe::app {

class ControlPanel : public QWidget {
    Q_OBJECT
public:
    explicit ControlPanel(const std::vector<BackendInfo>& backends, QWidget* parent = nullptr);

    // A model loaded: which tasks it can run (the others' buttons disabled), and its description.
    void setModel(const Model& model);
    bool taskAvailable(TaskMode mode) const;
    void setTaskMode(TaskMode mode);
    void setBackend(const QString& name);
    void setCompareBackend(const QString& name);
    void setCompare(bool on);
    // Why a backend is not running (under the lists); empty: hidden.
    void setBackendNote(const QString& text);
    // Backends added while running (a board's): appended to both lists.
    void addBackends(const std::vector<BackendInfo>& backends);
    void setViewSettings(const ViewSettings& s);

    // Widgets, for tests.
    QAbstractButton* taskButton(TaskMode m) const;
    QAbstractButton* viewButton(ViewMode m) const;
    QComboBox* backendCombo() const { return backend_combo_; }
    QComboBox* compareCombo() const { return compare_combo_; }
    QCheckBox* compareCheck() const { return compare_check_; }
    QSlider* alphaSlider() const { return alpha_slider_; }
    QComboBox* colormapCombo() const { return colormap_combo_; }
    QCheckBox* expertsCheck() const { return experts_check_; }
    QCheckBox* legendCheck() const { return legend_check_; }

signals:
    void taskChosen(edgemoe::app::TaskMode mode);
    void backendChosen(QString name);
    void compareBackendChosen(QString name);
    void compareToggled(bool on);
    void viewModeChosen(edgemoe::app::ViewMode mode);
    void alphaChosen(double alpha);
    void colormapChosen(edgemoe::DepthColormap map);
    void legendToggled(bool on);
    void expertsToggled(bool on);
    void openModelClicked();
    void connectBoardClicked();

private:
    void add_backend_items(const std::vector<BackendInfo>& backends);

    QButtonGroup* task_group_ = nullptr;
    QButtonGroup* view_group_ = nullptr;
    QComboBox* backend_combo_ = nullptr;
    QComboBox* compare_combo_ = nullptr;
    QCheckBox* compare_check_ = nullptr;
    QLabel* backend_note_ = nullptr;
    QSlider* alpha_slider_ = nullptr;
    QLabel* alpha_label_ = nullptr;
    QComboBox* colormap_combo_ = nullptr;
    QCheckBox* experts_check_ = nullptr;
    QCheckBox* legend_check_ = nullptr;
    QLabel* model_label_ = nullptr;
};

}  // namespace edgemoe::app
