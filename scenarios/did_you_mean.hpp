#pragma once
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace adsim::scenarios {

// Optimal-string-alignment (restricted Damerau-Levenshtein) distance: insertions, deletions,
// substitutions and transpositions of adjacent characters each cost 1. Case-sensitive.
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `word` (case-insensitive edit distance) when it is close enough to be
// a plausible typo, otherwise nothing. Ties go to the earlier candidate.
std::optional<std::string> closest_word(std::string_view word, std::span<const std::string> candidates);

// The known dotted key path a user most likely meant by `unknown` ("world.user" -> "world.users";
// "traffic.slots" -> "auction.slots": the leaf name exists in another section; "users" ->
// "world.users"). Nothing when no candidate is plausible.
std::optional<std::string> suggest_key_path(std::string_view unknown, std::span<const std::string> known_paths);

}  // namespace adsim::scenarios
