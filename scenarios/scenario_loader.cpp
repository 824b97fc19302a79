#include "auction/value_distribution.hpp"
#include "scenarios/auction_only_run.hpp"
#include "scenarios/scenario_loader.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cerrno>
#include <system_error>
#include <fstream>
#include <optional>
#include <sstream>
#include <tuple>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include <toml++/toml.h>

#include "scenarios/did_you_mean.hpp"
#include "scenarios/experiment_spec.hpp"
#include "scenarios/scenario_schema.hpp"

namespace adsim::scenarios {
namespace {

// Whether `text` is well-formed UTF-8 (no overlong forms, surrogates or code points past U+10FFFF),
// as TOML requires of every string: a bare --set word is kept as typed, so it is checked here.
bool valid_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    std::size_t n = 0;
    std::uint32_t cp = 0;
    if (c < 0x80) n = 1, cp = c;
    else if ((c & 0xE0) == 0xC0) n = 2, cp = c & 0x1Fu;
    else if ((c & 0xF0) == 0xE0) n = 3, cp = c & 0x0Fu;
    else if ((c & 0xF8) == 0xF0) n = 4, cp = c & 0x07u;
    else return false;
    if (i + n > text.size()) return false;
    for (std::size_t k = 1; k < n; ++k) {
      const auto cont = static_cast<unsigned char>(text[i + k]);
      if ((cont & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cont & 0x3Fu);
    }
    constexpr std::uint32_t kSmallest[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kSmallest[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n;
  }
  return true;
}

constexpr const char* kOverrideFile = "--set";
constexpr const char* kReferenceDoc = "docs/scenario-reference.md";

// Where a value came from. source 0 is the file, 1.. the overrides in order, so that comparing
// (source, line, column) tells which of two keys was set last.
struct Origin {
  int source = 0;
  int line = 0;
  int column = 0;
};

// Maps positions in a parsed TOML text to positions the user sees. For the file this is the
// identity; an override "key=value" is parsed as "v = value", so its columns shift into the argument.
struct PositionMap {
  int source = 0;
  int column_shift = 0;  // added to columns on line 1
  bool single_line = false;

  Origin origin(const toml::source_region& region) const {
    int line = static_cast<int>(region.begin.line);
    int column = static_cast<int>(region.begin.column);
    if (single_line) {
      column = line == 1 ? column + column_shift : 1 + column_shift + 4;  // multi-line value: its start
      line = 1;
    }
    return {source, line, column};
  }
};

// The keys of a [[auction_only.bidder]] table.
const std::vector<std::string> kBidderKeys = {"name",       "value",    "values",      "value_low",    "value_high",
                                              "value_mean", "value_mu", "value_sigma", "value_points", "bid",
                                              "strategy",   "shading",  "ctr",         "quality",      "budget"};

std::string join(const std::vector<std::string>& words) {
  std::string out;
  for (const std::string& w : words) out += (out.empty() ? "" : ", ") + w;
  return out;
}

bool is_section(std::string_view path) {
  for (const std::string& key : scenario_key_paths()) {
    if (key.size() > path.size() && key.compare(0, path.size(), path) == 0 && key[path.size()] == '.') return true;
  }
  return false;
}

std::vector<std::string> section_paths() {
  std::vector<std::string> out;
  for (const std::string& key : scenario_key_paths()) {
    for (auto dot = key.find('.'); dot != std::string::npos; dot = key.find('.', dot + 1)) {
      std::string section = key.substr(0, dot);
      if (std::find(out.begin(), out.end(), section) == out.end()) out.push_back(std::move(section));
    }
  }
  return out;
}

std::string describe_node(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string (\"" + node.as_string()->get() + "\")";
    case toml::node_type::integer: return "an integer (" + std::to_string(node.as_integer()->get()) + ")";
    case toml::node_type::floating_point:
      return "a floating-point number (" + format_number(node.as_floating_point()->get()) + ")";
    case toml::node_type::boolean: return node.as_boolean()->get() ? "a boolean (true)" : "a boolean (false)";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    case toml::node_type::none: break;
  }
  return "nothing";
}

std::string expected_for(KeyKind kind) {
  switch (kind) {
    case KeyKind::kInteger: return "expected an integer";
    case KeyKind::kNumber: return "expected a number";
    case KeyKind::kBool: return "expected a boolean (true or false)";
    case KeyKind::kString: return "expected a string";
    case KeyKind::kEnum: return "expected a string";
    case KeyKind::kNumberArray: return "expected an array of numbers";
  }
  return "expected a value";
}

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t");
  return s.substr(first, last - first + 1);
}

std::string suggestion_suffix(std::optional<std::string> guess) {
  return guess ? " — did you mean '" + *guess + "'?" : std::string{};
}

class Loader {
 public:
  Loader(Scenario& scenario, std::string file) : scenario_(scenario), file_(std::move(file)) {}

  void load_document(std::string_view text) {
    const std::string& file = file_;
    const std::size_t first = diagnostics_.size();
    try {
      const toml::table root = toml::parse(text, std::string_view{file});
      walk(root, "", PositionMap{0, 0, false});
    } catch (const toml::parse_error& e) {
      const auto& begin = e.source().begin;
      diagnostics_.push_back(
          {file, static_cast<int>(begin.line), static_cast<int>(begin.column), "", std::string(e.description())});
    }
    std::stable_sort(diagnostics_.begin() + static_cast<std::ptrdiff_t>(first), diagnostics_.end(),
                     [](const Diagnostic& a, const Diagnostic& b) {
                       return std::tie(a.line, a.column) < std::tie(b.line, b.column);
                     });
  }

