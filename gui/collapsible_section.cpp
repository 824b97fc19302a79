#include "gui/collapsible_section.hpp"

#include <QToolButton>
#include <QVBoxLayout>

namespace adsim::gui {

CollapsibleSection::CollapsibleSection(const QString& title, QWidget* parent) : QWidget(parent) {
  header_ = new QToolButton(this);
  header_->setText(title);
  header_->setCheckable(true);
  header_->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
  header_->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
  header_->setAutoRaise(true);
  QFont f = header_->font();
  f.setBold(true);
  header_->setFont(f);
  body_ = new QWidget(this);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->setSpacing(2);
  layout->addWidget(header_);
  layout->addWidget(body_);
  connect(header_, &QToolButton::toggled, this, [this](bool on) {
    header_->setArrowType(on ? Qt::DownArrow : Qt::RightArrow);
    body_->setVisible(on);
  });
  set_expanded(false);
  header_->setArrowType(Qt::RightArrow);
}

void CollapsibleSection::set_expanded(bool expanded) {
  header_->setChecked(expanded);
  header_->setArrowType(expanded ? Qt::DownArrow : Qt::RightArrow);
  body_->setVisible(expanded);
}

bool CollapsibleSection::expanded() const { return header_->isChecked(); }

void CollapsibleSection::set_title(const QString& title) { header_->setText(title); }

}  // namespace adsim::gui
