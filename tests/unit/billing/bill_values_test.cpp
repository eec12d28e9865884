#include <gtest/gtest.h>

#include "billing/bill_values.h"

namespace frugal::billing {
namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;

TEST(ParseTags, StringsEscapesAndScalarsAreReadInOrder) {
  auto tags = parse_tags(R"( {"team": "vision", "cost-center": 42, "q\"uote": "a\\b\nc", "u": "\u00e9", "t": true} )");
  ASSERT_TRUE(tags) << tags.error().message;
  EXPECT_EQ(*tags, (Pairs{{"team", "vision"}, {"cost-center", "42"}, {"q\"uote", "a\\b\nc"}, {"u", "\\u00e9"},
                          {"t", "true"}}));
}

TEST(ParseTags, AnEmptyObjectHasNoTags) {
  auto tags = parse_tags(" { } ");
  ASSERT_TRUE(tags) << tags.error().message;
  EXPECT_TRUE(tags->empty());
}

TEST(ParseTags, MalformedObjectsAreRefusedSayingWhereAndWhy) {
  for (auto [json, why] : std::vector<std::pair<std::string, std::string>>{
           {"", "no opening brace"},
           {R"({"team" "x"})", "expected ':'"},
           {R"({"team": "x)", "unterminated string"},
           {R"({"team": {"a": 1}})", "expected a scalar value"},
           {R"({"team": "x"} y)", "text after the object"},
           {"{} y", "text after the object"},
           {R"({"team": "x" "y": 1})", "expected ',' or '}'"},
           {R"({team: 1})", "expected a quoted key"},
           {R"({"bad\)", "expected a quoted key"},
       }) {
    auto tags = parse_tags(json);
    ASSERT_FALSE(tags) << json;
    EXPECT_NE(tags.error().message.find(why), std::string::npos) << json << ": " << tags.error().message;
  }
}

TEST(ParseTagsInto, ReusedVectorHoldsExactlyTheLastObjectsPairs) {
  Pairs out;
  ASSERT_TRUE(parse_tags_into(R"({"team": "vision", "project": "detector", "user": "ana"})", out));
  EXPECT_EQ(out.size(), 3u);
  ASSERT_TRUE(parse_tags_into(R"({"team": "nlp-longer-than-before"})", out));
  EXPECT_EQ(out, (Pairs{{"team", "nlp-longer-than-before"}}));
  ASSERT_TRUE(parse_tags_into(R"({"a": "1", "b": "2"})", out));
  EXPECT_EQ(out, (Pairs{{"a", "1"}, {"b", "2"}}));
  ASSERT_TRUE(parse_tags_into("{}", out));
  EXPECT_TRUE(out.empty());
}

TEST(ParseTagsInto, AFailedParseLeavesNoHalfReadPair) {
  Pairs out = {{"old", "pair"}, {"another", "one"}};
  ASSERT_FALSE(parse_tags_into(R"({"team": "x", "project": )", out));
  // Only what was read whole before the error: never a key without its value, never a stale pair.
  EXPECT_EQ(out, (Pairs{{"team", "x"}}));
}

}  // namespace
}  // namespace frugal::billing
