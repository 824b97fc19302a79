#include "cli/study_commands.hpp"

#include <unistd.h>

#include <chrono>
#include <functional>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <thread>

#include <boost/program_options.hpp>
#include <fmt/format.h>

#include "cli/cli_app.hpp"
#include "cli/prediction_export.hpp"
#include "cli/scenario_files.hpp"
#include "cli/study_report.hpp"
#include "experiments/analysis.hpp"
#include "experiments/mpi_runner.hpp"
#include "experiments/runner.hpp"
#include "experiments/study.hpp"
#include "scenarios/did_you_mean.hpp"
#include "scenarios/scenario_loader.hpp"

namespace adsim::cli {
namespace po = boost::program_options;

namespace {

constexpr const char* kStudyUsage = R"(Usage:
  adsim sweep SCENARIO [--vary KEY=V1,V2,...]... [--zip] [--seeds SPEC] [options]
  adsim compare SCENARIO [--variant NAME:KEY=VALUE[,KEY=VALUE...]]... [--seeds SPEC] [options]

sweep runs every combination of the --vary values (or, with --zip, the values paired in order);
compare runs each --variant against the scenario as written, paired by seed. Without --vary or
--variant, both run the [experiment] table of the scenario file. Every value is checked before
anything runs. Each run is single-threaded and deterministic: results do not depend on --jobs.

Options:
  --vary KEY=V1,V2,...  a factor and its values (TOML values; commas inside [ ] or quotes are kept)
  --zip                 pair the factors' values instead of running their full grid
  --variant NAME:KEY=VALUE[,KEY=VALUE...]  a named variant (compare)
  --seeds SPEC          replications: a count (20: seeds 1-20), a range (5-24) or a list (1,5,9);
                        default: the [experiment] table's, else 5
  --baseline NAME       the variant the others are compared with ("scenario": the scenario as
                        written); default: the scenario for compare, none for a sweep of factors
  --jobs N              runs in parallel (default: the number of cores; 1 to 1024)
  --memory-limit SIZE   refuse (exit 2) a study whose runs in flight would need more memory
                        than SIZE (e.g. 8G; default: what is available now; 'off': never)
  --db FILE             record the study in this SQLite file (created if missing); running the
                        same study again with the same file resumes it: completed runs are kept,
                        the others run again. Without --db nothing is saved.
  --set KEY=VALUE       override a scenario key for every variant (repeatable)
  --name NAME           the study's name (default: the [experiment] name, else the scenario's)
  --metrics M1,M2,...   show only these metrics (all are stored); see docs/experiments.md
  --auction-log         also store each run's sampled auctions (auction_requests/candidates)
  --spend-curves        also store each campaign's spend and plan per interval (campaign_spend)
                        Both are left out by default: they are most of a run's rows. Every run's
                        summary, time series, slots and campaign totals are always stored.
  --json                print the results as one JSON object
  -q, --quiet           no progress on stderr
  -v, --verbose, --log-level L   logging, as for adsim run

Under mpirun (a build with MPI), rank 0 owns the database and hands runs to the other ranks:
  mpirun --enable-recovery -np 17 adsim sweep SCENARIO --vary ... --db results.db
  --rank-timeout S      a worker rank silent for S seconds (default 60) is taken for dead and its
                        run is handed to another rank (needs mpirun --enable-recovery; without it
                        Open MPI ends the whole job when a rank dies: run the command again to
                        resume)

Exit codes: 0 ok, 2 bad input (nothing has run or been written), 1 a run failed or an internal
error, 130 interrupted by Ctrl-C (finished runs are saved; run the same command to resume).
)";

constexpr const char* kExportUsage = R"(Usage:
  adsim export DB --list
  adsim export DB [--experiment ID] --csv [--table runs|summary|comparisons] [-o FILE]
  adsim export DB --run ID --csv [--table predictions] [-o FILE]

Writes a study recorded by sweep or compare as CSV (default: the latest study in the file):
  runs         one row per run: experiment, run, variant, replication, seed, status, the variant's
               parameters and every metric (one column each) - ready for pandas or a spreadsheet
  summary      per variant and metric: n, mean, sd, 95% CI, best/worst
  comparisons  per variant and metric against the baseline: paired difference, 95% CI, relative
               change, p-value, Holm-adjusted p-value, verdict
--list prints the studies in the file.

