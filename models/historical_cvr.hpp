#pragma once
#include <cstdint>
#include <vector>

#include "core/conversion_model.hpp"

namespace adsim::models {

// Smoothed historical conversion rate per campaign: pCVR = (conversions + a) / (clicks + a + b)
// with a Beta(a, b) prior of mean prior_cvr and prior_strength = a + b pseudo-clicks. Learned from
// the platform's logs only: every logged click, and every conversion attributed to a click (the
// marketplace drops conversions later than the conversion window). Clicks whose conversion is still
// on its way count already, so while traffic runs the estimate trails the true rate by the share of
// recent clicks (delayed feedback); it converges once conversions have caught up.
class HistoricalCvrModel final : public core::ConversionModel {
 public:
  HistoricalCvrModel(std::size_t campaigns, double prior_cvr, double prior_strength);

  std::string_view name() const override { return "historical_cvr"; }
  void predict(std::span<const core::CampaignId> campaigns, std::span<float> out) const override {
    for (std::size_t i = 0; i < campaigns.size(); ++i) out[i] = pcvr_[campaigns[i]];
  }
  double predict(core::CampaignId c) const override { return pcvr_[c]; }
  void on_click(core::CampaignId c) override;
  void on_conversion(core::CampaignId c) override;

  std::uint64_t clicks(core::CampaignId c) const { return clicks_[c]; }
  std::uint64_t conversions(core::CampaignId c) const { return conversions_[c]; }

 private:
  void refresh(core::CampaignId c);

  double prior_a_, prior_strength_;
  std::vector<std::uint64_t> clicks_, conversions_;
  std::vector<float> pcvr_;
};

}  // namespace adsim::models
