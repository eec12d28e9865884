#include <gtest/gtest.h>

#include "core/time.h"

namespace frugal {
namespace {

using namespace std::chrono;

TEST(Time, ParsesTheFormsBillsAndUsersWrite) {
  auto a = parse_utc("2024-09-01 00:00:00");
  auto b = parse_utc("2024-09-01T00:00:00Z");
  auto c = parse_utc("2024-09-01");
  auto d = parse_utc("2024-09-01T02:00:00+02:00");
  ASSERT_TRUE(a && b && c && d);
  EXPECT_EQ(*a, *b);
  EXPECT_EQ(*a, *c);
  EXPECT_EQ(*a, *d);
  EXPECT_EQ(format_utc(*parse_utc("2026-11-26T14:21:49.5Z")), "2026-11-26T14:21:49.500Z");
}

TEST(Time, RejectsImpossibleDates) {
  EXPECT_FALSE(parse_utc("2024-02-30"));
  EXPECT_FALSE(parse_utc("2024-13-01"));
  EXPECT_FALSE(parse_utc("yesterday"));
  EXPECT_FALSE(parse_utc("2024-09-01T25:00"));
}

TEST(Time, ParsesDurationsIncludingCombinations) {
  EXPECT_EQ(*parse_duration("30d"), days(30));
  EXPECT_EQ(*parse_duration("1h30m"), minutes(90));
  EXPECT_EQ(*parse_duration("250ms"), milliseconds(250));
  EXPECT_FALSE(parse_duration("30"));
  EXPECT_FALSE(parse_duration("3x"));
}

TEST(Time, SinceBoundErrorShowsExamplesOfBothForms) {
  TimePoint now = *parse_utc("2026-11-26T00:00:00Z");
  EXPECT_EQ(*parse_time_bound("7d", now, "--since"), *parse_utc("2026-11-19"));
  EXPECT_EQ(*parse_time_bound("2026-11-01", now, "--since"), *parse_utc("2026-11-01"));
  auto bad = parse_time_bound("last week", now, "--since");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("--since 30d"), std::string::npos);
  EXPECT_NE(bad.error().message.find("--since 2026-11-01"), std::string::npos);
}

TEST(Time, MonthBoundariesAreCalendarMonthsInUtc) {
  TimePoint t = *parse_utc("2026-12-31T23:59:59Z");
  EXPECT_EQ(format_utc(month_start(t)), "2026-12-01T00:00:00.000Z");
  EXPECT_EQ(format_utc(next_month_start(t)), "2027-01-01T00:00:00.000Z");
}

}  // namespace
}  // namespace frugal

namespace frugal {
namespace {

// Found by tests/fuzz/fuzz_core: a leap second on the last day of 9999 is 10000-01-01, which the
// text form wrote as year 0000, so the instant did not read back.
TEST(ParseUtc, ATimeCarriedPastTheYear9999IsRefused) {
  EXPECT_FALSE(parse_utc("9999-12-31T23:59:60Z"));
  EXPECT_FALSE(parse_utc("9999-12-31T23:00:00-02:00"));
  EXPECT_FALSE(parse_utc("0001-01-01T00:30:00+01:00"));
  auto last = parse_utc("9999-12-31T23:59:59Z");
  ASSERT_TRUE(last);
  EXPECT_EQ(format_utc(*last), "9999-12-31T23:59:59.000Z");
}

}  // namespace
}  // namespace frugal
