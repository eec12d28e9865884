#include <cmath>
#include <fmt/format.h>
#include <limits>
#include <random>
#include <gtest/gtest.h>

#include "test_database.h"
#include "tracking/tracking.h"
#include "value/value.h"

namespace frugal::value {
namespace {

// ---- The frontier, on runs made by hand ---------------------------------------------------------

RunValue placed(std::int64_t id, const char* cost, double value) {
  RunValue r;
  r.run_id = id;
  r.cost = *Money::parse(cost);
  r.value = value;
  return r;
}

std::string frontier_of(std::vector<RunValue> runs, Direction d) {
  mark_frontier(runs, d);
  std::string out;
  for (const auto& r : runs)
    out += fmt::format("{}{}{} ", r.run_id, r.on_frontier ? "*" : "<",
                       r.dominated_by ? std::to_string(*r.dominated_by) : std::string());
  return out;
}

TEST(Frontier, ARunIsDominatedWhenACheaperOneIsAtLeastAsGoodAndNamesTheCheapestSuch) {
  // cost: 1, 2, 3, 4, 5; accuracy: 0.5, 0.7, 0.6, 0.9, 0.7
  std::vector<RunValue> runs = {placed(1, "1", 0.5), placed(2, "2", 0.7), placed(3, "3", 0.6), placed(4, "4", 0.9),
                                placed(5, "5", 0.7)};
  // Cheapest first; * on the frontier; <N dominated by N.
  EXPECT_EQ(frontier_of(runs, Direction::max), "1* 2* 3<2 4* 5<2 ");
}

TEST(Frontier, DirectionMinTurnsItAround) {
  std::vector<RunValue> runs = {placed(1, "1", 0.5), placed(2, "2", 0.7), placed(3, "3", 0.4)};
  EXPECT_EQ(frontier_of(runs, Direction::min), "1* 2<1 3* ");
}

TEST(Frontier, TiesEqualRunsAreBothOnTheFrontierAndAnEqualCostWorseRunIsDominated) {
  std::vector<RunValue> runs = {placed(1, "2", 0.8), placed(2, "2", 0.8), placed(3, "2", 0.6), placed(4, "3", 0.8)};
  // 1 and 2: the same cost and value, neither beats the other; 3 costs the same and is worse; 4
  // costs more for no better value.
  EXPECT_EQ(frontier_of(runs, Direction::max), "1* 2* 3<1 4<1 ");
}

TEST(Frontier, ManyRunsInAnyOrderComeOutCheapestFirstWithTheFrontierTheDefinitionGives) {
  // 500 runs, shuffled, with repeated costs and values: each keeps its own fields through the sort,
  // they come out by cost (then better value, then id), and a run is on the frontier exactly when
  // no other costs no more and is at least as good, strictly better on one.
  std::mt19937 rng(24);
  std::vector<RunValue> runs;
  for (std::int64_t id = 1; id <= 500; ++id) {
    RunValue r = placed(id, fmt::format("{}", rng() % 40).c_str(), static_cast<double>(rng() % 30) / 10);
    r.name = fmt::format("run-{}-with-a-name-longer-than-fifteen", id);
    runs.push_back(r);
  }
  std::vector<RunValue> sorted = runs;
  mark_frontier(sorted, Direction::max);
  ASSERT_EQ(sorted.size(), runs.size());
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    const RunValue& r = sorted[i];
    const RunValue& was = runs[static_cast<std::size_t>(r.run_id - 1)];
    EXPECT_EQ(r.name, was.name);
    EXPECT_EQ(*r.cost, *was.cost);
    EXPECT_EQ(*r.value, *was.value);
    if (i > 0) {
      const RunValue& p = sorted[i - 1];
      EXPECT_TRUE(*p.cost < *r.cost || (*p.cost == *r.cost && (*p.value > *r.value || (*p.value == *r.value && p.run_id < r.run_id))))
          << "runs " << p.run_id << " and " << r.run_id << " out of order";
    }
    bool dominated = false;
    for (const RunValue& o : runs)
      if (*o.cost <= *r.cost && *o.value >= *r.value && (*o.cost < *r.cost || *o.value > *r.value)) dominated = true;
    EXPECT_EQ(r.on_frontier, !dominated) << "run " << r.run_id;
  }
}

TEST(ParseMetric, ReadsTheDirectionAfterTheColonAndRefusesAnother) {
  auto m = parse_metric("val_acc:max");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->first, "val_acc");
  EXPECT_EQ(m->second, Direction::max);
  EXPECT_FALSE(parse_metric("val_loss")->second.has_value());
  auto bad = parse_metric("val_loss:lower");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("max or min"), std::string::npos);
}

