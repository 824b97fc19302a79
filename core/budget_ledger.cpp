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

BudgetLedger::ChargeResult BudgetLedger::charge(CampaignId c, Money amount, SimTime now) {
  ChargeResult r;
  const Money room = remaining_today(c);
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
  update_exhausted(c, now);
  return r;
}

void BudgetLedger::update_exhausted(CampaignId c, SimTime now) {
  if (has_budget_[c] && remaining_today(c).micros <= 0) {
    has_budget_[c] = 0;
    exhausted_at_[c] = now;
    ++days_exhausted_[c];
  }
}

void BudgetLedger::start_day() {
  std::fill(spent_today_.begin(), spent_today_.end(), Money{0});
  std::fill(exhausted_at_.begin(), exhausted_at_.end(), SimTime{-1});
  for (std::size_t c = 0; c < size(); ++c) has_budget_[c] = remaining_total(static_cast<CampaignId>(c)).micros > 0;
}

}  // namespace adsim::core
