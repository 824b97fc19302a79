// The page of one run: what happened, over time and in total, from the run's rows.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <map>
#include <numeric>

#include "charts/report_parts.hpp"
#include "core/request.hpp"
#include "store/result_store.hpp"

namespace adsim::charts {
namespace {

using store::IntervalRow;

double ratio(double a, double b) { return b > 0 ? a / b : std::nan(""); }
double d(std::uint64_t v) { return static_cast<double>(v); }

std::string price_text(double x) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.4g", x);
  return buffer;
}

// A line over the run's intervals, at each interval's end.
Series over_time(const std::string& name, const std::vector<IntervalRow>& rows, const TimeScale& ts,
                 double (*value)(const IntervalRow&)) {
  Series s;
  s.name = name;
  for (const IntervalRow& r : rows) s.points.push_back({ts.at(r.metrics.end), value(r)});
  return s;
}

Figure time_figure(std::string id, std::string title, std::string caption, const TimeScale& ts, std::string y_title) {
  Figure f = make_figure(std::move(id), std::move(title), std::move(caption), ts.title, std::move(y_title));
  f.x_min = 0.0;
  f.x_max = ts.end;
  return f;
}

Section summary_section(const store::RunRow& run, const std::vector<MetricValue>& metrics) {
  Section s;
  s.heading = "Summary";
  std::string status = std::string(store::to_string(run.status));
  if (!run.error_message.empty()) status += " (" + run.error_message + ")";
  s.paragraphs.push_back("Scenario " + run.scenario_name + ", seed " + std::to_string(run.seed) + ", " + status +
                         ". Simulated " + format_figure(core::to_hours(run.simulated_us), 3) + " h of " +
                         format_figure(24.0 * run.planned_days, 3) + " h planned, " + format_count(run.users) +
                         " users, in " + format_figure(run.wall_seconds, 3) + " s of wall time.");
  if (!run.overrides.empty()) {
    std::string o = "Overrides on top of the scenario file:";
    for (const std::string& x : run.overrides) o += " " + x;
    s.paragraphs.push_back(o);
  }
  Table t;
  t.caption = "Headline metrics of the run";
  t.header = {"metric", "value", "unit", "better when"};
  for (const MetricValue& m : metrics) {
    if (!m.def) continue;
    t.rows.push_back({text_cell(m.def->label), number_cell(m.value, 5), text_cell(m.def->unit),
                      text_cell(experiments::better_name(m.def->better))});
  }
  s.tables.push_back(std::move(t));
  return s;
}

Section activity_section(const std::vector<IntervalRow>& rows, const TimeScale& ts, core::SimTime interval) {
  Section s;
  s.heading = "Revenue and clicks over time";
  const std::string per = "per " + format_figure(core::to_seconds(interval) / 60.0, 3) + " min";
  Figure rev = time_figure("revenue", "Revenue and RPM",
                           "Revenue charged in each snapshot interval (solid, left axis) and revenue per thousand "
                           "requests (dashed, right axis).",
                           ts, "revenue (currency units " + per + ")");
  rev.y2_title = "RPM (currency units / 1,000 requests)";
  rev.series.push_back(
      over_time("revenue", rows, ts, [](const IntervalRow& r) { return r.metrics.counts.revenue.units(); }));
  Series rpm = over_time("RPM", rows, ts,
                         [](const IntervalRow& r) { return r.metrics.counts.requests ? r.rates.rpm : std::nan(""); });
  rpm.right_axis = true;
  rpm.dash = Dash::kDash;
  rpm.colour = 0;
  rev.series.front().colour = 0;
  rev.series.push_back(std::move(rpm));
  s.figures.push_back(std::move(rev));

  Figure ctr = time_figure("ctr", "Click-through rate", "Clicks per impression in each snapshot interval.", ts,
                           "CTR (% of impressions)");
  ctr.series.push_back(over_time("CTR", rows, ts, [](const IntervalRow& r) {
    return r.metrics.counts.impressions ? 100.0 * r.rates.ctr : std::nan("");
  }));
  s.figures.push_back(std::move(ctr));
  return s;
}

Section counter_section(const std::vector<IntervalRow>& rows, const TimeScale& ts) {
  Section s;
  s.heading = "Counter-metrics: what the ads cost the users";
  Figure fb = time_figure("feedback", "Hides and reports",
                          "Ads hidden and reported by users, per 1,000 impressions, "
                          "in each snapshot interval.",
                          ts, "per 1,000 impressions");
  fb.series.push_back(over_time("hides", rows, ts, [](const IntervalRow& r) {
    return r.metrics.counts.impressions ? 1000.0 * r.rates.hide_rate : std::nan("");
  }));
  fb.series.push_back(over_time("reports", rows, ts, [](const IntervalRow& r) {
    return r.metrics.counts.impressions ? 1000.0 * r.rates.report_rate : std::nan("");
  }));
  s.figures.push_back(std::move(fb));

  Figure fat = time_figure("fatigue", "Mean user fatigue",
                           "Mean ad fatigue of the users still active, at the end of "
                           "each interval (fatigue lowers click probability and raises hides).",
                           ts, "fatigue (units, active users)");
  fat.series.push_back(
      over_time("mean fatigue", rows, ts, [](const IntervalRow& r) { return r.metrics.mean_fatigue; }));
  s.figures.push_back(std::move(fat));

  Figure users = time_figure("users", "Active users and users who left",
                             "Users still on the platform (solid, left "
                             "axis) and the users who have left since the start (dashed, right axis).",
                             ts, "active users (users)");
  users.y2_title = "users who left, cumulative (users)";
  users.y_from_zero = false;
  users.series.push_back(
      over_time("active users", rows, ts, [](const IntervalRow& r) { return d(r.metrics.active_users); }));
  Series left;
  left.name = "users who left";
  left.right_axis = true;
  left.dash = Dash::kDash;
  std::uint64_t total = 0;
  for (const IntervalRow& r : rows) {
    total += r.metrics.counts.users_left;
    left.points.push_back({ts.at(r.metrics.end), d(total)});
  }
  users.series.push_back(std::move(left));
  s.figures.push_back(std::move(users));
  return s;
}

// Price per click, fill rate and reserve-bind rate by hour of the simulated day, over all days.
Section hourly_section(const std::vector<IntervalRow>& rows) {
  struct Hour {
    core::Counters c;
  };
  std::array<Hour, 24> hours{};
  for (const IntervalRow& r : rows) {
    const auto h = static_cast<std::size_t>(core::time_of_day(r.metrics.start) / core::kHour);
    hours[std::min<std::size_t>(h, 23)].c += r.metrics.counts;
  }
  Section s;
  s.heading = "Prices, fill and reserve by hour of day";
  Figure price =
      make_figure("price_by_hour", "Average price per click by hour of day",
                  "Mean price per click of the ads shown, by the hour of the simulated day they were shown in "
                  "(all days together).",
                  "hour of day (h)", "price (currency units / click)");
  price.x_min = 0;
  price.x_max = 24;
  Series p{.name = "price per click", .style = Style::kStep};
  Figure rates =
      make_figure("fill_reserve_by_hour", "Fill rate and reserve-bind rate by hour of day",
                  "Share of requests that showed an ad, and share of shown ads whose price the reserve set, by hour "
                  "of the simulated day (all days together).",
                  "hour of day (h)", "% of requests / % of shown ads");
  rates.x_min = 0;
  rates.x_max = 24;
  rates.y_max = 100;
  Series fill{.name = "fill rate (% of requests)", .style = Style::kStep};
  Series bind{.name = "reserve-bind rate (% of shown ads)", .style = Style::kStep};
  for (std::size_t h = 0; h < 24; ++h) {
    const core::Counters& c = hours[h].c;
    if (c.requests == 0) continue;
    const double x = static_cast<double>(h);
    p.points.push_back({x, ratio(c.sum_price_shown / 1e6, d(c.impressions))});
    fill.points.push_back({x, 100.0 * ratio(d(c.filled_requests), d(c.requests))});
    bind.points.push_back({x, 100.0 * ratio(d(c.reserve_bound), d(c.impressions))});
  }
  price.series.push_back(std::move(p));
  rates.series.push_back(std::move(fill));
  rates.series.push_back(std::move(bind));
  s.figures.push_back(std::move(price));
  s.figures.push_back(std::move(rates));
  return s;
}

Section budget_section(const store::ResultStore& results, std::int64_t run_id, const std::vector<IntervalRow>& rows,
                       const TimeScale& ts) {
  Section s;
  s.heading = "Budgets and pacing";
  std::vector<store::CampaignTotalsRow> campaigns = results.read_campaign_totals(run_id);
  std::sort(campaigns.begin(), campaigns.end(), [](const auto& a, const auto& b) {
    return a.totals.daily_budget.micros != b.totals.daily_budget.micros
               ? a.totals.daily_budget.micros > b.totals.daily_budget.micros
               : a.totals.campaign < b.totals.campaign;
  });
  const std::vector<store::CampaignSpendRow> spend = results.read_campaign_spend(run_id);
  std::map<std::int64_t, core::SimTime> end_of;
  for (const IntervalRow& r : rows) end_of[r.interval_index] = r.metrics.end;

  Figure sf = time_figure("spend", "Spend today against the pacer's plan, largest budgets",
                          "Each campaign's spend so far today (solid) and what its pacer planned it to have spent by "
                          "then (dashed, same colour), for the five campaigns with the largest daily budgets. Spend "
                          "restarts at 0 each simulated day.",
                          ts, "spend so far today (currency units)");
  const std::size_t top = std::min<std::size_t>(5, campaigns.size());
  for (std::size_t i = 0; i < top; ++i) {
    const core::CampaignId id = campaigns[i].totals.campaign;
    Series spent{.name = "campaign " + std::to_string(id), .colour = static_cast<int>(i)};
    Series plan{.name = "", .colour = static_cast<int>(i), .dash = Dash::kDash, .width = 1.4};
    std::map<std::int64_t, const store::CampaignSpendRow*> by_interval;
    for (const store::CampaignSpendRow& r : spend)
      if (r.campaign == id) by_interval[r.interval_index] = &r;
    // A campaign with no row in an interval had spent nothing that day and had no target yet.
    for (const auto& [index, end] : end_of) {
      const auto it = by_interval.find(index);
      const double x = ts.at(end);
      spent.points.push_back({x, it == by_interval.end() ? 0.0 : it->second->spend_today.units()});
      if (it != by_interval.end() && it->second->target_today)
        plan.points.push_back({x, it->second->target_today->units()});
      else if (it == by_interval.end())
        plan.points.push_back({x, 0.0});
    }
    sf.series.push_back(std::move(spent));
    if (!plan.points.empty()) sf.series.push_back(std::move(plan));
  }
  if (!spend.empty())
    s.figures.push_back(std::move(sf));
  else
    s.paragraphs.push_back(
        "The run recorded no spend curves (a study leaves them out unless run with --spend-curves).");

  Figure ex;
  ex.id = "budget_exhaustion";
  ex.title = "When daily budgets ran out";
  std::array<double, 24> by_hour{};
  std::size_t never = 0;
  for (const store::CampaignTotalsRow& c : campaigns) {
    if (c.totals.first_exhausted_at < 0) {
      ++never;
      continue;
    }
    by_hour[static_cast<std::size_t>(
        std::min<core::SimTime>(core::time_of_day(c.totals.first_exhausted_at) / core::kHour, 23))] += 1;
  }
  ex.caption = "Campaigns by the hour of the simulated day their daily budget first ran out; " + format_count(never) +
               " of " + format_count(campaigns.size()) +
               " campaigns never ran out. Exhaustion early in the day means "
               "budgets were spent before the evening's users arrived.";
  ex.x_title = "hour of day the budget first ran out (h)";
  ex.y_title = "campaigns";
  Series bars{.name = "", .style = Style::kBars, .bar_width = 0.9};
  for (std::size_t h = 0; h < 24; ++h) bars.points.push_back({static_cast<double>(h) + 0.5, by_hour[h]});
  ex.x_min = 0;
  ex.x_max = 24;
  ex.series.push_back(std::move(bars));
  s.figures.push_back(std::move(ex));

  Figure out = time_figure("budgets", "Campaigns out of daily budget",
                           "Share of in-flight campaigns with no daily "
                           "budget left, at the end of each interval.",
                           ts, "% of in-flight campaigns");
  out.series.push_back(over_time("out of budget", rows, ts,
                                 [](const IntervalRow& r) { return 100.0 * r.metrics.budget_exhausted_share; }));
  s.figures.push_back(std::move(out));
  return s;
}

// Equal-count bins of (pCTR, true CTR) over the logged ranked candidates: every point holds about
// the same number of candidates, so the diagram has as many readable points wherever the
// predictions crowd together. A bin never splits candidates with the same pCTR (a model that
// serves one prior to many ads would otherwise draw a vertical line of bins sorted by true CTR).
Series equal_count_reliability(const std::vector<store::AuctionCandidateRow>& candidates, std::size_t bins) {
  std::vector<std::pair<double, double>> v;
  v.reserve(candidates.size());
  for (const auto& c : candidates)
    if (std::isfinite(c.candidate.pctr) && std::isfinite(c.candidate.true_ctr))
      v.emplace_back(c.candidate.pctr, c.candidate.true_ctr);
  std::stable_sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  Series s{.name = "logged candidates: pCTR vs. true CTR", .style = Style::kLinePoints};
  const std::size_t target = std::max<std::size_t>(30, v.size() / std::max<std::size_t>(bins, 1));
  double sp = 0, st = 0;
  std::size_t n = 0;
  for (std::size_t i = 0; i < v.size(); ++i) {
    sp += v[i].first;
    st += v[i].second;
    ++n;
    const bool tie_follows = i + 1 < v.size() && v[i + 1].first == v[i].first;
    if ((n >= target && !tie_follows) || i + 1 == v.size()) {
      if (n >= 30 || s.points.empty())
        s.points.push_back({100.0 * sp / static_cast<double>(n), 100.0 * st / static_cast<double>(n)});
      sp = st = 0;
      n = 0;
    }
  }
  if (v.size() < 30) s.points.clear();
  return s;
}

Section model_section(const store::ResultStore& results, const store::RunRow& run, const std::vector<IntervalRow>& rows,
                      const TimeScale& ts) {
  Section s;
  s.heading = "Click model: calibration and ranking quality";
  const core::ModelMetrics& m = run.model;
  Table t;
  t.caption = "Progressive validation of the served pCTR over the whole run";
  t.header = {"examples", "clicks", "AUC", "normalized entropy", "log loss (nats)", "p / clicks", "ECE"};
  t.rows.push_back({number_cell(d(m.examples), 9), number_cell(d(m.clicks), 9), number_cell(m.auc),
                    number_cell(m.normalized_entropy), number_cell(m.log_loss), number_cell(m.calibration_ratio),
                    number_cell(m.ece)});
  s.tables.push_back(std::move(t));

  Figure cal = time_figure("calibration", "Calibration ratio over time",
                           "Σ pCTR / Σ true CTR of the ads shown (solid: against the hidden true click probability) "
                           "and Σ pCTR / clicks of the predictions whose outcome was released (dashed: what the "
                           "platform itself can measure). 1 is calibrated; above 1 over-predicts.",
                           ts, "ratio (1 = calibrated)");
  cal.reference_y = 1.0;
  cal.reference_name = "calibrated";
  cal.series.push_back(over_time("shown ads vs. true CTR", rows, ts, [](const IntervalRow& r) {
    return r.metrics.counts.sum_true_ctr_shown > 0 ? r.rates.calibration_ratio : std::nan("");
  }));
  Series obs = over_time("served predictions vs. clicks", rows, ts, [](const IntervalRow& r) {
    return r.metrics.model.clicks > 0 ? r.metrics.model.calibration_ratio : std::nan("");
  });
  obs.dash = Dash::kDash;
  cal.series.push_back(std::move(obs));
  s.figures.push_back(std::move(cal));

  Figure rel;
  rel.id = "reliability";
  rel.title = "Reliability diagram";
  rel.x_title = "mean predicted CTR, pCTR (%)";
  rel.y_title = "mean true CTR / observed click rate (%)";
  Series logged = equal_count_reliability(results.read_auction_candidates(run.run_id), 20);
  Series served{.name = "served predictions vs. observed clicks", .style = Style::kLinePoints, .dash = Dash::kDash};
  for (const core::ModelMetrics::Bin& b : m.reliability)
    if (b.count >= 30 && std::isfinite(b.mean_p)) served.points.push_back({100.0 * b.mean_p, 100.0 * b.observed});
  double hi = 0;
  for (const Series* x : {&logged, &served})
    for (const Point& p : x->points) hi = std::max({hi, p.x, p.y});
  Series diag{.name = "perfectly calibrated", .grey = true, .dash = Dash::kDash, .width = 1.2};
  diag.points = {{0, 0}, {hi, hi}};
  rel.series.push_back(std::move(diag));
  rel.caption =
      "Each point of the solid line is one of " + std::to_string(logged.points.size()) +
      " bins of about equal count of the logged ranked candidates, sorted by pCTR (mean pCTR against mean hidden "
      "true CTR, top-slot basis). The dashed line bins the served predictions by value, against the "
      "clicks that followed (bins with at least 30 examples). On the diagonal, predictions are calibrated.";
  if (!logged.points.empty()) rel.series.push_back(std::move(logged));
  if (!served.points.empty()) rel.series.push_back(std::move(served));
  s.figures.push_back(std::move(rel));
  return s;
}

// Four funnel stages as bars: each total divided by the run's requests.
Figure stage_bars(std::string id, std::string title, std::string caption, std::vector<std::string> stages,
                  std::string y_title, const std::array<double, 4>& totals, double requests, int colour) {
  Figure f = make_figure(std::move(id), std::move(title), std::move(caption), "funnel stage", std::move(y_title));
  f.x_categories = std::move(stages);
  Series bars{.name = "", .style = Style::kBars, .colour = colour, .bar_width = 0.6};
  for (std::size_t i = 0; i < totals.size(); ++i) bars.points.push_back({static_cast<double>(i), ratio(totals[i], requests)});
  f.series.push_back(std::move(bars));
  return f;
}

Section funnel_section(const store::RunRow& run) {
  const core::Counters& c = run.totals;
  Section s;
  s.heading = "Selection funnel";
  const double req = d(c.requests);
  s.figures.push_back(stage_bars(
      "funnel_kept", "Candidates at each funnel stage",
      "Mean candidates per request retrieved by targeting, kept by pre-ranking, kept by ranking, and taking part "
      "in the auction after pacing.",
      {"retrieved", "pre-ranked", "ranked", "in auction"}, "candidates per request",
      {d(c.candidates_retrieved), d(c.candidates_prerank), d(c.candidates_ranked), d(c.candidates_auction)}, req, 0));
  s.figures.push_back(stage_bars(
      "funnel_cost", "Modelled server time per request, by stage",
      "The funnel's cost model: modelled server microseconds per request spent in each stage (not simulated time).",
      {"retrieval", "pre-ranking", "ranking", "prediction"}, "server time (µs / request)", c.funnel_cost_us, req, 1));
  return s;
}

Section slot_section(const store::ResultStore& results, const store::RunRow& run) {
  Section s;
  s.heading = "Slots and surfaces";
  const std::vector<store::SlotRow> slots = results.read_run_slots(run.run_id);
  Figure ctr =
      make_figure("ctr_by_slot", "CTR and price by slot",
                  "Click-through rate of the ads shown in each slot (bars, left axis) and their mean price per click "
                  "(points, right axis); slot 1 is the top.",
                  "slot", "CTR (% of impressions)");
  ctr.y2_title = "price (currency units / click)";
  Series bars{.name = "CTR", .style = Style::kBars, .bar_width = 0.6};
  Series price{.name = "price per click", .style = Style::kPoints, .colour = 1, .right_axis = true};
  for (const store::SlotRow& r : slots) {
    ctr.x_categories.push_back("slot " + std::to_string(r.slot + 1));
    const double x = static_cast<double>(ctr.x_categories.size() - 1);
    bars.points.push_back({x, 100.0 * ratio(d(r.clicks), d(r.impressions))});
    price.points.push_back({x, ratio(r.sum_price / 1e6, d(r.impressions))});
  }
  ctr.series.push_back(std::move(bars));
  ctr.series.push_back(std::move(price));
  if (!slots.empty()) s.figures.push_back(std::move(ctr));

  const auto& surf = run.totals.surface;
  if (surf[static_cast<std::size_t>(core::Surface::kSearch)].requests > 0) {
    Table t;
    t.caption = "By request surface";
    t.header = {"surface",
                "requests",
                "fill rate (%)",
                "CTR (%)",
                "RPM (currency / 1,000 req.)",
                "price (currency / click)",
                "reserve-bind rate (%)",
                "pCTR / true CTR",
                "AUC"};
    Figure sf = make_figure("by_surface", "Feed and search",
                            "RPM and CTR of the feed and of search requests (search carries a query category).",
                            "surface", "RPM (currency units / 1,000 requests)");
    sf.y2_title = "CTR (% of impressions)";
    Series rpm{.name = "RPM", .style = Style::kBars, .bar_width = 0.5};
    Series cr{.name = "CTR", .style = Style::kPoints, .colour = 1, .right_axis = true};
    for (std::size_t i = 0; i < core::kSurfaces; ++i) {
      const core::SurfaceCounters& c = surf[i];
      if (c.requests == 0) continue;
      const std::string name = core::surface_name(static_cast<core::Surface>(i));
      t.rows.push_back({text_cell(name), number_cell(d(c.requests), 9),
                        number_cell(100.0 * ratio(d(c.filled_requests), d(c.requests))),
                        number_cell(100.0 * ratio(d(c.clicks), d(c.impressions))),
                        number_cell(1000.0 * ratio(c.revenue.units(), d(c.requests))),
                        number_cell(ratio(c.sum_price_shown / 1e6, d(c.impressions))),
                        number_cell(100.0 * ratio(d(c.reserve_bound), d(c.impressions))),
                        number_cell(ratio(c.sum_pctr_shown, c.sum_true_ctr_shown)),
                        number_cell(run.surface_model[i].auc)});
      sf.x_categories.push_back(name);
      const double x = static_cast<double>(sf.x_categories.size() - 1);
      rpm.points.push_back({x, 1000.0 * ratio(c.revenue.units(), d(c.requests))});
      cr.points.push_back({x, 100.0 * ratio(d(c.clicks), d(c.impressions))});
    }
    sf.series.push_back(std::move(rpm));
    sf.series.push_back(std::move(cr));
    s.tables.push_back(std::move(t));
    s.figures.push_back(std::move(sf));
  }
  return s;
}

// The classroom bidders: each one's awards per slot (count and mean price per click) and, with
// budgets, when it ran out and how well it tracked its plan.
Section bidder_section(const store::ResultStore& results, const store::RunRow& run) {
  Section s;
  s.heading = "Bidders";
  const std::vector<store::AuctionOnlyBidderRow> bidders = results.read_auction_only_bidders(run.run_id);
  if (bidders.empty()) return s;
  constexpr std::size_t kShown = 24;
  Table t;
  t.caption = bidders.size() > kShown ? "The first " + std::to_string(kShown) + " of " + std::to_string(bidders.size()) + " bidders"
                                      : "Each bidder";
  t.header = {"bidder", "auctions", "wins", "value", "payment", "surplus"};
  const std::size_t slots = bidders.front().outcome.slots.size();
  if (slots <= 4)
    for (std::size_t k = 0; k < slots; ++k) t.header.push_back("slot " + std::to_string(k + 1) + ": wins @ price per click");
  const bool budgets = std::any_of(bidders.begin(), bidders.end(), [](const auto& b) { return std::isfinite(b.outcome.budget); });
  if (budgets) t.header.insert(t.header.end(), {"budget", "ran out at auction", "pacing error"});
  for (std::size_t i = 0; i < bidders.size() && i < kShown; ++i) {
    const store::AuctionOnlyBidderRow& b = bidders[i];
    const auction::BidderOutcome& o = b.outcome;
    std::vector<Cell> row = {text_cell(b.name.empty() ? std::to_string(b.bidder) : b.name), number_cell(d(o.auctions), 9),
                             number_cell(d(o.wins), 9), number_cell(o.value), number_cell(o.payment), number_cell(o.surplus)};
    if (slots <= 4)
      for (const auction::BidderSlotOutcome& k : o.slots)
        row.push_back(text_cell(k.wins ? std::to_string(k.wins) + " @ " + price_text(k.price_per_click()) : "-"));
    if (budgets) {
      row.push_back(number_cell(o.budget));
      row.push_back(text_cell(o.exhausted_round < 0 ? "never" : std::to_string(o.exhausted_round)));
      row.push_back(number_cell(o.pacing_error));
    }
    t.rows.push_back(std::move(row));
  }
  s.tables.push_back(std::move(t));
  return s;
}

// The pacing papers' plots: spend against the plan B t / T, and the controller's state, for the
// first few budgeted bidders.
Section pacing_section(const store::ResultStore& results, const store::RunRow& run) {
  Section s;
  s.heading = "Budgets and pacing";
  const std::vector<store::AuctionOnlyPacingRow> points = results.read_auction_only_pacing(run.run_id);
  if (points.empty()) return s;
  constexpr int kBidders = 6;
  Figure spend = make_figure("spend_vs_plan", "Spend against the plan",
                             "Each budgeted bidder's spend so far in its episode as a share of its budget (solid), against "
                             "the uniform plan B t / T (grey, dashed). A bidder that ran out flattens below it.",
                             "auctions run (thousands)", "% of the episode's budget");
  Figure state = make_figure("pacer_state", "The pacer's state",
                             "What each pacer controls with, at the end of each tick: the dual variable mu of dual descent "
                             "(multiplier 1 / (1 + mu)), lambda of the built-in multiplier, phi of PID (multiplier e^phi), the "
                             "participation rate of throttling.",
                             "auctions run (thousands)", "state");
  std::vector<int> shown;
  Series plan{.name = "plan B t / T", .grey = true, .dash = Dash::kDash};
  for (const store::AuctionOnlyPacingRow& r : points) {
    const auction::PacingPoint& p = r.point;
    auto at = std::find(shown.begin(), shown.end(), p.bidder);
    if (at == shown.end()) {
      if (static_cast<int>(shown.size()) == kBidders) continue;
      shown.push_back(p.bidder);
      spend.series.push_back(Series{.name = "bidder " + std::to_string(p.bidder)});
      state.series.push_back(Series{.name = "bidder " + std::to_string(p.bidder)});
      at = shown.end() - 1;
    }
    const auto k = static_cast<std::size_t>(at - shown.begin());
    const double x = d(p.round) / 1000.0;
    const double budget = p.budget_left + p.spent;
    spend.series[k].points.push_back({x, 100.0 * ratio(p.spent, budget)});
    state.series[k].points.push_back({x, p.dual});
    if (k == 0) plan.points.push_back({x, 100.0 * ratio(p.planned, budget)});
  }
  spend.series.push_back(std::move(plan));
  s.figures.push_back(std::move(spend));
  s.figures.push_back(std::move(state));
  return s;
}

Document auction_only_document(const store::ResultStore& results, const store::RunRow& run,
                               const std::vector<MetricValue>& metrics) {
  Document doc;
  doc.sections.push_back(summary_section(run, metrics));
  const std::vector<store::AuctionOnlyBlockRow> blocks = results.read_auction_only_blocks(run.run_id);
  Section conv;
  conv.heading = "Convergence over the rounds";
  Figure money =
      make_figure("per_auction", "Revenue, surplus and welfare per auction",
                  "Means per auction over each block of consecutive rounds: expected revenue, advertiser surplus and "
                  "welfare (their sum). Flat lines mean the estimates have settled.",
                  "auctions run (thousands)", "currency units / auction");
  Figure shares =
      make_figure("efficiency_over_rounds", "Efficiency and price-to-bid over the rounds",
                  "Per block: welfare as a share of the best allocation's, and mean payment as a share of the bid.",
                  "auctions run (thousands)", "% (efficiency, price / bid)");
  shares.y_max = 100;
  Series rev{.name = "revenue"}, sur{.name = "surplus"}, wel{.name = "welfare"};
  Series eff{.name = "efficiency"}, ptb{.name = "price / bid", .dash = Dash::kDash};
  for (const store::AuctionOnlyBlockRow& b : blocks) {
    const double x = static_cast<double>(b.first_round + b.auctions) / 1000.0;
    rev.points.push_back({x, b.revenue});
    sur.points.push_back({x, b.surplus});
    wel.points.push_back({x, b.welfare});
    eff.points.push_back({x, 100.0 * b.efficiency});
    ptb.points.push_back({x, 100.0 * b.price_to_bid});
  }
  money.series = {rev, sur, wel};
  shares.series = {eff, ptb};
  conv.figures.push_back(std::move(money));
  conv.figures.push_back(std::move(shares));
  doc.sections.push_back(std::move(conv));

  Section slots;
  slots.heading = "Slots";
  Figure sf = make_figure("slots", "Revenue and surplus per auction by slot",
                          "What each slot contributes per auction: expected revenue and advertiser surplus.", "slot",
                          "currency units / auction");
  Series r{.name = "revenue", .style = Style::kBars, .bar_width = 0.35};
  Series u{.name = "surplus", .style = Style::kBars, .colour = 1, .bar_width = 0.35};
  for (const store::AuctionOnlySlotRow& row : results.read_auction_only_slots(run.run_id)) {
    sf.x_categories.push_back("slot " + std::to_string(row.slot + 1));
    const double x = static_cast<double>(sf.x_categories.size() - 1);
    r.points.push_back({x - 0.18, row.metrics.revenue});
    u.points.push_back({x + 0.18, row.metrics.surplus});
  }
  sf.series = {r, u};
  if (!sf.x_categories.empty()) slots.figures.push_back(std::move(sf));
  doc.sections.push_back(std::move(slots));
  doc.sections.push_back(bidder_section(results, run));
  if (Section p = pacing_section(results, run); !p.figures.empty()) doc.sections.push_back(std::move(p));
  return doc;
}

}  // namespace

