#pragma once
// The main window only wires parts together: the pipeline (threads, workers, compositor, recorder,
// collectors) on one side, the widgets on the other (the video view, the transport bar under it, the
// control panel at the right, the expert, performance and compare cards), plus the actions and their
// keyboard shortcuts. The control panel and the transport bar emit the user's choices; the window
// passes them to the pipeline and gives the parts back the state. The public slots are what the
// controls and shortcuts call; tests call them too.
#include <vector>

#include <QMainWindow>
#include <QTimer>

#include "core/app_options.h"
#include "core/pipeline.h"
#include "edgemoe/backend.h"

class QAbstractButton;
class QButtonGroup;
class QCheckBox;
class QComboBox;
class QFrame;
class QHBoxLayout;
class QLabel;
class QPushButton;
class QSlider;
class QToolButton;

namespace edgemoe::app {

class BoardLink;
class CompareView;
class ExpertView;
class ControlPanel;
class MessageBanner;
class StatsView;
class TransportBar;
class VideoView;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    // `backends`: what the backend lists offer (edgemoe::list_backends() in the program).
    MainWindow(Pipeline& pipeline, AppSettings settings, std::vector<BackendInfo> backends, QWidget* parent = nullptr);
    ~MainWindow() override;

    // Loads the model (the settings' or the bundled one), applies the settings, starts the pipeline
    // and opens the source. Problems are shown in the window; the program stays usable.
    void startup(bool paused = false);
    // Saves settings there on close (empty: the user's QSettings; `enabled` false: never).
    void setSettingsFile(const QString& path, bool enabled);

    AppSettings currentSettings() const;
    Pipeline& pipeline() { return pipeline_; }
    TaskMode taskMode() const { return pipeline_.taskMode(); }
    ViewSettings viewSettings() const { return view_settings_; }
    int64_t framesDisplayed() const { return frames_displayed_; }
    int64_t lastFrameIndex() const { return last_frame_index_; }

    // Widgets, for tests.
    VideoView* videoView() const { return video_; }
    ExpertView* expertView() const { return expert_view_; }
    StatsView* statsView() const { return stats_view_; }
    CompareView* compareView() const { return compare_view_; }
    MessageBanner* banner() const { return banner_; }
    QAbstractButton* taskButton(TaskMode m) const;
    QAbstractButton* viewButton(ViewMode m) const;
    BoardLink* boardLink() const { return board_link_; }
    ControlPanel* controlPanel() const { return panel_; }
    TransportBar* transportBar() const { return transport_; }
    // The control panel's and the transport bar's widgets (forwarded).
    QComboBox* backendCombo() const;
    QComboBox* compareCombo() const;
    QCheckBox* compareCheck() const;
    QSlider* alphaSlider() const;
    QComboBox* colormapCombo() const;
    QCheckBox* expertsCheck() const;
    QPushButton* playButton() const;
    QPushButton* recordButton() const;
    QComboBox* blockCombo() const { return block_combo_; }
    QLabel* titleLabel() const { return title_; }
    QLabel* untrainedBadge() const { return badge_; }
    QWidget* compareCard() const { return compare_card_; }
    QLabel* statusLabel() const { return status_label_; }
    void refreshPanels();   // what the 4 Hz timer does

public slots:
    void setTaskMode(edgemoe::app::TaskMode mode);
    void cycleTask();
    void setBackend(const QString& name);
    void cycleBackend();
    void setCompare(bool on);
    void toggleCompare();
    void setCompareBackend(const QString& name);
    void setViewMode(edgemoe::app::ViewMode mode);
    void cycleViewMode();
    void setAlpha(double alpha);
    void setColormap(edgemoe::DepthColormap map);
    void cycleColormap();
    void setExpertsOverlay(bool on);
    void setExpertBlock(int block_pos);
    void setLegend(bool on);
    void openSource(const QString& spec);
    bool openModel(const QString& path);
    void togglePlay();
    void step();
    void stepBack();
    bool startRecording(const QString& path = {});
    void stopRecording();
    void toggleRecording();
    QString saveScreenshot(const QString& path = {});
    QString saveWindowShot(const QString& path = {});
    QString exportMetrics(const QString& base = {});
    void toggleFullscreen();
    // "Connect to board...": the dialog; on success the board's backends join the lists.
    void openConnectBoard();
    // Adds backends (a board's "remote/...") to both backend lists; names already listed are kept.
    void addBackends(const std::vector<edgemoe::BackendInfo>& backends);

signals:
    void frameDisplayed(qint64 frame_index);
    void taskModeChanged(edgemoe::app::TaskMode mode);
    void backendActive(int stream, QString name);
    void compareChanged(bool on);
    void recordingChanged(bool on);
    void sourceProblem(QString message);

protected:
    void closeEvent(QCloseEvent* e) override;
    void resizeEvent(QResizeEvent* e) override;

private:
    BoardLink* board_link_ = nullptr;
    void build_ui();
    void build_actions();
    void wire_pipeline();
    void apply_model(std::shared_ptr<const Model> model);
    void apply_view_settings();
    void on_composed_ready();
    void update_title();
    void update_status();
    void show_open_menu();
    QString output_path(const QString& kind, const QString& ext) const;

    Pipeline& pipeline_;
    AppSettings settings_;
    std::vector<BackendInfo> backends_;
    ViewSettings view_settings_;
    QString settings_file_;
    bool save_settings_ = true;
    bool shut_down_ = false;
    bool source_error_ = false;

    // Widgets
    QLabel* title_ = nullptr;
    QLabel* badge_ = nullptr;
    QLabel* subtitle_ = nullptr;
    MessageBanner* banner_ = nullptr;
    VideoView* video_ = nullptr;
    TransportBar* transport_ = nullptr;
    ControlPanel* panel_ = nullptr;
    QComboBox* block_combo_ = nullptr;
    ExpertView* expert_view_ = nullptr;
    StatsView* stats_view_ = nullptr;
    CompareView* compare_view_ = nullptr;
    QWidget* compare_card_ = nullptr;
    QWidget* panels_host_ = nullptr;
    QHBoxLayout* panels_layout_ = nullptr;
    QLabel* status_label_ = nullptr;
    QTimer refresh_timer_;

    // Per displayed frame
    int64_t frames_displayed_ = 0;
    int64_t last_frame_index_ = -1;
    double pending_ui_ms_ = 0;
    bool paint_pending_ = false;
    int64_t source_frames_ = -1;
    bool seeking_ = false;
};

}  // namespace edgemoe::app
