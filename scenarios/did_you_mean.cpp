#include "scenarios/did_you_mean.hpp"

#include <algorithm>
#include <cctype>
#include <limits>
#include <vector>

namespace adsim::scenarios {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// How many edits still read as a typo of a word this long: one for very short words, up to three.
constexpr std::size_t kMaxTypo = 3;
std::size_t typo_budget(std::size_t length) {
  if (length <= 3) return 1;
  if (length <= 6) return 2;
  return 3;
}

std::string_view leaf_of(std::string_view path) {
  const auto dot = path.rfind('.');
  return dot == std::string_view::npos ? path : path.substr(dot + 1);
}

std::size_t length_gap(std::string_view a, std::string_view b) {
  return a.size() > b.size() ? a.size() - b.size() : b.size() - a.size();
}

std::string_view section_of(std::string_view path) {
  const auto dot = path.rfind('.');
  return dot == std::string_view::npos ? std::string_view{} : path.substr(0, dot);
}

}  // namespace

std::size_t edit_distance(std::string_view a, std::string_view b) {
  const std::size_t n = a.size();
  const std::size_t m = b.size();
  // Three rolling rows: transpositions look two rows back.
  std::vector<std::size_t> prev2(m + 1), prev(m + 1), cur(m + 1);
  for (std::size_t j = 0; j <= m; ++j) prev[j] = j;
  for (std::size_t i = 1; i <= n; ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= m; ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        cur[j] = std::min(cur[j], prev2[j - 2] + 1);
      }
    }
    std::swap(prev2, prev);
    std::swap(prev, cur);
  }
  return prev[m];
}

std::optional<std::string> closest_word(std::string_view word, std::span<const std::string> candidates) {
  const std::string needle = lower(word);
  std::size_t best = std::numeric_limits<std::size_t>::max();
  const std::string* best_candidate = nullptr;
  for (const std::string& candidate : candidates) {
    if (length_gap(needle, candidate) > kMaxTypo) continue;  // too far to be suggested: skip the O(n m) distance
    const std::size_t d = edit_distance(needle, lower(candidate));
    if (d < best) {
      best = d;
      best_candidate = &candidate;
    }
  }
  if (best_candidate == nullptr || best > typo_budget(needle.size()) || best >= needle.size()) {
    return std::nullopt;
  }
  return *best_candidate;
}

std::optional<std::string> suggest_key_path(std::string_view unknown, std::span<const std::string> known_paths) {
  const std::string path = lower(unknown);
  const std::string_view leaf = leaf_of(path);
  const std::string_view section = section_of(path);
  std::size_t best = std::numeric_limits<std::size_t>::max();
  bool best_same_section = false;
  const std::string* best_candidate = nullptr;
  for (const std::string& known : known_paths) {
    // The edit distance is at least the difference in length, and nothing more than kMaxTypo edits
    // away is suggested: skip such candidates (a 100,000-character unknown key took seconds).
    if (length_gap(path, known) > kMaxTypo && length_gap(leaf, leaf_of(known)) > kMaxTypo) continue;
    const std::string candidate = lower(known);
    const bool same_section = section_of(candidate) == section;
    // A key in the wrong section costs one edit on top of the typo in its leaf name.
    const std::size_t by_leaf = edit_distance(leaf, leaf_of(candidate)) + (same_section ? 0 : 1);
    const std::size_t score = std::min(edit_distance(path, candidate), by_leaf);
    if (score < best || (score == best && same_section && !best_same_section)) {
      best = score;
      best_same_section = same_section;
      best_candidate = &known;
    }
  }
  if (best_candidate == nullptr || best > typo_budget(leaf.size()) || best > leaf.size()) {
    return std::nullopt;
  }
  return *best_candidate;
}

}  // namespace adsim::scenarios
