#include <gtest/gtest.h>

#include "core/budget_ledger.hpp"

namespace adsim::core {
namespace {

std::vector<Campaign> one_campaign(std::int64_t daily, std::int64_t total) {
  Campaign c;
  c.daily_budget = Money{daily};
  c.total_budget = Money{total};
  return {c};
}

TEST(BudgetLedger, ChargeThatCrossesBudgetIsBilledAndLaterOnesAreForgone) {
  BudgetLedger b(one_campaign(1000, 0));
  EXPECT_TRUE(b.has_budget(0));
  auto r1 = b.charge(0, Money{600}, 10);
  EXPECT_EQ(r1.billed, Money{600});
  EXPECT_EQ(r1.overspend, Money{0});
  auto r2 = b.charge(0, Money{700}, 20);  // crosses: billed in full, 300 over
  EXPECT_EQ(r2.billed, Money{700});
  EXPECT_EQ(r2.overspend, Money{300});
  EXPECT_FALSE(b.has_budget(0));
  EXPECT_EQ(b.exhausted_at(0), 20);
  auto r3 = b.charge(0, Money{500}, 30);  // in-flight click after exhaustion
  EXPECT_EQ(r3.billed, Money{0});
  EXPECT_EQ(r3.forgone, Money{500});
  EXPECT_EQ(b.spent_today(0), Money{1300});
  EXPECT_EQ(b.overspend_total(0), Money{300});
  EXPECT_EQ(b.forgone_total(0), Money{500});
}

TEST(BudgetLedger, DayResetRestoresDailyButNotLifetimeBudget) {
  BudgetLedger b(one_campaign(1000, 1500));
  b.charge(0, Money{1000}, 1);
  EXPECT_FALSE(b.has_budget(0));
  b.start_day();
  EXPECT_TRUE(b.has_budget(0));
  EXPECT_EQ(b.remaining_today(0), Money{500}) << "lifetime budget caps the new day";
  b.charge(0, Money{500}, 2);
  EXPECT_FALSE(b.has_budget(0));
  b.start_day();
  EXPECT_FALSE(b.has_budget(0)) << "lifetime budget spent: stays off";
  EXPECT_EQ(b.days_exhausted(0), 2u);
}

TEST(BudgetLedger, ZeroMeansUncapped) {
  BudgetLedger b(one_campaign(0, 0));
  for (int i = 0; i < 1000; ++i) b.charge(0, Money{1'000'000'000}, i);
  EXPECT_TRUE(b.has_budget(0));
}

}  // namespace
}  // namespace adsim::core
