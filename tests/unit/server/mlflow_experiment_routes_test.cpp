// MLflow's experiment routes and the run routes that name an experiment: a token sees its team's
// experiments and the shared ones, and another team's answers as an absent one does.
#include <fmt/format.h>

#include "server/mlflow.h"
#include "unit/server/route_test_util.h"

namespace frugal::server {
namespace {

class MlflowExperiments : public testing::RouteTest {
 protected:
  void SetUp() override { add_mlflow_routes(m_routes); }

  const Principal admin{1, Role::admin, ""}, vision_agent{2, Role::agent, "vision"}, nlp_agent{3, Role::agent, "nlp"},
      nlp_member{4, Role::member, "nlp"};

  Result<Reply> post(const std::string& route, const json& body, const Principal& who) {
    return call("POST", "/api/2.0/mlflow/" + route, body.dump(), {}, who);
  }
  // A GET route with its query, as MLflow clients send them.
  Result<Reply> get(const std::string& route, std::map<std::string, std::string> query, const Principal& who) {
    for (const auto& r : m_routes) {
      if (r.method != "GET" || r.path != "/api/2.0/mlflow/" + route) continue;
      Call c{r.method, "", {}, std::move(query), {}, who, *m_store, now(), m_options, m_writer};
      return settle(c, r.handler(c));
    }
    ADD_FAILURE() << "no route GET " << route;
    return fail(ErrorCode::not_found, "no such route");
  }
  std::string create(const std::string& name, const Principal& who, json tags = json::array()) {
    auto r = post("experiments/create", {{"name", name}, {"tags", tags}}, who);
    EXPECT_TRUE(r) << r.error().message;
    return r ? r->body["experiment_id"].get<std::string>() : "";
  }
  // The code and message of a failed call, "" for a success.
  static std::string error_of(const Result<Reply>& r) {
    return r ? "" : fmt::format("{}: {}", error_code_name(r.error().code), r.error().message);
  }
};

TEST_F(MlflowExperiments, AnotherTeamsExperimentAnswersAsAnAbsentOne) {
  auto detector = create("detector", vision_agent);
  // Made out of sight, then absent: the answers differ only by the id or name asked for.
  auto by_id = get("experiments/get", {{"experiment_id", detector}}, nlp_member);
  auto absent_id = get("experiments/get", {{"experiment_id", "987654"}}, nlp_member);
  EXPECT_EQ(error_of(by_id), fmt::format("not_found: experiment {} does not exist", detector));
  EXPECT_EQ(error_of(absent_id), "not_found: experiment 987654 does not exist");
  EXPECT_EQ(error_of(get("experiments/get-by-name", {{"experiment_name", "detector"}}, nlp_member)),
            "not_found: experiment 'detector' does not exist");
  EXPECT_EQ(error_of(post("runs/create", {{"experiment_id", detector}}, nlp_agent)),
            fmt::format("not_found: experiment {} does not exist", detector));
  EXPECT_EQ(scalar("SELECT count(*) FROM runs"), 0) << "no run in another team's experiment";
  auto listed = get("experiments/list", {}, nlp_member);
  ASSERT_TRUE(listed) << listed.error().message;
  ASSERT_EQ(listed->body["experiments"].size(), 1u);
  EXPECT_EQ(listed->body["experiments"][0]["name"], "Default");
  // Its own team sees it, and the runs in it.
  EXPECT_TRUE(get("experiments/get", {{"experiment_id", detector}}, Principal{5, Role::member, "vision"}));
  ASSERT_TRUE(post("runs/create", {{"experiment_id", detector}}, vision_agent));
  auto theirs = post("runs/search", {{"experiment_ids", {detector}}}, nlp_member);
  ASSERT_TRUE(theirs) << theirs.error().message;
  EXPECT_TRUE(theirs->body["runs"].empty());
}

TEST_F(MlflowExperiments, ANameAnotherTeamHasMakesTheCallersOwn) {
  auto vision = create("detector", vision_agent);
  auto nlp = create("detector", nlp_agent);
  EXPECT_NE(vision, nlp);
  auto found = get("experiments/get-by-name", {{"experiment_name", "detector"}}, nlp_member);
  ASSERT_TRUE(found) << found.error().message;
  EXPECT_EQ(found->body["experiment"]["experiment_id"], nlp);
  auto run = post("runs/create", {{"experiment_id", nlp}}, nlp_agent);
  ASSERT_TRUE(run) << run.error().message;
  EXPECT_EQ(run->body["run"]["info"]["experiment_id"], nlp);
  EXPECT_EQ(error_of(post("experiments/create", {{"name", "detector"}}, nlp_agent)),
            "conflict: experiment 'detector' already exists")
      << "its own name twice is still a conflict";
}

TEST_F(MlflowExperiments, AnAdminsExperimentIsSharedUnlessTagFrugalTeamNamesOne) {
  auto bench = create("bench", admin);
  auto seen = get("experiments/get", {{"experiment_id", bench}}, nlp_member);
  ASSERT_TRUE(seen) << seen.error().message;
  EXPECT_TRUE(seen->body["experiment"]["tags"].empty());
  auto run = post("runs/create", {{"experiment_id", bench}}, nlp_agent);
  ASSERT_TRUE(run) << "an agent may run in a shared experiment: " << run.error().message;
  EXPECT_EQ(scalar("SELECT count(*) FROM runs WHERE team = 'nlp' AND experiment = 'bench'"), 1);
  EXPECT_EQ(error_of(post("experiments/create", {{"name", "bench"}}, vision_agent)),
            "conflict: experiment 'bench' already exists");

  json nlp_tag = json::array({{{"key", "frugal.team"}, {"value", "nlp"}}});
  auto nlp_only = create("nlp-only", admin, nlp_tag);
  EXPECT_EQ(error_of(get("experiments/get", {{"experiment_id", nlp_only}}, Principal{5, Role::member, "vision"})),
            fmt::format("not_found: experiment {} does not exist", nlp_only));
  auto for_nlp = post("runs/create", {{"experiment_id", nlp_only}}, admin);
  ASSERT_TRUE(for_nlp) << for_nlp.error().message;
  EXPECT_EQ(scalar("SELECT count(*) FROM runs WHERE team = 'nlp' AND experiment = 'nlp-only'"), 1)
      << "a team's experiment holds that team's runs, whoever starts them";
  auto stolen = post("experiments/create", {{"name", "stolen"}, {"tags", nlp_tag}}, vision_agent);
  ASSERT_FALSE(stolen);
  EXPECT_EQ(stolen.error().code, ErrorCode::forbidden);
}

}  // namespace
}  // namespace frugal::server
