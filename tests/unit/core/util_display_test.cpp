// Numbers as people read them: every case in tests/fixtures/display/cases.json, the file the
// dashboard's formatter (web/src/format.js) is checked against too, so the CLI and the dashboard
// never show one amount two ways.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "util/display.h"

namespace frugal::util::display {
namespace {

nlohmann::json cases(const char* kind) {
  std::ifstream in(FRUGAL_SOURCE_DIR "/tests/fixtures/display/cases.json");
  auto all = nlohmann::json::parse(in);
  EXPECT_FALSE(all[kind].empty()) << kind;
  return all[kind];
}

TEST(Display, MoneyIsCentsFromADollarAndTwoSignificantDigitsBelow) {
  for (const auto& c : cases("money")) EXPECT_EQ(money(c[0].get<std::string>()), c[1].get<std::string>()) << c[0];
}

TEST(Display, MoneyInScientificNotationHasNoExponent) {
  EXPECT_EQ(money("7.15e-7"), "0.00000072");
  EXPECT_EQ(money("1.5E+3"), "1500.00");
}

TEST(Display, TextThatIsNoNumberIsShownAsItIs) {
  EXPECT_EQ(money("n/a"), "n/a");
  EXPECT_EQ(money(""), "");
  EXPECT_EQ(money("1.2.3"), "1.2.3");
}

TEST(Display, QuantitiesFollowTheMoneyRule) {
  for (const auto& c : cases("quantity")) EXPECT_EQ(quantity(c[0].get<double>()), c[1].get<std::string>()) << c[0];
}

TEST(Display, PercentHasOneDecimalAndNeverReadsZeroForSomething) {
  for (const auto& c : cases("percent")) EXPECT_EQ(percent(c[0].get<double>()), c[1].get<std::string>()) << c[0];
}

TEST(Display, DurationsReadAsPeopleSayThem) {
  for (const auto& c : cases("duration")) EXPECT_EQ(duration(c[0].get<double>()), c[1].get<std::string>()) << c[0];
}

TEST(Display, BytesInSiUnits) {
  for (const auto& c : cases("bytes")) EXPECT_EQ(bytes(c[0].get<std::uint64_t>()), c[1].get<std::string>()) << c[0];
}

TEST(Display, CountsArePluralUnlessOneAndGroupedByThousands) {
  for (const auto& c : cases("count"))
    EXPECT_EQ(count(c[0].get<long long>(), c[1].get<std::string>(), c[2].get<std::string>()), c[3].get<std::string>()) << c;
}

TEST(Display, NonFiniteValuesAreNamed) {
  EXPECT_EQ(quantity(std::numeric_limits<double>::quiet_NaN()), "NaN");
  EXPECT_EQ(percent(std::numeric_limits<double>::infinity()), "Infinity");
}

}  // namespace
}  // namespace frugal::util::display
