// The rightsize, idle/underused GPU, spot and failed-run rules: each fires on what it is for, with
// exact money, and stays quiet otherwise. Prices come from catalog rows of a test provider, so the
// built-in catalog never interferes.
#include <optional>
#include <set>

#include <gtest/gtest.h>

#include "unit/advise/advise_fixture.h"

namespace frugal::advise {
namespace {

class Rules : public testing::AdviseTest {
 protected:
  // A catalog instance of the test cloud: `gpus` GPUs of `gib` GiB each, $`usd`/h ($`spot`/h spot).
  void offer(const std::string& type, int gpus, double gib, const std::string& usd, const std::string& spot = "") {
    std::vector<store::Value> p = {type, std::int64_t{gpus}, gib * gpus, Money::parse(usd)->nanos(),
                                   spot.empty() ? store::Value{} : store::Value{Money::parse(spot)->nanos()}};
    exec("INSERT INTO catalog (provider, region, kind, instance_type, vcpus, memory_gib, gpu_model, gpu_count, "
         "gpu_memory_gib, price_nanos, spot_price_nanos, source) VALUES ('testcloud', 'test-1', 'instance', ?, 8, 64, "
         "'A100', ?, ?, ?, ?, 'test')",
         p);
  }
  // A finished run of `hours` on `type` at $`usd_per_hour` for the whole instance.
  std::int64_t add_run(const std::string& project, const std::string& type, int gpus, int instance_gpus, double hours,
                   const std::string& usd_per_hour, const std::string& extra_columns = "", const std::string& extra_values = "") {
    Money hourly = *Money::parse(usd_per_hour);
    auto ms = static_cast<std::int64_t>(hours * 3'600'000);
    Money cost = hourly.scaled(ms * gpus, 3'600'000LL * instance_gpus);
    std::vector<store::Value> p = {project, type, std::int64_t{gpus}, std::int64_t{instance_gpus}, hourly.nanos(), ms,
                                   cost.nanos()};
    exec("INSERT INTO runs (username, team, project, command, provider, region, instance_type, gpu_count, "
         "instance_gpu_count, hourly_price_nanos, started_at, ended_at, duration_ms, status, cost_nanos" + extra_columns +
             ") VALUES ('ada', 'vision', ?, 'python train.py', 'testcloud', 'test-1', ?, ?, ?, ?, "
             "'2026-11-10T00:00:00.000Z', '2026-11-10T10:00:00.000Z', ?, 'finished', ?" + extra_values + ")",
         p);
    return store::as_int(m_store->query("SELECT max(id) FROM runs")->rows.at(0).at(0));
  }
  // A failed run of `python train.py` (exit 1) that logged a metric at steps 1 and `last_step`.
  void log_failure(std::int64_t last_step) {
    std::int64_t id = add_run("detector", "gpu.1", 1, 1, 1, "3.00", ", exit_code", ", 1");
    exec("UPDATE runs SET status = 'failed' WHERE id = ?", {id});
    for (std::int64_t step : {std::int64_t{1}, last_step})
      exec("INSERT INTO metrics (run_id, key, step, time, value) VALUES (?, 'loss', ?, '2026-11-10T00:30:00.000Z', 1)",
           {id, step});
  }
  // The failed_runs rule's repeated-failure recommendation, if it made one.
  std::optional<Recommendation> repeated_failure() {
    for (auto& r : run(failed_runs))
      if (r.target.starts_with("`")) return r;
    return std::nullopt;
  }
  std::vector<Recommendation> of_rule(std::vector<Recommendation> all, const std::string& rule) {
    std::erase_if(all, [&](const Recommendation& r) { return r.rule != rule; });
    return all;
  }
};

TEST_F(Rules, RightsizeMovesARunThatUsesLittleMemoryToTheCheaperInstanceThatHoldsIt) {
  offer("big.1x80", 1, 80, "4.00");
  offer("small.1x24", 1, 24, "1.00");
  offer("tiny.1x16", 1, 16, "0.50");  // 16 GiB < 15 GiB × 1.2 headroom: does not hold it
  for (int i = 0; i < 5; ++i)
    add_run("detector", "big.1x80", 1, 1, 10, "4.00", ", gpu_mem_peak_bytes, gpu_util_peak", ", 16106127360, 95");  // 15 GiB
  auto recs = run(rightsize);
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].target, "project detector on big.1x80 (test-1)");
  EXPECT_NE(recs[0].action.find("small.1x24"), std::string::npos) << recs[0].action;
  // 50 hours at $4 → $1: $150 over a 30-day window.
  EXPECT_EQ(recs[0].monthly_saving.to_string(), "150.00");
  EXPECT_EQ(evidence(recs[0], "needed with headroom"), "18.0 GiB per GPU");
  EXPECT_DOUBLE_EQ(recs[0].confidence, 0.8);
}