  void report_unreadable(std::string message) { diagnostics_.push_back({file_, 0, 0, "", std::move(message)}); }

  void apply_override(std::string_view argument, int source) {
    const std::string arg(argument);
    const auto eq = argument.find('=');
    if (eq == std::string_view::npos) {
      add({source, 1, 1}, "", "malformed override '" + arg + "': expected key.path=value");
      return;
    }
    const std::string_view raw_key = argument.substr(0, eq);
    const std::string key(trim(raw_key));
    if (key.empty()) {
      add({source, 1, 1}, "", "malformed override '" + arg + "': missing key before '='");
      return;
    }
    const Origin key_origin{source, 1, static_cast<int>(raw_key.find_first_not_of(" \t")) + 1};
    if (key.rfind("auction_only.bidder[", 0) == 0) {
      const std::string_view raw_value = argument.substr(eq + 1);
      const auto lead = raw_value.find_first_not_of(" \t");
      const int value_column = static_cast<int>(eq + 1 + (lead == std::string_view::npos ? 0 : lead)) + 1;
      apply_bidder_override(key, trim(raw_value), key_origin, value_column);
      return;
    }
    const KeySpec* spec = find_key_spec(key);
    if (spec == nullptr) {
      if (is_section(key)) {
        add(key_origin, key, "'" + key + "' is a section, not a key: set one of its keys, e.g. --set " +
                                 first_key_of(key) + "=...");
      } else {
        report_unknown(key_origin, key, false);
      }
      return;
    }

    const std::string_view raw_value = argument.substr(eq + 1);
    const auto lead = raw_value.find_first_not_of(" \t");
    const std::string_view value_text = trim(raw_value);
    const int value_column = static_cast<int>(eq + 1 + (lead == std::string_view::npos ? 0 : lead)) + 1;
    const Origin value_origin{source, 1, value_column};
    const bool textual = spec->kind == KeyKind::kString || spec->kind == KeyKind::kEnum;
    if (value_text.empty() && !textual) {
      add(value_origin, key, "missing value after '='");
      return;
    }

    // "v = " puts the value at column 5; shift columns so they point into the argument.
    const PositionMap map{source, value_column - 5, true};
    std::optional<KeyValue> value;
    toml::table parsed;
    const toml::node* node = nullptr;
    try {
      parsed = toml::parse("v = " + std::string(value_text), std::string_view{kOverrideFile});
      node = parsed.get("v");
      if (parsed.size() != 1 || node == nullptr) {
        add(value_origin, key, "expected a single value, got '" + std::string(value_text) + "'");
        return;
      }
      if (textual && !node->is_string()) {
        if (!valid_utf8(value_text)) return add(value_origin, key, "the value is not valid UTF-8");
        value = std::string(value_text);  // a bare word or number given for a string key
      } else {
        value = convert(*spec, *node, key, map);
      }
    } catch (const toml::parse_error& e) {
      if (textual) {
        if (!valid_utf8(value_text)) return add(value_origin, key, "the value is not valid UTF-8");
        value = std::string(value_text);  // --set auction.mechanism=vcg
      } else {
        add(map.origin(e.source()), key, "invalid value '" + std::string(value_text) + "': " +
                                             std::string(e.description()));
        return;
      }
    }
    if (value) assign(*spec, *value, key, value_origin, node, map);
  }

  void check_cross_fields() {
    check_bidder_count();
    for (const auto& [rule, message] : cross_field_problems(scenario_)) {
      const bool involves_bad_key = std::any_of(rule->keys.begin(), rule->keys.end(), [&](const std::string& k) {
        return failed_keys_.count(k) > 0;
      });
      if (involves_bad_key) continue;  // fix the key first; its old value would mislead here
      // Blame the key the user set last: that is the one that broke the rule.
      const std::string* blamed = &rule->keys.front();
      std::optional<Origin> where;
      for (const std::string& k : rule->keys) {
        const auto it = origins_.find(k);
        if (it == origins_.end()) continue;
        const Origin& o = it->second;
        if (!where || std::tie(o.source, o.line, o.column) > std::tie(where->source, where->line, where->column)) {
          where = o;
          blamed = &k;
        }
      }
      add(where.value_or(Origin{0, 0, 0}), *blamed, message);
    }
  }

  std::vector<Diagnostic> take() { return std::move(diagnostics_); }

  // Where overrides 1, 2, ... were written (a study's settings), with the column of each one's value
  // in its override text; overrides without a place are reported as --set.
  void set_places(std::vector<Place> places, std::vector<int> value_columns) {
    places_ = std::move(places);
    value_columns_ = std::move(value_columns);
  }

 private:
  void add(const Origin& origin, std::string key_path, std::string message) {
    const auto index = static_cast<std::size_t>(origin.source - 1);
    if (origin.source > 0 && index < places_.size() && !places_[index].file.empty()) {
      // Columns inside the override text map onto the value as it was written.
      const Place& p = places_[index];
      const int column = p.column + std::max(0, origin.column - value_columns_[index]);
      diagnostics_.push_back({p.file, p.line, p.line > 0 ? column : 0, std::move(key_path), std::move(message)});
      return;
    }
    diagnostics_.push_back({origin.source == 0 ? file_ : std::string(kOverrideFile), origin.line, origin.column,
                            std::move(key_path), std::move(message)});
  }

