#include "gui/run_data.hpp"

#include "core/request.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace adsim::gui {

// ---------------------------------------------------------------------------------------------
// ReliabilityBins

void ReliabilityBins::add(double pctr, double true_ctr) {
  constexpr double kPerDecade = kFineBins / 6.0;
  const double x = std::max(pctr, 1e-6);
  int bin = static_cast<int>(std::floor((std::log10(x) + 6.0) * kPerDecade));
  bin = std::clamp(bin, 0, kFineBins - 1);
  Bin& b = bins_[static_cast<std::size_t>(bin)];
  b.count += 1;
  b.sum_pctr += pctr;
  b.sum_true += true_ctr;
  total_ += 1;
}

std::vector<ReliabilityBins::Point> ReliabilityBins::merged(int target_bins, double min_count) const {
  // A fine bin holding more than a share 1 / target_bins of the candidates (a model serving one
  // prior to many ads) is a point of its own; the other candidates are split into the remaining
  // points by count, so a spike does not swallow the resolution of everything around it.
  const int wanted = std::max(1, target_bins);
  const double spike = total_ / wanted;
  double rest = total_;
  int spikes = 0;
  for (const Bin& b : bins_)
    if (b.count > spike) {
      rest -= b.count;
      ++spikes;
    }
  const double needed = std::max(min_count, rest / std::max(1, wanted - spikes));
  std::vector<Point> out;
  Bin acc;
  auto close = [&] {
    if (acc.count >= min_count) out.push_back({acc.sum_pctr / acc.count, acc.sum_true / acc.count, acc.count});
    acc = {};
  };
  for (std::size_t i = 0; i < bins_.size(); ++i) {
    const Bin& b = bins_[i];
    if (b.count > spike) {
      close();  // what came before the spike, if it is enough for a point
      acc = b;
      close();
      continue;
    }
    acc.count += b.count;
    acc.sum_pctr += b.sum_pctr;
    acc.sum_true += b.sum_true;
    if (acc.count >= needed) close();
  }
  close();
  return out;
}

// ---------------------------------------------------------------------------------------------
// RunData

void RunData::retain_spend_for(const RunInfo& info) {
  const std::size_t campaigns = info.daily_budgets.size();
  const auto interval = std::max<core::SimTime>(1, info.snapshot_interval);
  const auto planned = static_cast<std::size_t>(info.horizon / interval + 2);
  retained_index_.assign(campaigns, -1);
  retained_.clear();
  if (campaigns * planned <= kMaxRetainedSpendValues) {
    retained_.resize(campaigns);
    std::iota(retained_.begin(), retained_.end(), core::CampaignId{0});
  } else {
    // A very large run keeps the curves of the campaigns with the largest budgets only.
    const std::size_t keep = std::max<std::size_t>(16, kMaxRetainedSpendValues / planned);
    RunData probe;
    probe.info_ = info;
    retained_ = probe.top_campaigns_by_budget(keep);
    std::sort(retained_.begin(), retained_.end());
  }
  spend_.assign(retained_.size(), {});
  target_.assign(retained_.size(), {});
  for (std::size_t i = 0; i < retained_.size(); ++i) retained_index_[retained_[i]] = static_cast<int>(i);
}

const std::vector<float>& RunData::target_curve(core::CampaignId campaign) const {
  static const std::vector<float> kNone;
  if (campaign >= retained_index_.size() || retained_index_[campaign] < 0) return kNone;
  return target_[static_cast<std::size_t>(retained_index_[campaign])];
}

const std::vector<float>& RunData::spend_curve(core::CampaignId campaign) const {
  static const std::vector<float> kNone;
  if (campaign >= retained_index_.size() || retained_index_[campaign] < 0) return kNone;
  return spend_[static_cast<std::size_t>(retained_index_[campaign])];
}

