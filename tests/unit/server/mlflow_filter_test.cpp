// MLflow's search filter (mlflow_filter.h) and status table (mlflow_status.h), without a server.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "server/mlflow_filter.h"
#include "server/mlflow_status.h"

namespace frugal::server {
namespace {

TEST(MlflowFilter, ReadsComparisonsJoinedByAnd) {
  auto clauses = parse_filter("metrics.loss < 0.5 and params.lr = '0.1' AND tags.`team name` != \"x y\"");
  ASSERT_TRUE(clauses) << clauses.error().message;
  ASSERT_EQ(clauses->size(), 3u);
  EXPECT_EQ((*clauses)[0].kind, FilterKind::metrics);
  EXPECT_EQ((*clauses)[0].key, "loss");
  EXPECT_EQ((*clauses)[0].op, "<");
  EXPECT_EQ((*clauses)[0].number, 0.5);
  EXPECT_EQ((*clauses)[1].kind, FilterKind::params);
  EXPECT_EQ((*clauses)[1].text, "0.1");
  EXPECT_FALSE((*clauses)[1].number) << "a quoted value is text";
  EXPECT_EQ((*clauses)[2].kind, FilterKind::tags);
  EXPECT_EQ((*clauses)[2].key, "team name");
  EXPECT_EQ((*clauses)[2].op, "!=");
  EXPECT_EQ((*clauses)[2].text, "x y");
}

TEST(MlflowFilter, AcceptsMlflowsPrefixSpellingsAndLikeOperators) {
  auto clauses = parse_filter("attribute.run_name LIKE 'sweep-%' AND run.status ILIKE 'fin%' AND param.x >= 2");
  ASSERT_TRUE(clauses) << clauses.error().message;
  EXPECT_EQ((*clauses)[0].kind, FilterKind::attributes);
  EXPECT_EQ((*clauses)[0].op, "LIKE");
  EXPECT_EQ((*clauses)[1].op, "ILIKE");
  EXPECT_EQ((*clauses)[2].kind, FilterKind::params);
  EXPECT_EQ((*clauses)[2].op, ">=");
}

TEST(MlflowFilter, ABareNameIsAnAttributeAsInMlflow) {
  auto clauses = parse_filter("name LIKE 'bert%' AND creation_time > 0");
  ASSERT_TRUE(clauses) << clauses.error().message;
  ASSERT_EQ(clauses->size(), 2u);
  EXPECT_EQ((*clauses)[0].kind, FilterKind::attributes);
  EXPECT_EQ((*clauses)[0].key, "name");
  EXPECT_EQ((*clauses)[0].text, "bert%");
  EXPECT_EQ((*clauses)[1].key, "creation_time");
  EXPECT_EQ((*clauses)[1].number, 0.0);
}

TEST(MlflowFilter, AnEmptyFilterMatchesEverything) {
  auto clauses = parse_filter("   ");
  ASSERT_TRUE(clauses);
  EXPECT_TRUE(clauses->empty());
}

TEST(MlflowFilter, RefusesWhatMlflowRefusesSayingWhere) {
  struct Case {
    const char* filter;
    const char* says;
  } cases[] = {
      {"metrics.loss < 'low'", "compares with a number"},
      {"metrics.loss < 1 OR metrics.acc > 0.9", "expected AND"},
      {"colour.x = 'red'", "unknown prefix"},
      {"params.lr 0.1", "expected a comparison"},
      {"params.lr = 'unclosed", "unclosed string"},
      {"tags.`open = 'x'", "unclosed quoted name"},
      {"params.lr = 1x", "neither a number nor a quoted string"},
  };
  for (const auto& c : cases) {
    auto parsed = parse_filter(c.filter);
    ASSERT_FALSE(parsed) << c.filter;
    EXPECT_EQ(parsed.error().code, ErrorCode::invalid);
    EXPECT_NE(parsed.error().message.find(c.says), std::string::npos) << c.filter << ": " << parsed.error().message;
  }
}

TEST(MlflowStatus, EveryStatusOfOursReadsAsOneOfMlflows) {
  using tracking::RunStatus;
  EXPECT_EQ(mlflow_status(RunStatus::running), "RUNNING");
  EXPECT_EQ(mlflow_status(RunStatus::finished), "FINISHED");
  EXPECT_EQ(mlflow_status(RunStatus::stopped_early), "KILLED");
  EXPECT_EQ(mlflow_status(RunStatus::killed), "KILLED");
  for (auto s : {RunStatus::failed, RunStatus::over_budget, RunStatus::preempted, RunStatus::lost})
    EXPECT_EQ(mlflow_status(s), "FAILED") << tracking::status_name(s);
}

TEST(MlflowStatus, MlflowsStatusesMapBackAndTheSqlSaysTheSame) {
  EXPECT_EQ(*status_from_mlflow("KILLED"), tracking::RunStatus::killed);
  EXPECT_EQ(*status_from_mlflow("SCHEDULED"), tracking::RunStatus::running);
  EXPECT_EQ(*status_from_mlflow("FAILED"), tracking::RunStatus::failed);
  EXPECT_FALSE(status_from_mlflow("DONE"));
  std::string sql = mlflow_status_sql("r.status");
  for (auto s : {tracking::RunStatus::stopped_early, tracking::RunStatus::lost, tracking::RunStatus::finished})
    EXPECT_NE(sql.find(fmt::format("WHEN '{}' THEN '{}'", tracking::status_name(s), mlflow_status(s))), std::string::npos) << sql;
}

}  // namespace
}  // namespace frugal::server