// ---- Runs recorded in a store --------------------------------------------------------------------

class ExperimentValue : public ::testing::Test {
 protected:
  void SetUp() override { m_store = std::move(*store::open_store(::frugal::testing::database(m_dir))); }

  TimePoint at(int minutes) const { return *parse_utc("2026-12-01T10:00:00Z") + std::chrono::minutes(minutes); }

  // A run of `minutes` at `hourly` (10:00 + start), reporting `curve` one value every ten minutes
  // (its last at its end); its cost is hourly × minutes / 60.
  std::int64_t run(const std::string& name, const char* hourly, int start, int minutes, std::vector<double> curve,
                   const std::string& project = "p", tracking::KeyValues tags = {}) {
    tracking::RunStart s;
    s.name = name;
    s.command = {"train"};
    s.labels.user = "ada";
    s.labels.team = "vision";
    s.labels.project = project;
    s.labels.experiment = "sweep";
    s.hourly_price = *Money::parse(hourly);
    s.started = at(start);
    s.tags = std::move(tags);
    auto id = tracking::start_run(*m_store, s);
    EXPECT_TRUE(id) << id.error().message;
    std::vector<tracking::MetricPoint> points;
    for (std::size_t i = 0; i < curve.size(); ++i)
      points.push_back({"val_acc", static_cast<std::int64_t>(i), at(start + static_cast<int>((i + 1) * 10)), curve[i]});
    EXPECT_TRUE(tracking::log_metrics(*m_store, *id, points));
    tracking::RunEnd end;
    end.ended = at(start + minutes);
    EXPECT_TRUE(tracking::finish_run(*m_store, *id, end));
    return *id;
  }

  Report value(Query q) {
    q.experiment = "sweep";
    q.metric = "val_acc";
    auto r = experiment_value(*m_store, q);
    EXPECT_TRUE(r) << r.error().message;
    return r ? *r : Report{};
  }

  frugal::testing::TestDir m_dir;
  std::unique_ptr<store::Store> m_store;
};

TEST_F(ExperimentValue, EachRunsBestItsCostAndTheCostAtWhichItCameWithinOnePercentOfIt) {
  // $6 an hour for 40 minutes: $4. Its best, 0.80, at 40 min; 0.795 (within 1% of 0.80) at 20 min.
  std::int64_t a = run("a", "6", 0, 40, {0.5, 0.795, 0.79, 0.80});
  Report r = value({.direction = Direction::max});
  ASSERT_EQ(r.runs.size(), 1u);
  const RunValue& v = r.runs[0];
  EXPECT_EQ(v.run_id, a);
  EXPECT_EQ(*v.value, 0.80);
  EXPECT_EQ(v.step, 3);
  EXPECT_EQ(v.cost->to_string(), "4.00");
  EXPECT_EQ(v.cost_to_within->to_string(), "2.00") << "20 of its 40 minutes";
  EXPECT_EQ(r.summary.early_stop_saving.to_string(), "2.00");
  EXPECT_EQ(v.direction_from, "--metric val_acc:max");
  Report last = value({.direction = Direction::max, .at = At::last});
  EXPECT_EQ(*last.runs[0].value, 0.80);
  Report loose = value({.direction = Direction::max, .within = 0.4});
  EXPECT_EQ(loose.runs[0].cost_to_within->to_string(), "1.00") << "0.5 is within 40% of 0.8: at 10 minutes";
}

