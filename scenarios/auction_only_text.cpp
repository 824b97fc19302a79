#include "scenarios/auction_only_text.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace adsim::scenarios {

std::string thousands(std::uint64_t v) {
  const std::string digits = std::to_string(v);
  std::string s;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) s += ',';
    s += digits[i];
  }
  return s;
}

namespace {

std::string bidder_label(const std::vector<std::string>& names, std::size_t b) {
  return b < names.size() && !names[b].empty() ? names[b] : std::to_string(b);
}


// Each bidder's totals, its awards per slot (count @ mean price per click) when there are few
// slots, and its budget when it has one.
std::string auction_only_bidders_table(const auction::AuctionOnlyResult& r, const std::vector<std::string>& names) {
  constexpr std::size_t kShown = 20;
  const std::size_t shown = std::min(r.bidders.size(), kShown);
  const int slots = r.metrics.slots;
  std::string out = fmt::format("\n  {:>10} {:>10} {:>8} {:>10} {:>10} {:>10}", "bidder", "auctions", "wins", "value", "payment", "surplus");
  if (slots <= 4) for (int k = 0; k < slots; ++k) out += fmt::format(" {:>16}", fmt::format("slot {} @ price", k));
  out += "\n";
  for (std::size_t b = 0; b < shown; ++b) {
    const auto& x = r.bidders[b];
    out += fmt::format("  {:>10} {:>10} {:>8} {:>10.3f} {:>10.3f} {:>10.3f}", bidder_label(names, b), x.auctions, x.wins,
                       x.value, x.payment, x.surplus);
    if (slots <= 4) {
      for (const auto& o : x.slots)
        out += fmt::format(" {:>16}", o.wins ? fmt::format("{} @ {:.4f}", o.wins, o.price_per_click()) : std::string("-"));
    }
    out += "\n";
  }
  const bool budgets = std::any_of(r.bidders.begin(), r.bidders.end(), [](const auto& x) { return std::isfinite(x.budget); });
  if (budgets) {
    out += fmt::format("\n  {:>10} {:>12} {:>12} {:>12} {:>10} {:>10} {:>10}\n", "bidder", "budget", "left", "exhausted at",
                       "episodes", "multiplier", "pacing err");
    for (std::size_t b = 0; b < shown; ++b) {
      const auto& x = r.bidders[b];
      if (!std::isfinite(x.budget)) {
        out += fmt::format("  {:>10} {:>12}\n", bidder_label(names, b), "unlimited");
        continue;
      }
      out += fmt::format("  {:>10} {:>12.3f} {:>12.3f} {:>12} {:>10} {:>10.4f} {:>10}\n", bidder_label(names, b), x.budget,
                         x.budget_left, x.exhausted_round < 0 ? std::string("never") : thousands(static_cast<std::uint64_t>(x.exhausted_round)),
                         x.exhausted_episodes, x.multiplier, std::isnan(x.pacing_error) ? std::string("-") : fmt::format("{:.4f}", x.pacing_error));
    }
  }
  if (r.bidders.size() > kShown) out += fmt::format("  ... {} more bidders (see --json)\n", r.bidders.size() - kShown);
  return out;
}

}  // namespace

std::string auction_only_text(const std::string& name, std::uint64_t seed, const auction::AuctionOnlyResult& r,
                              double wall_seconds, const std::vector<std::string>& names) {
  const auction::AuctionMetricsReport& m = r.metrics;
  std::string out = fmt::format("{} (seed {}): auction-only rounds\n", name, seed);
  out += fmt::format("{} auction{} in {:.2f} s wall ({} auctions/s); reserve used {:.4f}\n\n", thousands(m.auctions),
                     m.auctions == 1 ? "" : "s",
                     wall_seconds, wall_seconds > 0 ? thousands(static_cast<std::uint64_t>(static_cast<double>(m.auctions) / wall_seconds)) : "-",
                     r.reserve);
  out += "Per auction (mean ± standard error)\n";
  out += fmt::format("  {:<22}{:>12.5f} ± {:.5f}\n", "platform revenue", m.revenue, m.revenue_se);
  out += fmt::format("  {:<22}{:>12.5f} ± {:.5f}\n", "advertiser surplus", m.surplus, m.surplus_se);
  out += fmt::format("  {:<22}{:>12.5f} ± {:.5f}\n", "social welfare", m.welfare, m.welfare_se);
  out += fmt::format("  {:<22}{:>12.5f}\n", "best possible welfare", m.best_welfare);
  out += fmt::format("  {:<22}{:>12.4f}\n", "efficiency", m.efficiency);
  out += fmt::format("  {:<22}{:>12.4f}\n", "price / bid", m.price_to_bid);
  out += fmt::format("  {:<22}{:>11.2f} %\n", "reserve-bind rate", 100 * m.reserve_bind_rate);
  out += fmt::format("  {:<22}{:>11.2f} %\n", "slot fill rate", 100 * m.fill_rate);
  out += fmt::format("  {:<22}{:>11.2f} %\n", "no ad (reserve)", 100 * m.no_ad_due_to_reserve_rate);
  out += fmt::format("\n  {:>4} {:>9} {:>10} {:>10} {:>10} {:>10} {:>9}\n", "slot", "fill", "revenue", "surplus",
                     "efficiency", "price/bid", "res.bind");
  for (int k = 0; k < m.slots; ++k) {
    const auto& sl = m.per_slot[static_cast<std::size_t>(k)];
    out += fmt::format("  {:>4} {:>8.2f}% {:>10.5f} {:>10.5f} {:>10.4f} {:>10.4f} {:>8.2f}%\n", k, 100 * sl.fill_rate,
                       sl.revenue, sl.surplus, sl.efficiency, sl.price_to_bid, 100 * sl.reserve_bind_rate);
  }
  out += auction_only_bidders_table(r, names);
  return out;
}

}  // namespace adsim::scenarios
