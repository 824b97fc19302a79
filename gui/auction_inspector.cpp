#include "gui/auction_inspector.hpp"

#include <algorithm>

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QSplitter>
#include <QTableView>
#include <QTableWidget>
#include <QVBoxLayout>

#include "gui/formatting.hpp"
#include "gui/run_data.hpp"

namespace adsim::gui {
namespace {

QString units(double micros, int significant = 4) { return format_figure(micros / 1e6, significant); }
QString percent(double p) { return format_figure(100.0 * p, 3) + QStringLiteral(" %"); }

double top_price(const core::AuctionLogEntry& e) {
  double best = 0;
  for (const auto& c : e.candidates)
    if (c.slot == 0) best = c.price;
  return best;
}

int in_auction(const core::AuctionLogEntry& e) {
  return static_cast<int>(std::count_if(e.candidates.begin(), e.candidates.end(),
                                        [](const core::AuctionLogCandidate& c) { return c.participated; }));
}

int shown(const core::AuctionLogEntry& e) {
  return static_cast<int>(std::count_if(e.candidates.begin(), e.candidates.end(),
                                        [](const core::AuctionLogCandidate& c) { return c.slot >= 0; }));
}

// Rank scores are bid x pCTR x quality^alpha in micros per impression; shown per 1,000 impressions
// in currency units, like an eCPM.
QString score_text(double rank_score) { return format_figure(rank_score / 1e3, 4); }

// The ad ranked right after candidate i among those in the auction: the one whose score sets a
// second-price payment (null: nobody below).
const core::AuctionLogCandidate* next_in_auction(const core::AuctionLogEntry& e, std::size_t i) {
  for (std::size_t j = i + 1; j < e.candidates.size(); ++j)
    if (e.candidates[j].participated) return &e.candidates[j];
  return nullptr;
}

QString ad_name(const core::AuctionLogCandidate& c) {
  return QObject::tr("ad %1 (campaign %2)").arg(c.ad).arg(c.campaign);
}

// One line per shown ad: its score against the next one, and the price rule in words.
QString explain_prices(const core::AuctionLogEntry& e, const RunInfo* info) {
  const QString mechanism = info ? QString::fromStdString(info->mechanism) : QStringLiteral("gsp");
  QString html = QObject::tr("<b>Why these ads won</b> (%1; rank score = bid × pCTR × quality<sup>α</sup>, in currency "
                             "units per 1,000 impressions):<ul style='margin-top:2px'>")
                     .arg(mechanism == QStringLiteral("vcg")           ? QObject::tr("VCG auction")
                          : mechanism == QStringLiteral("first_price") ? QObject::tr("first-price auction")
                                                                        : QObject::tr("generalized second-price auction"));
  for (std::size_t i = 0; i < e.candidates.size(); ++i) {
    const core::AuctionLogCandidate& c = e.candidates[i];
    if (c.slot < 0) continue;
    const core::AuctionLogCandidate* next = next_in_auction(e, i);
    QString line = QObject::tr("Slot %1: %2, score %3").arg(c.slot + 1).arg(ad_name(c), score_text(c.rank_score));
    line += next ? QObject::tr(" against %1 for %2 below it. ").arg(score_text(next->rank_score), ad_name(*next))
                 : QObject::tr(", nobody below it. ");
    const QString price = QObject::tr("<b>pays %1 per click</b>").arg(units(c.price, 3));
    if (c.reserve_bound) {
      line += QObject::tr("It %1: the reserve price set it, above what the competition asked.").arg(price);
    } else if (mechanism == QStringLiteral("first_price")) {
      line += QObject::tr("It %1: its own bid after pacing (first price).").arg(price);
    } else if (mechanism == QStringLiteral("vcg")) {
      line += QObject::tr("It %1: what its presence costs the ads below it (their lost expected value, per click)")
                  .arg(price);
    } else if (next) {
      line += QObject::tr("It %1: the lowest bid that keeps its score above %2's "
                          "(%3 ÷ its pCTR × quality<sup>α</sup>).")
                  .arg(price, ad_name(*next), score_text(next->rank_score));
    } else {
      line += QObject::tr("It %1: with nobody below, the reserve.").arg(price);
    }
    html += QStringLiteral("<li>") + line + QStringLiteral("</li>");
  }
  return html + QStringLiteral("</ul>");
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// AuctionTableModel

AuctionTableModel::AuctionTableModel(std::size_t capacity, QObject* parent)
    : QAbstractTableModel(parent), capacity_(capacity) {}

void AuctionTableModel::clear() {
  beginResetModel();
  entries_.clear();
  endResetModel();
}

void AuctionTableModel::append(const std::deque<core::AuctionLogEntry>& source, std::size_t newest) {
  newest = std::min({newest, source.size(), capacity_});
  if (newest == 0) return;
  const std::size_t overflow = entries_.size() + newest > capacity_ ? entries_.size() + newest - capacity_ : 0;
  if (overflow > 0) {
    beginRemoveRows({}, 0, static_cast<int>(overflow) - 1);
    entries_.erase(entries_.begin(), entries_.begin() + static_cast<std::ptrdiff_t>(overflow));
    endRemoveRows();
  }
  const int first = static_cast<int>(entries_.size());
  beginInsertRows({}, first, first + static_cast<int>(newest) - 1);
  entries_.insert(entries_.end(), source.end() - static_cast<std::ptrdiff_t>(newest), source.end());
  endInsertRows();
}

const core::AuctionLogEntry* AuctionTableModel::entry(int row) const {
  if (row < 0 || row >= static_cast<int>(entries_.size())) return nullptr;
  return &entries_[static_cast<std::size_t>(row)];
}

int AuctionTableModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(entries_.size());
}

int AuctionTableModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : kColumns; }

QVariant AuctionTableModel::data(const QModelIndex& index, int role) const {
  const core::AuctionLogEntry* e = entry(index.row());
  if (!e) return {};
  if (role == Qt::TextAlignmentRole)
    return index.column() == kTime ? QVariant(Qt::AlignLeft | Qt::AlignVCenter) : QVariant(Qt::AlignRight | Qt::AlignVCenter);
  if (role != Qt::DisplayRole) return {};
  switch (index.column()) {
    case kTime: return sim_clock(e->time) + QStringLiteral(":%1").arg(static_cast<int>((e->time / core::kSecond) % 60), 2, 10, QLatin1Char('0'));
    case kRequest: return QString::number(e->request_id);
    case kUser: return QString::number(e->user);
    case kRetrieved: return format_count(e->retrieved);
    case kPrerank: return format_count(e->after_prerank);
    case kRanked: return format_count(e->after_rank);
    case kInAuction: return in_auction(*e);
    case kShown: return shown(*e);
    case kTopPrice: return shown(*e) > 0 ? units(top_price(*e)) : QStringLiteral("–");
    default: return {};
  }
}

QVariant AuctionTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal) return {};
  if (role == Qt::ToolTipRole) {
    switch (section) {
      case kRetrieved: return tr("Candidates retrieved from the targeting index");
      case kPrerank: return tr("Candidates kept by pre-ranking (N1)");
      case kRanked: return tr("Candidates kept by ranking (N2): the ranked set below");
      case kInAuction: return tr("Ranked candidates the pacer let into the auction");
      case kShown: return tr("Ads shown (slots filled)");
      case kTopPrice: return tr("Price of the top slot, currency units per click");
      default: return {};
    }
  }
  if (role != Qt::DisplayRole) return {};
  switch (section) {
    case kTime: return tr("simulated time");
    case kRequest: return tr("request");
    case kUser: return tr("user");
    case kRetrieved: return tr("retrieved");
    case kPrerank: return tr("pre-ranked");
    case kRanked: return tr("ranked");
    case kInAuction: return tr("in auction");
    case kShown: return tr("shown");
    case kTopPrice: return tr("top price");
    default: return {};
  }
}

