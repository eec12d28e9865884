#pragma once
// Conversions of bill values, shared by every format. Private to billing/.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"
#include "core/time.h"

namespace frugal::billing {

// Reads the time forms bills use: ISO-8601 with or without T, seconds, fraction and zone
// ("2024-09-01 00:00:00", "2023-11-13T10:00Z", "2024-09-01T00:00:00.000Z"), and US dates with an
// optional time ("09/21/2023", "9/2/2023", "5/1/25", "9/2/2023 13:00"). Times without a zone are UTC.
Result<TimePoint> parse_bill_time(std::string_view text);

// FOCUS spells ChargeFrequency "Usage-Based"; some exports write "Usage-based" or "UsageBased".
std::string_view normalize_frequency(std::string_view v);

// The key/value pairs of a flat JSON object of tags ({"team": "vision", "cost-center": 42}).
// Values that are not strings are kept as their JSON text. Hand-written rather than a JSON library:
// it runs on every row of multi-million-row bills and needs no tree. Malformed → invalid.
Result<std::vector<std::pair<std::string, std::string>>> parse_tags(std::string_view json);
// The same into `out`, whose strings are reused (an importer calls it on every row: no allocation
// once they have grown). On error `out` holds what was read so far.
Result<void> parse_tags_into(std::string_view json, std::vector<std::pair<std::string, std::string>>& out);

// A JSON object from pairs, keys in the given order.
std::string tags_json(const std::vector<std::pair<std::string, std::string>>& tags);

}  // namespace frugal::billing
