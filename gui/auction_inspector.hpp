#pragma once
#include <deque>

#include <QAbstractTableModel>
#include <QWidget>

#include "core/metrics.hpp"

class QComboBox;
class QLabel;
class QTableView;
class QTableWidget;

namespace adsim::gui {

class RunData;
struct RunInfo;

// The sampled auctions of a run, newest last, at most `capacity` of them.
class AuctionTableModel final : public QAbstractTableModel {
  Q_OBJECT
 public:
  enum Column { kTime, kRequest, kUser, kRetrieved, kPrerank, kRanked, kInAuction, kShown, kTopPrice, kColumns };

  explicit AuctionTableModel(std::size_t capacity, QObject* parent = nullptr);

  void clear();
  void append(const std::deque<core::AuctionLogEntry>& source, std::size_t newest);  // the last `newest` of source
  const core::AuctionLogEntry* entry(int row) const;

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

 private:
  std::size_t capacity_;
  std::deque<core::AuctionLogEntry> entries_;
};

// Recent sampled requests in a table; selecting one shows its funnel stage by stage and every
// ranked candidate with bid, pacing multiplier, pCTR vs. true CTR, rank score, slot and price.
class AuctionInspector : public QWidget {
  Q_OBJECT
 public:
  explicit AuctionInspector(QWidget* parent = nullptr);

  // Which runs can be inspected (one, or A and B when comparing).
  void reset(const QStringList& track_labels);
  // New sampled auctions of track `track` (the last `newest` entries of run.recent_auctions()).
  void add(int track, const RunData& run, std::size_t newest);
  // Keeps a reference to each track's data to refill the table when the track changes.
  void set_runs(const std::vector<const RunData*>& runs) { runs_ = runs; }

  AuctionTableModel* model() const { return model_; }
  QTableView* requests() const { return requests_; }
  QTableWidget* candidates() const { return candidates_; }
  QLabel* funnel() const { return funnel_; }
  QLabel* sampled() const { return sampled_; }
  void select_row(int row);

 private:
  void show_entry(const core::AuctionLogEntry* entry);
  void on_track_changed(int track);
  void fit_columns();
  const RunInfo* current_info() const;  // the selected track's run, once it has started

  QComboBox* track_ = nullptr;
  AuctionTableModel* model_ = nullptr;
  QTableView* requests_ = nullptr;
  QLabel* funnel_ = nullptr;
  QLabel* sampled_ = nullptr;  // the sampling rate of the table
  QTableWidget* candidates_ = nullptr;
  std::vector<const RunData*> runs_;
};

}  // namespace adsim::gui
