#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "scenarios/scenario.hpp"
#include "scenarios/scenario_loader.hpp"

// A study: one scenario, several variants of it (each a set of key settings), each run with the
// same seeds. Described on the command line (`adsim sweep --vary`, `adsim compare --variant`) or in
// the scenario's [experiment] table; expanded, checked whole before anything runs, and planned here.
// The runner (runner.hpp) runs the plan; analysis.hpp turns its results into statistics.
namespace adsim::experiments {

enum class StudyKind { kSweep, kCompare };

// What a study stores of each run besides its summary, time series, slots and campaign totals.
// Not part of the study's definition: it changes what is kept, not what the runs find.
struct RunDetail {
  bool auction_log = false;   // --auction-log: the sampled auctions (RecorderOptions::auction_log)
  bool spend_curves = false;  // --spend-curves: per-campaign spend per interval (RecorderOptions::spend_curves)
};
const char* study_kind_name(StudyKind kind);  // "sweep", "compare"

struct Variant {
  std::string name;
  std::vector<scenarios::Setting> settings;  // applied to the base scenario in order
};

struct Study {
  std::string name;
  StudyKind kind = StudyKind::kSweep;
  scenarios::Scenario base;       // the scenario with the study's --set overrides applied
  std::vector<Variant> variants;  // at least one
  int baseline = -1;              // index into variants; -1: no comparisons
  std::vector<std::uint64_t> seeds;
  RunDetail detail;
};

// One run of the plan: a variant with a seed.
struct Cell {
  std::size_t variant = 0;
  std::size_t replication = 0;  // index into Study::seeds (stored 1-based)
  std::uint64_t seed = 0;
};

// Everything wrong with a study, each problem on its own line with file:line:column:key where it
// has one; nothing has run.
class StudyError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// What the command line says about a study; empty parts fall back to the file's [experiment].
struct StudyArgs {
  std::vector<std::string> vary;      // --vary KEY=V1,V2,...
  bool zip = false;                   // --zip
  std::vector<std::string> variants;  // --variant NAME:KEY=VALUE[,KEY=VALUE...]
  std::string seeds;                  // --seeds SPEC; "" : the file's, or 5
  std::string baseline;               // --baseline NAME; "" : the file's or the default
  std::string name;                   // --name
  RunDetail detail;                   // --auction-log, --spend-curves
};

inline constexpr const char* kDefaultSeeds = "5";

// The study a command describes: `sweep` takes factors (--vary, or the file's [experiment]),
// `compare` takes named variants (--variant, or the file's) compared with the scenario as written.
// Command-line factors or variants replace the file's [experiment] definition; --seeds replaces its
// seeds. Every variant is applied to the scenario and checked by the scenario's rules here.
// Throws StudyError listing every problem.
Study make_study(StudyKind kind, const scenarios::Scenario& base, const StudyArgs& args);

// The runs of the study in the order they are started: seed by seed, every variant of a seed
// before the next seed, so that a study stopped early has every variant at the first seeds.
std::vector<Cell> plan(const Study& study);

// The scenario of one cell: the variant's settings applied to the base, run.seed set to the seed.
scenarios::Scenario cell_scenario(const Study& study, const Cell& cell);

// Canonical text of what makes the study this study (every scenario key's value with the base
// overrides applied, kind, variants with their settings, baseline), but not its seeds, its name or
// the file's layout and [experiment] table: equal text, same experiment.
std::string definition_text(const Study& study);

// "1,2,3": the seeds as stored in experiments.seeds.
std::string seeds_text(const std::vector<std::uint64_t>& seeds);

}  // namespace adsim::experiments