std::vector<core::CampaignId> RunData::top_campaigns_by_budget(std::size_t n) const {
  std::vector<core::CampaignId> ids;
  if (!info_) return ids;
  const auto& budgets = info_->daily_budgets;
  ids.resize(budgets.size());
  std::iota(ids.begin(), ids.end(), core::CampaignId{0});
  n = std::min(n, ids.size());
  std::partial_sort(ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(n), ids.end(),
                    [&](core::CampaignId a, core::CampaignId b) {
                      if (budgets[a] != budgets[b]) return budgets[a] > budgets[b];
                      return a < b;
                    });
  ids.resize(n);
  return ids;
}

RunData::Delta RunData::apply(RunnerBatch batch) {
  Delta delta;
  delta.first_new_interval = points_.size();
  delta.first_new_groups = groups_.size();
  for (GroupSnapshot& g : batch.groups) groups_.push_back(std::move(g));
  delta.groups_changed = !batch.groups.empty();
  if (batch.info) {
    info_ = std::move(*batch.info);
    retain_spend_for(*info_);
    delta.info = true;
  }
  for (core::IntervalMetrics& m : batch.intervals) {
    IntervalPoint p;
    p.start = m.start;
    p.end = m.end;
    p.counts = m.counts;
    p.rates = core::Rates::of(m.counts);
    p.active_users = m.active_users;
    p.mean_fatigue = m.mean_fatigue;
    p.budget_exhausted_share = m.budget_exhausted_share;
    totals_ += m.counts;
    p.users_left_total = totals_.users_left;
    p.value_total = totals_.advertiser_value / 1e6;
    p.spend_total = totals_.revenue.units();
    points_.push_back(p);
    const std::size_t index = points_.size() - 1;
    for (std::size_t i = 0; i < retained_.size(); ++i) {
      std::vector<float>& curve = spend_[i];
      curve.resize(index + 1, 0.0f);
      const core::CampaignId c = retained_[i];
      if (c < m.campaign_spend_today.size()) curve[index] = static_cast<float>(m.campaign_spend_today[c].units());
      if (c < m.campaign_target_today.size()) {
        std::vector<float>& plan = target_[i];
        plan.resize(index + 1, 0.0f);
        plan[index] = static_cast<float>(m.campaign_target_today[c].units());
      }
    }
  }
  for (core::AuctionLogEntry& e : batch.auctions) {
    for (const core::AuctionLogCandidate& c : e.candidates) {
      reliability_.add(c.pctr, c.true_ctr);
      if (c.slot >= 0) winner_prices_.push_back(c.price / 1e6);
    }
    recent_.push_back(std::move(e));
    if (recent_.size() > kRecentAuctions) recent_.pop_front();
  }
  delta.new_auctions = std::min(batch.auctions.size(), recent_.size());
  auctions_seen_ += batch.auctions.size();
  auctions_dropped_ += batch.auctions_dropped;
  if (batch.progress) {
    const ProgressSample& s = *batch.progress;
    delta.progress = true;
    if (rate_window_.empty() || s.requests_wall_seconds > rate_window_.back().requests_wall_seconds) {
      rate_window_.push_back(s);
      while (rate_window_.size() > 2 &&
             s.requests_wall_seconds - rate_window_.front().requests_wall_seconds > 2.0)
        rate_window_.pop_front();
      const ProgressSample& first = rate_window_.front();
      const double dt = s.requests_wall_seconds - first.requests_wall_seconds;
      if (rate_window_.size() >= 2 && dt > 0)
        requests_per_second_ = static_cast<double>(s.requests - first.requests) / dt;
      else if (s.requests_wall_seconds > 0)
        requests_per_second_ = static_cast<double>(s.requests) / s.requests_wall_seconds;
    }
    progress_ = s;
  }
  if (batch.outcome) {
    outcome_ = std::move(batch.outcome);
    // The final summary's groups end the history (replacing a live snapshot taken at the same time).
    const core::RunSummary& s = outcome_->summary;
    if (!groups_.empty() && groups_.back().at >= s.simulated) {
      groups_.pop_back();
      delta.first_new_groups = std::min(delta.first_new_groups, groups_.size());
    }
    groups_.push_back({s.simulated, s.strategy_groups(), s.auto_bid});
    delta.groups_changed = true;
    if (outcome_->run_wall_seconds > 0)
      requests_per_second_ = static_cast<double>(outcome_->summary.totals.requests) / outcome_->run_wall_seconds;
    delta.ended = true;
  }
  if (batch.error) {
    error_ = std::move(batch.error);
    delta.ended = true;
  }
  return delta;
}

