#include "cli/lesson_command.hpp"

#include <chrono>
#include <cmath>
#include <optional>
#include <ostream>
#include <sstream>
#include <thread>

#include <boost/program_options.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/cli_app.hpp"
#include "cli/report.hpp"
#include "cli/scenario_files.hpp"
#include "experiments/lesson.hpp"
#include "experiments/runner.hpp"
#include "store/result_store.hpp"

namespace adsim::cli {
namespace po = boost::program_options;

namespace {

constexpr const char* kLessonUsage = R"(Usage:
  adsim lesson NAME [--seeds SPEC] [--jobs N] [--db FILE] [--json] [--memory-limit SIZE]
  adsim lesson --all [--seeds SPEC] [--jobs N]

Runs a lesson's study (its [experiment]: the scenario as written against the lesson's variants,
paired by seed) and checks each claim the lesson makes ([[experiment.claim]]): the measured change
of the metric against the baseline with its 95% interval, and a verdict:
  holds         significant (Holm-adjusted p < 0.05) in the claimed direction, and at least the
                smallest effect worth teaching; for "same", the whole interval within +- that effect;
                for "above" / "below" a value, the whole interval of the variant's own mean beyond it
  fails         significant the other way, or smaller than claimed; for "same", outside the band;
                for "above" / "below", the whole interval on the other side of the value
  inconclusive  not enough evidence with these seeds
--all checks every bundled lesson that states claims (adsim list shows the lessons).
  --seeds SPEC  the lesson's own seeds by default (derived from each effect and its variance)
  --jobs N      threads (default: every core)
  --memory-limit SIZE  refuse (exit 2) when the runs in flight would need more memory than
                SIZE (e.g. 8G; default: what is available now; 'off': never)
  --db FILE     keep the runs and the study in this results file (adsim report FILE draws them)
  --json        the verdicts as one JSON object (relative change and interval, p, verdict per claim)

Exit codes: 0 every claim holds, 1 a claim does not hold, 2 bad input, 130 interrupted.
)";

struct LessonOptions {
  std::string seeds, db, memory_limit;
  long long jobs = 0;
  bool json = false;
};

// One lesson's verdicts as JSON: what the text prints, with every figure as a number.
nlohmann::ordered_json lesson_json(const scenarios::Scenario& scenario, const experiments::Study& study,
                                   const experiments::StudyResults& results,
                                   const std::vector<experiments::ClaimCheck>& checks) {
  nlohmann::ordered_json j;
  j["adsim_version"] = ADSIM_VERSION;
  j["lesson"] = scenario.name;
  j["file"] = scenario.source_path;
  j["sha256"] = sha256_hex(scenario.source_text);
  j["seeds"] = study.seeds;
  j["baseline"] = results.variants[static_cast<std::size_t>(results.baseline)].name;
  j["claims"] = nlohmann::ordered_json::array();
  for (const experiments::ClaimCheck& c : checks) {
    j["claims"].push_back({{"text", c.claim.text},
                           {"variant", c.claim.variant},
                           {"metric", c.claim.metric},
                           {"direction", c.claim.direction},
                           {"min_effect", c.claim.min_effect},
                           {"value", c.claim.absolute() ? number_or_null(c.claim.value) : nlohmann::ordered_json()},
                           {"variant_mean_over_seeds", number_or_null(c.summary.mean)},
                           {"variant_ci_low", number_or_null(c.summary.ci_low)},
                           {"variant_ci_high", number_or_null(c.summary.ci_high)},
                           {"pairs", c.paired.n},
                           {"baseline_mean", number_or_null(c.paired.baseline_mean)},
                           {"variant_mean", number_or_null(c.paired.variant_mean)},
                           {"relative_change", number_or_null(c.relative)},
                           {"relative_ci_low", number_or_null(c.relative_low)},
                           {"relative_ci_high", number_or_null(c.relative_high)},
                           {"p_holm", number_or_null(c.p_holm)},
                           {"verdict", c.verdict},
                           {"why", c.why}});
  }
  return j;
}

