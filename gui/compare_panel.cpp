#include "gui/compare_panel.hpp"

#include <cmath>

#include <QHeaderView>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

#include "charts/style.hpp"
#include "gui/formatting.hpp"
#include "gui/run_data.hpp"

namespace adsim::gui {

ComparePanel::ComparePanel(QWidget* parent) : QWidget(parent) {
  auto* intro = new QLabel(
      tr("<b>Compare two variants with the same seed.</b> A is the scenario with the knobs set in the "
         "parameter panel; B is A with the overrides below (one <code>key=value</code> a line, as "
         "<code>adsim --set</code> takes them). Both run side by side and the charts overlay them."),
      this);
  intro->setWordWrap(true);
  variant_ = new QPlainTextEdit(this);
  variant_->setObjectName(QStringLiteral("variantOverrides"));
  variant_->setPlaceholderText(QStringLiteral("auction.reserve=0.2\npacing.pacer=throttling"));
  variant_->setPlainText(QStringLiteral("auction.reserve=0.2"));
  variant_->setMaximumHeight(110);
  run_ = new QPushButton(tr("Run A vs. B"), this);
  run_->setObjectName(QStringLiteral("runCompare"));
  status_ = new QLabel(this);
  status_->setWordWrap(true);
  status_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  table_ = new QTableWidget(this);
  table_->setObjectName(QStringLiteral("compareTable"));
  table_->setColumnCount(6);
  table_->setHorizontalHeaderLabels({tr("metric"), tr("unit"), tr("A"), tr("B"), tr("B − A"), tr("B vs. A")});
  table_->verticalHeader()->setVisible(false);
  table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  table_->horizontalHeader()->setStretchLastSection(true);
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(intro);
  layout->addWidget(variant_);
  layout->addWidget(run_);
  layout->addWidget(status_);
  layout->addWidget(table_, 1);
  connect(run_, &QPushButton::clicked, this, &ComparePanel::compare_requested);
}

std::vector<std::string> ComparePanel::variant_overrides() const {
  std::vector<std::string> out;
  for (QString line : variant_->toPlainText().split(QLatin1Char('\n'))) {
    line = line.trimmed();
    if (line.isEmpty() || line.startsWith(QLatin1Char('#'))) continue;
    out.push_back(line.toStdString());
  }
  return out;
}

void ComparePanel::set_variant_text(const QString& text) { variant_->setPlainText(text); }

void ComparePanel::set_status(const QString& text, bool error) {
  status_->setStyleSheet(error ? QStringLiteral("color: #c0392b;") : QString());
  status_->setText(text);
}

void ComparePanel::clear_metrics() { table_->setRowCount(0); }

void ComparePanel::show_metrics(const RunData* a, const RunData* b) {
  const std::vector<HeadlineMetric> ma = a ? headline_metrics(*a) : std::vector<HeadlineMetric>{};
  const std::vector<HeadlineMetric> mb = b ? headline_metrics(*b) : std::vector<HeadlineMetric>{};
  const std::vector<HeadlineMetric>& names = !ma.empty() ? ma : mb;
  table_->setRowCount(static_cast<int>(names.size()));
  for (int r = 0; r < static_cast<int>(names.size()); ++r) {
    const auto i = static_cast<std::size_t>(r);
    auto cell = [&](int col, const QString& text, bool right = true) {
      auto* item = new QTableWidgetItem(text);
      if (right) item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
      table_->setItem(r, col, item);
      return item;
    };
    cell(0, names[i].name, false);
    cell(1, names[i].unit, false);
    cell(2, i < ma.size() ? format_figure(ma[i].value, 5) : QString());
    cell(3, i < mb.size() ? format_figure(mb[i].value, 5) : QString());
    if (i < ma.size() && i < mb.size()) {
      const double diff = mb[i].value - ma[i].value;
      QTableWidgetItem* d = cell(4, (diff > 0 ? QStringLiteral("+") : QString()) + format_figure(diff, 4));
      // Green when B is better than A by the metric's good direction, red when worse: fewer hides
      // are green, a calibration ratio moving away from 1 is red.
      const experiments::Better better = names[i].better;
      if (experiments::is_better(better, mb[i].value, ma[i].value)) d->setForeground(charts::kGood);
      else if (experiments::is_better(better, ma[i].value, mb[i].value)) d->setForeground(charts::kBad);
      d->setToolTip(tr("Better when: %1").arg(QString::fromUtf8(experiments::better_name(better))));
      cell(5, ma[i].value != 0 ? QStringLiteral("%1%2 %").arg(diff > 0 ? QStringLiteral("+") : QString(),
                                                               format_figure(100.0 * diff / std::fabs(ma[i].value), 3))
                               : QStringLiteral("–"));
    } else {
      cell(4, QString());
      cell(5, QString());
    }
  }
}

}  // namespace adsim::gui
