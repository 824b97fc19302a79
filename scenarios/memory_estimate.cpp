#include "scenarios/memory_estimate.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <numeric>
#include <sstream>

#include <fmt/format.h>

#include "auction/auction_only.hpp"
#include "core/training_log.hpp"
#include "core/world.hpp"
#include "models/mlp_ctr_model.hpp"
#include "scenarios/component_registry.hpp"

namespace adsim::scenarios {
namespace {

constexpr std::uint64_t kMiB = 1024 * 1024;

// Figures measured as peak resident memory (`/usr/bin/time -f %M adsim run scenarios/marketplace.toml
// --quiet --set run.days=0.001 ...`, varying one size at a time, 2026-12-05); each is the slope or
// the intercept of those runs, rounded up.
constexpr std::uint64_t kProcess = 32 * kMiB;       // code, libraries, SQLite's cache, buffers (tiny world: 25-34 MiB)
constexpr std::uint64_t kPerAd = 300;               // catalog, targeting index, counters (376 B/ad at dim 16)
constexpr std::uint64_t kPerAdPerDimension = 5;     // the embedding's float and the index (+243 B/ad for +48 dims)
constexpr std::uint64_t kPerCampaign = 1'100;       // ledger, pacer, totals, tracking (1,093 B/campaign)
constexpr std::uint64_t kPerLearner = 16 * kMiB;    // a learned model besides its hashed table (16 MiB at 2^20)
constexpr std::uint64_t kPerBucket = 2 * sizeof(double) + sizeof(float);  // FTRL's z, sqrt(n) and w
// gbdt_lr's window: the ring (17 floats, a label, the logged impression: 128 B), the copy trained on
// (rows, labels, LR logits: 76 B), XGBoost's dense matrix, quantized columns, gradient pairs and
// margins while training (about 100 B); sizes summed, not measured.
constexpr std::uint64_t kPerGbdtWindowExample = 304;
constexpr std::uint64_t kPerGbdtAd = 7 * sizeof(float);  // the trees' per-ad columns
constexpr std::uint64_t kPerCalibrationExample = 32;  // score, label, sort scratch, growth (iso, 10M window)
constexpr std::uint64_t kPerPendingClick = 48;        // a click waiting for its conversion window

template <class Vector>
constexpr std::uint64_t element_size(const Vector&) {
  return sizeof(typename Vector::value_type);
}

std::uint64_t bytes_per_user(const Scenario& s) {
  const core::UserPopulation u{};
  const auto dim = static_cast<std::uint64_t>(s.world.embedding_dim);
  std::uint64_t b = element_size(u.region) + element_size(u.age_band) + element_size(u.device) +
                    dim * element_size(u.embedding) + element_size(u.interests) + element_size(u.fatigue) +
                    element_size(u.fatigue_updated) + element_size(u.left);
  if (s.auction.ab_share > 0) b += 1;  // the user's arm
  return b;
}

// Requests a minute: at the busiest hour for a window shorter than an hour, else on average.
double requests_per_minute(const Scenario& s, double window_minutes) {
  const auto& profile = s.traffic.hourly_profile;
  const double sum = std::accumulate(profile.begin(), profile.end(), 0.0);
  const double peak = profile.empty() ? 1.0 : *std::max_element(profile.begin(), profile.end());
  const double share = sum > 0 ? (window_minutes < 60 ? peak / sum * 24 : 1.0) : 1.0;
  return s.traffic.sessions_per_day * s.traffic.requests_per_session / (24 * 60) * share;
}

// Impressions waiting for their labels: a ring buffer of every impression served in the last
// attribution window, grown by doubling (so up to twice what it holds).
std::uint64_t pending_impressions_bytes(const Scenario& s) {
  const double run_minutes = s.run.days * 24 * 60;
  const double window = std::min(s.model.attribution_window_minutes, run_minutes);
  const int slots = std::max(s.auction.slots, s.auction.ab_slots);
  const double impressions = requests_per_minute(s, window) * window * slots;
  return static_cast<std::uint64_t>(impressions * 2 * sizeof(core::LabeledExample));
}

std::uint64_t pending_clicks_bytes(const Scenario& s) {
  const double run_minutes = s.run.days * 24 * 60;
  const double window = std::min(s.model.conversion_window_hours * 60, run_minutes);
  const double clicks = requests_per_minute(s, window) * window * std::max(s.auction.slots, s.auction.ab_slots) *
                        std::clamp(s.world.typical_ctr, 0.0, 1.0);
  return static_cast<std::uint64_t>(clicks * 2 * kPerPendingClick);
}

void add(MemoryEstimate& e, std::string what, std::uint64_t bytes) {
  if (bytes > 0) e.parts.push_back({std::move(what), bytes});
}

void add_marketplace(MemoryEstimate& e, const Scenario& s) {
  const std::uint64_t users = s.world.users;
  const std::uint64_t per_user = bytes_per_user(s);
  add(e, fmt::format("users ({} x {} B)", users, per_user), users * per_user);
  const std::uint64_t ads = s.world.ads;
  const std::uint64_t per_ad = kPerAd + kPerAdPerDimension * static_cast<std::uint64_t>(s.world.embedding_dim);
  add(e, fmt::format("ads ({} x {} B)", ads, per_ad), ads * per_ad);
  add(e, fmt::format("campaigns ({} x {} B)", s.world.campaigns, kPerCampaign), s.world.campaigns * kPerCampaign);
  const std::uint64_t buckets = std::uint64_t{1} << std::clamp(s.model.hash_bits, 0, 40);
  const std::uint64_t learner = kPerLearner + buckets * kPerBucket;
  if (s.model.ctr_model == "logistic" || s.model.ctr_model == "gbdt_lr")
    add(e, fmt::format("click model (2^{} weights)", s.model.hash_bits), learner);
  if (s.model.ctr_model == "gbdt_lr")
    add(e, fmt::format("boosted trees' window ({} examples)", s.model.gbdt_window_examples),
        static_cast<std::uint64_t>(std::max(0, s.model.gbdt_window_examples)) * kPerGbdtWindowExample + ads * kPerGbdtAd);
  if (s.model.ctr_model == "mlp")
    add(e, fmt::format("neural click model ({} window examples)", s.model.mlp_window_examples),
        models::MlpCtrModel::estimated_bytes(mlp_config(s), ads, s.world.campaigns, s.world.advertisers,
                                             static_cast<int>(s.world.region_weights.size()), s.world.interest_categories));
  if (s.model.quality_source == "model")
    add(e, fmt::format("quality model (2^{} weights)", s.model.hash_bits), learner);
  if (s.model.calibrator != "none")
    add(e, fmt::format("calibrator ({} examples)", s.model.calibration_window),
        static_cast<std::uint64_t>(std::max(0, s.model.calibration_window)) * kPerCalibrationExample);
  add(e, "impressions awaiting labels", pending_impressions_bytes(s));
  add(e, "clicks awaiting conversions", pending_clicks_bytes(s));
}

// The first number in a file, or nullopt ("max" in memory.max).
std::optional<std::uint64_t> read_number(const std::string& path) {
  std::ifstream in(path);
  std::uint64_t v = 0;
  if (in >> v) return v;
  return std::nullopt;
}

std::optional<std::uint64_t> meminfo_field(const std::string& key) {
  std::ifstream in("/proc/meminfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key + ":", 0) != 0) continue;
    std::istringstream fields(line.substr(key.size() + 1));
    std::uint64_t kib = 0;
    if (fields >> kib) return kib * 1024;
  }
  return std::nullopt;
}

// Room left under this process's cgroup v2 limit, if it has one.
std::optional<std::uint64_t> cgroup_room() {
  std::ifstream in("/proc/self/cgroup");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("0::", 0) != 0) continue;
    const std::string dir = "/sys/fs/cgroup" + line.substr(3);
    const auto max = read_number(dir + "/memory.max");
    if (!max) return std::nullopt;  // "max": no limit
    const std::uint64_t current = read_number(dir + "/memory.current").value_or(0);
    return *max > current ? *max - current : 0;
  }
  return std::nullopt;
}

