#include "gui/classroom_run.hpp"

#include <functional>
#include <memory>
#include <optional>

#include "scenarios/auction_only_run.hpp"
#include "scenarios/auction_only_text.hpp"
#include "scenarios/factory.hpp"
#include "store/result_store.hpp"

namespace adsim::gui {

ClassroomRun::ClassroomRun(scenarios::Scenario scenario, std::string results_db, QObject* parent)
    : QObject(parent), scenario_(std::move(scenario)), results_db_(std::move(results_db)) {}

ClassroomRun::~ClassroomRun() {
  stop();
  if (worker_.joinable()) worker_.join();
}

void ClassroomRun::start() {
  running_.store(true, std::memory_order_release);
  worker_ = std::thread([this] { work(); });
}

// As cli/cli_app.cpp runs an auction-only scenario: the configuration checked before the database
// is touched, blocks recorded as they come, the summary rows when the run ends.
void ClassroomRun::work() {
  QString text, error;
  qint64 run_id = 0;
  std::optional<store::ResultStore> store;
  std::unique_ptr<store::RunRecorder> recorder;
  try {
    (void)scenarios::auction_only_config(scenario_);
    if (!results_db_.empty()) {
      store.emplace(store::ResultStore::open(results_db_));
      recorder = store->begin_run(scenario_, scenario_.run.seed);
    }
    std::function<void(const scenarios::AuctionOnlyBlockRow&)> on_block;
    if (recorder) on_block = [&](const scenarios::AuctionOnlyBlockRow& b) { recorder->on_auction_only_block(b); };
    const scenarios::AuctionOnlyRun run = scenarios::run_auction_only_scenario(scenario_, &stop_, on_block);
    if (recorder) {
      recorder->finish_auction_only(run.summary, run.record);
      run_id = recorder->run_id();
    }
    std::vector<std::string> names;
    for (const scenarios::BidderSpec& b : scenario_.auction_only.bidder_list) names.push_back(b.name);
    text = QString::fromStdString(
        scenarios::auction_only_text(scenario_.name, scenario_.run.seed, run.result, run.wall_seconds, names));
    if (run.interrupted) text += tr("\nStopped early: the figures are over the auctions run so far.\n");
  } catch (const scenarios::BuildError& e) {
    error = QString::fromStdString(scenario_.source_path + ": " + e.what());
  } catch (const std::exception& e) {
    if (recorder && !recorder->finished()) {
      try {
        recorder->mark_failed(e.what());
      } catch (...) {
      }
    }
    error = QString::fromStdString(e.what());
  }
  running_.store(false, std::memory_order_release);
  Q_EMIT finished(text, error, run_id);
}

}  // namespace adsim::gui
