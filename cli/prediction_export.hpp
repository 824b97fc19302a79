#pragma once
#include <cstdint>
#include <iosfwd>
#include <stdexcept>
#include <string>
#include <vector>

#include "store/result_store.hpp"

// `adsim export DB --run ID --table predictions`: a run's prediction log (store table
// prediction_log, scenario key run.prediction_log_rate) as the CSV `adsim eval` reads.
namespace adsim::cli {

// A run that cannot be exported: there is no such run, or it logged no predictions. The message
// says why and what to do.
class PredictionExportError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The run's prediction log, in impression order; throws PredictionExportError when it has none.
// `db` names the file in messages.
std::vector<store::PredictionLogRow> prediction_log_to_export(const store::ResultStore& results, const std::string& db,
                                                              std::int64_t run_id);

// Header, then one line per row: run_id, impression_id, request_id, served_us, released_us, user_id,
// campaign_id, ad_id, slot, surface, raw_score, served_pctr, prediction, label, user_clicked. Floats
// are written as the shortest decimal that reads back as the same number, so `adsim eval` scores
// exactly the values the run scored.
void write_predictions_csv(const std::vector<store::PredictionLogRow>& rows, std::ostream& out);

}  // namespace adsim::cli