With --run, one run's prediction log (a run recorded with --set run.prediction_log_rate=R):
  predictions  one row per logged impression: ids, times, slot, surface, raw_score, served_pctr,
               prediction (what the run's click-model metrics scored), label (the attributed click
               they scored it against) and user_clicked (the truth) - the CSV adsim eval reads:
                 adsim export results.db --run 1 --csv | adsim eval - --bins B --range-max P
               with B and P the run's model.reliability_bins and model.reliability_max. At
               run.prediction_log_rate = 1 it reproduces the run's model metrics.
)";

constexpr long long kMaxJobs = 1024;  // threads in one process; more machines are MPI's job

struct StudyOptions {
  std::string scenario;
  std::vector<std::string> overrides;
  experiments::StudyArgs study;
  long long jobs = 0;  // signed: Boost would read "-1" into an unsigned as 4294967295
  std::string db;
  std::string metrics;
  std::string log_level = "warn";
  std::string memory_limit;
  experiments::MpiOptions mpi;
  bool json = false, quiet = false, verbose = false, help = false;
};

// Parses the options of sweep / compare; returns an exit code when it should stop here.
std::optional<int> parse_study_options(std::string_view command, const std::vector<std::string>& args,
                                       StudyOptions& o, std::ostream& out, std::ostream& err) {
  po::options_description opts("Options");
  opts.add_options()
      ("help,h", "")
      ("vary", po::value(&o.study.vary)->composing(), "")
      ("zip", "")
      ("variant", po::value(&o.study.variants)->composing(), "")
      ("seeds", po::value(&o.study.seeds), "")
      ("baseline", po::value(&o.study.baseline), "")
      ("jobs,j", po::value(&o.jobs), "")
      ("db", po::value(&o.db), "")
      ("set", po::value(&o.overrides)->composing(), "")
      ("name", po::value(&o.study.name), "")
      ("metrics", po::value(&o.metrics), "")
      ("auction-log", "")
      ("spend-curves", "")
      ("rank-timeout", po::value(&o.mpi.rank_timeout_seconds), "")
      ("json", "")
      ("quiet,q", "")
      ("verbose,v", "")
      ("log-level", po::value(&o.log_level), "")
      ("memory-limit", po::value(&o.memory_limit), "")
      ("scenario", po::value(&o.scenario), "");
  po::positional_options_description pos;
  pos.add("scenario", 1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(opts).positional(pos).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    err << "adsim " << command << ": " << e.what() << "\nRun 'adsim " << command << " --help' for usage.\n";
    return kExitBadInput;
  }
  if (vm.count("help")) {
    out << kStudyUsage;
    return kExitOk;
  }
  o.study.zip = vm.count("zip") > 0;
  o.study.detail.auction_log = vm.count("auction-log") > 0;
  o.study.detail.spend_curves = vm.count("spend-curves") > 0;
  o.json = vm.count("json") > 0;
  o.quiet = vm.count("quiet") > 0;
  o.verbose = vm.count("verbose") > 0;
  if (o.scenario.empty()) {
    err << "adsim " << command << ": needs a scenario file or bundled name\n" << kStudyUsage;
    return kExitBadInput;
  }
  if (command == "sweep" && !o.study.variants.empty()) {
    err << "adsim sweep: --variant belongs to adsim compare; a sweep varies factors with --vary\n";
    return kExitBadInput;
  }
  if (command == "compare" && (!o.study.vary.empty() || o.study.zip)) {
    err << "adsim compare: --vary and --zip belong to adsim sweep; compare takes --variant NAME:KEY=VALUE\n";
    return kExitBadInput;
  }
  if (!(o.mpi.rank_timeout_seconds > 0)) {
    err << "adsim " << command << ": --rank-timeout must be a positive number of seconds\n";
    return kExitBadInput;
  }
  if (vm.count("jobs") && (o.jobs < 1 || o.jobs > kMaxJobs)) {
    err << "adsim " << command << ": --jobs must be from 1 to " << kMaxJobs << ", got " << o.jobs << "\n";
    return kExitBadInput;
  }
  if (const auto problem = memory_limit_problem(o.memory_limit)) {
    err << "adsim " << command << ": " << *problem << "\n";
    return kExitBadInput;
  }
  return std::nullopt;
}

// Runs in parallel: --jobs, else one per core.
std::size_t study_jobs(const StudyOptions& o) {
  return o.jobs > 0 ? static_cast<std::size_t>(o.jobs) : std::max(1u, std::thread::hardware_concurrency());
}

