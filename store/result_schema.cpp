#include "store/result_schema.hpp"

#include <array>
#include <charconv>
#include <stdexcept>
#include <system_error>

namespace adsim::store::result_schema {

std::string_view sql_type_name(SqlType type) {
  switch (type) {
    case SqlType::kInteger: return "INTEGER";
    case SqlType::kReal: return "REAL";
    case SqlType::kText: return "TEXT";
  }
  return "BLOB";
}

void bind_value(SQLite::Statement& statement, int index, const Value& value) {
  struct Binder {
    SQLite::Statement& s;
    int i;
    void operator()(std::monostate) const { s.bind(i); }
    void operator()(std::int64_t v) const { s.bind(i, v); }
    void operator()(double v) const { s.bind(i, v); }
    void operator()(const std::string& v) const { s.bind(i, v); }
  };
  std::visit(Binder{statement, index}, value);
}

namespace {

// The table that owns a child row's run_id: deleting a run (with PRAGMA foreign_keys=ON) deletes
// its rows everywhere.
constexpr const char* kRunForeignKey = "FOREIGN KEY (run_id) REFERENCES runs(run_id) ON DELETE CASCADE";

Table<RunRow> make_runs() {
  using R = RunRow;
  Table<R> t;
  t.name = "runs";
  auto& c = t.columns;
  c.push_back(with_phase(integer<R>("run_id", [](auto& r) -> auto& { return r.run_id; },
                                    "PRIMARY KEY AUTOINCREMENT"),
                         kNever));
  c.push_back(text<R>("scenario_name", [](auto& r) -> auto& { return r.scenario_name; }, false, "NOT NULL"));
  c.push_back(text<R>("scenario_path", [](auto& r) -> auto& { return r.scenario_path; }, true));
  c.push_back(text<R>("scenario_text", [](auto& r) -> auto& { return r.scenario_text; }, false, "NOT NULL"));
  c.push_back(integer<R>("seed", [](auto& r) -> auto& { return r.seed; }));
  c.push_back(Column<R>{"overrides", SqlType::kText, "NOT NULL", 1, kAtInsert,
                        [](const R& r) { return Value{to_json_array(r.overrides)}; },
                        [](R& r, const SQLite::Column& col) {
                          r.overrides = col.isNull() ? std::vector<std::string>{} : from_json_array(col.getString());
                        }});
  c.push_back(with_phase(
      Column<R>{"status", SqlType::kText,
                "NOT NULL CHECK (status IN ('running', 'completed', 'interrupted', 'failed'))", 1, kAtInsert,
                [](const R& r) { return Value{std::string(to_string(r.status))}; },
                [](R& r, const SQLite::Column& col) { r.status = run_status_from_string(col.getString()); }},
      kAtInsert | kAtFinish));
  c.push_back(text<R>("started_at", [](auto& r) -> auto& { return r.started_at; }, false, "NOT NULL"));
  c.push_back(with_phase(text<R>("finished_at", [](auto& r) -> auto& { return r.finished_at; }, true), kAtFinish));
  c.push_back(with_phase(real<R>("wall_seconds", [](auto& r) -> auto& { return r.wall_seconds; }), kAtFinish));
  c.push_back(real<R>("planned_days", [](auto& r) -> auto& { return r.planned_days; }));
  c.push_back(integer<R>("snapshot_interval_us", [](auto& r) -> auto& { return r.snapshot_interval_us; }));
  c.push_back(real<R>("auction_log_rate", [](auto& r) -> auto& { return r.auction_log_rate; }));
  c.push_back(added_in(7, real<R>("prediction_log_rate", [](auto& r) -> auto& { return r.prediction_log_rate; })));
  c.push_back(text<R>("adsim_version", [](auto& r) -> auto& { return r.adsim_version; }, false, "NOT NULL"));
  c.push_back(with_phase(text<R>("error_message", [](auto& r) -> auto& { return r.error_message; }, true), kAtFinish));
  c.push_back(added_in(3, text<R>("kind", [](auto& r) -> auto& { return r.kind; }, true)));
  // Summary: NULL while running.
  auto summary = [&](Column<R> col) {
    col.constraint.clear();
    c.push_back(with_phase(std::move(col), kAtFinish));
  };
  summary(integer<R>("simulated_us", [](auto& r) -> auto& { return r.simulated_us; }));
  summary(integer<R>("events", [](auto& r) -> auto& { return r.events; }));
  summary(integer<R>("intervals", [](auto& r) -> auto& { return r.intervals; }));
  summary(integer<R>("auction_samples", [](auto& r) -> auto& { return r.auction_samples; }));
  summary(added_in(7, integer<R>("prediction_samples", [](auto& r) -> auto& { return r.prediction_samples; })));
  summary(integer<R>("users", [](auto& r) -> auto& { return r.users; }));
  summary(integer<R>("active_users", [](auto& r) -> auto& { return r.active_users; }));
  summary(real<R>("mean_fatigue", [](auto& r) -> auto& { return r.mean_fatigue; }));
  add_counter_columns<R>(c, [](auto& r) -> auto& { return r.totals; }, "", kAtFinish);
  add_rate_columns<R>(
      c, [](auto& r) -> auto& { return r.totals; }, [](auto& r) -> auto& { return r.rates; }, kAtFinish);
  add_model_columns<R>(c, [](auto& r) -> auto& { return r.model; }, kAtFinish);
  // Version 3: auto-bidding over the run (all 0 when no campaign auto-bids).
  summary(added_in(3, integer<R>("auto_bid_campaigns", [](auto& r) -> auto& { return r.auto_bid.campaigns; })));
  summary(added_in(3, integer<R>("auto_bid_violating", [](auto& r) -> auto& { return r.auto_bid.violating; })));
  summary(added_in(3, real<R>("auto_bid_mean_violation", [](auto& r) -> auto& { return r.auto_bid.mean_violation; })));
  summary(added_in(3, real<R>("auto_bid_max_violation", [](auto& r) -> auto& { return r.auto_bid.max_violation; })));
  // Version 5: ads that arrived during the run (all 0, and NULL ratios, when none did).
  summary(added_in(5, integer<R>("new_ads", [](auto& r) -> auto& { return r.new_ads.ads; })));
  summary(added_in(5, integer<R>("new_ad_impressions", [](auto& r) -> auto& { return r.new_ads.impressions; })));
  summary(added_in(5, integer<R>("new_ad_clicks", [](auto& r) -> auto& { return r.new_ads.clicks; })));
  summary(added_in(5, integer<R>("new_ad_revenue_micros", [](auto& r) -> auto& { return r.new_ads.revenue.micros; })));
  summary(added_in(5, integer<R>("new_ads_clicked", [](auto& r) -> auto& { return r.new_ads.clicked; })));
  summary(added_in(5, real<R>("new_ad_median_hours_to_first_click",
                              [](auto& r) -> auto& { return r.new_ads.median_hours_to_first_click; })));
  summary(added_in(5, real<R>("new_ad_ctr_error", [](auto& r) -> auto& { return r.new_ads.ctr_error; })));
  summary(added_in(5, real<R>("new_ad_ctr_rank_correlation",
                              [](auto& r) -> auto& { return r.new_ads.ctr_rank_correlation; })));
  // Version 5: the arms of an in-simulation A/B test (all 0 without one).
  for (std::size_t arm = 0; arm < 2; ++arm) {
    static constexpr const char* kArm[] = {"ab_control_", "ab_treatment_"};
    const std::string p = kArm[arm];
    summary(added_in(5, integer<R>(p + "users", [arm](auto& r) -> auto& { return r.arms[arm].users; })));
    summary(added_in(5, integer<R>(p + "requests", [arm](auto& r) -> auto& { return r.arms[arm].requests; })));
    summary(added_in(5, integer<R>(p + "impressions", [arm](auto& r) -> auto& { return r.arms[arm].impressions; })));
    summary(added_in(5, integer<R>(p + "clicks", [arm](auto& r) -> auto& { return r.arms[arm].clicks; })));
    summary(added_in(5, integer<R>(p + "revenue_micros", [arm](auto& r) -> auto& { return r.arms[arm].revenue.micros; })));
  }
  // Version 6: off-policy evaluation (all 0 without model.ope_target): the sums the estimates are
  // made of (core::OffPolicyTotals), so that each can be recomputed.
  {
    using O = core::OffPolicyTotals;
    auto ope_int = [&](const char* name, std::uint64_t O::*member) {
      summary(added_in(6, integer<R>(name, [member](auto& r) -> auto& { return r.off_policy.*member; })));
    };
    auto ope_real = [&](const char* name, double O::*member) {
      summary(added_in(6, real<R>(name, [member](auto& r) -> auto& { return r.off_policy.*member; })));
    };
    ope_int("ope_requests", &O::requests);
    ope_int("ope_matches", &O::matches);
    ope_real("ope_reward", &O::reward);
    ope_real("ope_true_value", &O::true_value);
    ope_real("ope_weight", &O::weight);
    ope_real("ope_ips", &O::ips);
    ope_real("ope_ips_sq", &O::ips_sq);
    ope_real("ope_dm", &O::dm);
    ope_real("ope_dr", &O::dr);
    ope_real("ope_dr_sq", &O::dr_sq);
  }
  // Version 7: Smart Pacing's average pacing error over the campaigns (NULL: none had a plan).
  summary(added_in(7, real<R>("smart_pacing_error", [](auto& r) -> auto& { return r.smart_pacing_error; })));
  // Version 8: the click model's cold start and, for models retrained on a schedule, its training.
  summary(added_in(8, integer<R>("model_prior_predictions", [](auto& r) -> auto& { return r.prior_predictions; })));
  summary(added_in(8, integer<R>("model_retrains", [](auto& r) -> auto& { return r.model_training.retrains; })));
  summary(added_in(8, integer<R>("model_window_examples",
                                 [](auto& r) -> auto& { return r.model_training.last_window_examples; })));
  summary(added_in(8, real<R>("model_train_wall_seconds",
                              [](auto& r) -> auto& { return r.model_training.train_wall_seconds; })));
  summary(added_in(8, real<R>("model_staleness_seconds",
                              [](auto& r) -> auto& { return r.model_training.mean_staleness_seconds; })));
  // Version 4: the study the run belongs to (NULL for a run outside a study).
  c.push_back(added_in(4, integer_or_null<R>("experiment_id", [](auto& r) -> auto& { return r.experiment_id; }, 0)));
  c.push_back(added_in(4, integer_or_null<R>("variant_id", [](auto& r) -> auto& { return r.variant_id; }, 0)));
  c.push_back(added_in(4, integer_or_null<R>("replication", [](auto& r) -> auto& { return r.replication; }, 0)));
  t.indexes.push_back("runs_by_scenario ON runs (scenario_name, seed)");
  return t;
}

// Version 4: one row per metric of a run of a study (long format).
Table<RunMetricRow> make_run_metrics() {
  using R = RunMetricRow;
  Table<R> t;
  t.name = "run_metrics";
  t.since = 4;
  auto& c = t.columns;
  c.push_back(integer<R>("run_id", [](auto& r) -> auto& { return r.run_id; }));
  c.push_back(text<R>("metric", [](auto& r) -> auto& { return r.metric; }, false, "NOT NULL"));
  c.push_back(real<R>("value", [](auto& r) -> auto& { return r.value; }));  // NULL: undefined
  t.primary_key = {"run_id", "metric"};
  t.table_constraints = kRunForeignKey;
  t.without_rowid = true;
  return t;
}

Table<ExperimentRow> make_experiments() {
  using R = ExperimentRow;
  Table<R> t;
  t.name = "experiments";
  t.since = 4;
  auto& c = t.columns;
  c.push_back(with_phase(integer<R>("experiment_id", [](auto& r) -> auto& { return r.experiment_id; },
                                    "PRIMARY KEY AUTOINCREMENT"),
                         kNever));
  c.push_back(text<R>("name", [](auto& r) -> auto& { return r.name; }, false, "NOT NULL"));
  c.push_back(text<R>("kind", [](auto& r) -> auto& { return r.kind; }, false,
                      "NOT NULL CHECK (kind IN ('sweep', 'compare'))"));
  c.push_back(text<R>("scenario_name", [](auto& r) -> auto& { return r.scenario_name; }, false, "NOT NULL"));
  c.push_back(text<R>("scenario_path", [](auto& r) -> auto& { return r.scenario_path; }, true));
  c.push_back(text<R>("scenario_text", [](auto& r) -> auto& { return r.scenario_text; }, false, "NOT NULL"));
  c.push_back(Column<R>{"base_overrides", SqlType::kText, "NOT NULL", 1, kAtInsert,
                        [](const R& r) { return Value{to_json_array(r.base_overrides)}; },
                        [](R& r, const SQLite::Column& col) {
                          r.base_overrides = col.isNull() ? std::vector<std::string>{} : from_json_array(col.getString());
                        }});
  c.push_back(text<R>("definition", [](auto& r) -> auto& { return r.definition; }, false, "NOT NULL UNIQUE"));
  c.push_back(text<R>("created_at", [](auto& r) -> auto& { return r.created_at; }, false, "NOT NULL"));
  c.push_back(text<R>("adsim_version", [](auto& r) -> auto& { return r.adsim_version; }, false, "NOT NULL"));
  c.push_back(text<R>("seeds", [](auto& r) -> auto& { return r.seeds; }, false, "NOT NULL"));
  c.push_back(integer_or_null<R>("baseline_variant_id", [](auto& r) -> auto& { return r.baseline_variant_id; }, 0));
  return t;
}

constexpr const char* kExperimentForeignKey =
    "FOREIGN KEY (experiment_id) REFERENCES experiments(experiment_id) ON DELETE CASCADE";

Table<VariantRow> make_variants() {
  using R = VariantRow;
  Table<R> t;
  t.name = "variants";
  t.since = 4;
  auto& c = t.columns;
  c.push_back(with_phase(integer<R>("variant_id", [](auto& r) -> auto& { return r.variant_id; },
                                    "PRIMARY KEY AUTOINCREMENT"),
                         kNever));
  c.push_back(integer<R>("experiment_id", [](auto& r) -> auto& { return r.experiment_id; }));
  c.push_back(integer<R>("position", [](auto& r) -> auto& { return r.position; }));
  c.push_back(text<R>("name", [](auto& r) -> auto& { return r.name; }, false, "NOT NULL"));
  t.table_constraints = std::string(kExperimentForeignKey) + ",\n  UNIQUE (experiment_id, name)";
  return t;
}

Table<VariantParameterRow> make_variant_parameters() {
  using R = VariantParameterRow;
  Table<R> t;
  t.name = "variant_parameters";
  t.since = 4;
  auto& c = t.columns;
  c.push_back(integer<R>("variant_id", [](auto& r) -> auto& { return r.variant_id; }));
  c.push_back(integer<R>("position", [](auto& r) -> auto& { return r.position; }));
  c.push_back(text<R>("key", [](auto& r) -> auto& { return r.key; }, false, "NOT NULL"));
  c.push_back(text<R>("value", [](auto& r) -> auto& { return r.value; }, false, "NOT NULL"));
  t.primary_key = {"variant_id", "position"};
  t.table_constraints = "FOREIGN KEY (variant_id) REFERENCES variants(variant_id) ON DELETE CASCADE";
  t.without_rowid = true;
  return t;
}

// The statistics columns shared by experiment_summary and experiment_comparisons.
template <class R>
void add_study_key(std::vector<Column<R>>& c) {
  c.push_back(integer<R>("experiment_id", [](auto& r) -> auto& { return r.experiment_id; }));
  c.push_back(integer<R>("variant_id", [](auto& r) -> auto& { return r.variant_id; }));
  c.push_back(text<R>("metric", [](auto& r) -> auto& { return r.metric; }, false, "NOT NULL"));
  c.push_back(integer<R>("n", [](auto& r) -> auto& { return r.n; }));
}

Table<ExperimentSummaryRow> make_experiment_summary() {
  using R = ExperimentSummaryRow;
  Table<R> t;
  t.name = "experiment_summary";
  t.since = 4;
  auto& c = t.columns;
  add_study_key<R>(c);
  c.push_back(real<R>("mean", [](auto& r) -> auto& { return r.mean; }));
  c.push_back(real<R>("sd", [](auto& r) -> auto& { return r.sd; }));
  c.push_back(real<R>("ci_low", [](auto& r) -> auto& { return r.ci_low; }));
  c.push_back(real<R>("ci_high", [](auto& r) -> auto& { return r.ci_high; }));
  c.push_back(text<R>("mark", [](auto& r) -> auto& { return r.mark; }, true));
  t.primary_key = {"experiment_id", "variant_id", "metric"};
  t.table_constraints = kExperimentForeignKey;
  t.without_rowid = true;
  return t;
}

Table<ExperimentComparisonRow> make_experiment_comparisons() {
  using R = ExperimentComparisonRow;
  Table<R> t;
  t.name = "experiment_comparisons";
  t.since = 4;
  auto& c = t.columns;
  add_study_key<R>(c);
  c.push_back(real<R>("baseline_mean", [](auto& r) -> auto& { return r.baseline_mean; }));
  c.push_back(real<R>("variant_mean", [](auto& r) -> auto& { return r.variant_mean; }));
  c.push_back(real<R>("mean_diff", [](auto& r) -> auto& { return r.mean_diff; }));
  c.push_back(real<R>("ci_low", [](auto& r) -> auto& { return r.ci_low; }));
  c.push_back(real<R>("ci_high", [](auto& r) -> auto& { return r.ci_high; }));
  c.push_back(real<R>("relative_change", [](auto& r) -> auto& { return r.relative_change; }));
  c.push_back(real<R>("p_value", [](auto& r) -> auto& { return r.p_value; }));
  c.push_back(real<R>("p_holm", [](auto& r) -> auto& { return r.p_holm; }));
  c.push_back(text<R>("verdict", [](auto& r) -> auto& { return r.verdict; }, false, "NOT NULL"));
  t.primary_key = {"experiment_id", "variant_id", "metric"};
  t.table_constraints = kExperimentForeignKey;
  t.without_rowid = true;
  return t;
}

// Statements beyond the tables, with the schema version that added them.
std::vector<std::pair<int, std::string>> make_extra_sql() {
  return {
      // A cell of a study (experiment, variant, seed) completes at most once, even when two
      // processes run the same study on one file.
      {4, "CREATE UNIQUE INDEX runs_one_completed_per_cell ON runs (experiment_id, variant_id, seed) "
          "WHERE status = 'completed' AND experiment_id IS NOT NULL"},
      {4, "CREATE INDEX runs_by_experiment ON runs (experiment_id, variant_id)"},
      // Ready for GROUP BY and pandas: one row per metric of every completed run of a study.
      {4, "CREATE VIEW experiment_run_metrics AS\n"
          "SELECT r.experiment_id, r.variant_id, v.name AS variant, r.replication, r.seed, r.run_id,\n"
          "       m.metric, m.value\n"
          "FROM runs r JOIN variants v ON v.variant_id = r.variant_id JOIN run_metrics m ON m.run_id = r.run_id\n"
          "WHERE r.status = 'completed'"},
  };
}

Table<IntervalRow> make_intervals() {
  using R = IntervalRow;
  Table<R> t;
  t.name = "intervals";
  auto& c = t.columns;
  c.push_back(integer<R>("run_id", [](auto& r) -> auto& { return r.run_id; }));
  c.push_back(integer<R>("interval_index", [](auto& r) -> auto& { return r.interval_index; }));
  c.push_back(integer<R>("start_us", [](auto& r) -> auto& { return r.metrics.start; }));
  c.push_back(integer<R>("end_us", [](auto& r) -> auto& { return r.metrics.end; }));
  add_counter_columns<R>(c, [](auto& r) -> auto& { return r.metrics.counts; }, "NOT NULL", kAtInsert);
  c.push_back(integer<R>("active_users", [](auto& r) -> auto& { return r.metrics.active_users; }));
  c.push_back(real<R>("mean_fatigue", [](auto& r) -> auto& { return r.metrics.mean_fatigue; }));
  c.push_back(real<R>("budget_exhausted_share", [](auto& r) -> auto& { return r.metrics.budget_exhausted_share; }));
  add_rate_columns<R>(
      c, [](auto& r) -> auto& { return r.metrics.counts; }, [](auto& r) -> auto& { return r.rates; }, kAtInsert);
  add_model_columns<R>(c, [](auto& r) -> auto& { return r.metrics.model; }, kAtInsert);
  // Version 6: the arms of an in-simulation A/B test per interval (all 0 without one); users are
  // the arm's users who have not left by the interval's end.
  for (std::size_t arm = 0; arm < 2; ++arm) {
    static constexpr const char* kArm[] = {"ab_control_", "ab_treatment_"};
    const std::string p = kArm[arm];
    c.push_back(added_in(6, integer<R>(p + "users", [arm](auto& r) -> auto& { return r.metrics.arms[arm].users; })));
    c.push_back(added_in(6, integer<R>(p + "requests", [arm](auto& r) -> auto& { return r.metrics.arms[arm].requests; })));
    c.push_back(added_in(6, integer<R>(p + "impressions", [arm](auto& r) -> auto& { return r.metrics.arms[arm].impressions; })));
    c.push_back(added_in(6, integer<R>(p + "clicks", [arm](auto& r) -> auto& { return r.metrics.arms[arm].clicks; })));
    c.push_back(added_in(6, integer<R>(p + "revenue_micros", [arm](auto& r) -> auto& { return r.metrics.arms[arm].revenue.micros; })));
  }
  t.primary_key = {"run_id", "interval_index"};
  t.table_constraints = kRunForeignKey;
  return t;
}

Table<CampaignSpendRow> make_campaign_spend() {
  using R = CampaignSpendRow;
  Table<R> t;
  t.name = "campaign_spend";
  auto& c = t.columns;
  c.push_back(integer<R>("run_id", [](auto& r) -> auto& { return r.run_id; }));
  c.push_back(integer<R>("interval_index", [](auto& r) -> auto& { return r.interval_index; }));
  c.push_back(integer<R>("campaign_id", [](auto& r) -> auto& { return r.campaign; }));
  c.push_back(money<R>("spend_today_micros", [](auto& r) -> auto& { return r.spend_today; }));
  c.push_back(added_in(2, optional_money<R>("target_micros", [](auto& r) -> auto& { return r.target_today; })));
  t.primary_key = {"run_id", "interval_index", "campaign_id"};
  t.table_constraints = kRunForeignKey;
  t.without_rowid = true;  // many small rows
  return t;
}

Table<CampaignTotalsRow> make_campaign_totals() {
  using R = CampaignTotalsRow;
  Table<R> t;
  t.name = "campaign_totals";
  auto& c = t.columns;
  c.push_back(integer<R>("run_id", [](auto& r) -> auto& { return r.run_id; }));
  c.push_back(integer<R>("campaign_id", [](auto& r) -> auto& { return r.totals.campaign; }));
  c.push_back(integer<R>("advertiser_id", [](auto& r) -> auto& { return r.totals.advertiser; }));
  c.push_back(integer<R>("impressions", [](auto& r) -> auto& { return r.totals.impressions; }));
  c.push_back(integer<R>("clicks", [](auto& r) -> auto& { return r.totals.clicks; }));
  c.push_back(integer<R>("conversions", [](auto& r) -> auto& { return r.totals.conversions; }));
  c.push_back(money<R>("spend_micros", [](auto& r) -> auto& { return r.totals.spend; }));
  c.push_back(money<R>("daily_budget_micros", [](auto& r) -> auto& { return r.totals.daily_budget; }));
  c.push_back(money<R>("overspend_micros", [](auto& r) -> auto& { return r.totals.overspend; }));
  c.push_back(money<R>("forgone_micros", [](auto& r) -> auto& { return r.totals.forgone; }));
  c.push_back(real<R>("value_micros", [](auto& r) -> auto& { return r.totals.value; }));
  c.push_back(integer_or_null<R>("first_exhausted_us", [](auto& r) -> auto& { return r.totals.first_exhausted_at; }, -1));
  c.push_back(integer<R>("days_exhausted", [](auto& r) -> auto& { return r.totals.days_exhausted; }));
  // A REAL column of a CampaignTotals member, added in schema version `since`.
  auto f64 = [&](int since, const char* name, double core::CampaignTotals::*m) {
    c.push_back(added_in(since, real<R>(name, [m](auto& r) -> auto& { return r.totals.*m; })));
  };
  f64(2, "pacing_mean_abs_deviation", &core::CampaignTotals::pacing_mean_abs_deviation);
  f64(2, "pacing_max_abs_deviation", &core::CampaignTotals::pacing_max_abs_deviation);
  f64(2, "pacing_rms_error", &core::CampaignTotals::pacing_rms_error);
  f64(2, "utilization", &core::CampaignTotals::utilization);
  f64(2, "underdelivery", &core::CampaignTotals::underdelivery);
  // Version 3: billing, bidding and pacing strategy, conversions, surplus, pCVR, auto-bidding.
  c.push_back(added_in(3, Column<R>{"billing", SqlType::kText, "", 1, kAtInsert,
                                    [](const R& r) { return Value{std::string(core::billing_name(r.totals.billing))}; },
                                    [](R& r, const SQLite::Column& col) {
                                      const std::string v = col.isNull() ? "cpc" : col.getString();
                                      r.totals.billing = v == "cpm"   ? core::BillingModel::kCpm
                                                         : v == "cpa" ? core::BillingModel::kCpa
                                                                      : core::BillingModel::kCpc;
                                    }}));
  c.push_back(added_in(3, Column<R>{"bidding", SqlType::kText, "", 1, kAtInsert,
                                    [](const R& r) { return Value{std::string(core::bidding_name(r.totals.bidding))}; },
                                    [](R& r, const SQLite::Column& col) {
                                      const std::string v = col.isNull() ? "manual" : col.getString();
                                      r.totals.bidding = v == "tcpa"    ? core::BiddingKind::kTargetCpa
                                                         : v == "troas" ? core::BiddingKind::kTargetRoas
                                                                        : core::BiddingKind::kManual;
                                    }}));
  c.push_back(added_in(3, text<R>("pacer", [](auto& r) -> auto& { return r.pacer; }, true)));
  c.push_back(added_in(3, integer<R>("attributed_conversions", [](auto& r) -> auto& { return r.totals.attributed_conversions; })));
  c.push_back(added_in(3, integer<R>("late_conversions", [](auto& r) -> auto& { return r.totals.late_conversions; })));
  f64(3, "value_per_conversion_micros", &core::CampaignTotals::value_per_conversion);
  f64(3, "surplus_micros", &core::CampaignTotals::surplus);
  f64(3, "pcvr", &core::CampaignTotals::pcvr);
  f64(3, "auto_bid_target", &core::CampaignTotals::auto_bid_target);
  f64(3, "auto_bid_multiplier", &core::CampaignTotals::auto_bid_multiplier);
  f64(3, "auto_bid_realized", &core::CampaignTotals::auto_bid_realized);
  f64(3, "auto_bid_violation", &core::CampaignTotals::auto_bid_violation);
  f64(7, "smart_pacing_error", &core::CampaignTotals::smart_pacing_error);
  t.primary_key = {"run_id", "campaign_id"};
  t.table_constraints = kRunForeignKey;
  return t;
}

// interval_slots (per interval) and run_slots (the run's totals): one slot's counters.
Table<SlotRow> make_slots(std::string name, bool per_interval) {
  using R = SlotRow;
  Table<R> t;
  t.name = std::move(name);
  t.since = 2;
  auto& c = t.columns;
  c.push_back(integer<R>("run_id", [](auto& r) -> auto& { return r.run_id; }));
  if (per_interval) c.push_back(integer<R>("interval_index", [](auto& r) -> auto& { return r.interval_index; }));
  c.push_back(integer<R>("slot", [](auto& r) -> auto& { return r.slot; }));
  c.push_back(integer<R>("impressions", [](auto& r) -> auto& { return r.impressions; }));
  c.push_back(integer<R>("clicks", [](auto& r) -> auto& { return r.clicks; }));
  c.push_back(integer<R>("reserve_bound", [](auto& r) -> auto& { return r.reserve_bound; }));
  c.push_back(money<R>("revenue_micros", [](auto& r) -> auto& { return r.revenue; }));
  c.push_back(real<R>("sum_price_micros", [](auto& r) -> auto& { return r.sum_price; }, "NOT NULL"));
  t.primary_key = per_interval ? std::vector<std::string>{"run_id", "interval_index", "slot"}
                               : std::vector<std::string>{"run_id", "slot"};
  t.table_constraints = kRunForeignKey;
  t.without_rowid = true;
  return t;
}

// surface_metrics: one request surface's counters and served-prediction metrics, per interval and
// (interval_index = -1) for the whole run.
Table<SurfaceRow> make_surface_metrics() {
  using R = SurfaceRow;
  Table<R> t;
  t.name = "surface_metrics";
  t.since = 3;
  auto& c = t.columns;
  c.push_back(integer<R>("run_id", [](auto& r) -> auto& { return r.run_id; }));
  c.push_back(integer<R>("interval_index", [](auto& r) -> auto& { return r.interval_index; }));
  c.push_back(Column<R>{"surface", SqlType::kText, "NOT NULL", 1, kAtInsert,
                        [](const R& r) { return Value{std::string(core::surface_name(r.surface))}; },
                        [](R& r, const SQLite::Column& col) {
                          r.surface = col.getString() == "search" ? core::Surface::kSearch : core::Surface::kFeed;
                        }});
  c.push_back(integer<R>("requests", [](auto& r) -> auto& { return r.counts.requests; }));
  c.push_back(integer<R>("filled_requests", [](auto& r) -> auto& { return r.counts.filled_requests; }));
  c.push_back(integer<R>("impressions", [](auto& r) -> auto& { return r.counts.impressions; }));
  c.push_back(integer<R>("clicks", [](auto& r) -> auto& { return r.counts.clicks; }));
  c.push_back(integer<R>("reserve_bound", [](auto& r) -> auto& { return r.counts.reserve_bound; }));
  c.push_back(integer<R>("reserve_excluded", [](auto& r) -> auto& { return r.counts.reserve_excluded; }));
  c.push_back(money<R>("revenue_micros", [](auto& r) -> auto& { return r.counts.revenue; }));
  c.push_back(real<R>("sum_price_shown_micros", [](auto& r) -> auto& { return r.counts.sum_price_shown; }, "NOT NULL"));
  c.push_back(real<R>("sum_pctr_shown", [](auto& r) -> auto& { return r.counts.sum_pctr_shown; }, "NOT NULL"));
  c.push_back(real<R>("sum_true_ctr_shown", [](auto& r) -> auto& { return r.counts.sum_true_ctr_shown; }, "NOT NULL"));
  add_model_columns<R>(c, [](auto& r) -> auto& { return r.model; }, kAtInsert);
  t.primary_key = {"run_id", "interval_index", "surface"};
  t.table_constraints = kRunForeignKey;
  t.without_rowid = true;
  return t;
}

Table<ModelReliabilityRow> make_model_reliability() {
  using R = ModelReliabilityRow;
  Table<R> t;
  t.name = "model_reliability";
  t.since = 2;
  auto& c = t.columns;
  c.push_back(integer<R>("run_id", [](auto& r) -> auto& { return r.run_id; }));
  // -1 for the run's total (RunSummary::model): the key stays NOT NULL, and it sorts first.
  c.push_back(integer<R>("interval_index", [](auto& r) -> auto& { return r.interval_index; }));
  c.push_back(integer<R>("bin", [](auto& r) -> auto& { return r.bin; }));
  c.push_back(real<R>("lower", [](auto& r) -> auto& { return r.values.lower; }, "NOT NULL"));
  c.push_back(real<R>("upper", [](auto& r) -> auto& { return r.values.upper; }, "NOT NULL"));
  c.push_back(integer<R>("count", [](auto& r) -> auto& { return r.values.count; }));
  c.push_back(real<R>("mean_p", [](auto& r) -> auto& { return r.values.mean_p; }));      // NULL: empty bin
  c.push_back(real<R>("observed", [](auto& r) -> auto& { return r.values.observed; }));  // NULL: empty bin
  t.primary_key = {"run_id", "interval_index", "bin"};
  t.table_constraints = kRunForeignKey;
  t.without_rowid = true;
  return t;
}

Table<AuctionRequestRow> make_auction_requests() {
  using R = AuctionRequestRow;
  Table<R> t;
  t.name = "auction_requests";
  auto& c = t.columns;
  c.push_back(integer<R>("run_id", [](auto& r) -> auto& { return r.run_id; }));
  c.push_back(integer<R>("request_id", [](auto& r) -> auto& { return r.entry.request_id; }));
  c.push_back(integer<R>("time_us", [](auto& r) -> auto& { return r.entry.time; }));
  c.push_back(integer<R>("user_id", [](auto& r) -> auto& { return r.entry.user; }));
  c.push_back(integer<R>("retrieved", [](auto& r) -> auto& { return r.entry.retrieved; }));
  c.push_back(integer<R>("after_prerank", [](auto& r) -> auto& { return r.entry.after_prerank; }));
  c.push_back(integer<R>("after_rank", [](auto& r) -> auto& { return r.entry.after_rank; }));
  t.primary_key = {"run_id", "request_id"};
  t.table_constraints = kRunForeignKey;
  t.without_rowid = true;
  return t;
}

Table<AuctionCandidateRow> make_auction_candidates() {
  using R = AuctionCandidateRow;
  Table<R> t;
  t.name = "auction_candidates";
  auto& c = t.columns;
  c.push_back(integer<R>("run_id", [](auto& r) -> auto& { return r.run_id; }));
  c.push_back(integer<R>("request_id", [](auto& r) -> auto& { return r.request_id; }));
  c.push_back(integer<R>("rank", [](auto& r) -> auto& { return r.rank; }));
  c.push_back(integer<R>("ad_id", [](auto& r) -> auto& { return r.candidate.ad; }));
  c.push_back(integer<R>("campaign_id", [](auto& r) -> auto& { return r.candidate.campaign; }));
  c.push_back(real<R>("bid_micros", [](auto& r) -> auto& { return r.candidate.bid; }, "NOT NULL"));
  c.push_back(real<R>("pacing_multiplier", [](auto& r) -> auto& { return r.candidate.pacing_multiplier; }));
  c.push_back(integer<R>("participated", [](auto& r) -> auto& { return r.candidate.participated; }));
  c.push_back(real<R>("pctr", [](auto& r) -> auto& { return r.candidate.pctr; }));
  c.push_back(real<R>("true_ctr", [](auto& r) -> auto& { return r.candidate.true_ctr; }));
  c.push_back(real<R>("quality", [](auto& r) -> auto& { return r.candidate.quality; }));
  c.push_back(real<R>("rank_score", [](auto& r) -> auto& { return r.candidate.rank_score; }));
  c.push_back(integer_or_null<R>("slot", [](auto& r) -> auto& { return r.candidate.slot; }, -1));
  c.push_back(real<R>("price_micros", [](auto& r) -> auto& { return r.candidate.price; }));
  c.push_back(integer<R>("reserve_bound", [](auto& r) -> auto& { return r.candidate.reserve_bound; }));
  t.primary_key = {"run_id", "request_id", "rank"};
  t.table_constraints =
      "FOREIGN KEY (run_id, request_id) REFERENCES auction_requests(run_id, request_id) ON DELETE CASCADE";
  // No secondary index (e.g. by campaign): it would cost a third of the insert time of the
  // largest table, and a query within one run scans only that run's rows.
  t.without_rowid = true;
  return t;
}

// Version 7: the prediction log, a sample of the examples whose labels the platform learned
// (run.prediction_log_rate), in the order progressive validation scored them (impression_id).
Table<PredictionLogRow> make_prediction_log() {
  using R = PredictionLogRow;
  Table<R> t;
  t.name = "prediction_log";
  t.since = 7;
  auto& c = t.columns;
  c.push_back(integer<R>("run_id", [](auto& r) -> auto& { return r.run_id; }));
  c.push_back(integer<R>("impression_id", [](auto& r) -> auto& { return r.entry.impression_id; }));
  c.push_back(integer<R>("request_id", [](auto& r) -> auto& { return r.entry.request_id; }));
  c.push_back(integer<R>("served_us", [](auto& r) -> auto& { return r.entry.served_at; }));
  c.push_back(integer<R>("released_us", [](auto& r) -> auto& { return r.entry.released_at; }));
  c.push_back(integer<R>("user_id", [](auto& r) -> auto& { return r.entry.user; }));
  c.push_back(integer<R>("campaign_id", [](auto& r) -> auto& { return r.entry.campaign; }));
  c.push_back(integer<R>("ad_id", [](auto& r) -> auto& { return r.entry.ad; }));
  c.push_back(integer<R>("slot", [](auto& r) -> auto& { return r.entry.slot; }));
  c.push_back(Column<R>{"surface", SqlType::kText, "NOT NULL", 1, kAtInsert,
                        [](const R& r) { return Value{std::string(core::surface_name(r.entry.surface))}; },
                        [](R& r, const SQLite::Column& col) {
                          r.entry.surface = col.getString() == "search" ? core::Surface::kSearch : core::Surface::kFeed;
                        }});
  c.push_back(real_float<R>("raw_score", [](auto& r) -> auto& { return r.entry.raw_score; }));
  c.push_back(real_float<R>("served_pctr", [](auto& r) -> auto& { return r.entry.pctr; }));
  c.push_back(real_float<R>("prediction", [](auto& r) -> auto& { return r.entry.prediction; }));
  c.push_back(integer<R>("label", [](auto& r) -> auto& { return r.entry.label; }));
  c.push_back(integer<R>("user_clicked", [](auto& r) -> auto& { return r.entry.user_clicked; }));
  t.primary_key = {"run_id", "impression_id"};
  t.table_constraints = kRunForeignKey;
  t.without_rowid = true;
  return t;
}

// Auction-only runs (version 3). Amounts are REAL in currency units, exactly as the runner reports
// them (and `adsim run --json` prints them): they are expected values, not billed integer micros.
Table<AuctionOnlyRunRow> make_auction_only_runs() {
  using R = AuctionOnlyRunRow;
  Table<R> t;
  t.name = "auction_only_runs";
  t.since = 3;
  auto& c = t.columns;
  c.push_back(integer<R>("run_id", [](auto& r) -> auto& { return r.run_id; }));
  c.push_back(integer<R>("planned_rounds", [](auto& r) -> auto& { return r.planned_rounds; }));
  c.push_back(integer<R>("block_rounds", [](auto& r) -> auto& { return r.block_rounds; }));
  c.push_back(integer<R>("bidders", [](auto& r) -> auto& { return r.bidders; }));
  c.push_back(integer<R>("bidders_per_auction", [](auto& r) -> auto& { return r.bidders_per_auction; }));
  c.push_back(integer<R>("slots", [](auto& r) -> auto& { return r.slots; }));
  c.push_back(text<R>("mechanism", [](auto& r) -> auto& { return r.mechanism; }, false, "NOT NULL"));
  c.push_back(text<R>("strategy", [](auto& r) -> auto& { return r.strategy; }, false, "NOT NULL"));
  c.push_back(text<R>("reserve_rule", [](auto& r) -> auto& { return r.reserve_rule; }, false, "NOT NULL"));
  c.push_back(real<R>("reserve", [](auto& r) -> auto& { return r.reserve; }, "NOT NULL"));
  c.push_back(integer<R>("budget_exclusions", [](auto& r) -> auto& { return r.budget_exclusions; }));
  c.push_back(integer<R>("auctions", [](auto& r) -> auto& { return r.metrics.auctions; }));
  auto f64 = [&](const char* name, double auction::AuctionMetricsReport::*m) {
    c.push_back(real<R>(name, [m](auto& r) -> auto& { return r.metrics.*m; }));
  };
  f64("revenue", &auction::AuctionMetricsReport::revenue);
  f64("revenue_se", &auction::AuctionMetricsReport::revenue_se);
  f64("surplus", &auction::AuctionMetricsReport::surplus);
  f64("surplus_se", &auction::AuctionMetricsReport::surplus_se);
  f64("welfare", &auction::AuctionMetricsReport::welfare);
  f64("welfare_se", &auction::AuctionMetricsReport::welfare_se);
  f64("best_welfare", &auction::AuctionMetricsReport::best_welfare);
  f64("efficiency", &auction::AuctionMetricsReport::efficiency);
  f64("price_to_bid", &auction::AuctionMetricsReport::price_to_bid);
  f64("reserve_bind_rate", &auction::AuctionMetricsReport::reserve_bind_rate);
  f64("fill_rate", &auction::AuctionMetricsReport::fill_rate);
  f64("request_fill_rate", &auction::AuctionMetricsReport::request_fill_rate);
  f64("reserve_exclusion_rate", &auction::AuctionMetricsReport::reserve_exclusion_rate);
  f64("no_ad_due_to_reserve_rate", &auction::AuctionMetricsReport::no_ad_due_to_reserve_rate);
  t.primary_key = {"run_id"};
  t.table_constraints = kRunForeignKey;
  return t;
}

Table<AuctionOnlySlotRow> make_auction_only_slots() {
  using R = AuctionOnlySlotRow;
  Table<R> t;
  t.name = "auction_only_slots";
  t.since = 3;
  auto& c = t.columns;
  c.push_back(integer<R>("run_id", [](auto& r) -> auto& { return r.run_id; }));
  c.push_back(integer<R>("slot", [](auto& r) -> auto& { return r.slot; }));
  auto f64 = [&](const char* name, double auction::SlotReport::*m) {
    c.push_back(real<R>(name, [m](auto& r) -> auto& { return r.metrics.*m; }));
  };
  f64("fill_rate", &auction::SlotReport::fill_rate);
  f64("revenue", &auction::SlotReport::revenue);
  f64("surplus", &auction::SlotReport::surplus);
  f64("welfare", &auction::SlotReport::welfare);
  f64("efficiency", &auction::SlotReport::efficiency);
  f64("price_to_bid", &auction::SlotReport::price_to_bid);
  f64("reserve_bind_rate", &auction::SlotReport::reserve_bind_rate);
  t.primary_key = {"run_id", "slot"};
  t.table_constraints = kRunForeignKey;
  t.without_rowid = true;
  return t;
}

Table<AuctionOnlyBidderRow> make_auction_only_bidders() {
  using R = AuctionOnlyBidderRow;
  Table<R> t;
  t.name = "auction_only_bidders";
  t.since = 3;
  auto& c = t.columns;
  c.push_back(integer<R>("run_id", [](auto& r) -> auto& { return r.run_id; }));
  c.push_back(integer<R>("bidder", [](auto& r) -> auto& { return r.bidder; }));
  c.push_back(integer<R>("auctions", [](auto& r) -> auto& { return r.outcome.auctions; }));
  c.push_back(integer<R>("wins", [](auto& r) -> auto& { return r.outcome.wins; }));
  auto f64 = [&](const char* name, double auction::BidderOutcome::*m) {
    c.push_back(real<R>(name, [m](auto& r) -> auto& { return r.outcome.*m; }));
  };
  f64("value", &auction::BidderOutcome::value);
  f64("payment", &auction::BidderOutcome::payment);
  f64("surplus", &auction::BidderOutcome::surplus);
  f64("budget_left", &auction::BidderOutcome::budget_left);
  f64("multiplier", &auction::BidderOutcome::multiplier);
  f64("preferred_shading", &auction::BidderOutcome::preferred_shading);
  c.push_back(added_in(7, text<R>("name", [](auto& r) -> auto& { return r.name; }, true)));
  auto f64_7 = [&](const char* name, double auction::BidderOutcome::*m) {
    c.push_back(added_in(7, real<R>(name, [m](auto& r) -> auto& { return r.outcome.*m; })));
  };
  f64_7("budget", &auction::BidderOutcome::budget);  // NULL: unlimited
  f64_7("pass_rate", &auction::BidderOutcome::pass_rate);
  c.push_back(added_in(7, integer<R>("throttled", [](auto& r) -> auto& { return r.outcome.throttled; }, "")));
  c.push_back(added_in(7, integer_or_null<R>("exhausted_round", [](auto& r) -> auto& { return r.outcome.exhausted_round; }, -1)));
  c.push_back(added_in(7, integer<R>("exhausted_episodes", [](auto& r) -> auto& { return r.outcome.exhausted_episodes; }, "")));
  f64_7("pacing_error", &auction::BidderOutcome::pacing_error);  // NULL: not paced
  t.primary_key = {"run_id", "bidder"};
  t.table_constraints = kRunForeignKey;
  t.without_rowid = true;
  return t;
}

Table<AuctionOnlyBlockRow> make_auction_only_blocks() {
  using R = AuctionOnlyBlockRow;
  Table<R> t;
  t.name = "auction_only_blocks";
  t.since = 3;
  auto& c = t.columns;
  c.push_back(integer<R>("run_id", [](auto& r) -> auto& { return r.run_id; }));
  c.push_back(integer<R>("block_index", [](auto& r) -> auto& { return r.block_index; }));
  c.push_back(integer<R>("first_round", [](auto& r) -> auto& { return r.first_round; }));
  c.push_back(integer<R>("auctions", [](auto& r) -> auto& { return r.auctions; }));
  auto f64 = [&](const char* name, double R::*m) { c.push_back(real<R>(name, [m](auto& r) -> auto& { return r.*m; })); };
  f64("revenue", &R::revenue);
  f64("surplus", &R::surplus);
  f64("welfare", &R::welfare);
  f64("best_welfare", &R::best_welfare);
  f64("efficiency", &R::efficiency);
  f64("price_to_bid", &R::price_to_bid);
  f64("reserve_bind_rate", &R::reserve_bind_rate);
  f64("fill_rate", &R::fill_rate);
  f64("request_fill_rate", &R::request_fill_rate);
  f64("mean_shading", &R::mean_shading);  // NULL: no learning bidder
  t.primary_key = {"run_id", "block_index"};
  t.table_constraints = kRunForeignKey;
  t.without_rowid = true;
  return t;
}

Table<AuctionOnlyAllocationRow> make_auction_only_allocation() {
  using R = AuctionOnlyAllocationRow;
  Table<R> t;
  t.name = "auction_only_allocation";
  t.since = 7;
  auto& c = t.columns;
  c.push_back(integer<R>("run_id", [](auto& r) -> auto& { return r.run_id; }));
  c.push_back(integer<R>("bidder", [](auto& r) -> auto& { return r.bidder; }));
  c.push_back(integer<R>("slot", [](auto& r) -> auto& { return r.slot; }));
  c.push_back(integer<R>("wins", [](auto& r) -> auto& { return r.outcome.wins; }));
  auto f64 = [&](const char* name, double auction::BidderSlotOutcome::*m) {
    c.push_back(real<R>(name, [m](auto& r) -> auto& { return r.outcome.*m; }));
  };
  f64("clicks", &auction::BidderSlotOutcome::clicks);
  f64("value", &auction::BidderSlotOutcome::value);
  f64("payment", &auction::BidderSlotOutcome::payment);
  t.primary_key = {"run_id", "bidder", "slot"};
  t.table_constraints = kRunForeignKey;
  t.without_rowid = true;
  return t;
}

Table<AuctionOnlyPacingRow> make_auction_only_pacing() {
  using R = AuctionOnlyPacingRow;
  Table<R> t;
  t.name = "auction_only_pacing";
  t.since = 7;
  auto& c = t.columns;
  c.push_back(integer<R>("run_id", [](auto& r) -> auto& { return r.run_id; }));
  c.push_back(integer<R>("bidder", [](auto& r) -> auto& { return r.point.bidder; }));
  c.push_back(integer<R>("round", [](auto& r) -> auto& { return r.point.round; }));
  c.push_back(integer<R>("episode", [](auto& r) -> auto& { return r.point.episode; }));
  c.push_back(integer<R>("tick", [](auto& r) -> auto& { return r.point.tick; }));
  auto f64 = [&](const char* name, double auction::PacingPoint::*m) {
    c.push_back(real<R>(name, [m](auto& r) -> auto& { return r.point.*m; }));
  };
  f64("multiplier", &auction::PacingPoint::multiplier);
  f64("pass_rate", &auction::PacingPoint::pass_rate);
  f64("dual", &auction::PacingPoint::dual);
  f64("spent", &auction::PacingPoint::spent);
  f64("planned", &auction::PacingPoint::planned);
  f64("value", &auction::PacingPoint::value);
  f64("budget_left", &auction::PacingPoint::budget_left);
  t.primary_key = {"run_id", "bidder", "round"};
  t.table_constraints = kRunForeignKey;
  t.without_rowid = true;
  return t;
}

Table<AuctionOnlyBidRow> make_auction_only_bids() {
  using R = AuctionOnlyBidRow;
  Table<R> t;
  t.name = "auction_only_bids";
  t.since = 7;
  auto& c = t.columns;
  c.push_back(integer<R>("run_id", [](auto& r) -> auto& { return r.run_id; }));
  c.push_back(integer<R>("round", [](auto& r) -> auto& { return r.bid.round; }));
  c.push_back(integer<R>("bidder", [](auto& r) -> auto& { return r.bid.bidder; }));
  c.push_back(integer_or_null<R>("item", [](auto& r) -> auto& { return r.bid.item; }, -1));
  auto f64 = [&](const char* name, double auction::BidRecord::*m) {
    c.push_back(real<R>(name, [m](auto& r) -> auto& { return r.bid.*m; }));
  };
  f64("value", &auction::BidRecord::value);
  f64("ctr", &auction::BidRecord::ctr);
  f64("quality", &auction::BidRecord::quality);
  f64("multiplier", &auction::BidRecord::multiplier);
  f64("bid", &auction::BidRecord::bid);
  f64("rank_score", &auction::BidRecord::rank_score);
  c.push_back(integer_or_null<R>("slot", [](auto& r) -> auto& { return r.bid.slot; }, -1));
  f64("price", &auction::BidRecord::price);
  f64("payment", &auction::BidRecord::payment);
  t.primary_key = {"run_id", "round", "bidder"};
  t.table_constraints = kRunForeignKey;
  t.without_rowid = true;
  return t;
}

}  // namespace

Schema make_schema() {
  return Schema{make_runs(),
                make_slots("run_slots", false),
                make_intervals(),
                make_slots("interval_slots", true),
                make_surface_metrics(),
                make_model_reliability(),
                make_campaign_spend(),
                make_campaign_totals(),
                make_auction_requests(),
                make_auction_candidates(),
                make_prediction_log(),
                make_auction_only_runs(),
                make_auction_only_slots(),
                make_auction_only_bidders(),
                make_auction_only_blocks(),
                make_auction_only_allocation(),
                make_auction_only_pacing(),
                make_auction_only_bids(),
                make_run_metrics(),
                make_experiments(),
                make_variants(),
                make_variant_parameters(),
                make_experiment_summary(),
                make_experiment_comparisons(),
                make_extra_sql()};
}

std::vector<Schema::TableInfo> Schema::tables(int db_version) const {
  std::vector<TableInfo> out;
  for_each_table([&](const auto& t) {
    // `runs` declares its key on the run_id column.
    const std::string order_by = t.primary_key.empty() ? "run_id" : t.key_list();
    if (t.since <= db_version) out.push_back({t.name, order_by, t.column_names(db_version)});
  });
  return out;
}

std::vector<std::string> Schema::create_all_sql() const {
  std::vector<std::string> out;
  const auto create = [&](const auto& t) {
    out.push_back(t.create_sql());
    for (auto& sql : t.create_index_sql()) out.push_back(std::move(sql));
  };
  for_each_table(create);
  for_each_study_table(create);
  for (const auto& [version, sql] : extra_sql) out.push_back(sql);
  return out;
}

std::vector<std::string> Schema::upgrade_sql(int to_version) const {
  std::vector<std::string> out;
  const auto upgrade = [&](const auto& t) {
    if (t.since == to_version) {  // a new table, whole as of this version
      out.push_back(t.create_sql(to_version));
      for (auto& sql : t.create_index_sql()) out.push_back(std::move(sql));
    } else {
      for (auto& sql : t.add_column_sql(to_version)) out.push_back(std::move(sql));
    }
  };
  for_each_table(upgrade);
  for_each_study_table(upgrade);
  for (const auto& [version, sql] : extra_sql)
    if (version == to_version) out.push_back(sql);
  return out;
}

std::string to_json_array(const std::vector<std::string>& items) {
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) out += ",";
    out += '"';
    for (const char ch : items[i]) {
      const auto u = static_cast<unsigned char>(ch);
      switch (ch) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
          if (u < 0x20) {
            static constexpr char kHex[] = "0123456789abcdef";
            out += "\\u00";
            out += kHex[u >> 4];
            out += kHex[u & 0xF];
          } else {
            out += ch;
          }
      }
    }
    out += '"';
  }
  out += "]";
  return out;
}

