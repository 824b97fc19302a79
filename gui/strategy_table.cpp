#include "gui/strategy_table.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <tuple>

#include <QHeaderView>
#include <QLocale>

#include "gui/formatting.hpp"

namespace adsim::gui {
namespace {

QString fixed(double v, int decimals) {
  QLocale c(QLocale::English);
  c.setNumberOptions(QLocale::DefaultNumberOptions);
  return c.toString(v, 'f', decimals);
}

using Key = std::tuple<std::string, int, int>;  // pacer, bidding, billing
Key key_of(const core::StrategyGroup& g) {
  return {g.pacer, static_cast<int>(g.bidding), static_cast<int>(g.billing)};
}

}  // namespace

StrategyTable::StrategyTable(QWidget* parent) : QTableWidget(parent) {
  setObjectName(QStringLiteral("strategyTable"));
  setColumnCount(kColumns);
  struct Header {
    QString text, tip;
  };
  const Header headers[kColumns] = {
      {tr("run"), tr("The run the row belongs to")},
      {tr("pacer"), tr("Budget pacer of the group's campaigns (pacing.pacer, or pacing.mix)")},
      {tr("bidding"), tr("manual: a fixed bid; tcpa / troas: auto-bid to a target CPA / ROAS")},
      {tr("billing"), tr("What the campaigns pay for: cpc per click, cpm per impression, cpa per attributed conversion")},
      {tr("campaigns"), tr("Campaigns in the group")},
      {tr("spend"), tr("Spend charged to the group's budgets, currency units")},
      {tr("budget util."), tr("Spend of the budgeted campaigns / (daily budget × days in flight), %")},
      {tr("clicks"), tr("Clicks on the group's ads, billed or not")},
      {tr("conv."), tr("Every conversion of the group's ads (attributed or late)")},
      {tr("CPC"), tr("Spend / clicks, currency units per click")},
      {tr("CPA"), tr("Spend / attributed conversions, currency units per conversion")},
      {tr("value"), tr("Advertiser value: conversions × value per conversion, currency units")},
      {tr("surplus"), tr("Value − spend, currency units")},
      {tr("pacing dev."), tr("Mean over the group's campaigns of |spend − the pacer's plan|, as a share of the daily budget "
                             "(0 when no pacer plans spend)")},
      {tr("auto-bid viol."),
       tr("How far the realized CPA or ROAS misses the target, as a % of it, spend-weighted over the group's "
          "auto-bid campaigns (– for manual bidding)")},
  };
  for (int c = 0; c < kColumns; ++c) {
    auto* item = new QTableWidgetItem(headers[c].text);
    item->setToolTip(headers[c].tip);
    setHorizontalHeaderItem(c, item);
  }
  verticalHeader()->setVisible(false);
  verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 8);
  setEditTriggers(QAbstractItemView::NoEditTriggers);
  setSelectionBehavior(QAbstractItemView::SelectRows);
  setAlternatingRowColors(true);
  horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  horizontalHeader()->setStretchLastSection(false);
  setColumnHidden(kRun, true);
}

QString StrategyTable::group_label(const core::StrategyGroup& g, bool with_pacer) {
  QString label = QStringLiteral("%1 / %2").arg(QString::fromLatin1(core::bidding_name(g.bidding)),
                                                QString::fromLatin1(core::billing_name(g.billing)));
  return with_pacer ? QString::fromStdString(g.pacer) + QStringLiteral(" / ") + label : label;
}

core::StrategyGroup StrategyTable::total_of(const std::vector<core::StrategyGroup>& groups) {
  core::StrategyGroup t;
  t.pacer = "all";
  double budgeted_spend = 0, deviation = 0, violation = 0, auto_spend = 0;
  bool any_auto = false;
  for (const core::StrategyGroup& g : groups) {
    t.campaigns += g.campaigns;
    t.spend += g.spend;
    t.budget += g.budget;
    budgeted_spend += g.utilization * g.budget;
    t.impressions += g.impressions;
    t.clicks += g.clicks;
    t.conversions += g.conversions;
    t.attributed_conversions += g.attributed_conversions;
    t.value += g.value;
    t.surplus += g.surplus;
    deviation += g.mean_pacing_deviation * g.campaigns;
    if (g.bidding != core::BiddingKind::kManual) {
      any_auto = true;
      violation += g.auto_bid_violation * g.spend.as_double_micros();
      auto_spend += g.spend.as_double_micros();
    }
  }
  const double spend = t.spend.as_double_micros();
  t.utilization = t.budget > 0 ? budgeted_spend / t.budget : 0.0;
  t.cpc = t.clicks ? spend / static_cast<double>(t.clicks) : 0.0;
  t.cpa = t.attributed_conversions ? spend / static_cast<double>(t.attributed_conversions) : 0.0;
  t.mean_pacing_deviation = t.campaigns ? deviation / t.campaigns : 0.0;
  t.auto_bid_violation = auto_spend > 0 ? violation / auto_spend : 0.0;
  // Any auto-bid group makes the total's violation meaningful; a marker bidding kind says so.
  t.bidding = any_auto ? core::BiddingKind::kTargetCpa : core::BiddingKind::kManual;
  return t;
}

void StrategyTable::clear_groups() { setRowCount(0); }

