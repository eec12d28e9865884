// The "early_stop" and "repeated_stage" rules (both from early_stop()), on both backends.
#include <optional>

#include "unit/advise/advise_fixture.h"

namespace frugal::advise {
namespace {

class EarlyStopRule : public testing::AdviseTest {
 protected:
  void add_run(std::int64_t id, const std::string& project, std::int64_t cost_nanos,
               const std::string& status = "finished", const std::string& started_at = "2026-11-01T00:00:00.000Z",
               const std::string& command = "", const std::string& team = "vision") {
    exec("INSERT INTO runs (id, username, team, project, experiment, command, status, started_at, cost_nanos) "
         "VALUES (?, 'ana', ?, ?, 'sweep1', ?, ?, ?, ?)",
         {id, team, project, command.empty() ? "python train.py --run " + std::to_string(id) : command, status,
          started_at, cost_nanos});
  }
  // One value per step: steps first_step, first_step + every, ...; nullopt = NaN (stored NULL).
  void add_curve(std::int64_t run_id, const std::string& key, std::int64_t first_step, std::int64_t every,
                 const std::vector<std::optional<double>>& values) {
    std::int64_t step = first_step;
    for (const auto& v : values) {
      exec("INSERT INTO metrics (run_id, key, step, time, value) VALUES (?, ?, ?, ?, ?)",
           {run_id, key, step, std::string("2026-11-01T01:00:00.000Z"),
            v ? store::Value(*v) : store::Value(std::monostate{})});
      step += every;
    }
  }
  void add_param(std::int64_t run_id, const std::string& key, const std::string& value) {
    exec("INSERT INTO params (run_id, key, value) VALUES (?, ?, ?)", {run_id, key, value});
  }
  static std::vector<Recommendation> of_rule(const std::vector<Recommendation>& all, const std::string& rule) {
    std::vector<Recommendation> out;
    for (const auto& r : all)
      if (r.rule == rule) out.push_back(r);
    return out;
  }
  // The query a user would paste must run on this backend and show rows.
  void expect_query_shows_rows(const Recommendation& r) {
    auto q = m_store->query(r.query);
    ASSERT_TRUE(q) << r.query << ": " << q.error().message;
    EXPECT_FALSE(q->rows.empty()) << r.query;
  }
};

TEST_F(EarlyStopRule, PlateauedRunsSaveTheStepsAfterTheirBestPlusPatience) {
  // Best val_loss at step 300 of 1000, NaN at the end: 600 steps past patience → $60 of $100.
  add_run(1, "detector", 100'000'000'000);
  add_curve(1, "val_loss", 100, 100, {1.0, 0.8, 0.5, 0.6, 0.55, 0.5, 0.52, 0.58, 0.6, std::nullopt});
  // val_acc (maximised) first best at step 4 of 10 (tied at 5 and 8): 5 of 10 steps → half of $33.333333333.
  add_run(2, "detector", 33'333'333'333);
  add_curve(2, "val_acc", 1, 1, {0.5, 0.6, 0.7, 0.8, 0.8, 0.79, 0.78, 0.8, 0.75, 0.7});
  // Still improving: counted as having a validation metric, not as plateaued.
  add_run(3, "detector", 50'000'000'000);
  add_curve(3, "val_loss", 1, 1, {1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1});
  // Plateaued on val_loss but val_accuracy still rising: the run was not done.
  add_run(4, "detector", 70'000'000'000);
  add_curve(4, "val_loss", 1, 1, {0.5, 0.4, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6});
  add_curve(4, "val_accuracy", 1, 1, {0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95});
  // Not counted: a failed run, a run before the window, a training metric.
  add_run(5, "detector", 90'000'000'000, "failed");
  add_curve(5, "val_loss", 1, 1, {0.5, 0.9, 0.9, 0.9, 0.9, 0.9});
  add_run(6, "detector", 90'000'000'000, "finished", "2026-10-01T00:00:00.000Z");
  add_curve(6, "val_loss", 1, 1, {0.5, 0.9, 0.9, 0.9, 0.9, 0.9});
  add_run(7, "detector", 90'000'000'000);
  add_curve(7, "train_loss", 1, 1, {0.5, 0.9, 0.9, 0.9, 0.9, 0.9});

  auto found = of_rule(run(early_stop), "early_stop");
  ASSERT_EQ(found.size(), 1u);
  const auto& r = found[0];
  EXPECT_EQ(r.team, "vision");
  EXPECT_EQ(r.id, recommendation_id("early_stop", "vision|early stopping in project detector"));
  EXPECT_EQ(r.monthly_saving.to_string(), "76.6666666665");  // 60 + 16.6666666665, window of 30 days
  EXPECT_EQ(evidence(r, "runs that plateaued"), "2 of 4 with a validation metric");
  EXPECT_EQ(evidence(r, "median plateau"), "65% of the steps came after the best value");
  EXPECT_EQ(evidence(r, "cost of those runs"), "$133.33");
  EXPECT_EQ(evidence(r, "worst run"), "run 1: best val_loss at step 300 of 1000; $60.00 after it");
  EXPECT_DOUBLE_EQ(r.confidence, 0.6);
  EXPECT_NE(r.action.find("--stop-when"), std::string::npos) << r.action;
  EXPECT_NE(r.action.find("patience=1'"), std::string::npos) << r.action;  // a tenth of 10 evaluations
  EXPECT_NE(r.action.find("--prune percentile=10 --experiment sweep1"), std::string::npos) << r.action;
  expect_query_shows_rows(r);
}

TEST_F(EarlyStopRule, RunsThatKeptImprovingOrPlateauedBrieflyAreNotFlagged) {
  add_run(1, "detector", 100'000'000'000);
  add_curve(1, "val_loss", 1, 1, {1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1});
  // Best at step 700 of 1000: 30% after it, not more than a third.
  add_run(2, "detector", 100'000'000'000);
  add_curve(2, "val_loss", 100, 100, {1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.45, 0.5, 0.5});
  EXPECT_TRUE(of_rule(run(early_stop), "early_stop").empty());
}

TEST_F(EarlyStopRule, OtherTeamsAreLeftOutWhenOneTeamIsAsked) {
  add_run(1, "detector", 100'000'000'000);
  add_curve(1, "val_loss", 1, 1, {0.1, 0.9, 0.9, 0.9, 0.9, 0.9});
  m_options.team = "nlp";
  EXPECT_TRUE(run(early_stop).empty());
  m_options.team = "vision";
  EXPECT_EQ(of_rule(run(early_stop), "early_stop").size(), 1u);
}

TEST_F(EarlyStopRule, StagesRerunWithTheSameParamsCostAllButTheirLatestRun) {
  const std::string prep = "python prep.py --shard 3";
  add_run(1, "detector", 10'000'000'000, "finished", "2026-11-01T00:00:00.000Z", prep, "data");
  add_param(1, "b", "2");
  add_param(1, "a", "1");
  add_run(2, "detector", 12'500'000'001, "finished", "2026-11-03T00:00:00.000Z", prep, "data");
  add_param(2, "a", "1");
  add_param(2, "b", "2");
  add_run(3, "detector", 14'000'000'000, "finished", "2026-11-05T00:00:00.000Z", prep, "data");  // the latest
  add_param(3, "a", "1");
  add_param(3, "b", "2");
  // Other params, a failed attempt, and stages already cached: not repeats of it.
  add_run(4, "detector", 20'000'000'000, "finished", "2026-11-06T00:00:00.000Z", prep, "data");
  add_param(4, "a", "1");
  add_param(4, "b", "3");
  add_run(5, "detector", 20'000'000'000, "failed", "2026-11-06T00:00:00.000Z", prep, "data");
  add_param(5, "a", "1");
  add_param(5, "b", "2");
  const std::string cached = "frugal cache run --in raw --out clean -- " + prep;
  add_run(6, "detector", 30'000'000'000, "finished", "2026-11-07T00:00:00.000Z", cached, "data");
  add_run(7, "detector", 30'000'000'000, "finished", "2026-11-08T00:00:00.000Z", cached, "data");
  // The same command in another team, without params: its own stage.
  add_run(8, "ranker", 7'000'000'000, "finished", "2026-11-09T00:00:00.000Z", prep, "search");
  add_run(9, "ranker", 5'000'000'000, "finished", "2026-11-02T00:00:00.000Z", prep, "search");

  auto found = of_rule(run(early_stop), "repeated_stage");
  ASSERT_EQ(found.size(), 2u);
  const auto& data = found[0];
  EXPECT_EQ(data.team, "data");
  EXPECT_EQ(data.monthly_saving.to_string(), "22.500000001");
  EXPECT_EQ(evidence(data, "runs"), "3 with identical params");
  EXPECT_EQ(evidence(data, "params"), "a=1, b=2");
  EXPECT_EQ(evidence(data, "cost in window"), "$36.50");
  EXPECT_EQ(evidence(data, "run ids"), "1, 2, 3");
  EXPECT_DOUBLE_EQ(data.confidence, 0.5);
  EXPECT_NE(data.action.find("frugal cache run --in INPUTS --out OUTPUTS --param a=1 --param b=2 -- " + prep),
            std::string::npos)
      << data.action;
  expect_query_shows_rows(data);

  const auto& search = found[1];
  EXPECT_EQ(search.team, "search");
  EXPECT_EQ(search.monthly_saving.to_string(), "5.00");  // run 8 is the latest, whatever its id
  EXPECT_NE(search.id, data.id);
}

TEST_F(EarlyStopRule, StagesRerunWithOtherParamsAreNotRepeats) {
  const std::string train = "python train.py";
  add_run(1, "detector", 10'000'000'000, "finished", "2026-11-01T00:00:00.000Z", train);
  add_param(1, "seed", "1");
  add_run(2, "detector", 10'000'000'000, "finished", "2026-11-02T00:00:00.000Z", train);
  add_param(2, "seed", "2");
  add_run(3, "detector", 10'000'000'000, "finished", "2026-11-03T00:00:00.000Z", train);
  add_param(3, "seed", "2");
  add_param(3, "lr", "0.1");
  EXPECT_TRUE(of_rule(run(early_stop), "repeated_stage").empty());
}

}  // namespace
}  // namespace frugal::advise