Document run_document(const store::ResultStore& results, std::int64_t run_id) {
  const auto run = results.read_run(run_id);
  if (!run) throw ReportError("the database has no run " + std::to_string(run_id));
  const std::vector<MetricValue> metrics = run_metric_values(results, run_id);
  Document doc;
  if (run->kind == "auction_only") {
    doc = auction_only_document(results, *run, metrics);
  } else {
    const std::vector<IntervalRow> rows = results.read_intervals(run_id);
    const TimeScale ts = TimeScale::for_horizon(std::max<core::SimTime>(run->simulated_us, core::kHour));
    doc.sections.push_back(summary_section(*run, metrics));
    doc.sections.push_back(activity_section(rows, ts, run->snapshot_interval_us));
    doc.sections.push_back(counter_section(rows, ts));
    doc.sections.push_back(hourly_section(rows));
    doc.sections.push_back(budget_section(results, run_id, rows, ts));
    doc.sections.push_back(model_section(results, *run, rows, ts));
    doc.sections.push_back(funnel_section(*run));
    doc.sections.push_back(slot_section(results, *run));
  }
  doc.title = "Run " + std::to_string(run_id) + ": " + run->scenario_name;
  doc.subtitle = std::string(run->kind == "auction_only" ? "Auction-only run" : "Marketplace run") + " of " +
                 run->scenario_name + ", seed " + std::to_string(run->seed) + ", recorded " + run->started_at +
                 " by adsim " + run->adsim_version + ".";
  for (Section& s : doc.sections)
    for (Figure& f : s.figures) f.id = "run" + std::to_string(run_id) + "_" + f.id;
  return doc;
}

}  // namespace adsim::charts
