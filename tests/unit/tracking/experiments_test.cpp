// Experiments of a team or shared (tracking.h): who sees which, names per team, and which
// experiment a run is in, on both backends.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "test_database.h"
#include "tracking/tracking.h"

namespace frugal::tracking {
namespace {

TimePoint at(const char* text) { return *parse_utc(text); }

struct Experiments : ::testing::Test {
  testing::TestDir dir;
  std::unique_ptr<store::Store> db = std::move(*store::open_store(::frugal::testing::database(dir)));
  const Reader vision = Reader::of_team("vision"), nlp = Reader::of_team("nlp");

  std::int64_t make(const std::string& name, std::optional<std::string> team) {
    auto id = create_experiment(*db, name, team, "", at("2026-11-20T10:00:00Z"), Writer::any());
    EXPECT_TRUE(id) << id.error().message;
    return id.value_or(-1);
  }
  std::int64_t run(const std::string& team, const std::string& experiment) {
    RunStart start;
    start.labels.team = team;
    start.labels.experiment = experiment;
    start.command = {"train.py"};
    start.started = at("2026-11-20T10:00:00Z");
    return *start_run(*db, start);
  }
  std::int64_t experiment_of(std::int64_t run_id) {
    std::vector<store::Value> p = {run_id};
    return store::as_int(db->query("SELECT " + run_experiment_id_sql("r") + " FROM runs r WHERE r.id = ?", p)->rows.at(0)[0]);
  }
};

TEST_F(Experiments, TwoTeamsEachHaveTheirOwnOfOneName) {
  auto ours = make("baseline", "vision");
  auto theirs = make("baseline", "nlp");
  EXPECT_NE(ours, theirs);
  EXPECT_EQ(find_experiment(*db, "baseline", vision)->id, ours);
  EXPECT_EQ(find_experiment(*db, "baseline", nlp)->id, theirs);
  auto again = create_experiment(*db, "baseline", std::string("vision"), "", at("2026-11-20T11:00:00Z"), Writer::of_team("vision"));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::conflict);
}

TEST_F(Experiments, AnotherTeamsExperimentIsAbsentToAReader) {
  auto ours = make("secret", "vision");
  auto by_id = find_experiment(*db, ours, nlp);
  auto absent = find_experiment(*db, 9999, nlp);
  ASSERT_FALSE(by_id);
  ASSERT_FALSE(absent);
  EXPECT_EQ(by_id.error().code, absent.error().code);
  EXPECT_EQ(by_id.error().message, fmt::format("experiment {} does not exist", ours));
  auto by_name = find_experiment(*db, "secret", nlp);
  ASSERT_FALSE(by_name);
  EXPECT_EQ(by_name.error().code, ErrorCode::not_found);
  EXPECT_EQ(by_name.error().message, "experiment 'secret' does not exist") << "as an absent name's";
  EXPECT_TRUE(find_experiment(*db, ours, Reader::any())) << "an admin sees every team's";
}

TEST_F(Experiments, SharedOnesAreSeenByAllAndTheirNamesNeverRepeat) {
  auto shared = make("bench", std::nullopt);
  make("mine", "vision");
  EXPECT_EQ(find_experiment(*db, shared, nlp)->id, shared);
  EXPECT_EQ(find_experiment(*db, k_default_experiment, nlp)->name, "Default");
  auto team_copy = create_experiment(*db, "bench", std::string("nlp"), "", at("2026-11-20T11:00:00Z"), Writer::of_team("nlp"));
  ASSERT_FALSE(team_copy);
  EXPECT_EQ(team_copy.error().code, ErrorCode::conflict) << "a team would see two 'bench'";
  auto shared_copy = create_experiment(*db, "mine", std::nullopt, "", at("2026-11-20T11:00:00Z"), Writer::any());
  ASSERT_FALSE(shared_copy);
  EXPECT_EQ(shared_copy.error().code, ErrorCode::conflict) << shared_copy.error().message;
  auto listed = list_experiments(*db, nlp);
  ASSERT_TRUE(listed) << listed.error().message;
  std::vector<std::string> seen;
  for (const auto& e : *listed) seen.push_back(e.name);
  EXPECT_EQ(seen, (std::vector<std::string>{"Default", "bench"}));
  EXPECT_EQ(list_experiments(*db, Reader::any())->size(), 3u);
}

TEST_F(Experiments, OnlyAnAdminMakesASharedOneOrAnotherTeams) {
  auto shared = create_experiment(*db, "x", std::nullopt, "", at("2026-11-20T10:00:00Z"), Writer::of_team("vision"));
  ASSERT_FALSE(shared);
  EXPECT_EQ(shared.error().code, ErrorCode::forbidden);
  auto other = create_experiment(*db, "x", std::string("nlp"), "", at("2026-11-20T10:00:00Z"), Writer::of_team("vision"));
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().code, ErrorCode::forbidden);
  auto empty = create_experiment(*db, "", std::string("vision"), "", at("2026-11-20T10:00:00Z"), Writer::of_team("vision"));
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().code, ErrorCode::invalid);
  EXPECT_EQ(store::as_int(db->query("SELECT count(*) FROM experiments")->rows.at(0)[0]), 1) << "Default only";
}

TEST_F(Experiments, ARunIsInItsTeamsExperimentElseTheSharedOneElseDefault) {
  auto ours = make("baseline", "vision");
  auto theirs = make("baseline", "nlp");
  auto shared = make("bench", std::nullopt);
  EXPECT_EQ(experiment_of(run("vision", "baseline")), ours);
  EXPECT_EQ(experiment_of(run("nlp", "baseline")), theirs);
  EXPECT_EQ(experiment_of(run("nlp", "bench")), shared);
  EXPECT_EQ(experiment_of(run("speech", "baseline")), k_default_experiment) << "speech has no 'baseline'";
  EXPECT_EQ(experiment_of(run("", "baseline")), k_default_experiment);
  EXPECT_EQ(experiment_of(run("vision", "")), k_default_experiment);
}

TEST_F(Experiments, ANameOnlyRunsCarryBecomesTheirTeamsExperimentWhenAsked) {
  run("vision", "cli-exp");
  EXPECT_FALSE(*adopt_experiment(*db, "cli-exp", nlp, at("2026-11-21T00:00:00Z"))) << "nlp has no such runs";
  ASSERT_TRUE(*adopt_experiment(*db, "cli-exp", vision, at("2026-11-21T00:00:00Z")));
  auto made = find_experiment(*db, "cli-exp", vision);
  ASSERT_TRUE(made) << made.error().message;
  EXPECT_EQ(made->team, std::optional<std::string>("vision"));
  EXPECT_FALSE(*adopt_experiment(*db, "cli-exp", vision, at("2026-11-21T00:00:00Z"))) << "made once";
  // For an admin: the team all the runs share, else shared.
  run("vision", "mixed");
  run("nlp", "mixed");
  ASSERT_TRUE(*adopt_experiment(*db, "mixed", Reader::any(), at("2026-11-21T00:00:00Z")));
  EXPECT_EQ(find_experiment(*db, "mixed", nlp)->team, std::nullopt);
}

}  // namespace
}  // namespace frugal::tracking
