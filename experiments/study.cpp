#include "experiments/study.hpp"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "scenarios/auction_only_run.hpp"
#include "scenarios/factory.hpp"
#include "scenarios/scenario_schema.hpp"

namespace adsim::experiments {
namespace {

using scenarios::Factor;
using scenarios::Place;
using scenarios::Setting;

constexpr const char* kScenarioBaseline = "scenario";  // the scenario as written
constexpr const char* kBaselineName = "baseline";
constexpr std::size_t kMaxVariants = 100'000;
constexpr std::size_t kMaxRuns = 1'000'000;  // variants x seeds

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t") - first + 1);
}

// Collects problems; throws them all at once.
class Problems {
 public:
  void add(std::string line) {
    if (seen_.insert(line).second) lines_.push_back(std::move(line));
  }
  void add(const Place& place, const std::string& key, const std::string& message) {
    std::string line = place.file;
    if (place.line > 0) line += ":" + std::to_string(place.line) + (place.column > 0 ? ":" + std::to_string(place.column) : "");
    line += ": ";
    if (!key.empty()) line += key + ": ";
    add(line + message);
  }
  bool empty() const { return lines_.empty(); }
  void throw_if_any() const {
    if (lines_.empty()) return;
    std::string all;
    for (const auto& l : lines_) all += (all.empty() ? "" : "\n") + l;
    throw StudyError(all);
  }

