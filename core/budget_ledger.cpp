#include "core/budget_ledger.hpp"

#include <algorithm>
#include <limits>

namespace adsim::core {

namespace {
constexpr Money kUnlimited{std::numeric_limits<std::int64_t>::max() / 4};
}

BudgetLedger::BudgetLedger(const std::vector<Campaign>& campaigns) {
  const std::size_t n = campaigns.size();
  daily_budget_.resize(n);
  total_budget_.resize(n);
  spent_today_.assign(n, Money{0});
  spent_total_.assign(n, Money{0});
  overspend_.assign(n, Money{0});
  forgone_.assign(n, Money{0});
  exhausted_at_.assign(n, -1);
  days_exhausted_.assign(n, 0);
  has_budget_.assign(n, 1);
  for (std::size_t c = 0; c < n; ++c) {
    daily_budget_[c] = campaigns[c].daily_budget.micros > 0 ? campaigns[c].daily_budget : kUnlimited;
    total_budget_[c] = campaigns[c].total_budget.micros > 0 ? campaigns[c].total_budget : kUnlimited;
  }
}

Money BudgetLedger::remaining_today(CampaignId c) const {
  return std::max(Money{0}, std::min(daily_budget_[c] - spent_today_[c], total_budget_[c] - spent_total_[c]));
}

Money BudgetLedger::remaining_total(CampaignId c) const {
  return std::max(Money{0}, total_budget_[c] - spent_total_[c]);
}

BudgetLedger::ChargeResult BudgetLedger::charge(CampaignId c, Money amount, SimTime now, std::uint8_t arm) {
  ChargeResult r;
  const Money room = split_ ? arm_remaining_today(c, arm) : remaining_today(c);
  if (room.micros <= 0) {
    r.forgone = amount;
    forgone_[c] += amount;
    return r;
  }
  r.billed = amount;
  r.overspend = amount > room ? amount - room : Money{0};
  spent_today_[c] += amount;
  spent_total_[c] += amount;
  overspend_[c] += r.overspend;
  if (split_) {
    arm_spent_today_[arm][c] += amount;
    arm_spent_total_[arm][c] += amount;
    if (arm_remaining_today(c, arm).micros <= 0) arm_has_budget_[arm][c] = 0;
  }
  update_exhausted(c, now);
  return r;
}

Money BudgetLedger::arm_remaining_today(CampaignId c, std::uint8_t arm) const {
  return std::max(Money{0}, std::min(arm_daily_[arm][c] - arm_spent_today_[arm][c],
                                     arm_total_[arm][c] - arm_spent_total_[arm][c]));
}

void BudgetLedger::split_between_arms(double treatment_share) {
  split_ = true;
  const std::array<double, 2> share = {1.0 - treatment_share, treatment_share};
  auto part = [](Money budget, double s) {
    return budget == kUnlimited ? kUnlimited : Money::from_micros_rounded(budget.as_double_micros() * s);
  };
  for (std::size_t a = 0; a < 2; ++a) {
    arm_daily_[a].resize(size());
    arm_total_[a].resize(size());
    for (std::size_t c = 0; c < size(); ++c) {
      arm_daily_[a][c] = part(daily_budget_[c], share[a]);
      arm_total_[a][c] = part(total_budget_[c], share[a]);
    }
    arm_spent_today_[a] = spent_today_;  // normally all 0: split before the run starts
    arm_spent_total_[a] = spent_total_;
    arm_has_budget_[a].assign(size(), 1);
    for (std::size_t c = 0; c < size(); ++c)
      arm_has_budget_[a][c] = arm_remaining_today(static_cast<CampaignId>(c), static_cast<std::uint8_t>(a)).micros > 0;
  }
}

void BudgetLedger::update_exhausted(CampaignId c, SimTime now) {
  const bool none_left = split_ ? !arm_has_budget_[0][c] && !arm_has_budget_[1][c] : remaining_today(c).micros <= 0;
  if (has_budget_[c] && none_left) {
    has_budget_[c] = 0;
    exhausted_at_[c] = now;
    ++days_exhausted_[c];
  }
}

void BudgetLedger::start_day() {
  std::fill(spent_today_.begin(), spent_today_.end(), Money{0});
  std::fill(exhausted_at_.begin(), exhausted_at_.end(), SimTime{-1});
  for (std::size_t c = 0; c < size(); ++c) has_budget_[c] = remaining_total(static_cast<CampaignId>(c)).micros > 0;
  if (!split_) return;
  for (std::size_t a = 0; a < 2; ++a) {
    std::fill(arm_spent_today_[a].begin(), arm_spent_today_[a].end(), Money{0});
    for (std::size_t c = 0; c < size(); ++c)
      arm_has_budget_[a][c] = arm_remaining_today(static_cast<CampaignId>(c), static_cast<std::uint8_t>(a)).micros > 0;
  }
  for (std::size_t c = 0; c < size(); ++c) has_budget_[c] = arm_has_budget_[0][c] || arm_has_budget_[1][c];
}

}  // namespace adsim::core
