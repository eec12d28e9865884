// GET /api/v1/value: an experiment's runs against their cost, as `frugal value` answers them; a
// member sees its own team's runs alone.
#include "unit/server/route_test_util.h"

namespace frugal::server {
namespace {

const Principal k_vision{2, Role::member, "vision"};

class ValueRoute : public testing::RouteTest {
 protected:
  void SetUp() override { add_value_routes(m_routes); }

  // A finished run of `team` in experiment "sweep": an hour at `hourly`, val_acc `acc` at its end.
  std::int64_t run(const std::string& team, const char* hourly, double acc) {
    tracking::RunStart s;
    s.labels.team = team;
    s.labels.user = "ada";
    s.labels.experiment = "sweep";
    s.name = team;
    s.command = {"train.py"};
    s.hourly_price = *Money::parse(hourly);
    s.started = now() - std::chrono::hours(2);
    auto id = tracking::start_run(*m_store, s);
    EXPECT_TRUE(id) << id.error().message;
    std::vector<tracking::MetricPoint> p = {{"val_acc", 0, s.started + std::chrono::hours(1), acc}};
    EXPECT_TRUE(tracking::log_metrics(*m_store, *id, p));
    tracking::RunEnd end;
    end.ended = s.started + std::chrono::hours(1);
    EXPECT_TRUE(tracking::finish_run(*m_store, *id, end));
    return *id;
  }

  Result<Reply> value(std::map<std::string, std::string> query, Principal who = {1, Role::admin, ""}) {
    return call("GET", "/api/v1/value", "", {}, who, std::move(query));
  }
};

TEST_F(ValueRoute, AnswersTheRunsCheapestFirstWithTheFrontierAndTheSummary) {
  std::int64_t cheap = run("vision", "1", 0.7);
  std::int64_t dominated = run("nlp", "2", 0.6);
  std::int64_t best = run("vision", "3", 0.9);
  auto r = value({{"experiment", "sweep"}, {"metric", "val_acc:max"}});
  ASSERT_TRUE(r) << r.error().message;
  const auto& body = r->body;
  EXPECT_EQ(body["direction"], "max");
  ASSERT_EQ(body["runs"].size(), 3u);
  EXPECT_EQ(body["runs"][0]["run_id"], cheap);
  EXPECT_EQ(body["runs"][0]["cost_usd"], "1.00");
  EXPECT_EQ(body["runs"][1]["run_id"], dominated);
  EXPECT_EQ(body["runs"][1]["on_frontier"], false);
  EXPECT_EQ(body["runs"][1]["dominated_by"], cheap);
  EXPECT_EQ(body["summary"]["best_run"], best);
  EXPECT_EQ(body["summary"]["total_cost_usd"], "6.00");
  EXPECT_EQ(body["summary"]["dominated_cost_usd"], "2.00");
}

TEST_F(ValueRoute, AMemberSeesItsTeamsRunsAlone) {
  run("vision", "1", 0.7);
  run("nlp", "2", 0.95);
  auto r = value({{"experiment", "sweep"}, {"metric", "val_acc:max"}}, k_vision);
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->body["runs"].size(), 1u);
  EXPECT_EQ(r->body["runs"][0]["team"], "vision");
  EXPECT_EQ(r->body["summary"]["total_cost_usd"], "1.00");
}

TEST_F(ValueRoute, AMissingExperimentMetricOrDirectionIsA400NamingIt) {
  run("vision", "1", 0.7);
  auto no_experiment = value({{"metric", "val_acc:max"}});
  ASSERT_FALSE(no_experiment);
  EXPECT_EQ(no_experiment.error().code, ErrorCode::invalid);
  EXPECT_NE(no_experiment.error().message.find("'experiment'"), std::string::npos);
  auto no_direction = value({{"experiment", "sweep"}, {"metric", "val_acc"}});
  ASSERT_FALSE(no_direction);
  EXPECT_NE(no_direction.error().message.find("val_acc:max"), std::string::npos);
  auto within = value({{"experiment", "sweep"}, {"metric", "val_acc:max"}, {"within", "1e999"}});
  ASSERT_FALSE(within);
  EXPECT_NE(within.error().message.find("'within'"), std::string::npos);
}

}  // namespace
}  // namespace frugal::server
