#include "models/historical_cvr.hpp"

#include <cmath>
#include <stdexcept>

namespace adsim::models {

HistoricalCvrModel::HistoricalCvrModel(std::size_t campaigns, double prior_cvr, double prior_strength)
    : prior_a_(prior_cvr * prior_strength), prior_strength_(prior_strength) {
  if (!(prior_cvr > 0.0 && prior_cvr < 1.0)) throw std::invalid_argument("HistoricalCvrModel: prior_cvr must be in (0, 1)");
  if (!(prior_strength > 0.0 && std::isfinite(prior_strength)))
    throw std::invalid_argument("HistoricalCvrModel: prior_strength must be > 0");
  clicks_.assign(campaigns, 0);
  conversions_.assign(campaigns, 0);
  pcvr_.assign(campaigns, static_cast<float>(prior_cvr));
}

void HistoricalCvrModel::refresh(core::CampaignId c) {
  const double p = (static_cast<double>(conversions_[c]) + prior_a_) / (static_cast<double>(clicks_[c]) + prior_strength_);
  pcvr_[c] = static_cast<float>(std::min(1.0, p));
}

void HistoricalCvrModel::on_click(core::CampaignId c) {
  ++clicks_[c];
  refresh(c);
}

void HistoricalCvrModel::on_conversion(core::CampaignId c) {
  ++conversions_[c];
  refresh(c);
}

}  // namespace adsim::models