// One lesson: runs its study and prints its claims; returns the exit code.
int check_lesson(const std::string& name, const LessonOptions& o, std::ostream& out, std::ostream& err,
                 const std::atomic<bool>* stop) {
  scenarios::Scenario scenario;
  if (const int code = load_scenario(name, {}, err, scenario); code != kExitOk) return code;
  if (scenario.experiment.claims.empty()) {
    err << fmt::format("adsim lesson: {} states no claims yet (it has no [[experiment.claim]])\n", name);
    return kExitBadInput;
  }
  experiments::Study study;
  try {
    experiments::StudyArgs args;
    args.seeds = o.seeds;
    study = experiments::make_study(experiments::StudyKind::kCompare, scenario, args);
    experiments::check_claims_are_well_formed(study, scenario.experiment.claims);
  } catch (const experiments::StudyError& e) {
    err << e.what() << "\n";
    return kExitBadInput;
  }
  const std::size_t cells = study.variants.size() * study.seeds.size();
  const std::size_t jobs = o.jobs > 0 ? static_cast<std::size_t>(o.jobs) : std::max(1u, std::thread::hardware_concurrency());
  if (const MemoryFit fit = check_study_memory(study, std::min(jobs, cells), o.memory_limit); !fit.fits) {
    err << fit.problem << "\n";
    return kExitBadInput;
  }
  std::optional<store::ResultStore> store;
  try {
    store.emplace(o.db.empty() ? store::ResultStore::open_in_memory() : store::ResultStore::open(o.db));
  } catch (const store::ResultStoreError& e) {
    err << "adsim: " << e.what() << "\n";
    return kExitBadInput;
  }
  const auto start = std::chrono::steady_clock::now();
  auto executor = experiments::make_thread_executor(study, std::min(jobs, cells), stop);
  experiments::StudyRunOptions run_options;
  run_options.stop = stop;
  const experiments::StudyRun run = experiments::run_study(study, *store, *executor, run_options);
  executor.reset();
  if (run.stopped) {
    err << "adsim lesson: interrupted; nothing was judged\n";
    return kExitInterrupted;
  }
  const experiments::StudyResults results = experiments::analyze(*store, run.experiment.experiment_id, study.seeds);
  if (!o.db.empty())
    store->write_experiment_results(run.experiment.experiment_id, experiments::summary_rows(results),
                                    experiments::comparison_rows(results));
  const auto checks = experiments::check_claims(results, scenario.experiment.claims);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  int failed = 0;
  for (const experiments::ClaimCheck& c : checks) failed += c.verdict == "holds" ? 0 : 1;
  if (!run.failures.empty()) {
    err << fmt::format("adsim lesson: {} run(s) failed, e.g. {}\n", run.failures.size(), run.failures.front());
    return kExitInternal;
  }
  if (o.json) {
    out << lesson_json(scenario, study, results, checks).dump(2) << "\n";
    return failed == 0 ? kExitOk : kExitInternal;
  }
  out << fmt::format("{}: {} claim{} over seeds {} ({} runs, {:.1f} s)\n", scenario.name, checks.size(),
                     checks.size() == 1 ? "" : "s", experiments::seeds_text(study.seeds), run.progress.done +
                     run.progress.already, seconds);
  for (const experiments::ClaimCheck& c : checks) {
    out << fmt::format("  {:<13} {}\n", c.verdict, c.claim.text);
    const std::string against =
        c.claim.absolute() ? std::string() : " vs. " + results.variants[static_cast<std::size_t>(results.baseline)].name;
    out << fmt::format("  {:<13} {} ({}), {}{}: {}\n", "", c.metric->label, c.metric->unit, c.claim.variant, against,
                       c.why);
  }
  return failed == 0 ? kExitOk : kExitInternal;
}

}  // namespace

int run_lesson_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
                   const std::atomic<bool>* stop) {
  po::options_description opts("Options");
  LessonOptions o;
  std::string name;
  opts.add_options()("help,h", "")("all", "")("seeds", po::value(&o.seeds), "")("jobs", po::value(&o.jobs), "")(
      "db", po::value(&o.db), "")("json", "")("name", po::value(&name), "")("memory-limit", po::value(&o.memory_limit), "");
  po::positional_options_description pos;
  pos.add("name", 1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(opts).positional(pos).run(), vm);
    po::notify(vm);
    if (vm.count("jobs") && (o.jobs < 1 || o.jobs > 1024)) throw po::error("--jobs: give 1 to 1024 threads");
    if (const auto problem = memory_limit_problem(o.memory_limit)) throw po::error(*problem);
  } catch (const po::error& e) {
    err << "adsim lesson: " << e.what() << "\nRun 'adsim lesson --help' for usage.\n";
    return kExitBadInput;
  }
  if (vm.count("help")) {
    out << kLessonUsage;
    return kExitOk;
  }
  o.json = vm.count("json") > 0;
  if (o.json && vm.count("all")) {
    err << "adsim lesson: --json takes one lesson\n";
    return kExitBadInput;
  }
  if (vm.count("all") == (name.empty() ? 0u : 1u)) {
    err << "adsim lesson: give a lesson's name, or --all\n" << kLessonUsage;
    return kExitBadInput;
  }
  if (!name.empty()) return check_lesson(name, o, out, err, stop);
  if (!o.db.empty()) {
    err << "adsim lesson: --db takes one lesson (each lesson is its own study)\n";
    return kExitBadInput;
  }
  const std::vector<std::filesystem::path> bundled = bundled_scenarios();
  if (bundled.empty()) {
    err << bundled_dir_problem();
    return kExitInternal;
  }
  int worst = kExitOk;
  std::size_t checked = 0;
  for (const auto& path : bundled) {
    scenarios::Scenario s;
    std::ostringstream quiet;
    if (load_scenario(path.string(), {}, quiet, s) != kExitOk || s.experiment.claims.empty()) continue;
    ++checked;
    const int code = check_lesson(path.string(), o, out, err, stop);
    if (code == kExitInterrupted || code == kExitBadInput) return code;
    worst = std::max(worst, code);
  }
  out << fmt::format("{} lesson{} checked: {}\n", checked, checked == 1 ? "" : "s",
                     worst == kExitOk ? "every claim holds" : "some claims do not hold");
  return worst;
}

}  // namespace adsim::cli
