#pragma once
// Instants and periods. Every time we store is UTC; text form is ISO-8601 with milliseconds and a
// Z ("2026-11-26T14:21:49.123Z"), which sorts as the instant does and SQLite's date functions read.
#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <string_view>

#include "core/error.h"

namespace frugal {

using TimePoint = std::chrono::sys_time<std::chrono::milliseconds>;

std::string format_utc(TimePoint t);

// Reads "2026-11-26", "2026-11-26T14:21", "2026-11-26 14:21:49", "...49.5Z", "...+02:00".
Result<TimePoint> parse_utc(std::string_view text);

// Reads a length of time: "90s", "30m", "12h", "7d", "2w", or combinations "1h30m".
Result<std::chrono::milliseconds> parse_duration(std::string_view text);

// A --since/--until value: a duration back from `now` ("30d") or an instant ("2026-11-01").
// Errors carry an example of each form.
Result<TimePoint> parse_time_bound(std::string_view text, TimePoint now, std::string_view flag);
// [since, until) from two bounds as parse_time_bound reads them; an empty `until` is now
// (inclusive). Errors name --since/--until.
Result<std::pair<TimePoint, TimePoint>> parse_window(const std::string& since, const std::string& until, TimePoint now);

// The first instant of the calendar month (UTC) holding `t`, and of the next month.
TimePoint month_start(TimePoint t);
TimePoint next_month_start(TimePoint t);

}  // namespace frugal
