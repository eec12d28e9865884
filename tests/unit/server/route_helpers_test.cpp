// What every route shares: the request body read as JSON, whatever bytes a client sends.
#include <limits>

#include "unit/server/route_test_util.h"

namespace frugal::server {
namespace {

class Body : public testing::RouteTest {
 protected:
  Result<json> parse(const std::string& body) {
    const std::string method = "POST";
    Call c{method, body, {}, {}, {}, Principal{}, *m_store, now(), m_options, m_writer};
    return parse_body(c);
  }
};

TEST_F(Body, ANumberBeyondADoubleIsABadRequestNotAnException) {
  // Found by tests/fuzz/fuzz_routes: nlohmann reports 1e999 as out_of_range, which the handler's
  // catch of parse_error let through (the server answered 500).
  for (const char* body : {R"({"gpu_count": 1e999})", R"({"metrics": [{"value": -1e309}]})"}) {
    Result<json> parsed = fail(ErrorCode::io, "not parsed");
    EXPECT_NO_THROW(parsed = parse(body)) << body;
    ASSERT_FALSE(parsed) << body;
    EXPECT_EQ(parsed.error().code, ErrorCode::invalid);
    EXPECT_NE(parsed.error().message.find("malformed JSON"), std::string::npos) << parsed.error().message;
  }
  auto fine = parse(R"({"value": 1.7976931348623157e308})");
  ASSERT_TRUE(fine) << fine.error().message;
}

TEST_F(Body, AnIntegerBeyondInt64IsABadRequestNamingTheFieldNotAWrappedNegative) {
  // Found by tests/e2e/server/malformed_values.py: a step of 2^63 was stored as -2^63.
  for (const char* body : {R"({"m": {"step": 9223372036854775808}})", R"({"m": {"step": 18446744073709551615}})",
                           R"({"m": {"step": "9223372036854775808"}})"}) {
    auto parsed = parse(body);
    ASSERT_TRUE(parsed) << body;
    auto step = integer_field((*parsed)["m"], "step", "m", Field::optional);
    ASSERT_FALSE(step) << body << " read as " << step->value_or(0);
    EXPECT_EQ(step.error().code, ErrorCode::invalid);
    EXPECT_NE(step.error().message.find("field 'm.step'"), std::string::npos) << step.error().message;
  }
  auto largest = integer_field(*parse(R"({"step": 9223372036854775807})"), "step", "", Field::optional);
  ASSERT_TRUE(largest && *largest) << "2^63 - 1 fits";
  EXPECT_EQ(**largest, std::numeric_limits<std::int64_t>::max());
  auto smallest = integer_field(*parse(R"({"step": -9223372036854775808})"), "step", "", Field::optional);
  ASSERT_TRUE(smallest && *smallest);
  EXPECT_EQ(**smallest, std::numeric_limits<std::int64_t>::min());
}

}  // namespace
}  // namespace frugal::server
