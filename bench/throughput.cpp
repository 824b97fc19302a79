// End-to-end throughput of a whole scenario on one thread: ad requests per second, events per
// second and peak memory. Usage: adsim_throughput [SCENARIO.toml] [--set key=value]...
// Defaults to the reference marketplace (scenarios/marketplace.toml).
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "scenarios/factory.hpp"
#include "scenarios/scenario_loader.hpp"

int main(int argc, char** argv) {
  std::string path = std::string(ADSIM_SOURCE_DIR) + "/scenarios/marketplace.toml";
  std::vector<std::string> overrides;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--set" && i + 1 < argc) overrides.push_back(argv[++i]);
    else path = a;
  }
  try {
    const auto scenario = adsim::scenarios::load_scenario_file(path, overrides);
    const auto t0 = std::chrono::steady_clock::now();
    auto market = adsim::scenarios::build_marketplace(scenario);
    const auto t1 = std::chrono::steady_clock::now();
    const auto summary = market->run();
    const auto t2 = std::chrono::steady_clock::now();
    const double build_s = std::chrono::duration<double>(t1 - t0).count();
    const double run_s = std::chrono::duration<double>(t2 - t1).count();
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    const double requests = static_cast<double>(summary.totals.requests);
    std::printf("scenario            %s (%s)\n", scenario.name.c_str(), path.c_str());
    std::printf("world build         %.2f s\n", build_s);
    std::printf("run                 %.2f s wall for %.2f simulated day(s)\n", run_s,
                adsim::core::to_seconds(summary.simulated) / 86400.0);
    std::printf("ad requests         %.0f  (%.0f per second)\n", requests, requests / run_s);
    std::printf("events              %llu  (%.0f per second)\n", static_cast<unsigned long long>(summary.events),
                static_cast<double>(summary.events) / run_s);
    std::printf("peak memory         %.1f MiB (max resident set)\n", static_cast<double>(usage.ru_maxrss) / 1024.0);
    std::printf("click model         %s: NE %.4f, AUC %.4f over %llu served predictions\n",
                std::string(market->ctr_model().name()).c_str(), summary.model.normalized_entropy, summary.model.auc,
                static_cast<unsigned long long>(summary.model.examples));
    if (const adsim::core::ModelTrainingStats t = market->ctr_model().training_stats(); t.retrains > 0)
      std::printf("model training      %llu retrains, %.2f s wall (%.3f s each), last window %llu examples, "
                  "mean staleness %.0f s simulated\n",
                  static_cast<unsigned long long>(t.retrains), t.train_wall_seconds,
                  t.train_wall_seconds / static_cast<double>(t.retrains),
                  static_cast<unsigned long long>(t.last_window_examples), t.mean_staleness_seconds);
    std::printf("candidates/request  retrieved %.0f, pre-ranked %.0f, ranked %.0f\n",
                static_cast<double>(summary.totals.candidates_retrieved) / requests,
                static_cast<double>(summary.totals.candidates_prerank) / requests,
                static_cast<double>(summary.totals.candidates_ranked) / requests);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "adsim_throughput: %s\n", e.what());
    return 2;
  }
}