 private:
  std::vector<std::string> lines_;
  std::set<std::string> seen_;
};

// "KEY=VALUE" of a command-line argument, with the value's 1-based column in `argument`.
std::optional<Setting> parse_assignment(std::string_view text, std::size_t offset, const std::string& option,
                                        const std::string& argument, Problems& problems) {
  const auto eq = text.find('=');
  if (eq == std::string_view::npos || trim(text.substr(0, eq)).empty()) {
    problems.add(Place{option, 1, static_cast<int>(offset) + 1}, "",
                 "expected KEY=VALUE in '" + argument + "', got '" + std::string(text) + "'");
    return std::nullopt;
  }
  Setting s;
  s.key = std::string(trim(text.substr(0, eq)));
  const std::string_view raw = text.substr(eq + 1);
  const auto lead = raw.find_first_not_of(" \t");
  s.value = std::string(trim(raw));
  s.place = Place{option, 1, static_cast<int>(offset + eq + 1 + (lead == std::string_view::npos ? 0 : lead)) + 1};
  if (s.value.empty()) {
    problems.add(s.place, s.key, "missing value after '='");
    return std::nullopt;
  }
  if (s.key == "run.seed") {
    problems.add(s.place, s.key, "a study's seeds set run.seed: give them with --seeds");
    return std::nullopt;
  }
  return s;
}

// --vary KEY=V1,V2,...
std::optional<Factor> parse_vary(const std::string& argument, Problems& problems) {
  const auto eq = argument.find('=');
  if (eq == std::string::npos || trim(std::string_view(argument).substr(0, eq)).empty()) {
    problems.add("--vary '" + argument + "': expected KEY=V1,V2,... (e.g. --vary auction.reserve=0.05,0.3)");
    return std::nullopt;
  }
  Factor f;
  f.key = std::string(trim(std::string_view(argument).substr(0, eq)));
  f.place = Place{"--vary", 1, 1};
  if (f.key == "run.seed") {
    problems.add(f.place, f.key, "a study's seeds set run.seed: give them with --seeds");
    return std::nullopt;
  }
  bool ok = true;
  for (const auto& item : scenarios::split_top_level(std::string_view(argument).substr(eq + 1))) {
    const std::string assignment = f.key + "=" + item.text;
    // The value's column in the argument: the key, '=', then the item's offset.
    auto s = parse_assignment(assignment, eq + 1 + item.offset - (f.key.size() + 1), "--vary", argument, problems);
    if (s) f.values.push_back(*s);
    else ok = false;
  }
  if (!ok) return std::nullopt;
  return f;
}

// --variant NAME:KEY=VALUE[,KEY=VALUE...]
std::optional<scenarios::NamedVariant> parse_variant(const std::string& argument, Problems& problems) {
  const auto colon = argument.find(':');
  const auto eq = argument.find('=');
  if (colon == std::string::npos || (eq != std::string::npos && eq < colon) || trim(argument.substr(0, colon)).empty()) {
    problems.add("--variant '" + argument + "': expected NAME:KEY=VALUE[,KEY=VALUE...] (e.g. --variant high:auction.reserve=0.6)");
    return std::nullopt;
  }
  scenarios::NamedVariant v;
  v.name = std::string(trim(std::string_view(argument).substr(0, colon)));
  v.place = Place{"--variant", 1, 1};
  bool ok = true;
  for (const auto& item : scenarios::split_top_level(std::string_view(argument).substr(colon + 1))) {
    auto s = parse_assignment(item.text, colon + 1 + item.offset, "--variant", argument, problems);
    if (s) v.settings.push_back(*s);
    else ok = false;
  }
  if (!ok) return std::nullopt;
  std::set<std::string> keys;
  for (const auto& s : v.settings)
    if (!keys.insert(s.key).second) problems.add(s.place, s.key, "set twice in variant '" + v.name + "'");
  return v;
}

// A value as a name shows it: strings without their quotes.
std::string shown_value(const std::string& toml) {
  if (toml.size() >= 2 && toml.front() == '"' && toml.back() == '"') return toml.substr(1, toml.size() - 2);
  return toml;
}

// The short name of each factor's key: its last part, unless two factors share it.
std::vector<std::string> short_keys(const std::vector<Factor>& factors) {
  std::vector<std::string> out;
  for (const auto& f : factors) out.push_back(f.key.substr(f.key.rfind('.') + 1));
  for (std::size_t i = 0; i < out.size(); ++i)
    for (std::size_t j = 0; j < out.size(); ++j)
      if (i != j && out[i] == out[j]) out[i] = factors[i].key;
  return out;
}

Variant variant_of(const std::vector<Setting>& settings, const std::vector<std::string>& names) {
  Variant v;
  v.settings = settings;
  for (std::size_t k = 0; k < settings.size(); ++k)
    v.name += (k ? " " : "") + names[k] + "=" + shown_value(settings[k].value);
  return v;
}

// The full grid of the factors (the last varies fastest), or their values paired (zip).
std::vector<Variant> expand(const std::vector<Factor>& factors, bool zip, Problems& problems) {
  std::vector<Variant> out;
  if (factors.empty()) return out;
  const auto names = short_keys(factors);
  if (zip) {
    const std::size_t n = factors.front().values.size();
    for (const auto& f : factors)
      if (f.values.size() != n) {
        problems.add("--zip pairs the factors' values, so each needs as many values as the first (" +
                     factors.front().key + " has " + std::to_string(n) + ", " + f.key + " has " +
                     std::to_string(f.values.size()) + ")");
        return out;
      }
    for (std::size_t i = 0; i < n; ++i) {
      std::vector<Setting> settings;
      for (const auto& f : factors) settings.push_back(f.values[i]);
      out.push_back(variant_of(settings, names));
    }
    return out;
  }
  std::size_t total = 1;
  for (const auto& f : factors) {
    total *= std::max<std::size_t>(1, f.values.size());
    if (total > kMaxVariants) {  // checked as it grows: the product of many factors could wrap
      problems.add(fmt::format("the grid of the factors has more than {} variants", kMaxVariants));
      return out;
    }
  }
  std::vector<std::size_t> index(factors.size(), 0);
  for (std::size_t n = 0; n < total; ++n) {
    std::vector<Setting> settings;
    for (std::size_t k = 0; k < factors.size(); ++k) settings.push_back(factors[k].values[index[k]]);
    out.push_back(variant_of(settings, names));
    for (std::size_t k = factors.size(); k-- > 0;) {
      if (++index[k] < factors[k].values.size()) break;
      index[k] = 0;
    }
  }
  return out;
}

// Every variant applied to the base scenario, checked by the scenario's rules. A bad value shows up
// in every variant that has it: each problem is reported once, with the variants it occurs in.
void check_variants(const Study& study, Problems& problems) {
  std::vector<std::string> order;
  std::map<std::string, std::vector<std::string>> variants_of;
  const auto note = [&](const std::string& problem, const std::string& variant) {
    auto& list = variants_of[problem];
    if (list.empty()) order.push_back(problem);
    list.push_back(variant);
  };
  for (const Variant& v : study.variants) {
    try {
      const scenarios::Scenario s = scenarios::apply_settings(study.base, v.settings);
      if (s.auction_only.enabled) (void)scenarios::auction_only_config(s);
    } catch (const scenarios::ScenarioError& e) {
      for (const auto& d : e.diagnostics()) note(scenarios::format_diagnostic(d), v.name);
    } catch (const scenarios::BuildError& e) {
      note(study.base.source_path + ": " + e.what(), v.name);
    }
  }
  for (const auto& problem : order) {
    const auto& in = variants_of[problem];
    if (study.variants.size() == 1) problems.add(problem);
    else if (in.size() == 1) problems.add(problem + " (variant '" + in.front() + "')");
    else problems.add(problem + fmt::format(" (in {} of {} variants, e.g. '{}')", in.size(), study.variants.size(), in.front()));
  }
}

// The variants and baseline a command or the file describes.
void describe(StudyKind kind, const scenarios::ExperimentSpec& file, const StudyArgs& args, Study& study,
              Problems& problems) {
  std::vector<Factor> factors;
  std::vector<scenarios::NamedVariant> named;
  bool zip = args.zip;
  std::string baseline = args.baseline;
  Place baseline_place{"--baseline", 0, 0};
  const bool from_command_line = !args.vary.empty() || !args.variants.empty();
  if (from_command_line) {
    for (const auto& a : args.vary)
      if (auto f = parse_vary(a, problems)) factors.push_back(std::move(*f));
    for (const auto& a : args.variants)
      if (auto v = parse_variant(a, problems)) named.push_back(std::move(*v));
    std::set<std::string> keys;
    for (const auto& f : factors)
      if (!keys.insert(f.key).second) problems.add("--vary " + f.key + " is given twice");
  } else if (file.present) {
    factors = file.factors;
    named = file.variants;
    zip = zip || file.zip;
    if (baseline.empty()) {
      baseline = file.baseline;
      baseline_place = file.baseline_place;
    }
  } else if (kind == StudyKind::kSweep) {
    problems.add("adsim sweep needs factors: --vary KEY=V1,V2,... or an [experiment] table in the scenario "
                 "(docs/experiments.md)");
    return;
  } else {
    problems.add("adsim compare needs variants: --variant NAME:KEY=VALUE[,KEY=VALUE...] or an [experiment] "
                 "table in the scenario (docs/experiments.md)");
    return;
  }
  if (zip && factors.size() < 2 && from_command_line && args.zip)
    problems.add("--zip pairs the values of two or more --vary factors");
  study.variants = expand(factors, zip, problems);
  for (auto& v : named) {
    if (v.name == kBaselineName || v.name == kScenarioBaseline)
      problems.add(v.place, "", "the variant name '" + v.name + "' is reserved for the scenario as written");
    study.variants.push_back(Variant{v.name, v.settings});
  }
  std::set<std::string> names;
  for (const auto& v : study.variants)
    if (!names.insert(v.name).second) problems.add("two variants are named '" + v.name + "'");
  if (baseline.empty()) baseline = (kind == StudyKind::kCompare || !named.empty()) ? kScenarioBaseline : "";
  if (baseline == kScenarioBaseline || baseline == kBaselineName) {
    study.variants.insert(study.variants.begin(), Variant{kBaselineName, {}});
    study.baseline = 0;
  } else if (!baseline.empty()) {
    const auto it = std::find_if(study.variants.begin(), study.variants.end(),
                                 [&](const Variant& v) { return v.name == baseline; });
    if (it == study.variants.end()) {
      std::string all;
      for (const auto& v : study.variants) all += (all.empty() ? "" : ", ") + ("'" + v.name + "'");
      problems.add(baseline_place, "experiment.baseline",
                   "no variant is named '" + baseline + "' (the variants: " + all +
                       "; or \"scenario\" for the scenario as written)");
    } else {
      study.baseline = static_cast<int>(it - study.variants.begin());
    }
  }
}

}  // namespace

