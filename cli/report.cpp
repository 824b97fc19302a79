#include "cli/report.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

#include <fmt/format.h>
#include <openssl/evp.h>

#include "scenarios/auction_only_text.hpp"

namespace adsim::cli {

using core::Rates;

std::string clock(core::SimTime t) {
  if (t < 0) return "-";
  const auto day = t / core::kDay;
  const auto tod = t % core::kDay;
  const auto h = tod / core::kHour, m = (tod % core::kHour) / core::kMinute;
  return day > 0 ? fmt::format("d{} {:02}:{:02}", day + 1, h, m) : fmt::format("{:02}:{:02}", h, m);
}

namespace {
using scenarios::thousands;
std::string money(core::Money m) { return fmt::format("{:.2f}", m.units()); }
double ratio(double a, double b) { return b > 0 ? a / b : 0.0; }
std::string metric(double x, int digits) { return std::isnan(x) ? std::string("-") : fmt::format("{:.{}f}", x, digits); }
}  // namespace

namespace {

// "3.12% / 2.10% / ..." over the slots that had impressions.
std::string per_slot_percent(const core::Counters& t, auto value) {
  std::string out;
  for (std::size_t k = 0; k < t.slot_impressions.size() && t.slot_impressions[k] > 0; ++k)
    out += fmt::format("{}{:.2f}%", out.empty() ? "" : " / ", 100.0 * value(k));
  return out;
}

}  // namespace

std::string summary_table(const core::RunSummary& s, int top_campaigns, std::span<const double> closed_form_ctr) {
  const core::Counters& t = s.totals;
  const Rates r = Rates::of(t);
  std::string out;
  auto line = [&](std::string_view a, std::string b, std::string_view c, std::string d, std::string_view e, std::string f) {
    out += fmt::format("  {:<18}{:>14}    {:<18}{:>12}    {:<20}{:>10}\n", a, b, c, d, e, f);
  };
  out += fmt::format("{} (seed {}){}\n", s.scenario_name, s.seed, s.interrupted ? "  [INTERRUPTED]" : "");
  const double days = static_cast<double>(s.simulated) / static_cast<double>(core::kDay);
  out += fmt::format("simulated {:.2f} day(s) in {:.2f} s wall: {} ad requests/s, {} events\n\n", days, s.wall_seconds,
                     s.wall_seconds > 0 ? thousands(static_cast<std::uint64_t>(static_cast<double>(t.requests) / s.wall_seconds)) : "-",
                     thousands(s.events));
  out += "Traffic and revenue\n";
  line("ad requests", thousands(t.requests), "impressions", thousands(t.impressions), "fill rate", fmt::format("{:.1f} %", 100 * r.fill_rate));
  line("clicks", thousands(t.clicks), "CTR", fmt::format("{:.3f} %", 100 * r.ctr), "conversions", thousands(t.conversions));
  line("revenue", money(t.revenue), "RPM (per 1000 req)", fmt::format("{:.3f}", r.rpm), "average CPC", fmt::format("{:.4f}", r.avg_cpc));
  line("advertiser value", fmt::format("{:.2f}", t.advertiser_value / 1e6), "billed clicks", thousands(t.billed_clicks), "sessions", thousands(t.sessions));
  line("attributed conv.", thousands(t.attributed_conversions), "late conversions", thousands(t.late_conversions),
       "billed conversions", thousands(t.billed_conversions));
  line("billed impressions", thousands(t.billed_impressions), "", "", "", "");
  out += "Counter-metrics\n";
  line("hides", thousands(t.hides), "hide rate", fmt::format("{:.3f} %", 100 * r.hide_rate), "reports", thousands(t.reports));
  line("users who left", thousands(t.users_left), "active users", thousands(s.active_users), "mean fatigue", fmt::format("{:.3f}", s.mean_fatigue));
  out += "Platform\n";
  line("pCTR / true CTR", fmt::format("{:.3f}", r.calibration_ratio), "reserve-bound slots", thousands(t.reserve_bound), "below reserve", thousands(t.reserve_excluded));
  line("late clicks", thousands(t.late_clicks), "overspend", money(t.overspend), "unbilled (forgone)", money(t.forgone));
  line("pCTR from prior", thousands(s.prior_predictions), "  of predictions",
       fmt::format("{:.2f} %", 100 * ratio(static_cast<double>(s.prior_predictions), static_cast<double>(t.candidates_ranked))),
       "  (cold model)", "");
  if (const core::ModelTrainingStats& m = s.model_training; m.retrains > 0)
    line("model retrains", thousands(m.retrains), "staleness",
         fmt::format("{:.1f} min", m.mean_staleness_seconds / 60.0), "training (wall)",
         fmt::format("{:.3f} s each", m.train_wall_seconds / static_cast<double>(m.retrains)));
  const double req = std::max<double>(1.0, static_cast<double>(t.requests));
  line("retrieved / req", fmt::format("{:.0f}", static_cast<double>(t.candidates_retrieved) / req), "pre-ranked / req",
       fmt::format("{:.0f}", static_cast<double>(t.candidates_prerank) / req), "ranked / req",
       fmt::format("{:.0f}", static_cast<double>(t.candidates_ranked) / req));
  line("funnel cost / req", fmt::format("{:.0f} us", r.funnel_cost_us_per_request), "exploration requests",
       thousands(t.explore_requests), "exploration revenue", money(t.explore_revenue));
  // The prediction stage's share: with funnel.predict_cost = "measured", the click model's own cost.
  line("prediction / cand.",
       fmt::format("{:.3f} us", ratio(t.funnel_cost_us[3], static_cast<double>(t.candidates_ranked))),
       "  of funnel cost",
       fmt::format("{:.1f} %", 100 * ratio(t.funnel_cost_us[3], r.funnel_cost_us_per_request * req)), "", "");
  out += "Auction\n";
  line("advertiser surplus", fmt::format("{:.2f}", r.advertiser_surplus), "price / bid", fmt::format("{:.3f}", r.price_to_bid),
       "reserve-bind rate", fmt::format("{:.1f} %", 100 * r.reserve_bind_rate));
  const bool sampled = t.efficiency_samples > 0;
  line("efficiency", sampled ? fmt::format("{:.3f}", r.efficiency) : "-", "  of the auction",
       sampled ? fmt::format("{:.3f}", r.auction_efficiency) : "-", "  (sampled auctions)",
       thousands(t.efficiency_samples));
  {
    const std::string slots = per_slot_percent(t, [&](std::size_t k) {
      return static_cast<double>(t.slot_clicks[k]) / static_cast<double>(t.slot_impressions[k]);
    });
    if (!slots.empty()) out += fmt::format("  {:<18}{}\n", "CTR by slot", slots);
    if (!slots.empty() && !closed_form_ctr.empty())
      out += fmt::format("  {:<18}{}  (closed form of truth.rank_attractiveness)\n", "  expected",
                         per_slot_percent(t, [&](std::size_t k) {
                           return k < closed_form_ctr.size() ? closed_form_ctr[k] : std::nan("");
                         }));
  }
  if (s.arms[0].users + s.arms[1].users > 0) {
    out += "A/B test (users split; the treatment arm served with auction.ab_*)\n";
    for (std::size_t a = 0; a < 2; ++a) {
      const core::ArmTotals& arm = s.arms[a];
      const double arm_requests = std::max<double>(1.0, static_cast<double>(arm.requests));
      line(a == 0 ? "control users" : "treatment users", thousands(arm.users), "revenue / 1000 req",
           fmt::format("{:.3f}", arm.revenue.units() * 1000.0 / arm_requests), "clicks / 1000 req",
           fmt::format("{:.2f}", static_cast<double>(arm.clicks) * 1000.0 / arm_requests));
    }
  }
  if (s.off_policy.requests > 0) {
    const core::OffPolicyEstimates e = s.off_policy.estimates();
    auto per_1000 = [](double v) { return std::isnan(v) ? std::string("-") : fmt::format("{:.3f}", 1000 * v); };
    auto error = [&](double v) {
      return std::isnan(v) || !(e.truth > 0) ? std::string("-") : fmt::format("{:+.1f} %", 100 * (v / e.truth - 1));
    };
    out += "Off-policy evaluation of model.ope_target (top-slot clicks / 1000 requests; error against the truth)\n";
    line("target, true value", per_1000(e.truth), "logged policy", per_1000(e.logged), "log agrees",
         fmt::format("{:.1f} %", 100.0 * static_cast<double>(s.off_policy.matches) /
                                     static_cast<double>(s.off_policy.requests)));
    line("IPS", per_1000(e.ips) + " ± " + per_1000(e.ips_se), "error", error(e.ips), "SNIPS",
         per_1000(e.snips) + "  " + error(e.snips));
    line("direct method", per_1000(e.dm), "error", error(e.dm), "doubly robust",
         per_1000(e.dr) + " ± " + per_1000(e.dr_se) + "  " + error(e.dr));
  }
  if (s.new_ads.ads > 0) {
    const core::NewAdTotals& n = s.new_ads;
    const double imps = std::max<double>(1.0, static_cast<double>(t.impressions));
    const double rev = std::max(1.0, t.revenue.as_double_micros());
    out += "New ads (arrived during the run)\n";
    line("new ads", thousands(n.ads), "impressions", fmt::format("{:.1f} %", 100.0 * static_cast<double>(n.impressions) / imps),
         "revenue", fmt::format("{:.1f} %", 100.0 * n.revenue.as_double_micros() / rev));
    line("clicked by the end", fmt::format("{:.1f} %", 100.0 * static_cast<double>(n.clicked) / static_cast<double>(n.ads)),
         "median h to click", std::isnan(n.median_hours_to_first_click) ? std::string("-")
                                                                         : fmt::format("{:.1f}", n.median_hours_to_first_click),
         "CTR error at end", std::isnan(n.ctr_error) ? std::string("-") : fmt::format("{:.1f} %", 100.0 * n.ctr_error));
    line("pCTR-CTR rank corr.", metric(n.ctr_rank_correlation, 3), "  (Spearman, at the end)", "", "", "");
  }
  if (s.auto_bid.campaigns > 0) {
    out += "Auto-bidding (realized CPA / ROAS against target, cumulative)\n";
    line("auto-bid campaigns", thousands(s.auto_bid.campaigns), "violating target", thousands(s.auto_bid.violating),
         "mean violation", fmt::format("{:.1f} %", 100 * s.auto_bid.mean_violation));
    line("max violation", fmt::format("{:.1f} %", 100 * s.auto_bid.max_violation), "  (spend-weighted mean)", "", "", "");
  }
  if (s.model.examples > 0) {
    out += "Click model (progressive validation of served pCTR)\n";
    line("AUC", fmt::format("{:.4f}", s.model.auc), "log loss", fmt::format("{:.5f}", s.model.log_loss),
         "normalized entropy", fmt::format("{:.4f}", s.model.normalized_entropy));
    line("calibration (p/clk)", fmt::format("{:.3f}", s.model.calibration_ratio), "ECE", fmt::format("{:.5f}", s.model.ece),
         "examples", thousands(s.model.examples));
  }

  if (t.surface[core::surface_index(core::Surface::kSearch)].requests > 0) {
    // Per surface: CTR = clicks / impressions, CPC = revenue / clicks (all billing converted as
    // billed), RPM per 1000 requests; the model columns are progressive validation of served pCTR.
    out += "\nBy surface (AUC, NE, calibration p/clk and ECE: served pCTR, progressive validation)\n";
    out += fmt::format("  {:<7} {:>10} {:>7} {:>11} {:>9} {:>7} {:>11} {:>8} {:>7} {:>8} {:>7} {:>7} {:>7} {:>8}\n", "surface",
                       "requests", "fill", "impressions", "clicks", "CTR", "revenue", "RPM", "CPC", "res.bind", "AUC",
                       "NE", "p/clk", "ECE");
    for (std::size_t k = 0; k < core::kSurfaces; ++k) {
      const core::SurfaceCounters& c = t.surface[k];
      const core::ModelMetrics& mm = s.surface_model[k];
      const bool model = mm.examples > 0;
      out += fmt::format("  {:<7} {:>10} {:>6.1f}% {:>11} {:>9} {:>6.3f}% {:>11} {:>8.3f} {:>7.4f} {:>7.1f}% {:>7} {:>7} {:>7} {:>8}\n",
                         core::surface_name(static_cast<core::Surface>(k)), thousands(c.requests),
                         100 * ratio(static_cast<double>(c.filled_requests), static_cast<double>(c.requests)),
                         thousands(c.impressions), thousands(c.clicks),
                         100 * ratio(static_cast<double>(c.clicks), static_cast<double>(c.impressions)), money(c.revenue),
                         1000 * ratio(c.revenue.units(), static_cast<double>(c.requests)),
                         ratio(c.revenue.units(), static_cast<double>(c.clicks)),
                         100 * ratio(static_cast<double>(c.reserve_bound), static_cast<double>(c.impressions)),
                         model ? metric(mm.auc, 4) : "-", model ? metric(mm.normalized_entropy, 4) : "-",
                         model ? metric(mm.calibration_ratio, 3) : "-", model ? metric(mm.ece, 5) : "-");
    }
  }

  {
    const std::vector<core::StrategyGroup> groups = s.strategy_groups();
    out += "\nBy strategy (pacer / bidding / billing; CPC = spend / clicks, CPA = spend / attributed conversions)\n";
    out += fmt::format("  {:<13} {:<6} {:<4} {:>5} {:>11} {:>6} {:>9} {:>7} {:>7} {:>8} {:>11} {:>11} {:>6} {:>6} {:>6}\n", "pacer",
                       "bid", "bill", "camp.", "spend", "util.", "clicks", "conv.", "CPC", "CPA", "value", "surplus",
                       "pacing", "SP err", "viol.");
    for (const core::StrategyGroup& g : groups)
      out += fmt::format("  {:<13} {:<6} {:<4} {:>5} {:>11} {:>5.1f}% {:>9} {:>7} {:>7.3f} {:>8.3f} {:>11.2f} {:>11.2f} {:>6.3f} {:>6} {:>6}\n",
                         g.pacer, core::bidding_name(g.bidding), core::billing_name(g.billing), g.campaigns, money(g.spend),
                         100 * g.utilization, thousands(g.clicks), thousands(g.conversions), g.cpc / 1e6, g.cpa / 1e6,
                         g.value / 1e6, g.surplus / 1e6, g.mean_pacing_deviation, metric(g.smart_pacing_error, 3),
                         g.bidding == core::BiddingKind::kManual ? std::string("-") : fmt::format("{:.1f}%", 100 * g.auto_bid_violation));
    out += "  (pacing: mean |spend - plan| / daily budget at snapshots; SP err: Smart Pacing's error, RMS of\n"
           "   interval spend - plan over the mean plan per interval, averaged over campaigns)\n";
  }

  std::vector<const core::CampaignTotals*> by_spend;
  int exhausted = 0;
  core::SimTime first_exhausted = -1;
  for (const auto& c : s.campaigns) {
    by_spend.push_back(&c);
    if (c.first_exhausted_at >= 0) {
      ++exhausted;
      if (first_exhausted < 0 || c.first_exhausted_at < first_exhausted) first_exhausted = c.first_exhausted_at;
    }
  }
  std::stable_sort(by_spend.begin(), by_spend.end(), [](auto* a, auto* b) { return a->spend > b->spend; });
  out += fmt::format("\nCampaigns: {}, {} ran out of daily budget{}\n", s.campaigns.size(), exhausted,
                     exhausted ? fmt::format(" (first at {})", clock(first_exhausted)) : "");
  out += fmt::format("  Smart Pacing's pacing error {} (mean over the campaigns with a spend plan)\n",
                     metric(s.smart_pacing_error, 3));
  if (top_campaigns > 0 && !by_spend.empty()) {
    out += fmt::format("  {:>8} {:>10} {:>11} {:>8} {:>11} {:>11} {:>7} {:>9}\n", "campaign", "advertiser", "impressions",
                       "clicks", "spend", "daily budg.", "CPC", "exhausted");
    for (int i = 0; i < top_campaigns && i < static_cast<int>(by_spend.size()); ++i) {
      const auto& c = *by_spend[static_cast<std::size_t>(i)];
      out += fmt::format("  {:>8} {:>10} {:>11} {:>8} {:>11} {:>11} {:>7} {:>9}\n", c.campaign, c.advertiser,
                         thousands(c.impressions), thousands(c.clicks), money(c.spend), money(c.daily_budget),
                         c.clicks ? fmt::format("{:.3f}", c.spend.units() / static_cast<double>(c.clicks)) : "-",
                         clock(c.first_exhausted_at));
    }
  }
  return out;
}

nlohmann::ordered_json auction_only_json(const auction::AuctionOnlyResult& r, const std::vector<std::string>& names) {
  const auction::AuctionMetricsReport& m = r.metrics;
  nlohmann::ordered_json j;
  j["auctions"] = m.auctions;
  j["reserve"] = r.reserve;
  j["revenue"] = m.revenue;
  j["revenue_se"] = m.revenue_se;
  j["surplus"] = m.surplus;
  j["surplus_se"] = m.surplus_se;
  j["welfare"] = m.welfare;
  j["welfare_se"] = m.welfare_se;
  j["best_welfare"] = m.best_welfare;
  j["efficiency"] = m.efficiency;
  j["price_to_bid"] = m.price_to_bid;
  j["reserve_bind_rate"] = m.reserve_bind_rate;
  j["fill_rate"] = m.fill_rate;
  j["request_fill_rate"] = m.request_fill_rate;
  j["reserve_exclusion_rate"] = m.reserve_exclusion_rate;
  j["no_ad_due_to_reserve_rate"] = m.no_ad_due_to_reserve_rate;
  auto slots = nlohmann::ordered_json::array();
  for (int k = 0; k < m.slots; ++k) {
    const auto& sl = m.per_slot[static_cast<std::size_t>(k)];
    slots.push_back({{"slot", k}, {"fill_rate", sl.fill_rate}, {"revenue", sl.revenue}, {"surplus", sl.surplus},
                     {"welfare", sl.welfare}, {"efficiency", sl.efficiency}, {"price_to_bid", sl.price_to_bid},
                     {"reserve_bind_rate", sl.reserve_bind_rate}});
  }
  j["slots"] = std::move(slots);
  auto bidders = nlohmann::ordered_json::array();
  for (std::size_t b = 0; b < r.bidders.size(); ++b) {
    const auto& x = r.bidders[b];
    auto slots_won = nlohmann::ordered_json::array();
    for (std::size_t k = 0; k < x.slots.size(); ++k) {
      const auto& o = x.slots[k];
      slots_won.push_back({{"slot", k}, {"wins", o.wins}, {"clicks", o.clicks}, {"value", o.value}, {"payment", o.payment},
                           {"price_per_click", o.price_per_click()}});
    }
    bidders.push_back({{"bidder", b},
                       {"name", b < names.size() ? nlohmann::ordered_json(names[b]) : nlohmann::ordered_json(nullptr)},
                       {"auctions", x.auctions},
                       {"wins", x.wins},
                       {"value", x.value},
                       {"payment", x.payment},
                       {"surplus", x.surplus},
                       {"preferred_shading", x.preferred_shading},
                       {"slots", std::move(slots_won)},
                       {"budget", number_or_null(x.budget)},
                       {"budget_left", number_or_null(x.budget_left)},
                       {"multiplier", x.multiplier},
                       {"pass_rate", x.pass_rate},
                       {"throttled", x.throttled},
                       {"exhausted_round", x.exhausted_round < 0 ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(x.exhausted_round)},
                       {"exhausted_episodes", x.exhausted_episodes},
                       {"pacing_error", number_or_null(x.pacing_error)}});
  }
  j["bidders"] = std::move(bidders);
  return j;
}

std::string sha256_hex(std::string_view text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_Digest(text.data(), text.size(), digest, &size, EVP_sha256(), nullptr) != 1)
    throw std::runtime_error("SHA-256 failed");
  std::string hex;
  for (unsigned int i = 0; i < size; ++i) hex += fmt::format("{:02x}", digest[i]);
  return hex;
}