  static std::string first_key_of(const std::string& section) {
    for (const std::string& key : scenario_key_paths()) {
      if (key.compare(0, section.size() + 1, section + ".") == 0) return key;
    }
    return section;
  }

  void report_unknown(const Origin& origin, const std::string& path, bool is_table) {
    std::optional<std::string> guess;
    if (is_table) {
      static const std::vector<std::string> sections = section_paths();
      guess = suggest_key_path(path, sections);
    }
    if (!guess) guess = suggest_key_path(path, scenario_key_paths());
    std::string message = std::string(is_table ? "unknown section '" : "unknown key '") + path + "'";
    if (guess) {
      message += suggestion_suffix(guess);
    } else {
      message += std::string(" (the keys are listed in ") + kReferenceDoc + ")";
    }
    add(origin, path, std::move(message));
  }

  void walk(const toml::table& table, const std::string& prefix, const PositionMap& map) {
    // toml++ iterates keys alphabetically; visit them in document order so reports read top-down.
    std::vector<std::pair<const toml::key*, const toml::node*>> entries;
    for (auto&& [key, node] : table) entries.emplace_back(&key, &node);
    std::sort(entries.begin(), entries.end(),
              [](const auto& a, const auto& b) { return a.first->source().begin < b.first->source().begin; });
    for (const auto& [key, node] : entries) {
      const std::string path = prefix.empty() ? std::string(key->str()) : prefix + "." + std::string(key->str());
      const Origin key_origin = map.origin(key->source());
      if (path == "experiment" && map.source == 0) {
        read_experiment(*node, key_origin, map);
      } else if (path == "auction_only.bidder") {  // only files are walked; --set has apply_bidder_override
        read_array_of_tables(*node, path, map, [&](const toml::table& t, const std::string& item) { read_bidder(t, item, map); });
      } else if (const KeySpec* spec = find_key_spec(path)) {
        if (auto value = convert(*spec, *node, path, map)) {
          assign(*spec, *value, path, map.origin(node->source()), node, map);
        } else {
          failed_keys_.insert(path);
        }
      } else if (is_section(path)) {
        if (const toml::table* section = node->as_table()) {
          walk(*section, path, map);
        } else {
          add(key_origin, path, "'" + path + "' is a section: expected a table like [" + path + "], got " +
                                    describe_node(*node));
        }
      } else {
        report_unknown(key_origin, path, node->is_table());
      }
    }
  }

  // The node as a value of the key's kind, or nothing (with diagnostics) when its type is wrong.
  std::optional<KeyValue> convert(const KeySpec& spec, const toml::node& node, const std::string& path,
                                  const PositionMap& map) {
    const Origin at = map.origin(node.source());
    auto wrong_type = [&]() -> std::optional<KeyValue> {
      std::string message = expected_for(spec.kind) + ", got " + describe_node(node);
      if (spec.kind == KeyKind::kInteger && node.is_floating_point()) {
        message += "; integer keys take whole numbers written without a decimal point";
      }
      add(at, path, std::move(message));
      return std::nullopt;
    };
    switch (spec.kind) {
      case KeyKind::kInteger:
        if (!node.is_integer()) return wrong_type();
        return KeyValue{node.as_integer()->get()};
      case KeyKind::kNumber:
        if (node.is_integer()) return KeyValue{static_cast<double>(node.as_integer()->get())};
        if (node.is_floating_point()) return KeyValue{node.as_floating_point()->get()};
        return wrong_type();
      case KeyKind::kBool:
        if (!node.is_boolean()) return wrong_type();
        return KeyValue{node.as_boolean()->get()};
      case KeyKind::kString:
      case KeyKind::kEnum:
        if (!node.is_string()) return wrong_type();
        return KeyValue{node.as_string()->get()};
      case KeyKind::kNumberArray: {
        const toml::array* array = node.as_array();
        if (array == nullptr) return wrong_type();
        std::vector<double> values;
        bool ok = true;
        for (std::size_t i = 0; i < array->size(); ++i) {
          const toml::node& element = *array->get(i);
          if (element.is_integer()) {
            values.push_back(static_cast<double>(element.as_integer()->get()));
          } else if (element.is_floating_point()) {
            values.push_back(element.as_floating_point()->get());
          } else {
            add(map.origin(element.source()), path + "[" + std::to_string(i) + "]",
                "expected a number, got " + describe_node(element));
            ok = false;
          }
        }
        if (!ok) return std::nullopt;
        return KeyValue{std::move(values)};
      }
    }
    return std::nullopt;
  }

  // Checks the value against the key's constraints; sets it only when valid. `node` (may be null
  // for bare-word overrides) places problems with single array entries.
  void assign(const KeySpec& spec, const KeyValue& value, const std::string& path, const Origin& at,
              const toml::node* node, const PositionMap& map) {
    const std::vector<KeyProblem> problems = spec.problems(value);
    if (problems.empty()) {
      spec.set(scenario_, value);
      origins_[path] = at;
      failed_keys_.erase(path);  // a later override may fix what the file got wrong
      return;
    }
    failed_keys_.insert(path);
    const toml::array* array = node != nullptr ? node->as_array() : nullptr;
    for (const KeyProblem& problem : problems) {
      if (problem.element && array != nullptr && *problem.element < array->size()) {
        add(map.origin(array->get(*problem.element)->source()), path + "[" + std::to_string(*problem.element) + "]",
            problem.message);
      } else {
        add(at, path, problem.message);
      }
    }
  }

