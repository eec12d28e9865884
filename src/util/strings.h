#pragma once
// Small string helpers with no dependencies; all pure functions.
#include <cstddef>
#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace frugal::util {

std::string_view trim(std::string_view s);
std::string to_lower(std::string_view s);
bool iequals(std::string_view a, std::string_view b);
std::vector<std::string_view> split(std::string_view s, char separator);
std::string join(const std::vector<std::string>& parts, std::string_view separator);

// RFC 3986 percent-decoding (and '+' as a space in a form-encoded query when `plus_is_space`). The
// error is the byte offset of an escape that is not "%" and two hex digits, or that encodes NUL
// (no name or value here may hold one).
std::expected<std::string, std::size_t> percent_decode(std::string_view text, bool plus_is_space = false);

// FNV-1a, 64 bits: a short, stable hash of a string (ids, tie-breaks), the same on every machine.
// `basis` other than the standard offset gives a differently seeded hash.
constexpr std::uint64_t k_fnv_offset = 14695981039346656037ull;
inline std::uint64_t fnv1a(std::string_view s, std::uint64_t basis = k_fnv_offset) {
  std::uint64_t h = basis;
  for (char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ull;
  }
  return h;
}

// NaN and the infinities as MLflow's JSON writes them ("NaN", "Infinity", "-Infinity"); "" for a
// finite value. JSON numbers cannot carry them, so every writer of JSON names them so.
std::string_view non_finite_name(double value);
// The value such a name stands for, or Python's spelling of it ("nan", "inf", "-inf"); none for
// anything else.
std::optional<double> parse_non_finite(std::string_view text);

// JSON as Python's json.dumps writes it, with bare NaN, Infinity and -Infinity (which JSON has
// not), made JSON: those tokens outside strings become the strings "NaN", "Infinity" and
// "-Infinity", the form MLflow's protobuf JSON uses. Everything else is copied as it is.
std::string quote_non_finite_json(std::string_view text);

// `word` as one shell word: unchanged when it holds only letters, digits and ._-/:=@+,% (an
// instance type, a region), single-quoted otherwise ("Vietnam, VN, AS" -> 'Vietnam, VN, AS').
// Advice that shows a command shows one that can be pasted.
std::string shell_word(std::string_view word);

// Levenshtein distance, case-insensitive: how "close" two names are for did-you-mean hints.
std::size_t edit_distance(std::string_view a, std::string_view b);

// Up to `limit` candidates closest to `wanted` (a shared prefix or a small edit distance), best
// first; empty when nothing is plausibly meant.
std::vector<std::string> closest_matches(std::string_view wanted,
                                         const std::vector<std::string>& candidates,
                                         std::size_t limit = 5);

// The noun with its indefinite article: "an agent", "a member", "an admin".
std::string with_article(std::string_view noun);

}  // namespace frugal::util
