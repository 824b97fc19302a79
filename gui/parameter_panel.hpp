#pragma once
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <QString>
#include <QWidget>

#include "scenarios/scenario.hpp"
#include "scenarios/scenario_schema.hpp"

class QLabel;
class QVBoxLayout;

namespace adsim::gui {

class CollapsibleSection;

// Every key of the scenario schema as a widget with its unit, range and meaning (from
// scenario_schema(), so keys other engineers add appear without a change here), grouped by section
// in collapsible groups, with the knobs people turn most in a "Main knobs" group on top and the
// conversion-economics keys of several sections in a group of their own below it.
//
// The panel holds a base scenario (the loaded file). A widget changed away from the base produces
// an override "key=value"; the overrides are applied with scenarios::apply_overrides(), the same
// validation as `adsim --set`, and problems are shown under the widget they concern.
class ParameterPanel : public QWidget {
  Q_OBJECT
 public:
  // The keys shown in "Main knobs", in this order; keys the schema does not have are skipped.
  static const std::vector<std::string>& main_knob_paths();
  static bool is_main_knob(const std::string& path);
  // Keys of conversion economics (billing, auto-bidding, value, pCVR), gathered from [world],
  // [model] and [pacing] into their own group "Billing, bidding & conversions".
  static bool is_economics_knob(const std::string& path);

  explicit ParameterPanel(QWidget* parent = nullptr);

  // Shows `base` in every widget and drops all overrides.
  void set_base(const scenarios::Scenario& base);
  const scenarios::Scenario& base() const { return base_; }

  // "key=value" for every widget that differs from the base, in schema order.
  std::vector<std::string> overrides() const;
  // The base with the overrides applied; empty while some override is invalid.
  const std::optional<scenarios::Scenario>& effective() const { return effective_; }
  // Every problem of the current overrides, one formatted diagnostic a line ("" when valid).
  const QString& problems() const { return problems_; }

  // Sets a key as if the user had typed `toml_value` into its widget (tests, the compare panel).
  // Returns false if the key has no widget or the text does not fit the widget.
  bool set_value(const std::string& path, const QString& toml_value);
  // Reverts every widget to the base.
  void revert_all();

  QWidget* editor(const std::string& path) const;
  QString inline_problem(const std::string& path) const;
  CollapsibleSection* section(const QString& name) const;

 Q_SIGNALS:
  // The overrides or their validity changed.
  void changed();

 private:
  struct Row {
    const scenarios::KeySpec* spec = nullptr;
    QWidget* editor = nullptr;
    QLabel* label = nullptr;
    QLabel* problem = nullptr;
    QString base_text;  // the base value as TOML
  };

  void build();
  QWidget* make_editor(Row& row);
  void show_value(Row& row, const scenarios::KeyValue& value);
  QString current_text(const Row& row) const;
  void on_edited();
  void revalidate();
  static QString tooltip_for(const scenarios::KeySpec& spec);

  scenarios::Scenario base_;
  std::optional<scenarios::Scenario> effective_;
  QString problems_;
  std::vector<Row> rows_;
  std::map<std::string, std::size_t> row_of_;
  std::map<QString, CollapsibleSection*> sections_;
  QLabel* summary_ = nullptr;
  bool loading_ = false;
};

}  // namespace adsim::gui