  // --- [experiment]: read into scenario_.experiment; its values are checked, never applied.

  Place place_of(const toml::node& node, const PositionMap& map) const {
    const Origin o = map.origin(node.source());
    return Place{file_, o.line, o.column};
  }

  // Entries of a table in document order (toml++ iterates alphabetically).
  static std::vector<std::pair<const toml::key*, const toml::node*>> in_order(const toml::table& table) {
    std::vector<std::pair<const toml::key*, const toml::node*>> entries;
    for (auto&& [key, node] : table) entries.emplace_back(&key, &node);
    std::sort(entries.begin(), entries.end(),
              [](const auto& a, const auto& b) { return a.first->source().begin < b.first->source().begin; });
    return entries;
  }

  // The value of a scenario key as TOML text, if it is valid for the key; else diagnostics.
  std::optional<Setting> check_setting(const std::string& key, const toml::node& node, const Origin& key_origin,
                                       const PositionMap& map, const std::string& shown_path) {
    const KeySpec* spec = find_key_spec(key);
    if (spec == nullptr) {
      if (is_section(key)) {
        add(key_origin, shown_path, "'" + key + "' is a section, not a key");
      } else {
        report_unknown(key_origin, key, false);
      }
      return std::nullopt;
    }
    if (key == "run.seed") {
      add(key_origin, shown_path, "a study's seeds set run.seed: give them as experiment.seeds (or --seeds)");
      return std::nullopt;
    }
    const auto value = convert(*spec, node, shown_path, map);
    if (!value) return std::nullopt;
    const std::vector<KeyProblem> problems = spec->problems(*value);
    const toml::array* array = node.as_array();
    for (const KeyProblem& problem : problems) {
      if (problem.element && array != nullptr && *problem.element < array->size()) {
        add(map.origin(array->get(*problem.element)->source()),
            shown_path + "[" + std::to_string(*problem.element) + "]", problem.message);
      } else {
        add(map.origin(node.source()), shown_path, problem.message);
      }
    }
    if (!problems.empty()) return std::nullopt;
    return Setting{key, render_toml_value(*value), place_of(node, map)};
  }

  std::optional<std::string> string_of(const toml::node& node, const std::string& path, const PositionMap& map) {
    if (const auto* v = node.as_string()) return v->get();
    add(map.origin(node.source()), path, "expected a string, got " + describe_node(node));
    return std::nullopt;
  }

  void read_experiment(const toml::node& node, const Origin& origin, const PositionMap& map) {
    const toml::table* table = node.as_table();
    if (table == nullptr) {
      add(origin, "experiment", "expected a table like [experiment], got " + describe_node(node));
      return;
    }
    ExperimentSpec& e = scenario_.experiment;
    e.present = true;
    static const std::vector<std::string> kKeys = {"experiment.name", "experiment.seeds", "experiment.zip",
                                                   "experiment.baseline", "experiment.factor",
                                                   "experiment.variant", "experiment.claim"};
    for (const auto& [key, value] : in_order(*table)) {
      const std::string path = "experiment." + std::string(key->str());
      const Origin at = map.origin(value->source());
      if (path == "experiment.name") {
        if (auto v = string_of(*value, path, map)) e.name = *v;
      } else if (path == "experiment.zip") {
        if (const auto* b = value->as_boolean()) e.zip = b->get();
        else add(at, path, "expected a boolean (true or false), got " + describe_node(*value));
      } else if (path == "experiment.baseline") {
        if (auto v = string_of(*value, path, map)) {
          e.baseline = *v;
          e.baseline_place = place_of(*value, map);
        }
      } else if (path == "experiment.seeds") {
        read_seeds(*value, path, map);
      } else if (path == "experiment.factor") {
        read_array_of_tables(*value, path, map, [&](const toml::table& t, const std::string& item) { read_factor(t, item, map); });
      } else if (path == "experiment.variant") {
        read_array_of_tables(*value, path, map, [&](const toml::table& t, const std::string& item) { read_variant(t, item, map); });
      } else if (path == "experiment.claim") {
        read_array_of_tables(*value, path, map, [&](const toml::table& t, const std::string& item) { read_claim(t, item, map); });
      } else {
        const auto guess = suggest_key_path(path, kKeys);
        add(map.origin(key->source()), path,
            "unknown key '" + path + "' in [experiment]" +
                (guess ? suggestion_suffix(guess) : " (it takes name, seeds, zip, baseline, [[experiment.factor]], [[experiment.variant]] and [[experiment.claim]])"));
      }
    }
    if (e.factors.empty() && e.variants.empty() && !failed_experiment_)
      add(origin, "experiment", "an [experiment] needs at least one [[experiment.factor]] or [[experiment.variant]]");
    if (e.zip && !e.factors.empty()) {
      for (const Factor& f : e.factors)
        if (f.values.size() != e.factors.front().values.size())
          add(Origin{0, f.place.line, f.place.column}, "experiment.factor",
              "zip = true pairs the factors' values, so each factor needs as many values as the first (" +
                  e.factors.front().key + " has " + std::to_string(e.factors.front().values.size()) + ", " + f.key +
                  " has " + std::to_string(f.values.size()) + ")");
    }
  }

