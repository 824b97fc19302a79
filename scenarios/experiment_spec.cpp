#include "scenarios/experiment_spec.hpp"

#include <algorithm>
#include <charconv>
#include <set>

namespace adsim::scenarios {
namespace {

constexpr std::size_t kMaxSeeds = 1'000'000;

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t") - first + 1);
}

std::uint64_t parse_seed(std::string_view text, std::string_view spec) {
  text = trim(text);
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size())
    throw SeedSpecError("bad seed '" + std::string(text) + "' in '" + std::string(spec) +
                        "': seeds are whole numbers from 0 to 18446744073709551615");
  return value;
}

}  // namespace

std::vector<std::uint64_t> parse_seed_spec(std::string_view spec) {
  const std::string_view whole = trim(spec);
  if (whole.empty())
    throw SeedSpecError("empty seed spec: give a count (20), a range (1-20) or a list (1,5,9)");
  std::vector<std::uint64_t> seeds;
  const bool is_list = whole.find(',') != std::string_view::npos;
  const bool is_range = whole.find('-') != std::string_view::npos;
  if (!is_list && !is_range) {  // a count
    const std::uint64_t n = parse_seed(whole, spec);
    if (n == 0) throw SeedSpecError("seed count 0: a study needs at least one seed");
    if (n > kMaxSeeds) throw SeedSpecError("seed count " + std::to_string(n) + " is more than 1,000,000");
    for (std::uint64_t s = 1; s <= n; ++s) seeds.push_back(s);
    return seeds;
  }
  std::set<std::uint64_t> seen;
  for (const ListItem& item : split_top_level(whole)) {
    const std::string_view piece = trim(item.text);
    if (piece.empty()) throw SeedSpecError("empty entry in seed list '" + std::string(spec) + "'");
    const auto dash = piece.find('-');
    std::uint64_t first = 0, last = 0;
    if (dash == std::string_view::npos) {
      first = last = parse_seed(piece, spec);
    } else {
      if (dash == 0) throw SeedSpecError("bad seed '" + std::string(piece) + "': seeds are not negative");
      first = parse_seed(piece.substr(0, dash), spec);
      last = parse_seed(piece.substr(dash + 1), spec);
      if (last < first)
        throw SeedSpecError("seed range '" + std::string(piece) + "' runs backwards: write " + std::to_string(last) +
                            "-" + std::to_string(first));
    }
    if (last - first >= kMaxSeeds || seeds.size() + (last - first) >= kMaxSeeds)
      throw SeedSpecError("seed spec '" + std::string(spec) + "' has more than 1,000,000 seeds");
    for (std::uint64_t s = first;; ++s) {
      if (!seen.insert(s).second) throw SeedSpecError("seed " + std::to_string(s) + " appears twice in '" + std::string(spec) + "'");
      seeds.push_back(s);
      if (s == last) break;
    }
  }
  return seeds;
}

std::vector<ListItem> split_top_level(std::string_view text, char separator) {
  std::vector<ListItem> out;
  int depth = 0;
  char quote = 0;
  std::size_t start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quote != 0) {
      if (c == '\\' && quote == '"' && i + 1 < text.size()) ++i;
      else if (c == quote) quote = 0;
      continue;
    }
    if (c == '"' || c == '\'') quote = c;
    else if (c == '[' || c == '{') ++depth;
    else if ((c == ']' || c == '}') && depth > 0) --depth;
    else if (c == separator && depth == 0) {
      out.push_back({std::string(text.substr(start, i - start)), start});
      start = i + 1;
    }
  }
  out.push_back({std::string(text.substr(start)), start});
  return out;
}

}  // namespace adsim::scenarios
