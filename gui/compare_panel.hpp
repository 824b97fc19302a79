#pragma once
#include <string>
#include <vector>

#include <QWidget>

class QLabel;
class QPlainTextEdit;
class QPushButton;
class QTableWidget;

namespace adsim::gui {

class RunData;

// Compare two variants of a scenario with the same seed: A is the scenario with the knobs of the
// parameter panel, B is A plus the overrides typed here. The charts overlay both runs; this panel
// shows the headline metrics side by side with B − A and the relative change.
class ComparePanel : public QWidget {
  Q_OBJECT
 public:
  explicit ComparePanel(QWidget* parent = nullptr);

  // The variant's overrides, one "key=value" a line; blank lines and '#' comments are skipped.
  std::vector<std::string> variant_overrides() const;
  void set_variant_text(const QString& text);
  void set_status(const QString& text, bool error = false);
  // Fills the table from the two runs (either may be null: its columns stay empty).
  void show_metrics(const RunData* a, const RunData* b);
  void clear_metrics();

  QTableWidget* table() const { return table_; }
  QPushButton* run_button() const { return run_; }

 Q_SIGNALS:
  void compare_requested();

 private:
  QPlainTextEdit* variant_ = nullptr;
  QPushButton* run_ = nullptr;
  QLabel* status_ = nullptr;
  QTableWidget* table_ = nullptr;
};

}  // namespace adsim::gui