  void read_seeds(const toml::node& value, const std::string& path, const PositionMap& map) {
    ExperimentSpec& e = scenario_.experiment;
    e.seeds_place = place_of(value, map);
    if (const auto* n = value.as_integer()) {
      e.seeds = std::to_string(n->get());
    } else if (const auto* str = value.as_string()) {
      e.seeds = str->get();
    } else if (const auto* array = value.as_array()) {
      for (std::size_t i = 0; i < array->size(); ++i) {
        const auto* seed = array->get(i)->as_integer();
        if (seed == nullptr) {
          add(map.origin(array->get(i)->source()), path + "[" + std::to_string(i) + "]",
              "expected a seed (a whole number), got " + describe_node(*array->get(i)));
          return;
        }
        e.seeds += (i ? "," : "") + std::to_string(seed->get());
      }
      if (array->size() == 1) e.seeds += "-" + e.seeds;  // [7] is seed 7, not a count of 7
      if (array->empty()) e.seeds = "";
    } else {
      add(map.origin(value.source()), path,
          "expected a count (20), a range (\"1-20\") or a list ([1, 5, 9]), got " + describe_node(value));
      return;
    }
    try {
      (void)parse_seed_spec(e.seeds);
    } catch (const SeedSpecError& error) {
      add(map.origin(value.source()), path, error.what());
    }
  }

  template <class Read>
  void read_array_of_tables(const toml::node& value, const std::string& path, const PositionMap& map, Read read) {
    const toml::array* array = value.as_array();
    if (array == nullptr || !array->is_array_of_tables()) {
      add(map.origin(value.source()), path,
          "expected tables written [[" + path + "]], got " + describe_node(value));
      failed_experiment_ = true;
      return;
    }
    for (std::size_t i = 0; i < array->size(); ++i)
      read(*array->get(i)->as_table(), path + "[" + std::to_string(i) + "]");
  }

  // --- [[auction_only.bidder]]: one explicit classroom bidder per table.

  std::optional<double> number_of(const toml::node& node, const std::string& path, const PositionMap& map, double low,
                                  double high, bool open_low) {
    std::optional<double> x;
    if (const auto* i = node.as_integer()) x = static_cast<double>(i->get());
    if (const auto* f = node.as_floating_point()) x = f->get();
    if (!x) {
      add(map.origin(node.source()), path, "expected a number, got " + describe_node(node));
      return std::nullopt;
    }
    if (!(open_low ? *x > low : *x >= low) || !(*x <= high)) {
      add(map.origin(node.source()), path,
          format_number(*x) + " is outside " + (open_low ? "(" : "[") + format_number(low) + ", " + format_number(high) + "]");
      return std::nullopt;
    }
    return x;
  }

  void read_bidder(const toml::table& t, const std::string& item, const PositionMap& map) {
    BidderSpec b;
    b.line = place_of(t, map).line;
    for (const auto& [key, value] : in_order(t)) {
      const std::string name(key->str());
      if (!apply_bidder_key(b, name, *value, item + "." + name, map)) {
        const auto guess = suggest_key_path(name, kBidderKeys);
        add(map.origin(key->source()), item + "." + name,
            "unknown key '" + name + "' in [[auction_only.bidder]]" +
                (guess ? suggestion_suffix(guess) : " (it takes " + join(kBidderKeys) + ")"));
      }
    }
    check_bidder(b, item, map.origin(t.source()));
    scenario_.auction_only.bidder_list.push_back(std::move(b));
  }

  // Sets one key of a bidder from a TOML value; false if there is no such key.
  bool apply_bidder_key(BidderSpec& b, const std::string& name, const toml::node& v, const std::string& path,
                        const PositionMap& map) {
    const auto one_of = [&](const std::vector<std::string>& allowed) {
      auto text = string_of(v, path, map);
      if (text && std::find(allowed.begin(), allowed.end(), *text) == allowed.end()) {
        add(map.origin(v.source()), path, "'" + *text + "' is not one of: " + join(allowed));
        return std::string();
      }
      return text.value_or(std::string());
    };
    if (name == "name") b.name = string_of(v, path, map).value_or("");
    else if (name == "value") b.value = number_of(v, path, map, 0, 1e9, false);
    else if (name == "values") b.values = one_of({"uniform", "exponential", "lognormal", "empirical"});
    else if (name == "value_low") b.value_low = number_of(v, path, map, 0, 1e9, false);
    else if (name == "value_high") b.value_high = number_of(v, path, map, 0, 1e9, true);
    else if (name == "value_mean") b.value_mean = number_of(v, path, map, 0, 1e9, true);
    else if (name == "value_mu") b.value_mu = number_of(v, path, map, -50, 50, false);
    else if (name == "value_sigma") b.value_sigma = number_of(v, path, map, 0, 10, true);
    else if (name == "value_points") b.value_points = read_points(v, path, map);
    else if (name == "bid") b.bid = number_of(v, path, map, 0, 1e9, false);
    else if (name == "strategy") b.strategy = one_of({"truthful", "shaded", "equilibrium", "bandit"});
    else if (name == "shading") b.shading = number_of(v, path, map, 0, 1, true).value_or(b.shading);
    else if (name == "ctr") b.ctr = number_of(v, path, map, 0, 1, true).value_or(b.ctr);
    else if (name == "quality") b.quality = number_of(v, path, map, 0, 1e6, true).value_or(b.quality);
    else if (name == "budget") b.budget = number_of(v, path, map, 0, 1e15, false);
    else return false;
    return true;
  }