// Room left under ulimit -v: the limit less what the process has mapped already.
std::optional<std::uint64_t> address_space_room() {
  rlimit limit{};
  if (getrlimit(RLIMIT_AS, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return std::nullopt;
  const std::uint64_t mapped = [] {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line))
      if (line.rfind("VmSize:", 0) == 0) return static_cast<std::uint64_t>(std::stoull(line.substr(7))) * 1024;
    return std::uint64_t{0};
  }();
  return limit.rlim_cur > mapped ? limit.rlim_cur - mapped : 0;
}

}  // namespace

std::uint64_t MemoryEstimate::total() const {
  std::uint64_t t = 0;
  for (const MemoryPart& p : parts) t += p.bytes;
  return t;
}

// Classroom rounds keep a few kilobytes per bidder, plus what they log: the bid log and the pacing
// time series, each held by the runner and copied into the record written at the end (2 copies,
// the runner's grown by doubling: up to 3 x the rows), and the contextual items' embeddings.
void add_auction_only(MemoryEstimate& e, const Scenario& s) {
  const AuctionOnlySpec& o = s.auction_only;
  const auto bidders = static_cast<std::uint64_t>(o.bidders);
  const auto rounds = static_cast<std::uint64_t>(o.rounds);
  const std::uint64_t per_auction = o.bidders_per_auction > 0 ? static_cast<std::uint64_t>(o.bidders_per_auction) : bidders;
  const auto logged = std::min<std::uint64_t>(
      1'000'000, static_cast<std::uint64_t>(std::ceil(o.log_rate * static_cast<double>(rounds))) * per_auction);
  add(e, fmt::format("bid log ({} bids)", logged), 3 * logged * sizeof(auction::BidRecord));
  const bool budgets = o.budget > 0 || std::any_of(o.bidder_list.begin(), o.bidder_list.end(),
                                                    [](const BidderSpec& b) { return b.budget.value_or(0.0) > 0; });
  if (budgets) {
    const std::uint64_t episode = o.episode_rounds > 0 ? static_cast<std::uint64_t>(o.episode_rounds) : rounds;
    const std::uint64_t ticks = (rounds + episode - 1) / std::max<std::uint64_t>(episode, 1) * static_cast<std::uint64_t>(o.pacing_ticks);
    const std::uint64_t points = std::min<std::uint64_t>(ticks, static_cast<std::uint64_t>(o.series_points)) * bidders;
    add(e, fmt::format("pacing time series ({} points)", points), 2 * points * sizeof(auction::PacingPoint));
  }
  if (o.value_model == "contextual_items")
    add(e, "contextual items", bidders * static_cast<std::uint64_t>(o.items_per_bidder) *
                                   (static_cast<std::uint64_t>(o.embedding_dim) + 1) * sizeof(double));
  add(e, fmt::format("bidders ({} x 1 KiB)", bidders), bidders * 1024);
}

