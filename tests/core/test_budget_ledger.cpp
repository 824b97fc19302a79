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

// Budget-split A/B test, treatment share 0.25: daily 1000 splits 750 / 250, total 1600 splits
// 1200 / 400. Each arm spends only its part; the campaign has budget while either arm does.
TEST(BudgetLedger, SplitBetweenArmsGivesEachArmItsShareOnly) {
  BudgetLedger b(one_campaign(1000, 1600));
  b.split_between_arms(0.25);
  ASSERT_TRUE(b.split());
  auto r1 = b.charge(0, Money{200}, 10, 1);
  EXPECT_EQ(r1.billed, Money{200});
  EXPECT_EQ(r1.overspend, Money{0});
  auto r2 = b.charge(0, Money{100}, 20, 1);  // treatment: 300 of its 250, 50 over
  EXPECT_EQ(r2.billed, Money{100});
  EXPECT_EQ(r2.overspend, Money{50});
  EXPECT_EQ(b.arm_has_budget(1)[0], 0);
  EXPECT_EQ(b.arm_has_budget(0)[0], 1);
  EXPECT_TRUE(b.has_budget(0)) << "the control arm's 750 are untouched";
  EXPECT_EQ(b.exhausted_at(0), -1);
  auto r3 = b.charge(0, Money{40}, 25, 1);  // the treatment's in-flight click: forgone
  EXPECT_EQ(r3.billed, Money{0});
  EXPECT_EQ(r3.forgone, Money{40});
  auto r4 = b.charge(0, Money{700}, 30, 0);  // control: 700 of 750
  EXPECT_EQ(r4.overspend, Money{0});
  EXPECT_TRUE(b.has_budget(0));
  auto r5 = b.charge(0, Money{100}, 40, 0);  // control: 800 of 750, 50 over; now both arms are out
  EXPECT_EQ(r5.overspend, Money{50});
  EXPECT_FALSE(b.has_budget(0));
  EXPECT_EQ(b.exhausted_at(0), 40);
  EXPECT_EQ(b.spent_today(0), Money{1100});
  EXPECT_EQ(b.overspend_total(0), Money{100}) << "each arm overspent its part by one charge";
  EXPECT_EQ(b.forgone_total(0), Money{40});
  // Next day: each arm's daily part again, capped by what is left of its total (1200 - 800, 400 - 300).
  b.start_day();
  EXPECT_TRUE(b.has_budget(0));
  EXPECT_EQ(b.arm_has_budget(0)[0], 1);
  EXPECT_EQ(b.arm_has_budget(1)[0], 1);
  EXPECT_EQ(b.charge(0, Money{150}, 50, 1).overspend, Money{50}) << "the treatment has 100 of its total left";
  EXPECT_EQ(b.arm_has_budget(1)[0], 0);
  EXPECT_EQ(b.charge(0, Money{400}, 60, 0).overspend, Money{0});
  EXPECT_FALSE(b.has_budget(0)) << "the control's total part (1200) is spent too";
}

TEST(BudgetLedger, WithoutSplitTheArmIsIgnored) {
  BudgetLedger b(one_campaign(1000, 0));
  EXPECT_FALSE(b.split());
  EXPECT_TRUE(b.arm_has_budget(1).empty());
  EXPECT_EQ(b.charge(0, Money{900}, 1, 1).overspend, Money{0});
  EXPECT_EQ(b.charge(0, Money{200}, 2, 0).overspend, Money{100});
  EXPECT_FALSE(b.has_budget(0));
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
