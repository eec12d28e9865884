// MLflow's runs/search: filters on a run's times.
#include "server/mlflow.h"
#include "unit/server/route_test_util.h"

namespace frugal::server {
namespace {

class MlflowSearch : public testing::RouteTest {
 protected:
  void SetUp() override { add_mlflow_routes(m_routes); }
  Result<Reply> search(const std::string& filter) {
    return call("POST", "/api/2.0/mlflow/runs/search", json{{"filter", filter}}.dump());
  }
};

TEST_F(MlflowSearch, ATimeFilterWithoutAnInstantIsABadRequest) {
  // Found with tests/fuzz/fuzz_routes: NaN and 1e300 were cast to an integer (undefined behaviour).
  start_run();
  for (const char* filter : {"attributes.start_time > 1e300", "attributes.end_time < nan", "attributes.start_time > -1",
                             "attributes.start_time >= 253402300800000"}) {
    auto r = search(filter);
    ASSERT_FALSE(r) << filter;
    EXPECT_EQ(r.error().code, ErrorCode::invalid);
    EXPECT_NE(r.error().message.find("milliseconds since 1970, before the year 10000"), std::string::npos)
        << r.error().message;
  }
  auto since_1970 = search("attributes.start_time > 0");
  ASSERT_TRUE(since_1970) << since_1970.error().message;
  EXPECT_EQ(since_1970->body["runs"].size(), 1u);
}

}  // namespace
}  // namespace frugal::server