namespace {

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

class JsonReader {
 public:
  explicit JsonReader(std::string_view s) : s_(s) {}

  std::vector<std::string> string_array() {
    std::vector<std::string> out;
    skip_space();
    expect('[');
    skip_space();
    if (peek() == ']') {
      ++pos_;
    } else {
      while (true) {
        skip_space();
        out.push_back(string());
        skip_space();
        const char c = next();
        if (c == ']') break;
        if (c != ',') fail("expected ',' or ']'");
      }
    }
    skip_space();
    if (pos_ != s_.size()) fail("trailing characters");
    return out;
  }

 private:
  [[noreturn]] void fail(const char* what) const {
    throw std::runtime_error("invalid JSON array of strings at offset " + std::to_string(pos_) + ": " + what);
  }
  char peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }
  char next() {
    if (pos_ >= s_.size()) fail("unexpected end");
    return s_[pos_++];
  }
  void expect(char c) {
    if (next() != c) fail("unexpected character");
  }
  void skip_space() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\n' || s_[pos_] == '\r' || s_[pos_] == '\t')) ++pos_;
  }
  std::uint32_t hex4() {
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = next();
      v <<= 4;
      if (c >= '0' && c <= '9') v |= static_cast<std::uint32_t>(c - '0');
      else if (c >= 'a' && c <= 'f') v |= static_cast<std::uint32_t>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') v |= static_cast<std::uint32_t>(c - 'A' + 10);
      else fail("bad \\u escape");
    }
    return v;
  }
  std::string string() {
    expect('"');
    std::string out;
    while (true) {
      const char c = next();
      if (c == '"') return out;
      if (c != '\\') {
        out += c;
        continue;
      }
      switch (next()) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          std::uint32_t cp = hex4();
          if (cp >= 0xD800 && cp < 0xDC00 && peek() == '\\') {
            ++pos_;
            expect('u');
            const std::uint32_t low = hex4();
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          }
          append_utf8(out, cp);
          break;
        }
        default: fail("bad escape");
      }
    }
  }

  std::string_view s_;
  std::size_t pos_ = 0;
};

}  // namespace

std::vector<std::string> from_json_array(std::string_view json) { return JsonReader(json).string_array(); }

std::string format_double(double value) {
  std::array<char, 64> buf{};
  const auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), value);
  if (ec != std::errc{}) return "?";
  return std::string(buf.data(), end);
}

}  // namespace adsim::store::result_schema
