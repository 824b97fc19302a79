#pragma once
#include "core/ctr_model.hpp"
#include "models/serving_cost.hpp"
#include "core/user_response.hpp"

namespace adsim::models {

// A click model that reads the hidden ground truth: no real platform has it, but running with it
// measures what imperfect learning costs (revenue, efficiency) against the best possible model.
class OracleCtrModel final : public core::CtrModel {
 public:
  explicit OracleCtrModel(const core::UserResponse& truth) : truth_(truth) {}
  std::string_view name() const override { return "oracle"; }
  double serving_ns_per_candidate() const override { return serving_cost::kOracleNs; }
  void predict(const core::RequestContext& request, std::span<const core::AdId> ads,
               std::span<float> pctr) override {
    truth_.true_ctr(request, ads, pctr);
  }
  void learn(std::span<const core::LabeledExample>) override {}

 private:
  const core::UserResponse& truth_;
};

}  // namespace adsim::models