// ---------------------------------------------------------------------------------------------
// AuctionInspector

AuctionInspector::AuctionInspector(QWidget* parent) : QWidget(parent) {
  track_ = new QComboBox(this);
  track_->setObjectName(QStringLiteral("inspectorTrack"));
  model_ = new AuctionTableModel(RunData::kRecentAuctions, this);
  requests_ = new QTableView(this);
  requests_->setObjectName(QStringLiteral("auctionRequests"));
  requests_->setModel(model_);
  requests_->setSelectionBehavior(QAbstractItemView::SelectRows);
  requests_->setSelectionMode(QAbstractItemView::SingleSelection);
  requests_->verticalHeader()->setVisible(false);
  requests_->verticalHeader()->setDefaultSectionSize(22);
  // Sized once from the first rows: ResizeToContents would measure every row on every insertion.
  requests_->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
  requests_->horizontalHeader()->setStretchLastSection(true);
  requests_->setAlternatingRowColors(true);

  funnel_ = new QLabel(tr("Select a sampled request to see its auction."), this);
  funnel_->setObjectName(QStringLiteral("auctionFunnel"));
  funnel_->setWordWrap(true);
  funnel_->setTextFormat(Qt::RichText);
  funnel_->setTextInteractionFlags(Qt::TextSelectableByMouse);

  candidates_ = new QTableWidget(this);
  candidates_->setObjectName(QStringLiteral("auctionCandidates"));
  const QStringList headers = {tr("rank"),     tr("slot"),       tr("price\n(per click)"), tr("ad"),
                               tr("campaign"), tr("bid\n(per click)"), tr("pacing ×"),  tr("in auction"),
                               tr("pCTR"),     tr("true CTR"),   tr("pCTR ÷ true"),      tr("quality"),
                               tr("rank score\n(per 1,000 impr.)"), tr("reserve\nset price")};
  candidates_->setColumnCount(static_cast<int>(headers.size()));
  candidates_->setHorizontalHeaderLabels(headers);
  candidates_->verticalHeader()->setVisible(false);
  candidates_->verticalHeader()->setDefaultSectionSize(22);
  candidates_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  candidates_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  candidates_->setToolTip(tr("Every candidate ranking kept, winners first (green), then by rank score; "
                             "candidates the pacer throttled out are grey. Money in currency units."));

  auto* top = new QHBoxLayout;
  top->addWidget(new QLabel(tr("Run:"), this));
  top->addWidget(track_);
  top->addStretch(1);
  auto* left = new QWidget(this);
  auto* left_layout = new QVBoxLayout(left);
  left_layout->setContentsMargins(0, 0, 0, 0);
  left_layout->addLayout(top);
  sampled_ = new QLabel(tr("<b>Recent sampled requests</b>"), left);
  sampled_->setObjectName(QStringLiteral("sampledLabel"));
  left_layout->addWidget(sampled_);
  left_layout->addWidget(requests_, 1);
  auto* right = new QWidget(this);
  auto* right_layout = new QVBoxLayout(right);
  right_layout->setContentsMargins(0, 0, 0, 0);
  right_layout->addWidget(funnel_);
  right_layout->addWidget(candidates_, 1);
  auto* split = new QSplitter(Qt::Horizontal, this);
  split->addWidget(left);
  split->addWidget(right);
  split->setStretchFactor(0, 2);
  split->setStretchFactor(1, 3);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  layout->addWidget(split);

  connect(requests_->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
          [this](const QModelIndex& current) { show_entry(model_->entry(current.row())); });
  connect(track_, &QComboBox::currentIndexChanged, this, &AuctionInspector::on_track_changed);
  reset({tr("run")});
}