  // --set auction_only.bidder[N].key=value: one key of a bidder the file lists.
  void apply_bidder_override(const std::string& key, std::string_view value_text, const Origin& key_origin,
                             int value_column) {
    const std::string prefix = "auction_only.bidder[";
    const auto close = key.find("].", prefix.size());
    const std::string index_text = close == std::string::npos ? "" : key.substr(prefix.size(), close - prefix.size());
    const std::string name = close == std::string::npos ? "" : key.substr(close + 2);
    auto& list = scenario_.auction_only.bidder_list;
    std::size_t index = 0;
    const auto [end, error] = std::from_chars(index_text.data(), index_text.data() + index_text.size(), index);
    if (index_text.empty() || error != std::errc() || end != index_text.data() + index_text.size() || name.empty()) {
      add(key_origin, key, "expected auction_only.bidder[N].key=value, N counting the file's [[auction_only.bidder]] from 0");
      return;
    }
    if (index >= list.size()) {
      add(key_origin, key, "the scenario lists " + std::to_string(list.size()) + " [[auction_only.bidder]] entries, so N is 0 to " +
                               std::to_string(static_cast<long>(list.size()) - 1) + "; bidders are added in the file");
      return;
    }
    const PositionMap map{key_origin.source, value_column - 5, true};
    toml::table parsed;
    try {
      parsed = toml::parse("v = " + std::string(value_text), std::string_view{kOverrideFile});
    } catch (const toml::parse_error&) {
      // A bare word for a text key: --set auction_only.bidder[0].strategy=shaded
      parsed = toml::table{{"v", std::string(value_text)}};
    }
    const toml::node* node = parsed.get("v");
    if (node == nullptr || parsed.size() != 1) return add({key_origin.source, 1, value_column}, key, "expected a single value");
    BidderSpec& b = list[index];
    if (!apply_bidder_key(b, name, *node, key, map)) {
      const auto guess = suggest_key_path(name, kBidderKeys);
      add(key_origin, key, "unknown key '" + name + "' of a bidder" + (guess ? suggestion_suffix(guess) : " (it takes " + join(kBidderKeys) + ")"));
      return;
    }
    check_bidder(b, key, key_origin);
  }

  std::optional<std::vector<double>> read_points(const toml::node& v, const std::string& path, const PositionMap& map) {
    const toml::array* array = v.as_array();
    if (array == nullptr) {
      add(map.origin(v.source()), path, "expected an array of numbers, got " + describe_node(v));
      return std::nullopt;
    }
    std::vector<double> out;
    for (std::size_t i = 0; i < array->size(); ++i)
      if (auto x = number_of(*array->get(i), path + "[" + std::to_string(i) + "]", map, 0, 1e9, false)) out.push_back(*x);
    return out;
  }

  // What a bidder's keys must agree on, checked as the runner will build it.
  void check_bidder(const BidderSpec& b, const std::string& item, const Origin& at) {
    if (b.value && b.own_distribution())
      add(at, item, "give a bidder a fixed value or its own value distribution (values, value_low, ...), not both");
    if (b.bid && !b.strategy.empty()) add(at, item, "give a bidder a fixed bid or a strategy, not both");
    if (b.value && b.strategy == "equilibrium")
      add(at, item, "the first-price equilibrium strategy needs values from a distribution, not a fixed value");
  }

  // With [[auction_only.bidder]] entries the bidders are those entries: auction_only.bidders, if
  // set, must count them.
  void check_bidder_count() {
    AuctionOnlySpec& o = scenario_.auction_only;
    if (o.bidder_list.empty()) return;
    const auto n = static_cast<int>(o.bidder_list.size());
    const auto set = origins_.find("auction_only.bidders");
    if (set != origins_.end() && o.bidders != n) {
      add(set->second, "auction_only.bidders",
          std::to_string(o.bidders) + " bidders, but the file lists " + std::to_string(n) +
              " [[auction_only.bidder]] entries (leave auction_only.bidders out, or make them agree)");
      return;
    }
    o.bidders = n;
    // Own distributions, now that the common keys they fall back on are final.
    for (std::size_t i = 0; i < o.bidder_list.size(); ++i) {
      const BidderSpec& b = o.bidder_list[i];
      if (!b.own_distribution()) continue;
      try {
        (void)bidder_distribution(o, b);
      } catch (const std::invalid_argument& e) {
        add(Origin{0, b.line, 1}, "auction_only.bidder[" + std::to_string(i) + "]", e.what());
      }
    }
  }

