#pragma once
// Small string helpers with no dependencies; all pure functions.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace frugal::util {

std::string_view trim(std::string_view s);
std::string to_lower(std::string_view s);
bool iequals(std::string_view a, std::string_view b);
std::vector<std::string_view> split(std::string_view s, char separator);
std::string join(const std::vector<std::string>& parts, std::string_view separator);

// Levenshtein distance, case-insensitive: how "close" two names are for did-you-mean hints.
std::size_t edit_distance(std::string_view a, std::string_view b);

// Up to `limit` candidates closest to `wanted` (a shared prefix or a small edit distance), best
// first; empty when nothing is plausibly meant.
std::vector<std::string> closest_matches(std::string_view wanted,
                                         const std::vector<std::string>& candidates,
                                         std::size_t limit = 5);

}  // namespace frugal::util
