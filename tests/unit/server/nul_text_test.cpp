// A NUL character (U+0000) in text a client sends: PostgreSQL's text cannot hold one and SQLite's
// can, so every door refuses it alike on both backends, naming the field, and stores nothing of the
// request; arcee's collect skips and names the one odd key, as it does any bad key.
#include <string>

#include "unit/server/route_test_util.h"

namespace frugal::server {
namespace {

class NulText : public testing::RouteTest {
 protected:
  void SetUp() override {
    add_run_routes(m_routes);
    add_arcee_routes(m_routes);
    add_mlflow_routes(m_routes);
  }
  static std::string json_string(const std::string& before, const std::string& after) { return before + "\\u0000" + after; }

  void expect_refused(const Result<Reply>& answer, const std::string& field) {
    ASSERT_FALSE(answer) << field;
    EXPECT_EQ(answer.error().code, ErrorCode::invalid) << answer.error().message;
    EXPECT_NE(answer.error().message.find(field), std::string::npos) << answer.error().message;
    EXPECT_NE(answer.error().message.find("NUL character"), std::string::npos) << answer.error().message;
  }
};

TEST_F(NulText, ANewRunWithOneInATagOrItsCommandIsRefusedNamingTheField) {
  expect_refused(call("POST", "/api/v1/runs", R"({"name": "r", "tags": {"stage": ")" + json_string("a", "b") + R"("}})"),
                 "tags.stage");
  expect_refused(call("POST", "/api/v1/runs", R"({"name": "r", "tags": {")" + json_string("st", "age") + R"(": "x"}})"),
                 "tags (a key)");
  expect_refused(call("POST", "/api/v1/runs", R"({"name": "r", "command": ["train.py", ")" + json_string("--lr", "") + R"("]})"),
                 "command[1]");
  expect_refused(call("POST", "/api/v1/runs", R"({"name": ")" + json_string("r", "") + R"("})"), "name");
  EXPECT_EQ(scalar("SELECT count(*) FROM runs"), 0);
}

TEST_F(NulText, ArceeRefusesOneInATagOrParamAndSkipsAMetricKeyWithOne) {
  auto id = std::to_string(start_run());
  auto tag = call("PATCH", "/arcee/v2/run/{id}", R"({"tags": {"stage": ")" + json_string("a", "b") + R"("}})", {id});
  expect_refused(tag, "tag 'stage'");
  auto param = call("PATCH", "/arcee/v2/run/{id}", R"({"hyperparameters": {")" + json_string("l", "r") + R"(": 0.1}})", {id});
  expect_refused(param, "param key");
  EXPECT_EQ(scalar("SELECT count(*) FROM tags") + scalar("SELECT count(*) FROM params"), 0);

  auto collected = call("POST", "/arcee/v2/collect", R"({"run": ")" + id + R"(", "data": {")" + json_string("lo", "ss") +
                                                         R"(": 1, "loss": 0.5}})");
  ASSERT_TRUE(collected) << collected.error().message;
  EXPECT_NE(collected->body.dump().find("NUL character"), std::string::npos) << collected->body.dump();
  EXPECT_EQ(scalar("SELECT count(*) FROM metrics WHERE key = 'loss' AND value = 0.5"), 1) << "the good key kept";
  EXPECT_EQ(scalar("SELECT count(*) FROM metrics"), 1);
}

TEST_F(NulText, MlflowSetTagRefusesOneInTheValueNamingIt) {
  auto id = std::to_string(start_run());
  auto answer = call("POST", "/api/2.0/mlflow/runs/set-tag", R"({"run_id": ")" + id + R"(", "key": "stage", "value": ")" +
                                                                 json_string("a", "b") + R"("})");
  expect_refused(answer, "'value'");
  EXPECT_EQ(scalar("SELECT count(*) FROM tags"), 0);
}

}  // namespace
}  // namespace frugal::server
