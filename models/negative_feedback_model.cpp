#include "models/negative_feedback_model.hpp"

#include <stdexcept>

namespace adsim::models {

void NegativeFeedbackModel::quality(const core::RequestContext& request, std::span<const core::AdId> ads,
                                    double penalty, double floor, std::span<float> scratch,
                                    std::span<double> quality) {
  if (scratch.size() != ads.size() || quality.size() != ads.size()) {
    throw std::invalid_argument("NegativeFeedbackModel::quality: spans differ in size");
  }
  if (!(floor > 0.0)) throw std::invalid_argument("NegativeFeedbackModel::quality: floor must be > 0");
  learner_.predict(request, ads, scratch);
  for (std::size_t k = 0; k < ads.size(); ++k) quality[k] = quality_of(scratch[k], penalty, floor);
}

}  // namespace adsim::models