TEST_F(Rules, RightsizeStaysQuietWhenTheMemoryNeedsTheInstanceItRuns) {
  offer("big.1x80", 1, 80, "4.00");
  offer("small.1x24", 1, 24, "1.00");
  add_run("detector", "big.1x80", 1, 1, 10, "4.00", ", gpu_mem_peak_bytes, gpu_util_peak", ", 64424509440, 95");  // 60 GiB
  EXPECT_TRUE(run(rightsize).empty());
}

TEST_F(Rules, RightsizeSizesForTheP95NotOneBusyMoment) {
  offer("eight.8x40", 8, 40, "16.00");
  offer("two.2x40", 2, 40, "4.00");
  // Peaked at 95% once, but 95% of the time at most 20%: 2 GPUs at 80% do the same work.
  add_run("nlp", "eight.8x40", 8, 8, 10, "16.00", ", gpu_mem_peak_bytes, gpu_util_peak, gpu_util_p95",
          ", 10737418240, 95, 20");
  auto recs = run(rightsize);
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].monthly_saving.to_string(), "120.00");
  EXPECT_EQ(evidence(recs[0], "p95 GPU utilisation"), "20% of 8 GPU(s), the busiest run's");
  // A run without a p95 is sized by its peak: nothing to consolidate.
  add_run("nlp", "eight.8x40", 8, 8, 10, "16.00", ", gpu_mem_peak_bytes, gpu_util_peak", ", 10737418240, 95");
  EXPECT_TRUE(run(rightsize).empty());
}

TEST_F(Rules, RightsizeConsolidatesGpusThatStayedMostlyIdleOntoFewer) {
  offer("eight.8x40", 8, 40, "16.00");
  offer("two.2x40", 2, 40, "4.00");
  // 8 GPUs never above 20% busy: 2 GPUs at 80% do the same work.
  add_run("nlp", "eight.8x40", 8, 8, 10, "16.00", ", gpu_mem_peak_bytes, gpu_util_peak", ", 10737418240, 20");
  auto recs = run(rightsize);
  ASSERT_EQ(recs.size(), 1u);
  // $160 paid; 2 of two.2x40's GPUs for 10 h = $40.
  EXPECT_EQ(recs[0].monthly_saving.to_string(), "120.00");
  EXPECT_NE(recs[0].action.find("with 2 GPU(s)"), std::string::npos) << recs[0].action;
  EXPECT_DOUBLE_EQ(recs[0].confidence, 0.3);  // one run, and a change of GPU count
}

TEST_F(Rules, IdleGpusArePricedFromWhatTheRunnerMeasured) {
  add_run("detector", "big.1x80", 1, 1, 10, "4.00", ", idle_gpu_seconds, idle_cost_nanos, gpu_util_mean",
      ", 7200, 8000000000, 70");
  auto recs = of_rule(run(idle_gpus), "idle_gpu");
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].monthly_saving.to_string(), "8.00");
  EXPECT_EQ(evidence(recs[0], "idle GPU-hours"), "2.0");
}