const char* study_kind_name(StudyKind kind) { return kind == StudyKind::kSweep ? "sweep" : "compare"; }

Study make_study(StudyKind kind, const scenarios::Scenario& base, const StudyArgs& args) {
  Problems problems;
  Study study;
  study.kind = kind;
  study.base = base;
  study.detail = args.detail;
  // The [experiment] table's name only when its definition is the one that runs.
  const bool from_file = args.vary.empty() && args.variants.empty() && base.experiment.present;
  study.name = !args.name.empty() ? args.name : from_file && !base.experiment.name.empty() ? base.experiment.name : base.name;
  describe(kind, base.experiment, args, study, problems);
  std::string seeds = args.seeds;
  Place seeds_place{"--seeds", 0, 0};
  if (seeds.empty() && !base.experiment.seeds.empty()) {
    seeds = base.experiment.seeds;
    seeds_place = base.experiment.seeds_place;
  }
  if (seeds.empty()) seeds = kDefaultSeeds;
  try {
    study.seeds = scenarios::parse_seed_spec(seeds);
  } catch (const scenarios::SeedSpecError& e) {
    problems.add(seeds_place, seeds_place.file == "--seeds" ? "" : "experiment.seeds", e.what());
  }
  if (study.variants.size() * study.seeds.size() > kMaxRuns)
    problems.add(fmt::format("{} variants x {} seeds is {} runs; a study has at most {}", study.variants.size(),
                             study.seeds.size(), study.variants.size() * study.seeds.size(), kMaxRuns));
  for (const auto& o : base.overrides)
    if (o.rfind("run.seed", 0) == 0 && o.find('=') == std::string("run.seed").size())
      problems.add("--set " + o + ": a study's seeds set run.seed: give them with --seeds");
  check_variants(study, problems);  // every variant that could be described, whatever else is wrong
  problems.throw_if_any();
  return study;
}

