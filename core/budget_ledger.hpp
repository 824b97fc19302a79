#pragma once
#include <array>
#include <span>
#include <cstdint>
#include <vector>

#include "core/ids.hpp"
#include "core/money.hpp"
#include "core/sim_time.hpp"
#include "core/world.hpp"

namespace adsim::core {

// Spend per campaign against its daily and lifetime budgets. A campaign stops being served once
// either budget is spent. Clicks on ads served earlier still arrive after that: the one charge that
// crosses the budget is billed in full (its excess is recorded as overspend), and later ones are not
// billed at all (recorded as forgone revenue). So no campaign is ever charged past its budget by
// more than one in-flight charge, and both sides of that are measured.
class BudgetLedger {
 public:
  explicit BudgetLedger(const std::vector<Campaign>& campaigns);

  std::size_t size() const { return daily_budget_.size(); }
  Money daily_budget(CampaignId c) const { return daily_budget_[c]; }
  Money total_budget(CampaignId c) const { return total_budget_[c]; }
  Money spent_today(CampaignId c) const { return spent_today_[c]; }
  Money spent_total(CampaignId c) const { return spent_total_[c]; }
  Money overspend_total(CampaignId c) const { return overspend_[c]; }
  Money forgone_total(CampaignId c) const { return forgone_[c]; }
  // Time the daily budget ran out on the current day, or -1.
  SimTime exhausted_at(CampaignId c) const { return exhausted_at_[c]; }
  std::uint32_t days_exhausted(CampaignId c) const { return days_exhausted_[c]; }
  bool has_budget(CampaignId c) const { return has_budget_[c] != 0; }
  // The largest remaining amount any one charge may take (the rest is overspend).
  Money remaining_today(CampaignId c) const;
  Money remaining_total(CampaignId c) const;

  struct ChargeResult {
    Money billed{0};     // what the campaign pays (and the platform earns)
    Money overspend{0};  // part of `billed` past the remaining budget
    Money forgone{0};    // not billed because the budget was already spent
  };
  // `arm`: the A/B arm of the request the charge comes from; it matters only once the budgets are
  // split between arms (then the arm's part is what the charge may take).
  ChargeResult charge(CampaignId c, Money amount, SimTime now, std::uint8_t arm = 0);
  void start_day();

  // A budget-split A/B test: every campaign's daily and total budgets are divided between the arms,
  // the treatment arm getting `treatment_share` of each, and a request can spend only its own arm's
  // part. The campaign-level figures stay the sums over arms; a campaign has budget while either
  // arm has; overspend is counted against the arm's part.
  void split_between_arms(double treatment_share);
  bool split() const { return split_; }
  // Per campaign, 1 while the arm's part has budget left today (empty unless split).
  std::span<const std::uint8_t> arm_has_budget(std::uint8_t arm) const { return arm_has_budget_[arm]; }

 private:
  void update_exhausted(CampaignId c, SimTime now);
  Money arm_remaining_today(CampaignId c, std::uint8_t arm) const;

  std::vector<Money> daily_budget_, total_budget_, spent_today_, spent_total_, overspend_, forgone_;
  std::vector<SimTime> exhausted_at_;
  std::vector<std::uint32_t> days_exhausted_;
  std::vector<std::uint8_t> has_budget_;
  bool split_ = false;
  std::array<std::vector<Money>, 2> arm_daily_, arm_total_, arm_spent_today_, arm_spent_total_;
  std::array<std::vector<std::uint8_t>, 2> arm_has_budget_;
};

}  // namespace adsim::core