TEST_F(Rules, IdleGpusOfARunWithOnlySamplesAreSummedFromThem) {
  auto id = add_run("detector", "big.1x80", 1, 1, 10, "4.00");
  // A quarter of the GPU samples under 5% busy: a quarter of $40.
  for (int i = 0; i < 8; ++i) {
    std::vector<store::Value> p = {id, "2026-11-10T0" + std::to_string(i) + ":00:00.000Z", i < 2 ? 1.0 : 90.0};
    exec("INSERT INTO samples (run_id, time, gpu_index, gpu_util_pct) VALUES (?, ?, 0, ?)", p);
  }
  auto recs = of_rule(run(idle_gpus), "idle_gpu");
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].monthly_saving.to_string(), "10.00");
  EXPECT_EQ(evidence(recs[0], "idle GPU-hours"), "2.5");
}

TEST_F(Rules, UnderusedGpusOfAnInputBoundJobPointAtTheInputPipeline) {
  add_run("detector", "big.1x80", 1, 1, 10, "4.00", ", gpu_util_mean, cpu_bound", ", 15, 1");
  add_run("other", "big.1x80", 1, 1, 10, "4.00", ", gpu_util_mean, cpu_bound", ", 85, 0");  // busy: not underused
  auto recs = of_rule(run(idle_gpus), "underused_gpu");
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].target, "project detector");
  // Fed to 60%, 15% busy work needs a quarter of the GPU-time: $40 × 3/4.
  EXPECT_EQ(recs[0].monthly_saving.to_string(), "30.00");
  EXPECT_NE(recs[0].action.find("num_workers"), std::string::npos);
}

TEST_F(Rules, SpotPricesCheckpointingOnDemandRunsWithTheAdvisorsRisk) {
  offer("gpu.1", 1, 40, "3.00", "0.90");
  auto id = add_run("detector", "gpu.1", 1, 1, 10, "3.00");
  std::vector<store::Value> k = {id};
  exec("INSERT INTO checkpoints (run_id, path, bytes, time) VALUES (?, 'ckpt/ckpt-1', 10, '2026-11-10T05:00:00.000Z')", k);
  exec("INSERT INTO spot_advisor (region, os, instance_type, savings_pct, interruption_label, interruption_max_pct, "
       "imported_at) VALUES ('test-1', 'Linux', 'gpu.1', 70, '5-10%', 11, 'x')");
  auto recs = run(spot);
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].monthly_saving.to_string(), "21.00");  // $30 on-demand, $9 on spot
  EXPECT_DOUBLE_EQ(recs[0].confidence, 0.75);
  EXPECT_NE(evidence(recs[0], "interruption risk").find("5-10%"), std::string::npos);
}

TEST_F(Rules, SpotLeavesLongRunsThatCannotResumeAndRunsAlreadyOnSpot) {
  offer("gpu.1", 1, 40, "3.00", "0.90");
  add_run("long", "gpu.1", 1, 1, 10, "3.00");  // 10 h, no checkpoint
  add_run("spotty", "gpu.1", 1, 1, 0.5, "0.90", ", pricing", ", 'spot'");
  EXPECT_TRUE(run(spot).empty());
}

TEST_F(Rules, RepeatedIdenticalFailuresAreToBeFixedBeforeRerunning) {
  for (int i = 0; i < 3; ++i) add_run("detector", "gpu.1", 1, 1, 1, "3.00", ", exit_code", ", 1");
  exec("UPDATE runs SET status = 'failed'");
  auto recs = run(failed_runs);
  auto repeated = std::find_if(recs.begin(), recs.end(), [](const Recommendation& r) { return r.target.starts_with("`"); });
  ASSERT_NE(repeated, recs.end());
  EXPECT_EQ(repeated->target, "`python train.py` (exit 1)");
  EXPECT_EQ(repeated->monthly_saving.to_string(), "6.00");  // two repeats of a $3 failure
  EXPECT_EQ(evidence(*repeated, "failures"), "3");
}

TEST_F(Rules, FailuresThatStopAtTheSameStepAreCalledReproducible) {
  for (std::int64_t step : {1200, 1200, 1200}) log_failure(step);
  auto repeated = repeated_failure();
  ASSERT_TRUE(repeated);
  EXPECT_EQ(evidence(*repeated, "where they stopped"), "at step 1200 every time");
  EXPECT_NE(repeated->finding.find("reruns reproduce"), std::string::npos) << repeated->finding;
  EXPECT_DOUBLE_EQ(repeated->confidence, 0.9);
}