MemoryEstimate estimate_memory(const Scenario& s) {
  MemoryEstimate e;
  add(e, "the process (code, libraries, buffers)", kProcess);
  if (s.auction_only.enabled) add_auction_only(e, s);
  else add_marketplace(e, s);
  std::stable_sort(e.parts.begin(), e.parts.end(), [](const MemoryPart& a, const MemoryPart& b) { return a.bytes > b.bytes; });
  return e;
}

std::optional<AvailableMemory> available_memory() {
  std::optional<AvailableMemory> best;
  auto consider = [&](std::optional<std::uint64_t> bytes, const char* source) {
    if (bytes && (!best || *bytes < best->bytes)) best = AvailableMemory{*bytes, source};
  };
  consider(meminfo_field("MemAvailable"), "MemAvailable in /proc/meminfo");
  consider(cgroup_room(), "the cgroup's memory.max");
  consider(address_space_room(), "ulimit -v");
  return best;
}

std::string format_bytes(std::uint64_t bytes) {
  constexpr const char* kUnits[] = {"KiB", "MiB", "GiB", "TiB", "PiB"};
  if (bytes < 1024) return fmt::format("{} B", bytes);
  double v = static_cast<double>(bytes) / 1024;
  int unit = 0;
  while (v >= 1024 && unit < 4) {
    v /= 1024;
    ++unit;
  }
  return v < 10 ? fmt::format("{:.1f} {}", v, kUnits[unit]) : fmt::format("{:.0f} {}", v, kUnits[unit]);
}

std::optional<std::uint64_t> parse_bytes(const std::string& text) {
  std::size_t i = 0;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) ++i;
  if (i == 0 || std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(i), '.') > 1) return std::nullopt;
  double value = 0;
  try {
    value = std::stod(text.substr(0, i));
  } catch (const std::exception&) {
    return std::nullopt;
  }
  std::string unit = text.substr(i);
  for (char& c : unit) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  double scale = 0;
  if (unit.empty() || unit == "B") scale = 1;
  else if (unit == "K" || unit == "KB" || unit == "KIB") scale = 1024.0;
  else if (unit == "M" || unit == "MB" || unit == "MIB") scale = 1024.0 * 1024;
  else if (unit == "G" || unit == "GB" || unit == "GIB") scale = 1024.0 * 1024 * 1024;
  else if (unit == "T" || unit == "TB" || unit == "TIB") scale = 1024.0 * 1024 * 1024 * 1024;
  else return std::nullopt;
  const double bytes = value * scale;
  if (!(bytes >= 1) || bytes > 1e18) return std::nullopt;
  return static_cast<std::uint64_t>(bytes);
}

}  // namespace adsim::scenarios
