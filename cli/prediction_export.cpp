#include "cli/prediction_export.hpp"

#include <array>
#include <charconv>
#include <ostream>

#include <fmt/format.h>

namespace adsim::cli {

namespace {

// The shortest decimal of the float's exact value as a double: read back as a double and narrowed
// to float (as `adsim eval` does) it is the same float.
std::string exact(float value) {
  std::array<char, 32> buf{};
  const auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), static_cast<double>(value));
  return ec == std::errc{} ? std::string(buf.data(), end) : std::string("nan");
}

}  // namespace

std::vector<store::PredictionLogRow> prediction_log_to_export(const store::ResultStore& results, const std::string& db,
                                                              std::int64_t run_id) {
  const auto run = results.read_run(run_id);
  if (!run) throw PredictionExportError(fmt::format("{} has no run {}", db, run_id));
  if (!(run->prediction_log_rate > 0))
    throw PredictionExportError(fmt::format(
        "run {} did not log predictions (run.prediction_log_rate was 0); run the scenario again with "
        "--set run.prediction_log_rate=1 --db {}",
        run_id, db));
  auto rows = results.read_prediction_log(run_id);
  if (rows.empty())
    throw PredictionExportError(fmt::format(
        "run {} logged no predictions (status {}): no impression's label became known before it ended",
        run_id, store::to_string(run->status)));
  return rows;
}

void write_predictions_csv(const std::vector<store::PredictionLogRow>& rows, std::ostream& out) {
  out << "run_id,impression_id,request_id,served_us,released_us,user_id,campaign_id,ad_id,slot,surface,"
         "raw_score,served_pctr,prediction,label,user_clicked\n";
  for (const store::PredictionLogRow& r : rows) {
    const core::PredictionLogEntry& e = r.entry;
    out << fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", r.run_id, e.impression_id, e.request_id,
                       e.served_at, e.released_at, e.user, e.campaign, e.ad, static_cast<int>(e.slot),
                       core::surface_name(e.surface), exact(e.raw_score), exact(e.pctr), exact(e.prediction),
                       e.label ? 1 : 0, e.user_clicked ? 1 : 0);
  }
}

}  // namespace adsim::cli
