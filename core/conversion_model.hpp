#pragma once
#include <span>
#include <string_view>

#include "core/ids.hpp"

namespace adsim::core {

// The platform's conversion model: P(conversion | click) per campaign (pCVR), learned only from what
// the platform logs: clicks, and the conversions attributed to them (a conversion later than the
// conversion window after its click is never reported). It never reads the ground truth.
class ConversionModel {
 public:
  virtual ~ConversionModel() = default;
  virtual std::string_view name() const = 0;
  // pCVR of each candidate's campaign: one virtual call per request.
  virtual void predict(std::span<const CampaignId> campaigns, std::span<float> out) const = 0;
  virtual double predict(CampaignId campaign) const = 0;
  // A click the platform logged (billed or not).
  virtual void on_click(CampaignId campaign) = 0;
  // A conversion attributed to one of the campaign's clicks.
  virtual void on_conversion(CampaignId campaign) = 0;
};

}  // namespace adsim::core
