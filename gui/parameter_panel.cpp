#include "gui/parameter_panel.hpp"

#include <algorithm>
#include <climits>
#include <cmath>
#include <set>

#include <QAbstractSpinBox>
#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QEvent>
#include <QGridLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRegularExpressionValidator>
#include <QSpinBox>
#include <QVBoxLayout>

#include "gui/collapsible_section.hpp"
#include "scenarios/scenario_loader.hpp"

namespace adsim::gui {
namespace {

using scenarios::KeyKind;
using scenarios::KeySpec;
using scenarios::KeyValue;

// A double spin box that shows the shortest text that reads back as the value ("0.05", not
// "0.0500000000") and accepts any number the user types; the schema's rules judge it afterwards.
class NumberSpinBox final : public QDoubleSpinBox {
 public:
  using QDoubleSpinBox::QDoubleSpinBox;
  QString textFromValue(double value) const override {
    return QString::fromStdString(scenarios::format_number(value));
  }
  double valueFromText(const QString& text) const override { return text.trimmed().toDouble(); }
  // The default hint is as wide as the range's extreme with every decimal, which would push the
  // unit column out of the panel.
  QSize sizeHint() const override { return {110, QDoubleSpinBox::sizeHint().height()}; }
  QSize minimumSizeHint() const override { return {70, QDoubleSpinBox::minimumSizeHint().height()}; }
  QValidator::State validate(QString& text, int& /*pos*/) const override {
    bool ok = false;
    text.trimmed().toDouble(&ok);
    if (ok) return QValidator::Acceptable;
    return QValidator::Intermediate;
  }
};

// Spin boxes and combo boxes ignore the mouse wheel unless focused, so scrolling the panel never
// changes a knob by accident.
class WheelGuard final : public QObject {
 public:
  using QObject::QObject;
  bool eventFilter(QObject* watched, QEvent* event) override {
    if (event->type() == QEvent::Wheel) {
      auto* w = qobject_cast<QWidget*>(watched);
      if (w && !w->hasFocus()) {
        event->ignore();
        return true;
      }
    }
    return QObject::eventFilter(watched, event);
  }
};

double step_for(const KeySpec& spec, double value) {
  double step = 1.0;
  if (value != 0.0) step = std::pow(10.0, std::floor(std::log10(std::fabs(value))));
  if (spec.range.min && spec.range.max) {
    const double width = spec.range.max->value - spec.range.min->value;
    if (width > 0) step = std::min(step, std::pow(10.0, std::floor(std::log10(width / 10.0))));
  }
  if (spec.kind == KeyKind::kInteger) step = std::max(1.0, std::round(step));
  return step;
}

bool fits_int(const KeySpec& spec) {
  return spec.range.min && spec.range.max && spec.range.min->value >= static_cast<double>(INT_MIN) &&
         spec.range.max->value <= static_cast<double>(INT_MAX);
}

std::string strip_index(const std::string& key_path) {
  const auto bracket = key_path.find('[');
  return bracket == std::string::npos ? key_path : key_path.substr(0, bracket);
}

QString section_header(const std::string& section) {
  return QString::fromStdString(section.empty() ? std::string("Top level") : "[" + section + "]");
}

QString section_title(const std::string& section) {
  for (const scenarios::SectionInfo& s : scenarios::scenario_sections())
    if (s.name == section && !section.empty()) return QString::fromStdString(s.title);
  return {};
}

}  // namespace

const std::vector<std::string>& ParameterPanel::main_knob_paths() {
  static const std::vector<std::string> paths = {
      "auction.reserve",  "auction.slots",     "auction.mechanism", "funnel.prerank_keep", "funnel.rank_keep",
      "model.ctr_model",  "model.calibrator",  "model.recalibrate", "pacing.pacer",        "run.seed",
      "run.days",
  };
  return paths;
}

bool ParameterPanel::is_economics_knob(const std::string& path) {
  // Prefixes, so a key added later to the same family (e.g. another pacing.auto_bid_* knob) joins.
  static const char* const prefixes[] = {
      "world.value_",      "world.cpm_share", "world.cpa_share",        "world.typical_ctr", "world.typical_cvr",
      "world.tcpa_",       "world.troas_",    "model.cvr_",             "model.conversion_", "pacing.auto_bid_",
  };
  for (const char* p : prefixes)
    if (path.rfind(p, 0) == 0) return true;
  return false;
}

bool ParameterPanel::is_main_knob(const std::string& path) {
  const auto& paths = main_knob_paths();
  return std::find(paths.begin(), paths.end(), path) != paths.end();
}

ParameterPanel::ParameterPanel(QWidget* parent) : QWidget(parent) { build(); }

QString ParameterPanel::tooltip_for(const KeySpec& spec) {
  const scenarios::Scenario defaults;
  QString tip = QStringLiteral("<b>%1</b><br>%2<br><br>Type: %3")
                    .arg(QString::fromStdString(spec.path).toHtmlEscaped(),
                         QString::fromStdString(spec.meaning).toHtmlEscaped(),
                         QString::fromStdString(spec.type_description()).toHtmlEscaped());
  if (!spec.unit.empty()) tip += QStringLiteral("<br>Unit: %1").arg(QString::fromStdString(spec.unit).toHtmlEscaped());
  const std::string constraints = spec.constraint_description();
  if (!constraints.empty())
    tip += QStringLiteral("<br>Range: %1").arg(QString::fromStdString(constraints).toHtmlEscaped());
  std::string def = scenarios::render_toml_value(spec.get(defaults));
  if (def.size() > 80) def = def.substr(0, 77) + "...";
  tip += QStringLiteral("<br>Default: <code>%1</code>").arg(QString::fromStdString(def).toHtmlEscaped());
  return tip;
}

void ParameterPanel::build() {
  auto* outer = new QVBoxLayout(this);
  outer->setContentsMargins(4, 4, 4, 4);
  outer->setSpacing(4);
  summary_ = new QLabel(this);
  summary_->setWordWrap(true);
  summary_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  auto* revert = new QPushButton(tr("Revert all knobs to the scenario file"), this);
  revert->setObjectName(QStringLiteral("revertKnobs"));
  connect(revert, &QPushButton::clicked, this, &ParameterPanel::revert_all);

  auto* guard = new WheelGuard(this);
  const auto& schema = scenarios::scenario_schema();
  rows_.reserve(schema.size());

  // Section order: main knobs, then the schema's sections, then any section only keys know of.
  std::vector<std::string> order;
  for (const scenarios::SectionInfo& s : scenarios::scenario_sections()) order.push_back(s.name);
  for (const KeySpec& spec : schema)
    if (std::find(order.begin(), order.end(), spec.section()) == order.end()) order.push_back(spec.section());

  auto add_section = [&](const QString& key, const QString& header, const QString& title,
                         const std::vector<const KeySpec*>& keys, bool mixed_sections = false) {
    if (keys.empty()) return;
    auto* section = new CollapsibleSection(header, this);
    section->setObjectName(QStringLiteral("section_") + key);
    section->setToolTip(title);
    auto* grid = new QGridLayout(section->body());
    grid->setContentsMargins(14, 2, 2, 6);
    grid->setHorizontalSpacing(6);
    grid->setVerticalSpacing(2);
    grid->setColumnStretch(1, 1);
    int r = 0;
    if (!title.isEmpty()) {
      auto* about = new QLabel(title + QLatin1Char('.'), section->body());
      about->setWordWrap(true);
      about->setStyleSheet(QStringLiteral("color: palette(dark); font-style: italic;"));
      grid->addWidget(about, r++, 0, 1, 3);
    }
    std::string last_section = "\x01";
    for (const KeySpec* spec : keys) {
      // A group gathered from several sections says where each run of keys lives in the file.
      if (mixed_sections && spec->section() != last_section) {
        last_section = spec->section();
        auto* from = new QLabel(QStringLiteral("[%1]").arg(QString::fromStdString(last_section)), section->body());
        from->setStyleSheet(QStringLiteral("color: palette(dark); font-weight: bold; margin-top: 4px;"));
        grid->addWidget(from, r++, 0, 1, 3);
      }
      Row row;
      row.spec = spec;
      const QString tip = tooltip_for(*spec);
      // Short names keep the panel narrow; the tooltip names the full key.
      row.label = new QLabel(QString::fromStdString(spec->name()), section->body());
      row.label->setToolTip(tip);
      row.editor = make_editor(row);
      row.editor->setParent(section->body());
      row.editor->setToolTip(tip);
      row.editor->setObjectName(QString::fromStdString(spec->path));
      row.editor->installEventFilter(guard);
      row.editor->setFocusPolicy(Qt::StrongFocus);
      row.editor->setMinimumWidth(70);
      row.editor->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
      auto* unit = new QLabel(QString::fromStdString(spec->unit), section->body());
      unit->setToolTip(tip);
      unit->setStyleSheet(QStringLiteral("color: palette(dark);"));
      unit->setWordWrap(true);
      unit->setMaximumWidth(130);
      row.problem = new QLabel(section->body());
      row.problem->setWordWrap(true);
      row.problem->setStyleSheet(QStringLiteral("color: #c0392b;"));
      row.problem->setVisible(false);
      grid->addWidget(row.label, r, 0);
      grid->addWidget(row.editor, r, 1);
      grid->addWidget(unit, r, 2);
      grid->addWidget(row.problem, r + 1, 0, 1, 3);
      r += 2;
      row_of_[spec->path] = rows_.size();
      rows_.push_back(row);
    }
    sections_[key] = section;
    outer->addWidget(section);
  };

  std::vector<const KeySpec*> main;
  for (const std::string& path : main_knob_paths())
    if (const KeySpec* spec = scenarios::find_key_spec(path)) main.push_back(spec);
  add_section(QStringLiteral("main"), tr("Main knobs"), tr("The knobs the lessons turn; hover a name for its meaning"), main);
  std::vector<const KeySpec*> economics;
  for (const KeySpec& spec : schema)
    if (is_economics_knob(spec.path) && std::find(main.begin(), main.end(), &spec) == main.end()) economics.push_back(&spec);
  add_section(QStringLiteral("economics"), tr("Billing, bidding && conversions"),
              tr("How campaigns pay (CPC / CPM / CPA), how they bid (manual, target CPA, target ROAS), what a "
                 "conversion is worth and how the platform learns pCVR; from [world], [model] and [pacing]"),
              economics, true);
  for (const std::string& name : order) {
    std::vector<const KeySpec*> keys;
    for (const KeySpec& spec : schema)
      if (spec.section() == name && std::find(main.begin(), main.end(), &spec) == main.end() &&
          std::find(economics.begin(), economics.end(), &spec) == economics.end())
        keys.push_back(&spec);
    add_section(QString::fromStdString(name.empty() ? std::string("top") : name), section_header(name), section_title(name),
                keys);
  }
  if (auto it = sections_.find(QStringLiteral("main")); it != sections_.end()) it->second->set_expanded(true);
  outer->addWidget(summary_);
  outer->addWidget(revert);
  outer->addStretch(1);
  set_base(scenarios::Scenario{});
}

QWidget* ParameterPanel::make_editor(Row& row) {
  const KeySpec& spec = *row.spec;
  switch (spec.kind) {
    case KeyKind::kBool: {
      auto* box = new QCheckBox;
      connect(box, &QCheckBox::toggled, this, &ParameterPanel::on_edited);
      return box;
    }
    case KeyKind::kEnum: {
      auto* combo = new QComboBox;
      for (const std::string& v : spec.allowed) combo->addItem(QString::fromStdString(v));
      connect(combo, &QComboBox::currentIndexChanged, this, &ParameterPanel::on_edited);
      return combo;
    }
    case KeyKind::kInteger:
      if (fits_int(spec)) {
        auto* spin = new QSpinBox;
        spin->setRange(static_cast<int>(spec.range.min->value + (spec.range.min->inclusive ? 0 : 1)),
                       static_cast<int>(spec.range.max->value - (spec.range.max->inclusive ? 0 : 1)));
        spin->setKeyboardTracking(false);
        spin->setGroupSeparatorShown(true);
        connect(spin, &QSpinBox::valueChanged, this, &ParameterPanel::on_edited);
        return spin;
      } else {
        auto* edit = new QLineEdit;
        edit->setValidator(new QRegularExpressionValidator(QRegularExpression(QStringLiteral("-?\\d{0,19}")), edit));
        connect(edit, &QLineEdit::editingFinished, this, &ParameterPanel::on_edited);
        return edit;
      }
    case KeyKind::kNumber: {
      auto* spin = new NumberSpinBox;
      spin->setDecimals(12);
      spin->setRange(spec.range.min ? spec.range.min->value : -1e15, spec.range.max ? spec.range.max->value : 1e15);
      spin->setKeyboardTracking(false);
      connect(spin, &QDoubleSpinBox::valueChanged, this, &ParameterPanel::on_edited);
      return spin;
    }
    case KeyKind::kString:
    case KeyKind::kNumberArray: {
      auto* edit = new QLineEdit;
      connect(edit, &QLineEdit::editingFinished, this, &ParameterPanel::on_edited);
      if (spec.kind == KeyKind::kNumberArray) edit->setPlaceholderText(QStringLiteral("[1.0, 0.5, ...]"));
      return edit;
    }
  }
  return new QLabel(tr("(unsupported key type)"));
}

void ParameterPanel::show_value(Row& row, const KeyValue& value) {
  const KeySpec& spec = *row.spec;
  row.base_text = spec.kind == KeyKind::kEnum ? QString::fromStdString(std::get<std::string>(value))
                                              : QString::fromStdString(scenarios::render_toml_value(value));
  switch (spec.kind) {
    case KeyKind::kBool:
      static_cast<QCheckBox*>(row.editor)->setChecked(std::get<bool>(value));
      break;
    case KeyKind::kEnum:
      static_cast<QComboBox*>(row.editor)->setCurrentText(QString::fromStdString(std::get<std::string>(value)));
      break;
    case KeyKind::kInteger:
      if (auto* spin = qobject_cast<QSpinBox*>(row.editor)) {
        spin->setValue(static_cast<int>(std::get<std::int64_t>(value)));
        spin->setSingleStep(static_cast<int>(step_for(spec, static_cast<double>(std::get<std::int64_t>(value)))));
      } else {
        static_cast<QLineEdit*>(row.editor)->setText(QString::number(std::get<std::int64_t>(value)));
      }
      break;
    case KeyKind::kNumber: {
      auto* spin = static_cast<NumberSpinBox*>(row.editor);
      spin->setValue(std::get<double>(value));
      spin->setSingleStep(step_for(spec, std::get<double>(value)));
      break;
    }
    case KeyKind::kString:
      static_cast<QLineEdit*>(row.editor)->setText(QString::fromStdString(std::get<std::string>(value)));
      static_cast<QLineEdit*>(row.editor)->setCursorPosition(0);
      break;
    case KeyKind::kNumberArray:
      static_cast<QLineEdit*>(row.editor)->setText(row.base_text);
      static_cast<QLineEdit*>(row.editor)->setCursorPosition(0);
      break;
  }
}

QString ParameterPanel::current_text(const Row& row) const {
  const KeySpec& spec = *row.spec;
  switch (spec.kind) {
    case KeyKind::kBool:
      return static_cast<QCheckBox*>(row.editor)->isChecked() ? QStringLiteral("true") : QStringLiteral("false");
    case KeyKind::kEnum:
      // A bare word, as people write enum overrides on the command line (`--set pacing.pacer=pid`).
      return static_cast<QComboBox*>(row.editor)->currentText();
    case KeyKind::kInteger:
      if (auto* spin = qobject_cast<QSpinBox*>(row.editor)) return QString::number(spin->value());
      return static_cast<QLineEdit*>(row.editor)->text().trimmed();
    case KeyKind::kNumber: {
      const double v = static_cast<NumberSpinBox*>(row.editor)->value();
      // Unchanged if the spin box merely rounded the base value.
      const double base = row.base_text.toDouble();
      if (std::fabs(v - base) <= 1e-12 * std::max(1.0, std::fabs(base))) return row.base_text;
      return QString::fromStdString(scenarios::render_toml_value(v));
    }
    case KeyKind::kString:
      return QString::fromStdString(
          scenarios::render_toml_value(static_cast<QLineEdit*>(row.editor)->text().toStdString()));
    case KeyKind::kNumberArray:
      return static_cast<QLineEdit*>(row.editor)->text().trimmed();
  }
  return row.base_text;
}

void ParameterPanel::set_base(const scenarios::Scenario& base) {
  base_ = base;
  loading_ = true;
  const scenarios::Scenario defaults;
  bool economics_used = false;
  for (Row& row : rows_) {
    const KeyValue value = row.spec->get(base_);
    show_value(row, value);
    if (is_economics_knob(row.spec->path) &&
        scenarios::render_toml_value(value) != scenarios::render_toml_value(row.spec->get(defaults)))
      economics_used = true;
  }
  // A scenario about conversion economics (it sets some of these keys) opens their group.
  if (auto it = sections_.find(QStringLiteral("economics")); it != sections_.end() && economics_used)
    it->second->set_expanded(true);
  loading_ = false;
  revalidate();
}

void ParameterPanel::revert_all() { set_base(scenarios::Scenario(base_)); }

std::vector<std::string> ParameterPanel::overrides() const {
  std::vector<std::string> out;
  for (const KeySpec& spec : scenarios::scenario_schema()) {
    const auto it = row_of_.find(spec.path);
    if (it == row_of_.end()) continue;
    const Row& row = rows_[it->second];
    const QString text = current_text(row);
    if (text != row.base_text) out.push_back(spec.path + "=" + text.toStdString());
  }
  return out;
}

void ParameterPanel::on_edited() {
  if (loading_) return;
  revalidate();
}

void ParameterPanel::revalidate() {
  const std::vector<std::string> list = overrides();
  std::map<std::string, QStringList> by_key;
  QStringList all;
  effective_.reset();
  try {
    effective_ = scenarios::apply_overrides(base_, list);
  } catch (const scenarios::ScenarioError& e) {
    for (const scenarios::Diagnostic& d : e.diagnostics()) {
      by_key[strip_index(d.key_path)] << QString::fromStdString(d.message);
      all << QString::fromStdString(scenarios::format_diagnostic(d));
    }
  }
  problems_ = all.join(QLatin1Char('\n'));
  std::set<std::string> modified;
  for (const std::string& o : list) modified.insert(o.substr(0, o.find('=')));
  for (Row& row : rows_) {
    const auto it = by_key.find(row.spec->path);
    const bool bad = it != by_key.end();
    row.problem->setVisible(bad);
    row.problem->setText(bad ? it->second.join(QLatin1Char('\n')) : QString());
    QFont f = row.label->font();
    f.setBold(modified.count(row.spec->path) > 0);
    row.label->setFont(f);
    row.label->setStyleSheet(bad ? QStringLiteral("color: #c0392b;") : QString());
  }
  if (!problems_.isEmpty()) {
    summary_->setStyleSheet(QStringLiteral("color: #c0392b;"));
    summary_->setText(tr("Invalid knobs — fix them to run:\n") + problems_);
    // A problem inside a folded section must not go unseen.
    for (auto& [name, section] : sections_) {
      for (const Row& row : rows_)
        if (by_key.count(row.spec->path) && section->isAncestorOf(row.editor)) section->set_expanded(true);
    }
  } else {
    summary_->setStyleSheet(QString());
    summary_->setText(list.empty() ? tr("No knob changed: the scenario runs as written in its file.")
                                   : tr("%n knob(s) changed (bold).", nullptr, static_cast<int>(list.size())));
  }
  Q_EMIT changed();
}

bool ParameterPanel::set_value(const std::string& path, const QString& toml_value) {
  const auto it = row_of_.find(path);
  if (it == row_of_.end()) return false;
  Row& row = rows_[it->second];
  const QString v = toml_value.trimmed();
  switch (row.spec->kind) {
    case KeyKind::kBool:
      if (v != QLatin1String("true") && v != QLatin1String("false")) return false;
      static_cast<QCheckBox*>(row.editor)->setChecked(v == QLatin1String("true"));
      break;
    case KeyKind::kEnum: {
      QString bare = v;
      if (bare.size() >= 2 && bare.startsWith(QLatin1Char('"')) && bare.endsWith(QLatin1Char('"'))) bare = bare.mid(1, bare.size() - 2);
      auto* combo = static_cast<QComboBox*>(row.editor);
      const int index = combo->findText(bare);
      if (index < 0) return false;
      combo->setCurrentIndex(index);
      break;
    }
    case KeyKind::kInteger: {
      bool ok = false;
      const qlonglong n = v.toLongLong(&ok);
      if (!ok) return false;
      if (auto* spin = qobject_cast<QSpinBox*>(row.editor)) {
        if (n < spin->minimum() || n > spin->maximum()) return false;
        spin->setValue(static_cast<int>(n));
      } else {
        static_cast<QLineEdit*>(row.editor)->setText(v);
        on_edited();
      }
      break;
    }
    case KeyKind::kNumber: {
      bool ok = false;
      const double d = v.toDouble(&ok);
      auto* spin = static_cast<NumberSpinBox*>(row.editor);
      if (!ok || d < spin->minimum() || d > spin->maximum()) return false;
      spin->setValue(d);
      break;
    }
    case KeyKind::kString: {
      QString bare = v;
      if (bare.size() >= 2 && bare.startsWith(QLatin1Char('"')) && bare.endsWith(QLatin1Char('"'))) bare = bare.mid(1, bare.size() - 2);
      static_cast<QLineEdit*>(row.editor)->setText(bare);
      on_edited();
      break;
    }
    case KeyKind::kNumberArray:
      static_cast<QLineEdit*>(row.editor)->setText(v);
      on_edited();
      break;
  }
  return true;
}

QWidget* ParameterPanel::editor(const std::string& path) const {
  const auto it = row_of_.find(path);
  return it == row_of_.end() ? nullptr : rows_[it->second].editor;
}

QString ParameterPanel::inline_problem(const std::string& path) const {
  const auto it = row_of_.find(path);
  if (it == row_of_.end()) return {};
  const Row& row = rows_[it->second];
  return row.problem->isVisibleTo(row.problem->parentWidget()) ? row.problem->text() : QString();
}

CollapsibleSection* ParameterPanel::section(const QString& name) const {
  const auto it = sections_.find(name);
  return it == sections_.end() ? nullptr : it->second;
}

}  // namespace adsim::gui
