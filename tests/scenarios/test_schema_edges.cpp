// The schema's own table drives these tests: for every numeric key (and every element of a numeric
// array), each bound is accepted or rejected exactly as its range says, closed or open, and one
// step beyond it is rejected by the loader with file:line and the key. A key added to the schema is
// covered without a line here.
#include <gtest/gtest.h>

#include <cmath>
#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "scenarios/scenario_loader.hpp"
#include "scenarios/scenario_schema.hpp"

namespace adsim::scenarios {
namespace {

// The smallest step from `bound` in direction `dir` (+1 up, -1 down) for the key's kind.
double step(const KeySpec& spec, double bound, int dir) {
  if (spec.kind == KeyKind::kInteger) return bound + dir;
  return std::nextafter(bound, dir > 0 ? std::numeric_limits<double>::infinity()
                                       : -std::numeric_limits<double>::infinity());
}

bool representable(const KeySpec& spec, double v) {
  if (!std::isfinite(v)) return false;
  if (spec.kind != KeyKind::kInteger) return true;
  return v == std::floor(v) && std::abs(v) < 9.0e18;
}

// A value for the element at fault, inside the range: used for the other entries of an array.
double inside(const Range& r) {
  if (r.min && r.max) return r.min->value + (r.max->value - r.min->value) / 2;
  if (r.min) return r.min->value + 1;
  if (r.max) return r.max->value - 1;
  return 1;
}

// The key's value with `v` in it: the number itself, or an array whose last entry is `v`.
KeyValue value_of(const KeySpec& spec, double v) {
  if (spec.kind == KeyKind::kInteger) return static_cast<std::int64_t>(v);
  if (spec.kind == KeyKind::kNumber) return v;
  // Weights must not all be zero: give the entry at fault a nonzero companion.
  const std::size_t n = std::min(spec.max_length, std::max<std::size_t>(spec.min_length, spec.positive_sum ? 2 : 1));
  std::vector<double> a(n, inside(spec.range));
  a.back() = v;
  return a;
}

std::string toml_of(const KeySpec& spec, const KeyValue& value) {
  const std::string section = spec.section();
  return (section.empty() ? std::string() : "[" + section + "]\n") + spec.name() + " = " + render_toml_value(value) + "\n";
}

bool numeric(const KeySpec& spec) {
  return spec.kind == KeyKind::kInteger || spec.kind == KeyKind::kNumber || spec.kind == KeyKind::kNumberArray;
}

// The loader's first diagnostic for `text`, or none when it loads.
std::optional<Diagnostic> load_error(const std::string& text) {
  try {
    parse_scenario(text, "edge.toml");
  } catch (const ScenarioError& e) {
    return e.diagnostics().front();
  }
  return std::nullopt;
}

struct Edge {
  double value;
  bool valid;
  const char* what;
};

// The values to try at each bound: the bound itself, one step inside, one step beyond.
std::vector<Edge> edges_of(const KeySpec& spec) {
  std::vector<Edge> out;
  if (spec.range.min) {
    const Bound b = *spec.range.min;
    out.push_back({b.value, b.inclusive, "the minimum"});
    out.push_back({step(spec, b.value, +1), true, "one step above the minimum"});
    out.push_back({step(spec, b.value, -1), false, "one step below the minimum"});
  }
  if (spec.range.max) {
    const Bound b = *spec.range.max;
    out.push_back({b.value, b.inclusive, "the maximum"});
    out.push_back({step(spec, b.value, -1), true, "one step below the maximum"});
    out.push_back({step(spec, b.value, +1), false, "one step above the maximum"});
  }
  std::erase_if(out, [&](const Edge& e) { return !representable(spec, e.value); });
  return out;
}

TEST(ScenarioSchemaEdges, EveryNumericBoundIsAcceptedOrRejectedAsItsRangeSays) {
  std::size_t keys = 0, checks = 0;
  for (const KeySpec& spec : scenario_schema()) {
    if (!numeric(spec) || (!spec.range.min && !spec.range.max)) continue;
    ++keys;
    for (const Edge& e : edges_of(spec)) {
      ++checks;
      const KeyValue value = value_of(spec, e.value);
      const bool accepted = spec.problems(value).empty();
      EXPECT_EQ(accepted, e.valid) << spec.path << " = " << render_toml_value(value) << " (" << e.what << " of "
                                   << spec.range.describe() << ")";
    }
  }
  // Every numeric key but the few without a range has one (guards against the loop seeing nothing).
  EXPECT_GT(keys, 100u);
  EXPECT_GT(checks, 4 * keys);
}

// Rejected values through the loader, as a user meets them: the file, the line of the key, the key
// path, and the allowed range in the message.
TEST(ScenarioSchemaEdges, ValuesBeyondABoundAreRejectedAtTheirLineWithTheRange) {
  std::size_t rejected = 0;
  for (const KeySpec& spec : scenario_schema()) {
    if (!numeric(spec)) continue;
    for (const Edge& e : edges_of(spec)) {
      if (e.valid) continue;
      ++rejected;
      const KeyValue value = value_of(spec, e.value);
      const std::string text = toml_of(spec, value);
      const std::optional<Diagnostic> d = load_error(text);
      ASSERT_TRUE(d.has_value()) << "accepted:\n" << text;
      EXPECT_EQ(d->file, "edge.toml") << text;
      EXPECT_EQ(d->line, spec.section().empty() ? 1 : 2) << text;
      // An array's diagnostic names the entry at fault: the last one here.
      const std::string blamed = spec.kind == KeyKind::kNumberArray
                                     ? spec.path + "[" + std::to_string(std::get<std::vector<double>>(value).size() - 1) + "]"
                                     : spec.path;
      EXPECT_EQ(d->key_path, blamed) << text;
      EXPECT_NE(d->message.find(spec.range.describe()), std::string::npos)
          << spec.path << ": '" << d->message << "' does not say " << spec.range.describe();
    }
  }
  EXPECT_GT(rejected, 150u);
}

}  // namespace
}  // namespace adsim::scenarios