std::vector<HeadlineMetric> headline_metrics(const RunData& run) {
  const core::Counters& t = run.outcome() ? run.outcome()->summary.totals : run.totals();
  const core::Rates r = core::Rates::of(t);
  std::uint64_t active = 0;
  double fatigue = 0, exhausted = 0;
  if (!run.points().empty()) {
    active = run.points().back().active_users;
    fatigue = run.points().back().mean_fatigue;
    exhausted = run.points().back().budget_exhausted_share;
  }
  if (run.outcome()) {
    active = run.outcome()->summary.active_users;
    fatigue = run.outcome()->summary.mean_fatigue;
  }
  auto d = [](std::uint64_t v) { return static_cast<double>(v); };
  const core::AutoBidTotals auto_bid = run.latest_groups() ? run.latest_groups()->auto_bid : core::AutoBidTotals{};
  using B = experiments::Better;
  // The direction of the study metric of this name.
  auto study = [](const char* metric) {
    const experiments::MetricDef* m = experiments::find_metric(metric);
    return m ? m->better : B::kNeither;
  };
  std::vector<HeadlineMetric> rows = {
      {QStringLiteral("Revenue"), QStringLiteral("currency units"), t.revenue.units(), study("revenue")},
      {QStringLiteral("RPM"), QStringLiteral("currency units per 1,000 requests"), r.rpm, study("rpm")},
      {QStringLiteral("Requests"), QStringLiteral("requests"), d(t.requests), B::kNeither},
      {QStringLiteral("Fill rate"), QStringLiteral("%"), 100.0 * r.fill_rate, study("fill_rate")},
      {QStringLiteral("Impressions"), QStringLiteral("impressions"), d(t.impressions), B::kNeither},
      {QStringLiteral("CTR"), QStringLiteral("%"), 100.0 * r.ctr, study("ctr")},
      {QStringLiteral("Average CPC"), QStringLiteral("currency units per click"), r.avg_cpc, study("avg_cpc")},
      {QStringLiteral("Conversions"), QStringLiteral("conversions"), d(t.conversions), study("conversions")},
      {QStringLiteral("Attributed conversions"), QStringLiteral("conversions in the window"), d(t.attributed_conversions),
       B::kHigher},
      {QStringLiteral("Late conversions"), QStringLiteral("conversions after the window"), d(t.late_conversions),
       B::kNeither},
      {QStringLiteral("Advertiser value"), QStringLiteral("currency units"), t.advertiser_value / 1e6,
       study("advertiser_value")},
      {QStringLiteral("Advertiser surplus"), QStringLiteral("currency units (value − spend)"), r.advertiser_surplus,
       study("advertiser_surplus")},
      {QStringLiteral("ROAS"), QStringLiteral("value / spend"),
       t.revenue.micros > 0 ? t.advertiser_value / t.revenue.as_double_micros() : 0.0, B::kHigher},
      {QStringLiteral("Auto-bid violation"), QStringLiteral("% of target, spend-weighted"),
       100.0 * auto_bid.mean_violation, study("auto_bid_violation")},
      {QStringLiteral("Auto-bid campaigns violating target"), QStringLiteral("campaigns"), d(auto_bid.violating),
       B::kLower},
      {QStringLiteral("Hide rate"), QStringLiteral("per 1,000 impressions"), 1000.0 * r.hide_rate, study("hide_rate")},
      {QStringLiteral("Report rate"), QStringLiteral("per 1,000 impressions"), 1000.0 * r.report_rate,
       study("report_rate")},
      {QStringLiteral("Users who left"), QStringLiteral("users"), d(t.users_left), study("users_left")},
      {QStringLiteral("Active users at end"), QStringLiteral("users"), d(active), B::kHigher},
      {QStringLiteral("Mean user fatigue at end"), QStringLiteral("fatigue units"), fatigue, study("mean_fatigue")},
      {QStringLiteral("Calibration ratio"), QStringLiteral("sum pCTR / sum true CTR"), r.calibration_ratio,
       study("calibration")},
      {QStringLiteral("Reserve-bind rate"), QStringLiteral("% of shown ads"), 100.0 * r.reserve_bind_rate,
       study("reserve_bind_rate")},
      {QStringLiteral("Below-reserve candidates"), QStringLiteral("candidates dropped by the reserve"),
       d(t.reserve_excluded), B::kNeither},
      {QStringLiteral("Allocative efficiency"),
       QStringLiteral("% of the best welfare of every eligible ad (sampled auctions)"),
       t.efficiency_samples ? 100.0 * r.efficiency : std::nan(""), study("efficiency")},
      {QStringLiteral("Efficiency of the auction"),
       QStringLiteral("% of the best welfare of the ads that reached it (sampled auctions)"),
       t.efficiency_samples ? 100.0 * r.auction_efficiency : std::nan(""), study("auction_efficiency")},
      {QStringLiteral("AUC"), QStringLiteral("probability, served predictions (at the end)"),
       run.outcome() ? run.outcome()->summary.model.auc : std::nan(""), study("auc")},
      {QStringLiteral("ECE"), QStringLiteral("probability, served predictions (at the end)"),
       run.outcome() ? run.outcome()->summary.model.ece : std::nan(""), study("ece")},
      {QStringLiteral("Funnel cost"), QStringLiteral("µs per request"), r.funnel_cost_us_per_request,
       study("funnel_cost")},
      {QStringLiteral("Budget-exhausted campaigns at end"), QStringLiteral("% of in-flight"), 100.0 * exhausted,
       study("exhausted_share")},
      {QStringLiteral("Overspend"), QStringLiteral("currency units"), t.overspend.units(), study("overspend")},
  };
  // The feed and search side by side, where there is search traffic (traffic.search_share).
  const core::SurfaceCounters& search = t.surface[static_cast<std::size_t>(core::Surface::kSearch)];
  if (search.requests > 0) {
    rows.push_back({QStringLiteral("Search share of requests"), QStringLiteral("%"),
                    t.requests ? 100.0 * d(search.requests) / d(t.requests) : 0.0, B::kNeither});
    for (const core::Surface surface : {core::Surface::kFeed, core::Surface::kSearch}) {
      const core::SurfaceCounters& c = t.surface[static_cast<std::size_t>(surface)];
      const QString name = surface == core::Surface::kFeed ? QStringLiteral("Feed") : QStringLiteral("Search");
      auto ratio = [](double a, double b) { return b > 0 ? a / b : std::nan(""); };
      rows.push_back({name + QStringLiteral(" CTR"), QStringLiteral("%"), 100.0 * ratio(d(c.clicks), d(c.impressions)),
                      study("ctr")});
      rows.push_back({name + QStringLiteral(" RPM"), QStringLiteral("currency units per 1,000 requests"),
                      1000.0 * ratio(c.revenue.units(), d(c.requests)), study("rpm")});
      rows.push_back({name + QStringLiteral(" reserve-bind rate"), QStringLiteral("% of shown ads"),
                      100.0 * ratio(d(c.reserve_bound), d(c.impressions)), study("reserve_bind_rate")});
    }
  }
  return rows;
}

}  // namespace adsim::gui