TEST_F(ExperimentValue, TheSummaryNamesTheBestTheCheapestWithinOnePercentAndWhatDominatedRunsCost) {
  std::int64_t cheap = run("cheap", "6", 0, 10, {0.70});          // $1, 0.70
  std::int64_t good = run("good", "6", 0, 20, {0.80, 0.895});      // $2, 0.895: within 1% of the best
  std::int64_t wasted = run("wasted", "6", 0, 30, {0.6, 0.65, 0.7});  // $3, 0.70: dominated by cheap
  std::int64_t best = run("best", "6", 0, 60, {0.5, 0.6, 0.7, 0.8, 0.85, 0.90});  // $6, 0.90
  Report r = value({.direction = Direction::max});
  EXPECT_EQ(r.summary.runs, 4u);
  EXPECT_EQ(r.summary.best_run, best);
  EXPECT_EQ(r.summary.cheapest_within_run, good);
  EXPECT_EQ(r.summary.total_cost.to_string(), "12.00");
  EXPECT_EQ(r.summary.dominated_cost.to_string(), "3.00");
  ASSERT_EQ(r.runs.size(), 4u);
  EXPECT_EQ(r.runs[2].run_id, wasted);
  EXPECT_EQ(r.runs[2].dominated_by, cheap);
  EXPECT_TRUE(r.runs[3].on_frontier);
}

TEST_F(ExperimentValue, ARunsOwnStoppingRuleGivesTheDirectionAndRulesThatDisagreeAreAnError) {
  run("loss", "6", 0, 20, {0.9, 0.4}, "p", {{"frugal.stop_when", "val_acc min patience=3"}});
  Report r = value({});
  ASSERT_EQ(r.runs.size(), 1u);
  EXPECT_EQ(*r.runs[0].value, 0.4) << "min: lower is better";
  EXPECT_EQ(r.runs[0].direction_from, "stopping rule 'val_acc min patience=3'");
  std::int64_t plain = run("plain", "6", 0, 20, {0.3, 0.5});  // no rule: the experiment's
  Report both = value({});
  ASSERT_EQ(both.runs.size(), 2u);
  for (const auto& v : both.runs)
    if (v.run_id == plain) {
      EXPECT_EQ(*v.value, 0.3);
      EXPECT_NE(v.direction_from.find("stopping rule"), std::string::npos) << v.direction_from;
    }
  run("other", "6", 0, 20, {0.5}, "p", {{"frugal.stop_when", "val_acc < 0.2 after step=5"}});
  auto clash = experiment_value(*m_store, {.experiment = "sweep", .metric = "val_acc"});
  ASSERT_FALSE(clash);
  EXPECT_NE(clash.error().message.find("opposite directions"), std::string::npos) << clash.error().message;
}

TEST_F(ExperimentValue, WithoutADirectionTheErrorSaysHowToGiveOne) {
  run("a", "6", 0, 20, {0.5});
  auto r = experiment_value(*m_store, {.experiment = "sweep", .metric = "val_acc"});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("--metric val_acc:max or val_acc:min"), std::string::npos) << r.error().message;
}

TEST_F(ExperimentValue, RunsWithoutTheMetricOrAPriceAreListedApartNeverDropped) {
  run("a", "6", 0, 20, {0.5});
  std::int64_t silent = run("silent", "6", 0, 20, {});
  tracking::RunStart unpriced;
  unpriced.name = "unpriced";
  unpriced.command = {"train"};
  unpriced.labels.user = "ada";
  unpriced.labels.experiment = "sweep";
  unpriced.started = at(0);
  auto id = tracking::start_run(*m_store, unpriced);
  ASSERT_TRUE(id);
  std::vector<tracking::MetricPoint> p = {{"val_acc", 0, at(5), 0.9}};
  ASSERT_TRUE(tracking::log_metrics(*m_store, *id, p));
  Report r = value({.direction = Direction::max});
  EXPECT_EQ(r.summary.runs, 3u);
  EXPECT_EQ(r.runs.size(), 1u);
  ASSERT_EQ(r.apart.size(), 2u);
  EXPECT_EQ(r.apart[0].run_id, silent);
  EXPECT_FALSE(r.apart[0].value);
  EXPECT_EQ(r.apart[1].run_id, *id);
  EXPECT_FALSE(r.apart[1].cost);
  EXPECT_EQ(*r.apart[1].value, 0.9);
}

