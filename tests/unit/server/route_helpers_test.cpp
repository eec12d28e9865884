// What every route shares: the request body read as JSON, whatever bytes a client sends.
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

}  // namespace
}  // namespace frugal::server
