#pragma once
#include <vector>

#include <QString>
#include <QTableWidget>

#include "core/metrics.hpp"
#include "gui/snapshot_queue.hpp"

namespace adsim::gui {

// The per-strategy table of the Advertisers page: campaigns grouped by pacer × bidding × billing
// with the columns of the CLI's "By strategy" block (RunSummary::strategy_groups()), and a total row
// per run. With two runs (compare) each group has an A row and a B row next to each other.
//
// Every figure cell holds its exact value in display units under Qt::UserRole (money in currency
// units, shares in %), so tests and copies read the numbers, not the rounded text.
class StrategyTable : public QTableWidget {
  Q_OBJECT
 public:
  enum Column {
    kRun,  // hidden with a single run
    kPacer,
    kBidding,
    kBilling,
    kCampaigns,
    kSpend,
    kUtilization,
    kClicks,
    kConversions,
    kCpc,
    kCpa,
    kValue,
    kSurplus,
    kPacingDeviation,
    kViolation,
    kColumns
  };
  // Qt::UserRole + 1 on the run cell of a total row.
  static constexpr int kTotalRole = Qt::UserRole + 1;

  explicit StrategyTable(QWidget* parent = nullptr);

  struct Track {
    QString label;                          // "A", "B" or the scenario name
    const GroupSnapshot* groups = nullptr;  // null: nothing yet
  };
  // Shows the groups of each track (one or two).
  void show_groups(const std::vector<Track>& tracks);
  void clear_groups();

  // The totals over all campaigns of a run, combined from its groups as strategy_groups() combines
  // campaigns (utilization over budgeted spend, CPA over attributed conversions, violation
  // spend-weighted over auto-bid groups, pacing deviation averaged over campaigns).
  static core::StrategyGroup total_of(const std::vector<core::StrategyGroup>& groups);
  // "dual_descent / tcpa / cpc".
  static QString group_label(const core::StrategyGroup& g, bool with_pacer = true);
};

}  // namespace adsim::gui