TEST_F(Rules, FailuresAtDifferentStepsAreRepeatedButNotCalledReproducible) {
  for (std::int64_t step : {100, 300, 900}) log_failure(step);
  auto repeated = repeated_failure();
  ASSERT_TRUE(repeated);
  EXPECT_EQ(evidence(*repeated, "where they stopped"), "at steps 100 to 900");
  EXPECT_EQ(repeated->finding.find("reruns reproduce"), std::string::npos) << repeated->finding;
  EXPECT_DOUBLE_EQ(repeated->confidence, 0.7);
}

TEST_F(Rules, PreemptedRunsThatNothingRetriedCountTheWorkTheyLost) {
  add_run("detector", "gpu.1", 1, 1, 10, "3.00", ", work_lost_ms", ", 7200000");
  exec("UPDATE runs SET status = 'preempted'");
  auto recs = run(failed_runs);
  auto preempted = std::find_if(recs.begin(), recs.end(),
                                [](const Recommendation& r) { return r.target.starts_with("preempted"); });
  ASSERT_NE(preempted, recs.end());
  EXPECT_EQ(preempted->monthly_saving.to_string(), "6.00");  // 2 of 10 hours of a $30 run
  // A retried one is not advice.
  exec("INSERT INTO runs (username, command, started_at, status, parent_run_id) SELECT 'ada', 'x', "
       "'2026-11-10T11:00:00.000Z', 'finished', id FROM runs");
  recs = run(failed_runs);
  EXPECT_TRUE(std::none_of(recs.begin(), recs.end(), [](const Recommendation& r) { return r.target.starts_with("preempted"); }));
}

TEST_F(Rules, HealthyRunsGiveNoFailureAdvice) {
  for (int i = 0; i < 20; ++i) add_run("detector", "gpu.1", 1, 1, 1, "3.00");
  EXPECT_TRUE(run(failed_runs).empty());
}

TEST_F(Rules, EveryQueryShownRunsAndFindsTheRunsEvenWhenNamesHoldQuotes) {
  offer("big.1x80", 1, 80, "4.00", "1.20");
  offer("small.1x24", 1, 24, "1.00");
  for (int i = 0; i < 3; ++i)  // rightsize, spot (short), idle and underused GPUs
    add_run("o'brien", "big.1x80", 1, 1, 0.5, "4.00",
            ", gpu_mem_peak_bytes, gpu_util_peak, gpu_util_mean, idle_gpu_seconds, idle_cost_nanos",
            ", 16106127360, 95, 10, 900, 500000000");
  for (int i = 0; i < 3; ++i) add_run("o'brien", "big.1x80", 1, 1, 1, "4.00", ", exit_code", ", 1");
  exec("UPDATE runs SET status = 'failed' WHERE exit_code IS NOT NULL");
  std::vector<Recommendation> all;
  for (Rule rule : {rightsize, idle_gpus, spot, failed_runs}) {
    auto found = run(rule);
    all.insert(all.end(), found.begin(), found.end());
  }
  std::set<std::string> rules;
  for (const auto& r : all) {
    rules.insert(r.rule);
    auto shown = m_store->query(r.query);
    ASSERT_TRUE(shown) << r.rule << ": " << shown.error().message << "\n" << r.query;
    EXPECT_FALSE(shown->rows.empty()) << r.rule << " shows nothing: " << r.query;
  }
  EXPECT_EQ(rules, (std::set<std::string>{"failed_runs", "idle_gpu", "rightsize", "spot", "underused_gpu"}));
}

TEST_F(Rules, ATeamFilterKeepsOtherTeamsOut) {
  add_run("detector", "big.1x80", 1, 1, 10, "4.00", ", idle_gpu_seconds, idle_cost_nanos, gpu_util_mean",
      ", 7200, 8000000000, 70");
  m_options.team = "nlp";
  EXPECT_TRUE(run(idle_gpus).empty());
  m_options.team = "vision";
  EXPECT_EQ(run(idle_gpus).size(), 1u);
}

}  // namespace
}  // namespace frugal::advise