void AuctionInspector::reset(const QStringList& track_labels) {
  const QSignalBlocker block(track_);
  track_->clear();
  track_->addItems(track_labels);
  track_->setEnabled(track_labels.size() > 1);
  runs_.assign(static_cast<std::size_t>(track_labels.size()), nullptr);
  model_->clear();
  show_entry(nullptr);
}

void AuctionInspector::add(int track, const RunData& run, std::size_t newest) {
  if (track < static_cast<int>(runs_.size())) runs_[static_cast<std::size_t>(track)] = &run;
  if (track != track_->currentIndex()) return;
  if (run.has_info())
    sampled_->setText(tr("<b>Recent sampled requests</b>: %1 of all requests are logged (run.auction_log_rate)")
                          .arg(format_figure(100.0 * run.info().auction_log_rate, 3) + QStringLiteral(" %")));
  const bool at_bottom = !requests_->currentIndex().isValid();
  const bool first = model_->rowCount() == 0;
  model_->append(run.recent_auctions(), newest);
  if (first && model_->rowCount() > 0) fit_columns();
  if (at_bottom) requests_->scrollToBottom();
}

void AuctionInspector::on_track_changed(int track) {
  model_->clear();
  show_entry(nullptr);
  if (track >= 0 && track < static_cast<int>(runs_.size()) && runs_[static_cast<std::size_t>(track)]) {
    const RunData& run = *runs_[static_cast<std::size_t>(track)];
    model_->append(run.recent_auctions(), run.recent_auctions().size());
    fit_columns();
  }
}

