#pragma once
#include <QWidget>

class QToolButton;
class QVBoxLayout;

namespace adsim::gui {

// A titled group whose body folds away behind a clickable header (the parameter panel's sections).
class CollapsibleSection : public QWidget {
  Q_OBJECT
 public:
  CollapsibleSection(const QString& title, QWidget* parent = nullptr);

  // The widget that holds the section's rows; give it a layout.
  QWidget* body() const { return body_; }
  void set_expanded(bool expanded);
  bool expanded() const;
  void set_title(const QString& title);

 private:
  QToolButton* header_ = nullptr;
  QWidget* body_ = nullptr;
};

}  // namespace adsim::gui