nlohmann::ordered_json run_json(const RunProvenance& p, nlohmann::ordered_json summary) {
  const scenarios::Scenario& s = *p.scenario;
  nlohmann::ordered_json j;
  j["adsim_version"] = ADSIM_VERSION;
  j["mode"] = p.mode;
  j["scenario"] = {{"name", s.name},
                   {"file", s.source_path},
                   {"sha256", sha256_hex(s.source_text)},
                   {"overrides", s.overrides}};
  j["seed"] = s.run.seed;
  j["run_id"] = p.run_id ? nlohmann::ordered_json(*p.run_id) : nlohmann::ordered_json();
  j["database"] = p.database.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(p.database);
  j["interrupted"] = p.interrupted;
  j["wall_seconds"] = p.wall_seconds;
  j["summary"] = std::move(summary);
  return j;
}

nlohmann::ordered_json summary_json(const core::RunSummary& s, std::span<const double> closed_form_ctr) {
  const core::Counters& t = s.totals;
  const Rates r = Rates::of(t);
  nlohmann::ordered_json j;
  j["simulated_seconds"] = core::to_seconds(s.simulated);
  j["events"] = s.events;
  j["sessions"] = t.sessions;
  j["requests"] = t.requests;
  j["filled_requests"] = t.filled_requests;
  j["impressions"] = t.impressions;
  j["clicks"] = t.clicks;
  j["billed_clicks"] = t.billed_clicks;
  j["conversions"] = t.conversions;
  j["ctr"] = r.ctr;
  j["revenue"] = t.revenue.units();
  j["fill_rate"] = r.fill_rate;
  j["avg_cpc"] = r.avg_cpc;
  j["rpm"] = r.rpm;
  j["advertiser_value"] = t.advertiser_value / 1e6;
  j["hides"] = t.hides;
  j["reports"] = t.reports;
  j["hide_rate"] = r.hide_rate;
  j["report_rate"] = r.report_rate;
  j["users"] = s.users;
  j["active_users"] = s.active_users;
  j["users_left"] = t.users_left;
  j["mean_fatigue"] = s.mean_fatigue;
  j["pctr_over_true_ctr"] = r.calibration_ratio;
  j["reserve_bound_slots"] = t.reserve_bound;
  j["below_reserve_candidates"] = t.reserve_excluded;
  j["late_clicks"] = t.late_clicks;
  j["overspend"] = t.overspend.units();
  j["forgone"] = t.forgone.units();
  j["advertiser_surplus"] = r.advertiser_surplus;
  j["attributed_conversions"] = t.attributed_conversions;
  j["late_conversions"] = t.late_conversions;
  j["billed_impressions"] = t.billed_impressions;
  j["billed_conversions"] = t.billed_conversions;
  if (s.arms[0].users + s.arms[1].users > 0) {
    auto arms = nlohmann::ordered_json::array();
    for (const core::ArmTotals& arm : s.arms)
      arms.push_back({{"users", arm.users},
                      {"requests", arm.requests},
                      {"impressions", arm.impressions},
                      {"clicks", arm.clicks},
                      {"revenue", arm.revenue.units()}});
    j["ab_arms"] = std::move(arms);  // control, treatment
  }
  if (s.off_policy.requests > 0) {
    const core::OffPolicyEstimates e = s.off_policy.estimates();
    j["off_policy"] = {{"requests", s.off_policy.requests}, {"matches", s.off_policy.matches},
                       {"true_value", e.truth},           {"logged", e.logged},
                       {"ips", e.ips},                    {"ips_se", e.ips_se},
                       {"snips", e.snips},                {"dm", e.dm},
                       {"dr", e.dr},                      {"dr_se", e.dr_se}};
  }
  j["new_ads"] = {{"ads", s.new_ads.ads},
                  {"impressions", s.new_ads.impressions},
                  {"clicks", s.new_ads.clicks},
                  {"revenue", s.new_ads.revenue.units()},
                  {"clicked", s.new_ads.clicked},
                  {"median_hours_to_first_click", s.new_ads.median_hours_to_first_click},
                  {"ctr_error", s.new_ads.ctr_error},
                  {"ctr_rank_correlation", s.new_ads.ctr_rank_correlation}};
  j["auto_bid"] = {{"campaigns", s.auto_bid.campaigns},
                   {"violating", s.auto_bid.violating},
                   {"mean_violation", s.auto_bid.mean_violation},
                   {"max_violation", s.auto_bid.max_violation}};
  {
    auto groups = nlohmann::ordered_json::array();
    for (const core::StrategyGroup& g : s.strategy_groups())
      groups.push_back({{"pacer", g.pacer},
                        {"bidding", core::bidding_name(g.bidding)},
                        {"billing", core::billing_name(g.billing)},
                        {"campaigns", g.campaigns},
                        {"spend", g.spend.units()},
                        {"budget", g.budget / 1e6},
                        {"utilization", g.utilization},
                        {"impressions", g.impressions},
                        {"clicks", g.clicks},
                        {"conversions", g.conversions},
                        {"attributed_conversions", g.attributed_conversions},
                        {"cpc", g.cpc / 1e6},
                        {"cpa", g.cpa / 1e6},
                        {"value", g.value / 1e6},
                        {"surplus", g.surplus / 1e6},
                        {"mean_pacing_deviation", g.mean_pacing_deviation},
                        {"smart_pacing_error", number_or_null(g.smart_pacing_error)},
                        {"auto_bid_violation", g.auto_bid_violation}});
    j["groups"] = std::move(groups);
  }
  j["smart_pacing_error"] = number_or_null(s.smart_pacing_error);
  j["price_to_bid"] = r.price_to_bid;
  j["reserve_bind_rate"] = r.reserve_bind_rate;
  j["efficiency"] = r.efficiency;
  j["auction_efficiency"] = r.auction_efficiency;
  j["efficiency_samples"] = t.efficiency_samples;
  j["explore_requests"] = t.explore_requests;
  j["explore_revenue"] = t.explore_revenue.units();
  {
    auto slots = nlohmann::ordered_json::array();
    for (std::size_t k = 0; k < t.slot_impressions.size() && t.slot_impressions[k] > 0; ++k) {
      const auto impressions = static_cast<double>(t.slot_impressions[k]);
      slots.push_back({{"slot", k},
                       {"impressions", t.slot_impressions[k]},
                       {"clicks", t.slot_clicks[k]},
                       {"ctr", static_cast<double>(t.slot_clicks[k]) / impressions},
                       {"revenue", t.slot_revenue[k].units()},
                       {"avg_price", t.slot_sum_price[k] / 1e6 / impressions},
                       {"reserve_bound", t.slot_reserve_bound[k]}});
      if (k < closed_form_ctr.size()) slots.back()["closed_form_ctr"] = closed_form_ctr[k];
    }
    j["slots"] = std::move(slots);
  }
  j["model"] = {{"examples", s.model.examples},           {"clicks", s.model.clicks},
                {"auc", s.model.auc},                     {"log_loss", s.model.log_loss},
                {"normalized_entropy", s.model.normalized_entropy},
                {"calibration_ratio", s.model.calibration_ratio},
                {"ece", s.model.ece},
                {"prior_predictions", s.prior_predictions},
                {"retrains", s.model_training.retrains},
                {"window_examples", s.model_training.last_window_examples},
                {"train_wall_seconds", s.model_training.train_wall_seconds},
                {"staleness_seconds", s.model_training.mean_staleness_seconds}};
  {
    // Always present (feed only: search has zero requests), keyed by surface name.
    auto by_surface = nlohmann::ordered_json::object();
    for (std::size_t k = 0; k < core::kSurfaces; ++k) {
      const core::SurfaceCounters& c = t.surface[k];
      const core::ModelMetrics& mm = s.surface_model[k];
      by_surface[core::surface_name(static_cast<core::Surface>(k))] = {
          {"requests", c.requests},
          {"filled_requests", c.filled_requests},
          {"impressions", c.impressions},
          {"clicks", c.clicks},
          {"ctr", ratio(static_cast<double>(c.clicks), static_cast<double>(c.impressions))},
          {"revenue", c.revenue.units()},
          {"rpm", 1000 * ratio(c.revenue.units(), static_cast<double>(c.requests))},
          {"revenue_per_click", ratio(c.revenue.units(), static_cast<double>(c.clicks))},
          {"avg_price", ratio(c.sum_price_shown / 1e6, static_cast<double>(c.impressions))},
          {"reserve_bound_slots", c.reserve_bound},
          {"below_reserve_candidates", c.reserve_excluded},
          {"reserve_bind_rate", ratio(static_cast<double>(c.reserve_bound), static_cast<double>(c.impressions))},
          {"pctr_over_true_ctr", ratio(c.sum_pctr_shown, c.sum_true_ctr_shown)},
          {"model", {{"examples", mm.examples},
                     {"clicks", mm.clicks},
                     {"auc", mm.auc},
                     {"log_loss", mm.log_loss},
                     {"normalized_entropy", mm.normalized_entropy},
                     {"calibration_ratio", mm.calibration_ratio},
                     {"ece", mm.ece}}}};
    }
    j["by_surface"] = std::move(by_surface);
  }
  j["funnel"] = {{"retrieved", t.candidates_retrieved},
                 {"after_prerank", t.candidates_prerank},
                 {"after_rank", t.candidates_ranked},
                 {"in_auction", t.candidates_auction},
                 {"cost_us_per_request", r.funnel_cost_us_per_request}};
  auto campaigns = nlohmann::ordered_json::array();
  for (const auto& c : s.campaigns) {
    campaigns.push_back({{"campaign", c.campaign},
                         {"advertiser", c.advertiser},
                         {"impressions", c.impressions},
                         {"clicks", c.clicks},
                         {"conversions", c.conversions},
                         {"spend", c.spend.units()},
                         {"daily_budget", c.daily_budget.units()},
                         {"overspend", c.overspend.units()},
                         {"forgone", c.forgone.units()},
                         {"value", c.value / 1e6},
                         {"first_exhausted_seconds", c.first_exhausted_at < 0 ? nlohmann::ordered_json(nullptr)
                                                                              : nlohmann::ordered_json(core::to_seconds(c.first_exhausted_at))},
                         {"days_exhausted", c.days_exhausted},
                         {"utilization", c.utilization},
                         {"pacing_mean_abs_deviation", c.pacing_mean_abs_deviation},
                         {"pacing_max_abs_deviation", c.pacing_max_abs_deviation},
                         {"pacing_rms_error", c.pacing_rms_error},
                         {"smart_pacing_error", number_or_null(c.smart_pacing_error)},
                         {"billing", core::billing_name(c.billing)},
                         {"bidding", core::bidding_name(c.bidding)},
                         {"pacer", c.pacer < s.pacer_names.size() ? s.pacer_names[c.pacer] : std::string("none")},
                         {"attributed_conversions", c.attributed_conversions},
                         {"late_conversions", c.late_conversions},
                         {"value_per_conversion", c.value_per_conversion / 1e6},
                         {"surplus", c.surplus / 1e6},
                         {"pcvr", c.pcvr},
                         {"auto_bid_target", c.bidding == core::BiddingKind::kTargetCpa ? c.auto_bid_target / 1e6 : c.auto_bid_target},
                         {"auto_bid_multiplier", c.auto_bid_multiplier},
                         {"auto_bid_realized", c.bidding == core::BiddingKind::kTargetCpa ? c.auto_bid_realized / 1e6 : c.auto_bid_realized},
                         {"auto_bid_violation", c.auto_bid_violation}});
  }
  j["campaigns"] = std::move(campaigns);
  return j;
}

}  // namespace adsim::cli