void AuctionInspector::fit_columns() {
  // Sized from the first rows, with room for the ids of a long run (later ids are longer).
  requests_->resizeColumnsToContents();
  const int id_width = requests_->fontMetrics().horizontalAdvance(QStringLiteral("00,000,000")) + 16;
  for (int col : {AuctionTableModel::kRequest, AuctionTableModel::kUser})
    requests_->setColumnWidth(col, std::max(requests_->columnWidth(col), id_width));
}

void AuctionInspector::select_row(int row) {
  requests_->setCurrentIndex(model_->index(row, 0));
}

const RunInfo* AuctionInspector::current_info() const {
  const int t = track_->currentIndex();
  if (t < 0 || t >= static_cast<int>(runs_.size()) || !runs_[static_cast<std::size_t>(t)]) return nullptr;
  const RunData& run = *runs_[static_cast<std::size_t>(t)];
  return run.has_info() ? &run.info() : nullptr;
}

void AuctionInspector::show_entry(const core::AuctionLogEntry* e) {
  candidates_->setRowCount(0);
  if (!e) {
    funnel_->setText(tr("Select a sampled request to see its auction, stage by stage."));
    return;
  }
  const int participants = in_auction(*e);
  const int winners = shown(*e);
  const int throttled = static_cast<int>(e->candidates.size()) - participants;
  double revenue_if_clicked = 0;
  for (const auto& c : e->candidates)
    if (c.slot >= 0) revenue_if_clicked += c.price;
  funnel_->setText(
      tr("<b>Request %1</b> at %2, user %3<br>"
         "<table cellspacing='0' cellpadding='2'>"
         "<tr><td>1. retrieval</td><td align='right'><b>%4</b></td><td>candidates eligible by targeting and budget</td></tr>"
         "<tr><td>2. pre-ranking</td><td align='right'><b>%5</b></td><td>kept by bid × simple relevance (N1)</td></tr>"
         "<tr><td>3. ranking</td><td align='right'><b>%6</b></td><td>kept by the light model, then pCTR predicted (N2)</td></tr>"
         "<tr><td>4. pacing</td><td align='right'><b>%7</b></td><td>let into the auction (%8 throttled out)</td></tr>"
         "<tr><td>5. auction</td><td align='right'><b>%9</b></td><td>shown; revenue if every shown ad is clicked: %10</td></tr>"
         "</table>%11")
          .arg(e->request_id)
          .arg(sim_clock(e->time))
          .arg(e->user)
          .arg(format_count(e->retrieved), format_count(e->after_prerank), format_count(e->after_rank))
          .arg(participants)
          .arg(throttled)
          .arg(winners)
          .arg(units(revenue_if_clicked))
          .arg(winners > 0 ? explain_prices(*e, current_info()) : QString()));
  candidates_->setRowCount(static_cast<int>(e->candidates.size()));
  for (int r = 0; r < static_cast<int>(e->candidates.size()); ++r) {
    const core::AuctionLogCandidate& c = e->candidates[static_cast<std::size_t>(r)];
    const QStringList cells = {
        QString::number(r + 1),
        c.slot >= 0 ? QString::number(c.slot + 1) : QStringLiteral("–"),
        c.slot >= 0 ? units(c.price) : QStringLiteral("–"),
        QString::number(c.ad),
        QString::number(c.campaign),
        units(c.bid),
        format_figure(c.pacing_multiplier, 3),
        c.participated ? tr("yes") : tr("throttled"),
        percent(c.pctr),
        percent(c.true_ctr),
        c.true_ctr > 0 ? format_figure(c.pctr / c.true_ctr, 3) : QStringLiteral("–"),
        format_figure(c.quality, 3),
        score_text(c.rank_score),
        c.slot >= 0 ? (c.reserve_bound ? tr("yes") : tr("no")) : QString(),
    };
    for (int col = 0; col < static_cast<int>(cells.size()); ++col) {
      auto* item = new QTableWidgetItem(cells[col]);
      item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
      if (c.slot >= 0) item->setBackground(QColor(0xdf, 0xf3, 0xe0));
      if (!c.participated) item->setForeground(QColor(0x99, 0x99, 0x99));
      candidates_->setItem(r, col, item);
    }
  }
}

}  // namespace adsim::gui