std::vector<Cell> plan(const Study& study) {
  std::vector<Cell> cells;
  cells.reserve(study.seeds.size() * study.variants.size());
  for (std::size_t r = 0; r < study.seeds.size(); ++r)
    for (std::size_t v = 0; v < study.variants.size(); ++v) cells.push_back(Cell{v, r, study.seeds[r]});
  return cells;
}

scenarios::Scenario cell_scenario(const Study& study, const Cell& cell) {
  scenarios::Scenario s = scenarios::apply_settings(study.base, study.variants.at(cell.variant).settings);
  s.run.seed = cell.seed;
  return s;
}

std::string definition_text(const Study& study) {
  // The scenario as the runs see it (every key's value, --set included), not its file's text: the
  // [experiment] table, comments and layout of the file do not make another study, so editing the
  // table's seeds extends the study as --seeds does. run.seed is the study's to set.
  scenarios::Scenario scenario = study.base;
  scenario.run.seed = 0;
  nlohmann::ordered_json j;
  j["kind"] = study_kind_name(study.kind);
  j["scenario"] = scenarios::render_scenario_toml(scenario);
  auto variants = nlohmann::ordered_json::array();
  for (const auto& v : study.variants) {
    auto settings = nlohmann::ordered_json::array();
    for (const auto& s : v.settings) settings.push_back(s.text());
    variants.push_back({{"name", v.name}, {"settings", std::move(settings)}});
  }
  j["variants"] = std::move(variants);
  j["baseline"] = study.baseline >= 0 ? nlohmann::ordered_json(study.variants[static_cast<std::size_t>(study.baseline)].name)
                                      : nlohmann::ordered_json(nullptr);
  return j.dump();
}

std::string seeds_text(const std::vector<std::uint64_t>& seeds) {
  std::string out;
  for (const auto s : seeds) out += (out.empty() ? "" : ",") + std::to_string(s);
  // A lone number would read back as a count: one seed is written as a range.
  if (seeds.size() == 1) out += "-" + out;
  return out;
}

}  // namespace adsim::experiments
