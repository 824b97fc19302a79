#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

// The [experiment] table of a scenario file: a study written down next to the scenario it varies,
// so that `adsim sweep FILE` runs it. The loader reads and checks it (every value against the
// scenario schema, with file:line:column); experiments/ expands it into variants and runs them.
// docs/experiments.md describes the table for users.
namespace adsim::scenarios {

// Where a setting was written: a file's line and column, or a command-line argument.
struct Place {
  std::string file;  // the scenario file, "--vary", "--variant"
  int line = 0;      // 1-based; 0 when unknown
  int column = 0;    // 1-based; for command-line arguments, of the value's first character
};

// One scenario key set to one value, as an override ("auction.reserve=0.3": the value in TOML).
struct Setting {
  std::string key;
  std::string value;  // TOML text, e.g. 0.3, "vcg", [1.0, 2.0]
  Place place;
  std::string text() const { return key + "=" + value; }
};

// A key and the values it takes across the study.
struct Factor {
  std::string key;
  std::vector<Setting> values;  // each with key == this key
  Place place;
};

// A named set of settings, compared with the baseline.
struct NamedVariant {
  std::string name;
  std::vector<Setting> settings;
  Place place;
};

// A lesson's claim (`adsim lesson`): about a variant against the baseline, the metric moves in this
// direction by at least min_effect (a share of the baseline's mean), or stays within it ("same");
// or about one variant on its own (the baseline too), its mean lies "above" or "below" `value`.
struct Claim {
  std::string text;       // the claim as the lesson states it
  std::string variant;    // a variant of the experiment
  std::string metric;     // a study metric (docs/experiments.md)
  std::string direction;  // "higher", "lower", "same", "above" or "below"
  double min_effect = 0.0;
  double value = 0.0;     // above / below: the threshold, in the metric's unit
  bool absolute() const { return direction == "above" || direction == "below"; }
  Place place;
};

struct ExperimentSpec {
  bool present = false;  // the file has an [experiment] table
  std::string name;      // "" : the scenario's name
  std::vector<Factor> factors;
  bool zip = false;      // pair the factors' values (all the same length) instead of their full grid
  std::vector<NamedVariant> variants;
  // A variant's name, "scenario" (the scenario as written, added as a variant named "baseline"),
  // or "" (the default: "scenario" when there are named variants, none for factors alone).
  std::string baseline;
  Place baseline_place;
  std::string seeds;  // a seed spec (see parse_seed_spec); "" : not given
  Place seeds_place;
  std::vector<Claim> claims;  // [[experiment.claim]]
};

class SeedSpecError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// "20" -> 1..20, "5-9" -> 5..9, "1,5,9" -> those (ranges may appear in a list: "1-3,10").
// Throws SeedSpecError for an empty spec, a count of 0, a reversed range, a repeated seed, a
// negative or non-numeric entry, or more than 1,000,000 seeds.
std::vector<std::uint64_t> parse_seed_spec(std::string_view spec);

// Splits a command-line list of TOML values at the commas that are not inside brackets, braces or
// quotes: "0.1,0.2" -> {"0.1", "0.2"}; "[1,2],[3,4]" -> {"[1,2]", "[3,4]"}. Keeps each piece's
// offset in `text` for diagnostics.
struct ListItem {
  std::string text;
  std::size_t offset = 0;
};
std::vector<ListItem> split_top_level(std::string_view text, char separator = ',');

}  // namespace adsim::scenarios