TEST_F(ExperimentValue, ARunWithoutTimesThatSayAnythingIsCutAtItsStepWithinTheMargin) {
  // Every point at the run's start: the times cannot say how far it had come, so its steps do.
  // Best 0.80 at step 4; 0.795, within 1%, first at step 1: a quarter of its steps.
  std::int64_t id = run("a", "6", 0, 40, {});
  std::vector<tracking::MetricPoint> points;
  std::vector<double> curve = {0.5, 0.795, 0.6, 0.7, 0.80};
  for (std::size_t i = 0; i < curve.size(); ++i) points.push_back({"val_acc", static_cast<std::int64_t>(i), at(0), curve[i]});
  ASSERT_TRUE(tracking::log_metrics(*m_store, id, points));
  ASSERT_TRUE(m_store->execute("UPDATE runs SET ended_at = started_at WHERE id = ?", {{store::Value(id)}}));
  Report r = value({.direction = Direction::max});
  ASSERT_EQ(r.runs.size(), 1u);
  EXPECT_EQ(r.runs[0].step, 4);
  EXPECT_EQ(r.runs[0].cost_to_within->to_string(), "1.00") << "step 1 of 4 of its $4";
}

TEST_F(ExperimentValue, AnInfiniteBestIsPlacedWithoutACostToTheMarginAndTheOthersStillAnswer) {
  // A margin of 1% around +inf is not a number: that run has no point "within" it, which must not
  // sink the whole answer.
  std::int64_t wild = run("wild", "6", 0, 20, {0.5, std::numeric_limits<double>::infinity()});
  std::int64_t tame = run("tame", "6", 0, 40, {0.5, 0.795, 0.79, 0.80});
  Report r = value({.direction = Direction::max});
  ASSERT_EQ(r.runs.size(), 2u);
  for (const RunValue& v : r.runs) {
    if (v.run_id == wild) {
      EXPECT_TRUE(std::isinf(*v.value));
      EXPECT_FALSE(v.cost_to_within.has_value());
    } else {
      EXPECT_EQ(v.run_id, tame);
      EXPECT_EQ(v.cost_to_within->to_string(), "2.00");
    }
  }
  EXPECT_EQ(r.summary.best_run, wild);
  EXPECT_EQ(r.summary.cheapest_within_run, wild) << "only the infinite run equals the best";
  EXPECT_EQ(r.summary.early_stop_saving.to_string(), "2.00");
}

TEST_F(ExperimentValue, ProjectsRankByTheImprovementTheyBoughtPerThousandDollars) {
  run("a1", "600", 0, 60, {0.50}, "fast");    // $600
  run("a2", "600", 60, 60, {0.80}, "fast");   // $600: +0.30 for $1,200
  run("b1", "3000", 0, 60, {0.50}, "slow");   // $3,000
  run("b2", "3000", 60, 60, {0.60}, "slow");  // +0.10 for $6,000
  auto groups = value_by(*m_store, {.experiment = "sweep", .metric = "val_acc", .direction = Direction::max}, "project");
  ASSERT_TRUE(groups) << groups.error().message;
  ASSERT_EQ(groups->size(), 2u);
  EXPECT_EQ((*groups)[0].key, "fast");
  EXPECT_NEAR(*(*groups)[0].improvement, 0.30, 1e-12);
  EXPECT_NEAR(*(*groups)[0].per_1000_usd, 0.25, 1e-12);
  EXPECT_EQ((*groups)[1].key, "slow");
  EXPECT_NEAR(*(*groups)[1].per_1000_usd, 0.10 / 6, 1e-12);
  EXPECT_FALSE(value_by(*m_store, {.metric = "val_acc"}, "team"));
}

}  // namespace
}  // namespace frugal::value
