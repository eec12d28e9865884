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
    return call("GET", "/api/2.0/mlflow/" + route, "", {}, who, std::move(query));
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

// experiments/search, as MLflow's client sends it (POST; GET takes the same fields as a query).
TEST_F(MlflowExperiments, SearchFindsWhatTheTokenSeesFilteredOrderedAndPaged) {
  create("bert-base", vision_agent);
  create("bert-large", vision_agent);
  create("bert-nlp", nlp_agent);
  create("shared-bench", admin);
  auto names = [](const Result<Reply>& r) {
    std::vector<std::string> out;
    if (r)
      for (const auto& e : r->body["experiments"]) out.push_back(e["name"]);
    return out;
  };
  auto search = [&](json body, const Principal& who) { return post("experiments/search", body, who); };
  const Principal vision_member{5, Role::member, "vision"};
  auto all = search(json::object(), vision_member);
  ASSERT_TRUE(all) << all.error().message;
  EXPECT_EQ(names(all), (std::vector<std::string>{"bert-base", "bert-large", "shared-bench", "Default"}))
      << "newest first, then by id (MLflow's default; made in the same millisecond here), another team's left out";
  EXPECT_EQ(all->body["experiments"][1]["tags"][0]["value"], "vision");
  EXPECT_EQ(names(search({{"filter", "name LIKE 'bert-%'"}, {"order_by", {"name DESC"}}}, vision_agent)),
            (std::vector<std::string>{"bert-large", "bert-base"}));
  EXPECT_EQ(names(search({{"filter", "name ILIKE 'BERT-B%'"}}, vision_agent)), (std::vector<std::string>{"bert-base"}));
  EXPECT_EQ(names(search({{"filter", "name LIKE 'BERT-%'"}}, vision_agent)), (std::vector<std::string>{})) << "LIKE heeds case";
  EXPECT_EQ(names(search({{"filter", "tags.`frugal.team` = 'vision'"}, {"order_by", {"attributes.name"}}}, admin)),
            (std::vector<std::string>{"bert-base", "bert-large"}));
  EXPECT_EQ(names(search({{"filter", "tags.other = 'x'"}}, admin)), (std::vector<std::string>{})) << "no other tag is kept";
  EXPECT_EQ(names(search({{"filter", "creation_time > 0"}, {"order_by", {"experiment_id"}}}, nlp_member)),
            (std::vector<std::string>{"bert-nlp", "shared-bench"}));

  auto first = search({{"order_by", {"name"}}, {"max_results", 3}}, vision_member);
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(names(first), (std::vector<std::string>{"Default", "bert-base", "bert-large"}));
  std::string token = first->body.value("next_page_token", "");
  ASSERT_FALSE(token.empty());
  auto second = search({{"order_by", {"name"}}, {"max_results", 3}, {"page_token", token}}, vision_member);
  EXPECT_EQ(names(second), (std::vector<std::string>{"shared-bench"}));
  EXPECT_FALSE(second->body.contains("next_page_token"));
  auto by_get = get("experiments/search", {{"filter", "name = 'bert-base'"}, {"order_by", "name"}}, vision_member);
  EXPECT_EQ(names(by_get), (std::vector<std::string>{"bert-base"}));
  EXPECT_EQ(names(search({{"view_type", "DELETED_ONLY"}}, admin)), (std::vector<std::string>{}));
  EXPECT_EQ(names(search({{"view_type", "ALL"}, {"filter", "name = 'Default'"}}, admin)), (std::vector<std::string>{"Default"}));
}

TEST_F(MlflowExperiments, SearchRefusesWhatMlflowRefusesSayingWhy) {
  for (auto [body, says] : std::vector<std::pair<json, std::string>>{
           {{{"filter", "metrics.loss < 1"}}, "no metrics or params"},
           {{{"filter", "name > 'a'"}}, "name compares with =, !=, LIKE or ILIKE"},
           {{{"filter", "creation_time LIKE '1%'"}}, "milliseconds since 1970"},
           {{{"filter", "lifecycle_stage = 'active'"}}, "not searchable"},
           {{{"order_by", {"tags.x"}}}, "cannot order by"},
           {{{"order_by", {"name sideways"}}}, "not ASC or DESC"},
           {{{"view_type", "SOME"}}, "view_type"},
           {{{"max_results", 0}}, "max_results"},
           {{{"page_token", "abc"}}, "page_token"}}) {
    auto r = post("experiments/search", body, admin);
    ASSERT_FALSE(r) << body.dump();
    EXPECT_EQ(r.error().code, ErrorCode::invalid);
    EXPECT_NE(r.error().message.find(says), std::string::npos) << body.dump() << ": " << r.error().message;
  }
}

}  // namespace
}  // namespace frugal::server
