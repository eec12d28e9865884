#pragma once
// How numbers are shown to people: the CLI's tables and messages. The dashboard's web/src/format.js
// follows the same rules; tests/fixtures/display/cases.json holds the cases both must pass. CSV and
// JSON output never go through here: they stay exact.
#include <cstdint>
#include <string>
#include <string_view>

namespace frugal::util::display {

// An exact decimal ("18.0066386184", "-0.5", "7.15e-7") to the cent from 1 up ("18.01") and to two
// significant digits below 1 ("0.042", "0.00000072"), rounded half to even, never with an exponent.
// Text that is not a decimal number comes back unchanged.
std::string money(std::string_view decimal);

// A measured amount (GPU-hours, hours) by the same rule as money, from its shortest decimal text.
std::string quantity(double value);

// A ratio as a percentage with one decimal: 0.6625 -> "66.2%"; a positive ratio that would read
// "0.0%" reads "<0.1%".
std::string percent(double ratio);

// Seconds as people say them: "4.3s" under 10 s, "42s", "2m 05s", "5h 13m", "2d 07h".
std::string duration(double seconds);

// Bytes in SI units (1 kB = 1000 B): "512 B", "6.7 MB", "67 MB".
std::string bytes(std::uint64_t n);

// "1 row", "1,300 runs": a count with its noun, plural unless one (`plural` defaults to noun + "s").
std::string count(long long n, std::string_view noun, std::string_view plural = {});

// "12345" -> "12,345": thousands separated in a run of digits (with an optional leading '-').
std::string group_thousands(std::string_view digits);

}  // namespace frugal::util::display
