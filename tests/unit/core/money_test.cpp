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

TEST(Money, KeepsTwentyEightDecimalPlacesExactly) {
  auto m = Money::parse("0.000000000000000001");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->attos(), 1);
  auto azure = Money::parse("0.0001188669167459011366");  // an Azure amortized-cost export's Cost
  ASSERT_TRUE(azure) << azure.error().message;
  EXPECT_EQ(azure->to_string(), "0.0001188669167459011366");
  EXPECT_EQ(azure->attos(), 118'866'916'745'901);
  EXPECT_EQ(azure->sub_attos(), 1'366'000'000);
  EXPECT_EQ(azure->decimals(), 22);
  auto finest = Money::parse("-12.3456789012345678901234567891");
  ASSERT_TRUE(finest);
  EXPECT_EQ(finest->to_string(), "-12.3456789012345678901234567891");
  EXPECT_EQ(-*finest, *Money::parse("12.3456789012345678901234567891"));
  EXPECT_EQ(Money::parse("1.0000000000000000000000")->to_string(0), "1");  // trailing zeros lose nothing
}

TEST(Money, RoundsHalfEvenPastTheTwentyEighthDecimal) {
  EXPECT_EQ(Money::parse("0.00000000000000000000000000015")->to_string(), "0.0000000000000000000000000002");
  EXPECT_EQ(Money::parse("0.00000000000000000000000000025")->to_string(), "0.0000000000000000000000000002");
  EXPECT_EQ(Money::parse("0.000000000000000000000000000251")->to_string(), "0.0000000000000000000000000003");
  EXPECT_EQ(Money::parse("-0.99999999999999999999999999995")->to_string(), "-1.00");
  EXPECT_EQ(Money::parse("1e-40")->to_string(), "0.00");
}

TEST(Money, SumsPartsBelowTheAttoWithCarry) {
  Money a = *Money::parse("0.0000000000000000007");
  Money total;
  for (int i = 0; i < 3; ++i) total += a;
  EXPECT_EQ(total.to_string(), "0.0000000000000000021");
  EXPECT_EQ(total - a - a - a, Money());
  EXPECT_LT(-a, Money());
  EXPECT_LT(Money::from_attos(1), Money::from_attos(1) + *Money::parse("1e-28"));
  EXPECT_EQ(Money::from_nanos(0, 2, 1'000'000'000), total);  // summed columns carry into attos
  EXPECT_EQ(Money::parse("0.00000000000000000150000000001")->to_fixed(18), "0.000000000000000002");
  EXPECT_EQ(Money::parse("0.0000000000000000025")->to_fixed(18), "0.000000000000000002");
  EXPECT_EQ(Money::parse("0.0050000000000000000001")->to_fixed(2), "0.01");
}

TEST(Money, TooManyIntegerDigitsIsRefusedEvenWithManyDecimals) {
  auto m = Money::parse("123456789012345678901.0000000000000000000001");
  ASSERT_FALSE(m);
  EXPECT_NE(m.error().message.find("out of range"), std::string::npos) << m.error().message;
  EXPECT_FALSE(Money::parse("1e400"));
  EXPECT_FALSE(Money::parse("0.12345678901234567890123x"));
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