  void read_factor(const toml::table& t, const std::string& item, const PositionMap& map) {
    Factor factor;
    factor.place = place_of(t, map);
    const toml::node* values = nullptr;
    for (const auto& [key, value] : in_order(t)) {
      const std::string name(key->str());
      if (name == "key") {
        if (auto v = string_of(*value, item + ".key", map)) factor.key = *v;
      } else if (name == "values") {
        values = value;
      } else {
        add(map.origin(key->source()), item + "." + name,
            "unknown key '" + name + "' in [[experiment.factor]] (it takes key and values)");
      }
    }
    if (factor.key.empty() || values == nullptr) {
      add(Origin{0, factor.place.line, factor.place.column}, item,
          "a factor needs key = \"section.key\" and values = [...]");
      failed_experiment_ = true;
      return;
    }
    for (const Factor& other : scenario_.experiment.factors)
      if (other.key == factor.key)
        add(map.origin(t.source()), item + ".key", "'" + factor.key + "' is already a factor");
    const toml::array* array = values->as_array();
    if (array == nullptr || array->empty()) {
      add(map.origin(values->source()), item + ".values", "expected a non-empty array of values for " + factor.key);
      failed_experiment_ = true;
      return;
    }
    bool ok = true;
    for (std::size_t i = 0; i < array->size(); ++i) {
      const toml::node& element = *array->get(i);
      const auto setting = check_setting(factor.key, element, map.origin(element.source()), map,
                                         item + ".values[" + std::to_string(i) + "] (" + factor.key + ")");
      if (setting) factor.values.push_back(*setting);
      else ok = false;
    }
    if (!ok) failed_experiment_ = true;
    scenario_.experiment.factors.push_back(std::move(factor));
  }

  void read_variant(const toml::table& t, const std::string& item, const PositionMap& map) {
    NamedVariant variant;
    variant.place = place_of(t, map);
    collect_settings(t, "", item, map, variant);
    if (variant.name.empty()) {
      add(Origin{0, variant.place.line, variant.place.column}, item, "a variant needs name = \"...\"");
      failed_experiment_ = true;
      return;
    }
    for (const NamedVariant& other : scenario_.experiment.variants)
      if (other.name == variant.name)
        add(Origin{0, variant.place.line, variant.place.column}, item + ".name",
            "two variants are named '" + variant.name + "'");
    scenario_.experiment.variants.push_back(std::move(variant));
  }

  // A lesson's claim: text, variant, metric, direction (higher, lower, same) and min_effect. The
  // variant and metric are checked against the study when it is made (experiments/lesson.cpp).
  void read_claim(const toml::table& t, const std::string& item, const PositionMap& map) {
    Claim claim;
    bool has_value = false;
    claim.place = place_of(t, map);
    const auto number_of = [](const toml::node& v) {
      return v.is_integer()          ? std::optional<double>(static_cast<double>(v.as_integer()->get()))
             : v.is_floating_point() ? std::optional<double>(v.as_floating_point()->get())
                                     : std::nullopt;
    };
    for (const auto& [key, value] : in_order(t)) {
      const std::string name(key->str());
      const std::string path = item + "." + name;
      if (name == "text" || name == "variant" || name == "metric" || name == "direction") {
        if (auto v = string_of(*value, path, map))
          (name == "text" ? claim.text : name == "variant" ? claim.variant : name == "metric" ? claim.metric : claim.direction) = *v;
      } else if (name == "value") {
        const auto number = number_of(*value);
        if (!number || !std::isfinite(*number))
          add(map.origin(value->source()), path, "expected a number in the metric's unit, got " + describe_node(*value));
        else
          claim.value = *number;
        has_value = true;
      } else if (name == "min_effect") {
        const auto number = number_of(*value);
        if (!number || !(*number >= 0.0 && *number <= 100.0))
          add(map.origin(value->source()), path,
              "expected a share of the baseline from 0 to 100 (0.05 is 5 %), got " + describe_node(*value));
        else
          claim.min_effect = *number;
      } else {
        add(map.origin(key->source()), path,
            "unknown key '" + name +
                "' in [[experiment.claim]] (it takes text, variant, metric, direction, and min_effect or value)");
      }
    }
    const Origin at{0, claim.place.line, claim.place.column};
    if (claim.text.empty() || claim.variant.empty() || claim.metric.empty() || claim.direction.empty())
      add(at, item, "a claim needs text, variant, metric and direction (\"higher\", \"lower\", \"same\", \"above\" or \"below\")");
    else if (claim.direction != "higher" && claim.direction != "lower" && claim.direction != "same" && !claim.absolute())
      add(at, item + ".direction",
          "expected \"higher\", \"lower\", \"same\", \"above\" or \"below\", got \"" + claim.direction + "\"");
    else if (claim.absolute() && !has_value)
      add(at, item + ".value", "a claim \"" + claim.direction + "\" needs the value its mean is compared with");
    else if (!claim.absolute() && has_value)
      add(at, item + ".value", "value is for claims \"above\" or \"below\"; \"" + claim.direction +
                                   "\" compares with the baseline by min_effect");
    scenario_.experiment.claims.push_back(std::move(claim));
  }

  // A variant's entries: its name, and scenario keys written as dotted keys (auction.reserve = 0.3)
  // or nested tables.
  void collect_settings(const toml::table& t, const std::string& prefix, const std::string& item,
                        const PositionMap& map, NamedVariant& variant) {
    for (const auto& [key, value] : in_order(t)) {
      const std::string path = prefix.empty() ? std::string(key->str()) : prefix + "." + std::string(key->str());
      if (path == "name") {
        if (auto v = string_of(*value, item + ".name", map)) variant.name = *v;
      } else if (find_key_spec(path) == nullptr && is_section(path) && value->is_table()) {
        collect_settings(*value->as_table(), path, item, map, variant);
      } else if (auto setting = check_setting(path, *value, map.origin(key->source()), map, path)) {
        variant.settings.push_back(*setting);
      } else {
        failed_experiment_ = true;
      }
    }
  }

