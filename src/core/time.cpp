#include "core/time.h"

#include <charconv>
#include <fmt/format.h>

namespace frugal {
namespace {

using namespace std::chrono;

bool read_int(std::string_view s, std::size_t& i, std::size_t width, int& out) {
  if (i + width > s.size()) return false;
  for (std::size_t k = i; k < i + width; ++k)
    if (s[k] < '0' || s[k] > '9') return false;  // from_chars would take a sign
  auto [ptr, ec] = std::from_chars(s.data() + i, s.data() + i + width, out);
  if (ec != std::errc() || ptr != s.data() + i + width) return false;
  i += width;
  return true;
}

bool expect(std::string_view s, std::size_t& i, char c) {
  if (i < s.size() && s[i] == c) { ++i; return true; }
  return false;
}

}  // namespace

std::string format_utc(TimePoint t) {
  // Hand-written rather than fmt: bill imports format four times per row, millions of rows.
  auto day = floor<days>(t);
  year_month_day ymd{day};
  hh_mm_ss hms{t - day};
  char out[24];
  auto put = [&](int at, int width, long value) {
    for (int i = width - 1; i >= 0; --i, value /= 10) out[at + i] = static_cast<char>('0' + value % 10);
  };
  put(0, 4, static_cast<int>(ymd.year()));
  out[4] = '-';
  put(5, 2, static_cast<unsigned>(ymd.month()));
  out[7] = '-';
  put(8, 2, static_cast<unsigned>(ymd.day()));
  out[10] = 'T';
  put(11, 2, hms.hours().count());
  out[13] = ':';
  put(14, 2, hms.minutes().count());
  out[16] = ':';
  put(17, 2, hms.seconds().count());
  out[19] = '.';
  put(20, 3, hms.subseconds().count());
  out[23] = 'Z';
  return std::string(out, sizeof out);
}

Result<TimePoint> parse_utc(std::string_view s) {
  auto bad = [&] {
    return fail(ErrorCode::invalid, fmt::format("'{}' is not a UTC time (expected e.g. "
                                                "2026-11-01 or 2026-11-01T14:30:00Z)", s));
  };
  std::size_t i = 0;
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0, ms = 0;
  if (!read_int(s, i, 4, y) || !expect(s, i, '-') || !read_int(s, i, 2, mo) || !expect(s, i, '-') ||
      !read_int(s, i, 2, d))
    return bad();
  year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok() || y < 1) return bad();
  if (i < s.size() && (s[i] == 'T' || s[i] == ' ')) {
    ++i;
    if (!read_int(s, i, 2, h) || !expect(s, i, ':') || !read_int(s, i, 2, mi)) return bad();
    if (expect(s, i, ':')) {
      if (!read_int(s, i, 2, sec)) return bad();
      if (expect(s, i, '.')) {
        int scale = 100;
        std::size_t start = i;
        while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
          ms += (s[i] - '0') * scale;
          scale /= 10;
          ++i;
        }
        if (i == start) return bad();
      }
    }
    if (h > 23 || mi > 59 || sec > 60) return bad();
  }
  minutes offset{0};
  if (i < s.size()) {
    if (s[i] == 'Z') {
      ++i;
    } else if (s[i] == '+' || s[i] == '-') {
      int sign = s[i++] == '-' ? -1 : 1;
      int oh = 0, om = 0;
      if (!read_int(s, i, 2, oh)) return bad();
      expect(s, i, ':');
      if (!read_int(s, i, 2, om) || oh > 23 || om > 59) return bad();
      offset = minutes(sign * (oh * 60 + om));
    }
  }
  if (i != s.size()) return bad();
  TimePoint t = TimePoint{sys_days{ymd}} + hours(h) + minutes(mi) + seconds(sec) + milliseconds(ms) - offset;
  // A leap second or an offset can carry a time past the years our text form holds
  // (9999-12-31T23:59:60Z is 10000-01-01): refused, so every instant reads back as written.
  static const TimePoint first = TimePoint{sys_days{year{1} / January / 1}};
  static const TimePoint end = TimePoint{sys_days{year{10000} / January / 1}};
  if (t < first || t >= end)
    return fail(ErrorCode::invalid, fmt::format("'{}': outside the years 0001 to 9999 once made UTC", s));
  return t;
}

Result<milliseconds> parse_duration(std::string_view s) {
  auto bad = [&] {
    return fail(ErrorCode::invalid,
                fmt::format("'{}' is not a duration (expected e.g. 90s, 30m, 12h, 7d, 2w, 1h30m)", s));
  };
  if (s.empty()) return bad();
  milliseconds total{0};
  std::size_t i = 0;
  while (i < s.size()) {
    std::int64_t n = 0;
    auto [ptr, ec] = std::from_chars(s.data() + i, s.data() + s.size(), n);
    if (ec != std::errc() || n < 0) return bad();
    i = static_cast<std::size_t>(ptr - s.data());
    std::string_view unit = s.substr(i, s.substr(i).starts_with("ms") ? 2 : 1);
    if (unit.empty()) return bad();
    i += unit.size();
    std::int64_t unit_ms = 0;
    if (unit == "ms") unit_ms = 1;
    else if (unit == "s") unit_ms = 1'000;
    else if (unit == "m") unit_ms = 60'000;
    else if (unit == "h") unit_ms = 3'600'000;
    else if (unit == "d") unit_ms = 86'400'000;
    else if (unit == "w") unit_ms = 604'800'000;
    else return bad();
    // Past a thousand years the arithmetic would overflow, and no bill or job is that long.
    constexpr std::int64_t k_max_ms = 1000LL * 366 * 86'400'000;
    if (n > k_max_ms / unit_ms || total.count() > k_max_ms - n * unit_ms) return bad();
    total += milliseconds(n * unit_ms);
  }
  return total;
}

Result<TimePoint> parse_time_bound(std::string_view text, TimePoint now, std::string_view flag) {
  if (!text.empty() && text[0] >= '0' && text[0] <= '9' && text.find('-') == std::string_view::npos) {
    auto d = parse_duration(text);
    // Times before year 1 or after 9999 have no ISO-8601 text: refuse rather than wrap.
    if (d && *d <= now - *parse_utc("0001-01-01")) return now - *d;
  }
  if (auto t = parse_utc(text)) return *t;
  return fail(ErrorCode::invalid,
              fmt::format("{}: '{}' is neither a duration back from now nor a date "
                          "(examples: {} 30d, {} 12h, {} 2026-11-01, {} 2026-11-01T09:00:00Z)",
                          flag, text, flag, flag, flag, flag));
}

TimePoint month_start(TimePoint t) {
  year_month_day ymd{floor<days>(t)};
  return TimePoint{sys_days{ymd.year() / ymd.month() / 1}};
}

TimePoint next_month_start(TimePoint t) {
  year_month_day ymd{floor<days>(t)};
  return TimePoint{sys_days{(ymd.year() / ymd.month() / 1) + months(1)}};
}

Result<std::pair<TimePoint, TimePoint>> parse_window(const std::string& since, const std::string& until, TimePoint now) {
  TimePoint from = FRUGAL_TRY(parse_time_bound(since, now, "--since"));
  // "Now" is inclusive for people: a run that started this millisecond is in the window.
  TimePoint to = until.empty() ? now + std::chrono::milliseconds(1) : FRUGAL_TRY(parse_time_bound(until, now, "--until"));
  if (to <= from)
    return fail(ErrorCode::invalid, fmt::format("--until ({}) must be after --since ({})", format_utc(to), format_utc(from)));
  return std::pair{from, to};
}

}  // namespace frugal