void StrategyTable::show_groups(const std::vector<Track>& tracks) {
  const bool compare = tracks.size() > 1;
  setColumnHidden(kRun, !compare);
  // Rows: every group key seen in any track, in strategy_groups() order (A's first, then groups
  // only B has); with two tracks A's and B's rows of a group sit together.
  std::vector<Key> keys;
  std::map<Key, const core::StrategyGroup*> by_track[2];
  for (std::size_t t = 0; t < tracks.size() && t < 2; ++t) {
    if (!tracks[t].groups) continue;
    for (const core::StrategyGroup& g : tracks[t].groups->groups) {
      const Key k = key_of(g);
      if (!by_track[t].count(k) && std::find(keys.begin(), keys.end(), k) == keys.end()) keys.push_back(k);
      by_track[t][k] = &g;
    }
  }
  std::vector<core::StrategyGroup> totals(tracks.size());
  for (std::size_t t = 0; t < tracks.size() && t < 2; ++t)
    if (tracks[t].groups) totals[t] = total_of(tracks[t].groups->groups);

  const int per_key = static_cast<int>(std::min<std::size_t>(tracks.size(), 2));
  setRowCount(static_cast<int>(keys.size() + 1) * per_key);
  int row = 0;
  auto fill = [&](int t, const core::StrategyGroup* g, bool total) {
    const QColor tint = t == 1 ? QColor(0xff, 0xf1, 0xe3) : QColor();
    auto cell = [&](int col, const QString& text, std::optional<double> value, bool right) {
      auto* item = new QTableWidgetItem(text);
      if (right) item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
      if (value) item->setData(Qt::UserRole, *value);
      if (total) {
        QFont f = item->font();
        f.setBold(true);
        item->setFont(f);
      }
      if (tint.isValid()) item->setBackground(tint);
      setItem(row, col, item);
      return item;
    };
    QTableWidgetItem* run = cell(kRun, tracks[static_cast<std::size_t>(t)].label, std::nullopt, false);
    run->setData(kTotalRole, total);
    if (!g) {
      for (int c = kPacer; c < kColumns; ++c) cell(c, c == kPacer ? tr("(none)") : QString(), std::nullopt, false);
      ++row;
      return;
    }
    const bool manual = g->bidding == core::BiddingKind::kManual;
    cell(kPacer, total ? tr("all campaigns") : QString::fromStdString(g->pacer), std::nullopt, false);
    cell(kBidding, total ? QString() : QString::fromLatin1(core::bidding_name(g->bidding)), std::nullopt, false);
    cell(kBilling, total ? QString() : QString::fromLatin1(core::billing_name(g->billing)), std::nullopt, false);
    cell(kCampaigns, format_count(g->campaigns), static_cast<double>(g->campaigns), true);
    cell(kSpend, fixed(g->spend.units(), 2), g->spend.units(), true);
    cell(kUtilization, g->budget > 0 ? fixed(100.0 * g->utilization, 1) + QStringLiteral(" %") : QStringLiteral("–"),
         100.0 * g->utilization, true);
    cell(kClicks, format_count(g->clicks), static_cast<double>(g->clicks), true);
    QTableWidgetItem* conv = cell(kConversions, format_count(g->conversions), static_cast<double>(g->conversions), true);
    conv->setToolTip(tr("%1 conversions, %2 attributed (inside the conversion window)")
                         .arg(format_count(g->conversions), format_count(g->attributed_conversions)));
    cell(kCpc, g->clicks ? fixed(g->cpc / 1e6, 3) : QStringLiteral("–"), g->cpc / 1e6, true);
    cell(kCpa, g->attributed_conversions ? fixed(g->cpa / 1e6, 3) : QStringLiteral("–"), g->cpa / 1e6, true);
    cell(kValue, fixed(g->value / 1e6, 2), g->value / 1e6, true);
    QTableWidgetItem* surplus = cell(kSurplus, fixed(g->surplus / 1e6, 2), g->surplus / 1e6, true);
    if (g->surplus < 0) surplus->setForeground(QColor(0xb0, 0x2a, 0x1c));
    cell(kPacingDeviation, fixed(g->mean_pacing_deviation, 3), g->mean_pacing_deviation, true);
    cell(kViolation, manual ? QStringLiteral("–") : fixed(100.0 * g->auto_bid_violation, 1) + QStringLiteral(" %"),
         100.0 * g->auto_bid_violation, true);
    ++row;
  };
  for (const Key& k : keys)
    for (int t = 0; t < per_key; ++t) {
      const auto it = by_track[t].find(k);
      if (it != by_track[t].end()) {
        fill(t, it->second, false);
      } else if (tracks[static_cast<std::size_t>(t)].groups) {
        // The group does not exist in this run: say so instead of leaving a hole.
        core::StrategyGroup empty;
        empty.pacer = std::get<0>(k);
        empty.bidding = static_cast<core::BiddingKind>(std::get<1>(k));
        empty.billing = static_cast<core::BillingModel>(std::get<2>(k));
        fill(t, &empty, false);
      } else {
        fill(t, nullptr, false);
      }
    }
  for (int t = 0; t < per_key; ++t)
    fill(t, tracks[static_cast<std::size_t>(t)].groups ? &totals[static_cast<std::size_t>(t)] : nullptr, true);
  setRowCount(row);
}

}  // namespace adsim::gui
