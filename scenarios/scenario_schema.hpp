#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "scenarios/scenario.hpp"

namespace adsim::scenarios {

// The schema of scenario files: one KeySpec per TOML key, each bound to a field of Scenario.
// The loader, the validator, the TOML writer and the reference document are all driven by this
// table, so a new knob is one entry in scenario_schema.cpp.

enum class KeyKind {
  kInteger,      // a TOML integer (1.5 is rejected)
  kNumber,       // a TOML integer or float
  kBool,         // a TOML boolean
  kString,       // a TOML string
  kEnum,         // a TOML string from a fixed list
  kNumberArray,  // a TOML array of integers or floats
};

// A value as the schema sees it: integers as int64, numbers as double.
using KeyValue = std::variant<bool, std::int64_t, double, std::string, std::vector<double>>;

struct Bound {
  double value = 0.0;
  bool inclusive = true;
};

// The allowed values of a number (or of each element of a number array). Unset: unbounded.
struct Range {
  std::optional<Bound> min;
  std::optional<Bound> max;

  bool contains(double v) const;
  // "[1, 50000000]", "(0, 1]", ">= 0", "> 0", "any" (integers rendered without a decimal point).
  std::string describe() const;
};

struct KeyProblem {
  std::optional<std::size_t> element;  // the array entry at fault; none: the value as a whole
  std::string message;
};

struct KeySpec {
  std::string path;     // "world.users": section path, a dot, the key name; "name" at top level
  KeyKind kind = KeyKind::kNumber;
  std::string unit;     // "users", "currency units per click", "probability"; "" when none
  std::string meaning;  // one sentence for the reference document
  Range range;          // numbers and integers; for arrays, each element
  std::size_t min_length = 0;  // arrays: entries; strings: characters
  std::size_t max_length = std::numeric_limits<std::size_t>::max();
  bool positive_sum = false;         // arrays of weights: entries must not all be zero
  std::vector<std::string> allowed;  // kEnum
  std::function<KeyValue(const Scenario&)> get;
  std::function<void(Scenario&, const KeyValue&)> set;  // the value must already be valid

  std::string section() const;  // "world"; "" at top level
  std::string name() const;     // "users"
  // "integer", "number", "array of 24 numbers", "one of gsp, vcg, first_price", ...
  std::string type_description() const;
  // The constraints in words: range, lengths, allowed values ("[1, 16]; each in [0, 1]").
  std::string constraint_description() const;
  // Why `value` (of this key's kind) is invalid; empty when it is valid. Lists every problem (each
  // bad array element separately), so the loader reports them all.
  std::vector<KeyProblem> problems(const KeyValue& value) const;
};

// A rule over several keys, checked after every key is individually valid.
struct CrossFieldRule {
  std::vector<std::string> keys;  // the keys involved; the first is blamed when none was set
  std::string description;        // for the reference document
  std::function<std::optional<std::string>(const Scenario&)> check;  // the problem, if any
};

struct SectionInfo {
  std::string name;  // "" for the top level
  std::string title;
};

// The schema, in document order. Built once; immutable.
const std::vector<KeySpec>& scenario_schema();
const std::vector<CrossFieldRule>& scenario_cross_field_rules();
const std::vector<SectionInfo>& scenario_sections();
const KeySpec* find_key_spec(std::string_view path);
// Every key path, in schema order (for "did you mean").
const std::vector<std::string>& scenario_key_paths();

// Cross-field problems of a scenario: pairs of (rule, message).
std::vector<std::pair<const CrossFieldRule*, std::string>> cross_field_problems(const Scenario& scenario);

// TOML text for one value: 1.0 for a number even when integral; strings quoted and escaped.
std::string render_toml_value(const KeyValue& value);
// Shortest text that reads back as the same double; integral values without a decimal point.
std::string format_number(double value);
// Every key of `scenario` as a TOML document that parse_scenario() reads back to equal values.
std::string render_scenario_toml(const Scenario& scenario);
// The reference document of every key and every cross-field rule (docs/scenario-reference.md).
std::string scenario_reference_markdown();

const char* key_kind_name(KeyKind kind);

}  // namespace adsim::scenarios