  Scenario& scenario_;
  std::string file_;
  std::vector<Diagnostic> diagnostics_;
  std::vector<Place> places_;
  std::vector<int> value_columns_;
  bool failed_experiment_ = false;
  std::unordered_map<std::string, Origin> origins_;
  std::unordered_set<std::string> failed_keys_;
};

void apply_all(Loader& loader, std::span<const std::string> overrides, Scenario& scenario) {
  int source = 1;
  for (const std::string& item : overrides) {
    loader.apply_override(item, source++);
    scenario.overrides.push_back(item);
  }
  loader.check_cross_fields();
}

std::string format_all(const std::vector<Diagnostic>& diagnostics) {
  std::string out;
  for (const Diagnostic& d : diagnostics) {
    if (!out.empty()) out += '\n';
    out += format_diagnostic(d);
  }
  return out;
}

Scenario load(std::optional<std::string_view> text, const std::string& source_name, std::string unreadable,
              std::span<const std::string> overrides) {
  Scenario scenario;
  Loader loader(scenario, source_name);
  if (text) {
    loader.load_document(*text);
    scenario.source_text = std::string(*text);
  } else {
    loader.report_unreadable(std::move(unreadable));
  }
  apply_all(loader, overrides, scenario);
  std::vector<Diagnostic> diagnostics = loader.take();
  if (!diagnostics.empty()) throw ScenarioError(std::move(diagnostics));
  scenario.source_path = source_name;
  return scenario;
}

}  // namespace

std::string format_diagnostic(const Diagnostic& d) {
  std::string out = d.file;
  if (d.line > 0) {
    out += ":" + std::to_string(d.line);
    if (d.column > 0) out += ":" + std::to_string(d.column);
  }
  out += ": ";
  if (!d.key_path.empty()) out += d.key_path + ": ";
  out += d.message;
  return out;
}

ScenarioError::ScenarioError(std::vector<Diagnostic> diagnostics)
    : std::runtime_error(format_all(diagnostics)), diagnostics_(std::move(diagnostics)) {}

Scenario parse_scenario(std::string_view text, std::string source_name, std::span<const std::string> overrides) {
  return load(text, source_name, "", overrides);
}

Scenario load_scenario_file(const std::filesystem::path& path, std::span<const std::string> overrides) {
  const std::string name = path.string();
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return load(std::nullopt, name, "cannot read scenario file: no such file", overrides);
  }
  if (std::filesystem::is_directory(path, ec)) {
    return load(std::nullopt, name, "cannot read scenario file: it is a directory", overrides);
  }
  // Never open what is not a plain file: reading /dev/zero never ends, and opening a FIFO blocks
  // until someone writes to it.
  if (!std::filesystem::is_regular_file(path, ec)) {
    return load(std::nullopt, name, "cannot read scenario file: it is not a regular file (a device, pipe or socket)",
                overrides);
  }
  const auto size = std::filesystem::file_size(path, ec);
  if (!ec && size > kMaxScenarioFileBytes) {
    return load(std::nullopt, name,
                "cannot read scenario file: it has " + std::to_string(size) + " bytes, more than the " +
                    std::to_string(kMaxScenarioFileBytes / (1024 * 1024)) + " MiB a scenario file may have",
                overrides);
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return load(std::nullopt, name, "cannot read scenario file: " + std::generic_category().message(errno),
                overrides);
  }
  // The size read and one byte more, to see a file that grew past the limit since; a file whose
  // size was not known is read up to the limit.
  const std::size_t expect = ec ? kMaxScenarioFileBytes : static_cast<std::size_t>(size);
  std::string text(std::min<std::uintmax_t>(expect, kMaxScenarioFileBytes) + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > expect) {
    // Grown since its size was read: take the rest, up to the limit.
    std::string rest(kMaxScenarioFileBytes + 1 - text.size(), '\0');
    in.read(rest.data(), static_cast<std::streamsize>(rest.size()));
    text.append(rest.data(), static_cast<std::size_t>(in.gcount()));
  }
  if (text.size() > kMaxScenarioFileBytes) {
    return load(std::nullopt, name, "cannot read scenario file: it grew past the size limit while being read",
                overrides);
  }
  return load(text, name, "", overrides);
}

Scenario apply_settings(const Scenario& base, std::span<const Setting> settings) {
  Scenario scenario = base;
  Loader loader(scenario, base.source_path);
  std::vector<std::string> texts;
  std::vector<Place> places;
  std::vector<int> value_columns;
  for (const Setting& s : settings) {
    texts.push_back(s.text());
    places.push_back(s.place);
    value_columns.push_back(static_cast<int>(s.key.size()) + 2);  // "key=" then the value
  }
  loader.set_places(std::move(places), std::move(value_columns));
  apply_all(loader, texts, scenario);
  std::vector<Diagnostic> diagnostics = loader.take();
  if (!diagnostics.empty()) throw ScenarioError(std::move(diagnostics));
  return scenario;
}

Scenario apply_overrides(const Scenario& base, std::span<const std::string> overrides) {
  Scenario scenario = base;
  Loader loader(scenario, base.source_path);
  apply_all(loader, overrides, scenario);
  std::vector<Diagnostic> diagnostics = loader.take();
  if (!diagnostics.empty()) throw ScenarioError(std::move(diagnostics));
  return scenario;
}

}  // namespace adsim::scenarios