// The --metrics names, checked against the study metrics.
std::optional<MetricFilter> metric_filter(const std::string& list, std::ostream& err) {
  MetricFilter filter;
  if (list.empty()) return filter;
  std::vector<std::string> known;
  for (const auto& m : experiments::study_metrics()) known.push_back(m.name);
  std::istringstream names(list);
  for (std::string name; std::getline(names, name, ',');) {
    name.erase(0, name.find_first_not_of(" \t"));
    name.erase(name.find_last_not_of(" \t") + 1);
    if (experiments::find_metric(name) == nullptr) {
      const auto guess = scenarios::closest_word(name, known);
      std::string all;
      for (const auto& k : known) all += (all.empty() ? "" : ", ") + k;
      err << fmt::format("adsim: --metrics: unknown metric '{}'{} (the metrics: {})\n", name,
                         guess ? " — did you mean '" + *guess + "'?" : "", all);
      return std::nullopt;
    }
    filter.names.push_back(name);
  }
  return filter;
}

// Progress on stderr: a line rewritten in place on a terminal (at most twice a second); whole lines
// every five seconds otherwise (logs, CI, files), and always the final one.
class ProgressPrinter {
 public:
  ProgressPrinter(std::ostream& err, bool terminal) : err_(err), terminal_(terminal) {}
  void operator()(const experiments::StudyProgress& p, bool final) {
    const auto now = std::chrono::steady_clock::now();
    const auto every = terminal_ ? std::chrono::milliseconds(500) : std::chrono::milliseconds(5'000);
    if (!final && printed_ && now - last_ < every) return;
    if (!final && !printed_ && p.elapsed_seconds < (terminal_ ? 0.5 : 2.0)) return;
    last_ = now;
    printed_ = true;
    if (terminal_) err_ << "\r" << progress_line(p) << "\x1b[K" << (final ? "\n" : "") << std::flush;
    else err_ << progress_line(p) << "\n" << std::flush;
  }

 private:
  std::ostream& err_;
  bool terminal_;
  bool printed_ = false;
  std::chrono::steady_clock::time_point last_{};
};

bool is_terminal(const std::ostream& err) { return &err == &std::cerr && ::isatty(2) == 1; }

int open_store(const std::string& db, std::optional<store::ResultStore>& store, std::ostream& err) {
  try {
    store.emplace(db.empty() ? store::ResultStore::open_in_memory() : store::ResultStore::open(db));
  } catch (const store::ResultStoreError& e) {
    err << "adsim: " << e.what() << "\n";
    return kExitBadInput;
  }
  return kExitOk;
}

int run_study_cli(std::string_view command, const std::vector<std::string>& args, std::ostream& out_stream,
                  std::ostream& err_stream, const std::atomic<bool>* stop) {
  // Under mpirun every rank runs this command; only rank 0 speaks.
  experiments::MpiWorld mpi;
  std::ostream silent(nullptr);
  std::ostream& out = mpi.rank() == 0 ? out_stream : silent;
  std::ostream& err = mpi.rank() == 0 ? err_stream : silent;
  StudyOptions o;
  if (auto code = parse_study_options(command, args, o, out, err)) return *code;
  configure_logging(o.log_level, o.verbose);
  const auto filter = metric_filter(o.metrics, err);
  if (!filter) return kExitBadInput;

  // 1. The whole study is checked before anything is written or run.
  experiments::Study study;
  int checked = kExitOk;
  scenarios::Scenario base;
  checked = load_scenario(o.scenario, o.overrides, err, base);
  if (checked == kExitOk) {
    try {
      study = experiments::make_study(command == "sweep" ? experiments::StudyKind::kSweep
                                                         : experiments::StudyKind::kCompare,
                                      base, o.study);
    } catch (const experiments::StudyError& e) {
      err << e.what() << "\n";
      checked = kExitBadInput;
    }
  }
  if (checked == kExitOk) {  // each machine checks its own memory: under MPI a rank runs one cell at a time
    const std::size_t cells = study.variants.size() * study.seeds.size();
    const MemoryFit fit = check_study_memory(study, mpi.size() > 1 ? 1 : std::min(study_jobs(o), cells), o.memory_limit);
    if (!fit.fits) {
      err << fit.problem << "\n";
      checked = kExitBadInput;
    }
  }
  if (mpi.size() > 1) {
    // Only cell numbers travel: every rank must have planned the same study (the same scenario
    // file, options and adsim on every machine), or runs would be stored under the wrong variant.
    const std::string fingerprint =
        checked == kExitOk ? experiments::definition_text(study) + "|" + experiments::seeds_text(study.seeds) : "";
    const bool same = mpi.same_on_every_rank(fingerprint);
    if (checked != kExitOk) return checked;
    if (!same) {
      err << "adsim: the MPI ranks do not agree on the study: every machine needs the same adsim, scenario file "
             "and options; nothing was run\n";
      return kExitBadInput;
    }
    if (mpi.rank() != 0) return experiments::serve_mpi_worker(study, mpi, stop, o.mpi);
  }
  if (checked != kExitOk) return checked;

  std::optional<store::ResultStore> store;
  if (const int code = open_store(o.db, store, err); code != kExitOk) {
    mpi.abort_workers();
    return code;
  }

  // 2. The runs. From here on a failure is ours; finished runs are in the file.
  try {
    const std::size_t cells = study.variants.size() * study.seeds.size();
    std::unique_ptr<experiments::CellExecutor> executor =
        mpi.size() > 1 ? experiments::make_mpi_executor(study, mpi, stop, o.mpi)
                       : experiments::make_thread_executor(study, std::min(study_jobs(o), cells), stop);
    ProgressPrinter printer(err, is_terminal(err));
    experiments::StudyRunOptions run_options;
    run_options.stop = stop;
    if (!o.quiet) run_options.on_progress = [&](const experiments::StudyProgress& p, bool final) { printer(p, final); };
    const experiments::StudyRun run = experiments::run_study(study, *store, *executor, run_options);
    executor.reset();  // workers finish (MPI ranks are released) before the statistics

    const experiments::StudyResults results = experiments::analyze(*store, run.experiment.experiment_id, study.seeds);
    if (!o.db.empty())
      store->write_experiment_results(run.experiment.experiment_id, experiments::summary_rows(results),
                                      experiments::comparison_rows(results));
    if (o.json) {
      auto j = study_json(results, *filter);
      j["invocation"] = {{"database", o.db.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(o.db)},
                         {"ran", run.progress.done},
                         {"already_done", run.progress.already},
                         {"failed", run.progress.failed},
                         {"interrupted", run.progress.interrupted},
                         {"stopped", run.stopped},
                         {"executor", run.progress.executor},
                         {"wall_seconds", run.wall_seconds},
                         {"run_seconds", run.run_seconds},
                         {"coordinator_seconds", run.coordinator_seconds},
                         {"worker_store_seconds", run.worker_store_seconds}};
      out << j.dump(2) << "\n";
    } else {
      out << study_table(results, *filter);
      out << "\n" << study_run_line(run);
    }
    if (o.db.empty()) err << "adsim: results are not saved: add --db FILE to keep them and to resume a study\n";
    else err << fmt::format("results: {} (experiment {})\n", o.db, run.experiment.experiment_id);
    for (const auto& f : run.failures) err << "adsim: run failed: " << f << "\n";
    if (run.stopped || run.progress.interrupted > 0) {
      err << "adsim: interrupted; finished runs are saved" << (o.db.empty() ? "" : ": run the same command to resume") << "\n";
      return mpi.end(kExitInterrupted);
    }
    return mpi.end(run.progress.failed > 0 || run.unstarted > 0 ? kExitInternal : kExitOk);
  } catch (const std::exception& e) {
    err << "adsim: internal error: " << e.what() << "\n";
    return mpi.end(kExitInternal);
  }
}

// --- export

int list_experiments(const store::ResultStore& results, std::ostream& out) {
  const auto experiments = results.read_experiments();
  if (experiments.empty()) {
    out << "no studies in this file (adsim sweep / adsim compare record them with --db)\n";
    return kExitOk;
  }
  out << fmt::format("{:>4}  {:<24} {:<8} {:<22} {:>8} {:>10}  {}\n", "id", "name", "kind", "scenario", "variants",
                     "completed", "created");
  for (const auto& e : experiments) {
    std::size_t completed = 0;
    for (const auto& r : results.read_experiment_runs(e.experiment_id))
      completed += r.status == store::RunStatus::kCompleted ? 1 : 0;
    out << fmt::format("{:>4}  {:<24} {:<8} {:<22} {:>8} {:>10}  {}\n", e.experiment_id, e.name, e.kind,
                       e.scenario_name, results.read_variants(e.experiment_id).size(), completed, e.created_at);
  }
  return kExitOk;
}

// Writes `text` to `output` (empty or "-": stdout).
int write_export(const std::string& output, const std::function<void(std::ostream&)>& text, std::ostream& out,
                 std::ostream& err) {
  if (output.empty() || output == "-") {
    text(out);
    return kExitOk;
  }
  std::ofstream file(output, std::ios::binary | std::ios::trunc);
  if (file) text(file);
  if (!file || !file.flush()) {
    err << "adsim export: cannot write '" << output << "'\n";
    return kExitBadInput;
  }
  return kExitOk;
}

// adsim export DB --run ID: the run's prediction log, checked before anything is written.
int export_run(const store::ResultStore& results, const std::string& db, std::int64_t run_id,
               const std::string& output, std::ostream& out, std::ostream& err) {
  std::vector<store::PredictionLogRow> rows;
  try {
    rows = prediction_log_to_export(results, db, run_id);
  } catch (const PredictionExportError& e) {
    err << "adsim export: " << e.what() << "\n";
    return kExitBadInput;
  }
  return write_export(output, [&](std::ostream& o) { write_predictions_csv(rows, o); }, out, err);
}

// The options that choose what to export, checked together; a message when they do not fit.
std::optional<std::string> export_choice_error(const po::variables_map& vm, const std::string& table) {
  if (!vm.count("list") && !vm.count("csv")) return "choose --csv (or --list to see the studies in the file)";
  if (vm.count("run")) {
    if (vm.count("list") || vm.count("experiment")) return "--run exports one run: leave out --list and --experiment";
    if (table != "predictions") return "--run exports the table predictions, got --table '" + table + "'";
    return std::nullopt;
  }
  if (table == "predictions") return "--table predictions needs --run ID (the run whose prediction log to export)";
  if (table != "runs" && table != "summary" && table != "comparisons")
    return "--table must be runs, summary or comparisons (or predictions with --run), got '" + table + "'";
  return std::nullopt;
}

int run_export_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  po::options_description opts("Options");
  std::string db, table, output;
  std::int64_t experiment_id = 0, run_id = 0;
  opts.add_options()("help,h", "")("list", "")("csv", "")("experiment", po::value(&experiment_id), "")(
      "run", po::value(&run_id), "")("table", po::value(&table), "")("output,o", po::value(&output), "")(
      "db", po::value(&db), "");
  po::positional_options_description pos;
  pos.add("db", 1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(opts).positional(pos).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    err << "adsim export: " << e.what() << "\nRun 'adsim export --help' for usage.\n";
    return kExitBadInput;
  }
  if (vm.count("help")) {
    out << kExportUsage;
    return kExitOk;
  }
  if (db.empty()) {
    err << "adsim export: needs a results database\n" << kExportUsage;
    return kExitBadInput;
  }
  if (table.empty()) table = vm.count("run") ? "predictions" : "runs";
  if (const auto why = export_choice_error(vm, table)) {
    err << "adsim export: " << *why << "\n";
    return kExitBadInput;
  }
  std::optional<store::ResultStore> store;
  try {
    store.emplace(store::ResultStore::open(db, store::ResultStore::Mode::kReadOnly));
  } catch (const store::ResultStoreError& e) {
    err << "adsim: " << e.what() << "\n";
    return kExitBadInput;
  }
  try {
    if (vm.count("run")) return export_run(*store, db, run_id, output, out, err);
    if (vm.count("list")) return list_experiments(*store, out);
    if (experiment_id == 0) {
      const auto all = store->read_experiments();
      if (all.empty()) {
        err << "adsim export: " << db << " holds no study (adsim sweep / adsim compare record them with --db)\n";
        return kExitBadInput;
      }
      experiment_id = all.back().experiment_id;
    } else if (!store->read_experiment(experiment_id)) {
      err << fmt::format("adsim export: {} has no experiment {} (see adsim export {} --list)\n", db, experiment_id, db);
      return kExitBadInput;
    }
    std::string csv;
    if (table == "runs") csv = runs_csv(*store, experiment_id);
    else if (table == "summary") csv = summary_csv(experiments::analyze(*store, experiment_id));
    else csv = comparisons_csv(experiments::analyze(*store, experiment_id));
    return write_export(output, [&](std::ostream& o) { o << csv; }, out, err);
  } catch (const std::exception& e) {
    err << "adsim: internal error: " << e.what() << "\n";
    return kExitInternal;
  }
}

}  // namespace

bool is_study_command(std::string_view command) {
  return command == "sweep" || command == "compare" || command == "export";
}

int run_study_command(std::string_view command, const std::vector<std::string>& args, std::ostream& out,
                      std::ostream& err, const std::atomic<bool>* stop) {
  if (command == "export") return run_export_cli(args, out, err);
  return run_study_cli(command, args, out, err, stop);
}

}  // namespace adsim::cli
