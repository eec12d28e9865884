// MLflow's run routes as its Python client calls them: who may call which, a batch with a tag the
// token may not set, NaN and the infinities read back, a metric's history in pages.
#include <fmt/format.h>

#include "server/mlflow.h"
#include "unit/server/route_test_util.h"

namespace frugal::server {
namespace {

class MlflowRuns : public testing::RouteTest {
 protected:
  void SetUp() override { add_mlflow_routes(m_routes); }

  const Principal vision_agent{2, Role::agent, "vision"};

  Result<Reply> post(const std::string& route, const json& body, const Principal& who) {
    return call("POST", "/api/2.0/mlflow/" + route, body.dump(), {}, who);
  }
  Result<Reply> get(const std::string& route, std::map<std::string, std::string> query, const Principal& who) {
    return call("GET", "/api/2.0/mlflow/" + route, "", {}, who, std::move(query));
  }
  std::string run_of_vision() { return std::to_string(start_run()); }
};

TEST_F(MlflowRuns, AnAgentReadsWhatItWritesAndAMemberOnlyReads) {
  // A training job holds an agent token: set_experiment, get_run, search_runs and get_metric_history
  // are reads it makes. Writes stay an agent's (and an admin's).
  for (const auto& r : m_routes) {
    bool writes = r.method == "POST" && !r.path.ends_with("/search");
    EXPECT_EQ(r.access, writes ? Access::agent : Access::any) << r.method << " " << r.path;
  }
}

TEST_F(MlflowRuns, ATagTheTokenMayNotSetDoesNotTakeTheRestOfTheBatch) {
  auto run = run_of_vision();
  json batch = {{"run_id", run},
                {"metrics", {{{"key", "loss"}, {"value", 0.5}, {"timestamp", 1764000000000}, {"step", 1}}}},
                {"params", {{{"key", "lr"}, {"value", "0.1"}}}},
                {"tags", {{{"key", "frugal.team"}, {"value", "nlp"}}, {{"key", "stage"}, {"value", "train"}},
                          {{"key", "frugal.project"}, {"value", "resnet"}}}}};
  auto answer = post("runs/log-batch", batch, vision_agent);
  ASSERT_FALSE(answer);
  EXPECT_EQ(answer.error().code, ErrorCode::forbidden);
  EXPECT_NE(answer.error().message.find("frugal.team"), std::string::npos) << answer.error().message;
  EXPECT_NE(answer.error().message.find("the rest of the batch was written"), std::string::npos) << answer.error().message;
  EXPECT_EQ(scalar("SELECT count(*) FROM metrics WHERE key = 'loss'"), 1);
  EXPECT_EQ(scalar("SELECT count(*) FROM params WHERE key = 'lr'"), 1);
  EXPECT_EQ(scalar("SELECT count(*) FROM tags WHERE key IN ('stage', 'frugal.project')"), 2);
  EXPECT_EQ(scalar("SELECT count(*) FROM tags WHERE key = 'frugal.team'"), 0);
  EXPECT_EQ(scalar("SELECT count(*) FROM runs WHERE team = 'vision' AND project = 'resnet'"), 1) << "the label tag kept";
}

TEST_F(MlflowRuns, ABatchThatDoesNotParseWritesNothing) {
  // As MLflow's own server: a batch is checked whole before any of it is written.
  auto run = run_of_vision();
  json batch = {{"run_id", run},
                {"metrics", {{{"key", "loss"}, {"value", 0.5}}}},
                {"tags", {{{"key", "stage"}, {"value", "train"}}, {{"key", std::string(251, 'k')}, {"value", "x"}}}}};
  auto answer = post("runs/log-batch", batch, vision_agent);
  ASSERT_FALSE(answer);
  EXPECT_EQ(answer.error().code, ErrorCode::invalid);
  EXPECT_EQ(scalar("SELECT count(*) FROM metrics"), 0);
  EXPECT_EQ(scalar("SELECT count(*) FROM tags WHERE key = 'stage'"), 0);
}

TEST_F(MlflowRuns, ANulCharacterInAStringIsABadRequestNamingTheFieldOnEveryBackend) {
  // PostgreSQL's text cannot hold U+0000; SQLite's can. Both refuse it at the door, alike.
  auto run = run_of_vision();
  std::string nul("a\0b", 3);
  struct Case { json body; std::string field; };
  std::vector<Case> cases = {
      {{{"run_id", run}, {"metrics", {{{"key", "lo" + nul}, {"value", 0.5}}}}}, "metrics[0].key"},
      {{{"run_id", run}, {"params", {{{"key", "lr"}, {"value", nul}}}}}, "params[0].value"},
      {{{"run_id", run}, {"tags", {{{"key", nul}, {"value", "x"}}}}}, "tags[0].key"},
  };
  for (const auto& c : cases) {
    auto answer = post("runs/log-batch", c.body, vision_agent);
    ASSERT_FALSE(answer) << c.field;
    EXPECT_EQ(answer.error().code, ErrorCode::invalid) << answer.error().message;
    EXPECT_NE(answer.error().message.find(c.field), std::string::npos) << answer.error().message;
  }
  auto tag = post("runs/set-tag", {{"run_id", run}, {"key", "stage"}, {"value", nul}}, vision_agent);
  ASSERT_FALSE(tag);
  EXPECT_EQ(tag.error().code, ErrorCode::invalid) << tag.error().message;
  EXPECT_EQ(scalar("SELECT count(*) FROM metrics") + scalar("SELECT count(*) FROM params") +
                scalar("SELECT count(*) FROM tags WHERE key <> 'mlflow.runName'"), 0);
}

TEST_F(MlflowRuns, NanAndTheInfinitiesReadBackAsMlflowWritesThem) {
  auto run = run_of_vision();
  json metrics = json::array();
  for (const char* value : {"NaN", "Infinity", "-Infinity"})
    metrics.push_back({{"key", value}, {"value", value}, {"timestamp", 1764000000000}, {"step", 0}});
  ASSERT_TRUE(post("runs/log-batch", {{"run_id", run}, {"metrics", metrics}}, vision_agent));
  auto got = get("runs/get", {{"run_id", run}}, vision_agent);
  ASSERT_TRUE(got) << got.error().message;
  for (const auto& m : got->body["run"]["data"]["metrics"]) EXPECT_EQ(m["value"], m["key"]) << m.dump();
  EXPECT_EQ(got->body["run"]["data"]["metrics"].size(), 3u);
  for (const char* key : {"NaN", "Infinity", "-Infinity"}) {
    auto history = get("metrics/get-history", {{"run_id", run}, {"metric_key", key}}, vision_agent);
    ASSERT_TRUE(history) << history.error().message;
    EXPECT_EQ(history->body["metrics"].at(0)["value"], key);
  }
}

TEST_F(MlflowRuns, AMetricsHistoryComesInPagesWhenAsked) {
  auto run = run_of_vision();
  json metrics = json::array();
  for (int step = 0; step < 25; ++step)
    metrics.push_back({{"key", "loss"}, {"value", step}, {"timestamp", 1764000000000 + step}, {"step", step}});
  ASSERT_TRUE(post("runs/log-batch", {{"run_id", run}, {"metrics", metrics}}, vision_agent));
  std::vector<std::size_t> pages;
  std::vector<std::int64_t> steps;
  std::string token;
  do {
    std::map<std::string, std::string> query = {{"run_id", run}, {"metric_key", "loss"}, {"max_results", "10"}};
    if (!token.empty()) query["page_token"] = token;
    auto page = get("metrics/get-history", query, vision_agent);
    ASSERT_TRUE(page) << page.error().message;
    pages.push_back(page->body["metrics"].size());
    for (const auto& m : page->body["metrics"]) steps.push_back(m["step"].get<std::int64_t>());
    token = page->body.value("next_page_token", "");
  } while (!token.empty() && pages.size() < 10);
  EXPECT_EQ(pages, (std::vector<std::size_t>{10, 10, 5}));
  ASSERT_EQ(steps.size(), 25u);
  for (std::size_t i = 0; i < steps.size(); ++i) EXPECT_EQ(steps[i], static_cast<std::int64_t>(i));
  auto all = get("metrics/get-history", {{"run_id", run}, {"metric_key", "loss"}}, vision_agent);
  ASSERT_TRUE(all) << all.error().message;
  EXPECT_EQ(all->body["metrics"].size(), 25u);
  EXPECT_FALSE(all->body.contains("next_page_token"));
  auto bad = get("metrics/get-history", {{"run_id", run}, {"metric_key", "loss"}, {"page_token", "x1"}}, vision_agent);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::invalid);
}

}  // namespace
}  // namespace frugal::server
