#include <gtest/gtest.h>

#include "core/money.h"

namespace frugal {
namespace {

TEST(Money, ParsesElevenDecimalPlacesExactly) {
  auto m = Money::parse("18.00663861840");
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->to_string(), "18.0066386184");
  EXPECT_EQ(m->nanos(), 18'006'638'618);
  EXPECT_EQ(m->sub_nano_attos(), 400'000'000);
}

TEST(Money, KeepsEighteenDecimalPlacesAndRejectsNineteen) {
  auto m = Money::parse("0.000000000000000001");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->attos(), 1);
  auto too_fine = Money::parse("0.0000000000000000001");
  ASSERT_FALSE(too_fine);
  EXPECT_NE(too_fine.error().message.find("18 decimal"), std::string::npos);
  EXPECT_TRUE(Money::parse("1.0000000000000000000000"));  // trailing zeros lose nothing
}

TEST(Money, NegativeAmountsSplitIntoFlooredNanosAndPositiveRemainder) {
  auto m = Money::parse("-0.0000000015");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->nanos(), -2);
  EXPECT_EQ(m->sub_nano_attos(), 500'000'000);
  EXPECT_EQ(Money::from_nanos(m->nanos(), m->sub_nano_attos()), *m);
  EXPECT_EQ(m->to_string(), "-0.0000000015");
}

TEST(Money, ParsesScientificNotationAsBillsPrintIt) {
  auto m = Money::parse("1.5E-7");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->to_string(), "0.00000015");
  EXPECT_EQ(Money::parse("2e3")->to_string(0), "2000");
}

TEST(Money, RejectsTextThatIsNotANumber) {
  for (const char* bad : {"", "-", "1.2.3", "$5", "12a", "1e", "."}) {
    auto m = Money::parse(bad);
    EXPECT_FALSE(m) << bad;
    if (!m) {
      EXPECT_EQ(m.error().code, ErrorCode::invalid);
    }
  }
}

TEST(Money, SumsWithoutTheDriftOfFloats) {
  Money total;
  for (int i = 0; i < 10; ++i) total += *Money::parse("0.1");
  EXPECT_EQ(total, Money::from_units(1));
}

TEST(Money, ScalesHourlyPriceByMillisecondsWithHalfEvenRounding) {
  Money hourly = *Money::parse("32.7726");
  Money cost = hourly.scaled(90 * 60 * 1000, 3'600'000);  // 90 minutes
  EXPECT_EQ(cost.to_string(), "49.1589");
  EXPECT_EQ(Money::from_attos(5).scaled(1, 2).attos(), 2);   // 2.5 → 2 (even)
  EXPECT_EQ(Money::from_attos(15).scaled(1, 10).attos(), 2); // 1.5 → 2 (even)
}

TEST(Money, FormatsFixedDecimalsRoundedHalfEven) {
  EXPECT_EQ(Money::parse("18.005")->to_fixed(2), "18.00");
  EXPECT_EQ(Money::parse("18.015")->to_fixed(2), "18.02");
  EXPECT_EQ(Money::parse("-0.001")->to_fixed(2), "0.00");
  EXPECT_EQ(Money::parse("1234")->to_fixed(2), "1234.00");
}

}  // namespace
}  // namespace frugal
