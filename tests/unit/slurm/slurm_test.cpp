#include <fmt/format.h>
#include <gtest/gtest.h>

#include "budget/budget.h"
#include "slurm/slurm.h"
#include "query_text.h"
#include "test_database.h"
#include "tracking/tracking.h"

namespace frugal::slurm {
namespace {

// The header sacct writes for sacct_fields(), and a record line in that order.
std::string header() {
  std::string h(sacct_fields());
  for (auto& c : h)
    if (c == ',') c = '|';
  return h + "\n";
}

struct Rec {
  std::string id, raw, name = "train", user = "ada", account = "vision", partition = "gpu", nodes_list = "node1";
  std::string nnodes = "1", cpus = "2", tres = "billing=2,cpu=2,gres/gpu:a100=1,gres/gpu=1,mem=1G,node=1";
  std::string submit = "2026-12-01T09:59:00", start = "2026-12-01T10:00:00", end = "2026-12-01T11:00:00";
  std::string elapsed = "3600", state = "COMPLETED", exit = "0:0", limit = "120", cluster = "lab", usage = "";
};

std::string line(const Rec& r) {
  return r.id + "|" + r.raw + "|" + r.name + "|" + r.user + "|" + r.account + "|" + r.partition + "|" + r.nodes_list + "|" +
         r.nnodes + "|" + r.cpus + "|" + r.tres + "|" + r.submit + "|" + r.start + "|" + r.end + "|" + r.elapsed + "|" +
         r.state + "|" + r.exit + "|" + r.limit + "|" + r.cluster + "|" + r.usage + "\n";
}

// A step line (123.batch): only its id and usage matter here.
std::string step(const std::string& id, const std::string& usage) {
  Rec r{.id = id, .raw = id, .name = "batch", .user = "", .partition = ""};
  r.usage = usage;
  return line(r);
}

TEST(Sacct, ReadsAJobWithItsGpusTimesStateAndExitCode) {
  auto jobs = parse_sacct(header() + line({.id = "101", .raw = "101", .state = "FAILED", .exit = "3:0"}), "sacct");
  ASSERT_TRUE(jobs) << jobs.error().message;
  ASSERT_EQ(jobs->size(), 1u);
  const Job& j = jobs->front();
  EXPECT_EQ(j.job_id, "101");
  EXPECT_EQ(j.user, "ada");
  EXPECT_EQ(j.account, "vision");
  EXPECT_EQ(j.gpus, 1);
  EXPECT_EQ(j.gpu_type, "a100");
  EXPECT_EQ(j.cpus, 2);
  EXPECT_EQ(j.nodes, 1);
  EXPECT_EQ(j.state, "FAILED");
  EXPECT_EQ(j.exit_code, 3);
  EXPECT_EQ(j.time_limit_minutes, 120);
  EXPECT_EQ(format_utc(*j.started), "2026-12-01T10:00:00.000Z");
  EXPECT_EQ(format_utc(*j.ended), "2026-12-01T11:00:00.000Z");
}

TEST(Sacct, ASignalEndsWith128PlusItAndCancelledByUidIsCancelled) {
  auto jobs = parse_sacct(header() + line({.id = "7", .raw = "7", .state = "CANCELLED by 0", .exit = "0:15"}), "sacct");
  ASSERT_TRUE(jobs) << jobs.error().message;
  EXPECT_EQ(jobs->front().state, "CANCELLED");
  EXPECT_EQ(jobs->front().exit_code, 143);
  EXPECT_EQ(run_status_of("CANCELLED"), "killed");
}

TEST(Sacct, StepsFoldIntoTheirJobAndJobsThatNeverStartedAreLeftOut) {
  std::string text = header() + line({.id = "5", .raw = "5"}) + step("5.batch", "cpu=00:00:01,gres/gpuutil=40") +
                     step("5.0", "gres/gpuutil=70,gres/gpumem=100M") +
                     line({.id = "6_[1-4]", .raw = "6", .start = "Unknown", .end = "Unknown", .elapsed = "0", .state = "PENDING"}) +
                     line({.id = "8", .raw = "8", .start = "None", .end = "2026-12-01T10:00:00", .elapsed = "0", .state = "CANCELLED by 1000"});
  auto jobs = parse_sacct(text, "sacct");
  ASSERT_TRUE(jobs) << jobs.error().message;
  ASSERT_EQ(jobs->size(), 1u) << "the pending array and the job cancelled while pending never ran";
  EXPECT_EQ(jobs->front().gpu_util_pct, 70.0) << "the busiest step";
}

TEST(Sacct, ArrayTasksAndHeterogeneousComponentsAreJobsOfTheirOwn) {
  std::string text = header() + line({.id = "20_1", .raw = "21"}) + line({.id = "20_2", .raw = "22"}) +
                     line({.id = "30+0", .raw = "30"}) + line({.id = "30+1", .raw = "31", .partition = "cpu"});
  auto jobs = parse_sacct(text, "sacct");
  ASSERT_TRUE(jobs) << jobs.error().message;
  ASSERT_EQ(jobs->size(), 4u);
  EXPECT_EQ((*jobs)[0].job_id, "20_1");
  EXPECT_EQ((*jobs)[3].job_id, "30+1");
  EXPECT_EQ((*jobs)[3].partition, "cpu");
}

TEST(Sacct, ABadValueIsNamedWithItsLineAndField) {
  auto jobs = parse_sacct(header() + line({.id = "1", .raw = "1"}) + line({.id = "2", .raw = "2", .elapsed = "soon"}), "out.txt");
  ASSERT_FALSE(jobs);
  EXPECT_EQ(jobs.error().message, "out.txt:3: field ElapsedRaw: 'soon' is not a number of seconds");
  auto tres = parse_sacct(header() + line({.id = "1", .raw = "1", .tres = "cpu=2,gres/gpu=x"}), "out.txt");
  ASSERT_FALSE(tres);
  EXPECT_NE(tres.error().message.find("out.txt:2: field AllocTRES"), std::string::npos) << tres.error().message;
}

TEST(Sacct, AMissingFieldOrAPipeInANameIsRefusedSayingWhy) {
  auto missing = parse_sacct("JobID|State\n1|COMPLETED\n", "sacct");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("sacct:1: sacct output lacks the field JobIDRaw"), std::string::npos);
  auto pipe = parse_sacct(header() + line({.id = "1", .raw = "1", .name = "a|b"}), "sacct");
  ASSERT_FALSE(pipe);
  EXPECT_NE(pipe.error().message.find("sacct:2: 20 fields where the header has 19"), std::string::npos) << pipe.error().message;
}

class SlurmImport : public ::testing::Test {
 protected:
  void SetUp() override { m_store = std::move(*store::open_store(::frugal::testing::database(m_dir))); }
  TimePoint now() const { return *parse_utc("2026-12-01T12:00:00Z"); }

  ImportStats import(const std::string& text) {
    auto jobs = parse_sacct(text, "sacct");
    EXPECT_TRUE(jobs) << jobs.error().message;
    auto stats = import_jobs(*m_store, *jobs, "");
    EXPECT_TRUE(stats) << stats.error().message;
    return stats ? *stats : ImportStats{};
  }
  void price_gpu_partition() {  // 4 GPUs a node at $2.10 a GPU-hour
    auto priced = set_partition_price(*m_store, {"lab", "gpu", *Money::parse("8.40"), 4, 32, 2, "", "--gpu-hour-usd 2.10"}, now());
    ASSERT_TRUE(priced) << priced.error().message;
  }
  std::string one(const std::string& sql) { return frugal::testing::first_cell(*m_store, sql); }
  std::string all(const std::string& sql) { return frugal::testing::all_rows(*m_store, sql); }

  frugal::testing::TestDir m_dir;
  std::unique_ptr<store::Store> m_store;
};

TEST_F(SlurmImport, AGpuJobPaysItsGpusShareOfTheNodeExactly) {
  price_gpu_partition();
  import(header() + line({.id = "101", .raw = "101", .end = "2026-12-01T11:30:00", .elapsed = "5400"}));
  // 1 of 4 GPUs of an $8.40 node for 1.5 h = $3.15.
  EXPECT_EQ(one("SELECT cost_nanos FROM runs"), "3150000000");
  EXPECT_EQ(one("SELECT gpu_count || '/' || instance_gpu_count || ' ' || status || ' ' || team || ' ' || username FROM runs"),
            "1/4 finished vision ada");
  EXPECT_EQ(one("SELECT price_source FROM runs"), "--gpu-hour-usd 2.10");
  EXPECT_EQ(one("SELECT job_id || ' ' || partition || ' ' || gpus || ' ' || gpu_type || ' ' || state FROM slurm_jobs"),
            "101 gpu 1 a100 COMPLETED");
}

TEST_F(SlurmImport, ACpuJobPaysItsCpusShareAndAnUnpricedPartitionLeavesTheCostUnknown) {
  ASSERT_TRUE(set_partition_price(*m_store, {"lab", "cpu", *Money::parse("1.60"), 0, 16, 4, "", "--node-hour-usd 1.60"}, now()));
  auto stats = import(header() + line({.id = "1", .raw = "1", .partition = "cpu", .cpus = "4", .tres = "cpu=4,mem=4G,node=1"}) +
                      line({.id = "2", .raw = "2", .partition = "debug"}));
  EXPECT_EQ(stats.added, 2u);
  EXPECT_EQ(stats.unpriced, 1u);
  EXPECT_EQ(one("SELECT cost_nanos FROM runs WHERE name = 'train' AND host = 'node1' ORDER BY id LIMIT 1"), "400000000")
      << "4 of 16 CPUs of a $1.60 node for an hour";
  EXPECT_EQ(one("SELECT count(*) FROM runs WHERE cost_nanos IS NULL"), "1");
}

TEST_F(SlurmImport, ImportingTheSameJobsAgainChangesNothing) {
  price_gpu_partition();
  std::string text = header() + line({.id = "1", .raw = "1"}) + line({.id = "2", .raw = "2", .state = "FAILED", .exit = "1:0"});
  EXPECT_EQ(import(text).added, 2u);
  std::string before = all("SELECT id, cost_nanos, status FROM runs ORDER BY id");
  auto again = import(text);
  EXPECT_EQ(again.added, 0u);
  EXPECT_EQ(again.unchanged, 2u);
  EXPECT_EQ(one("SELECT count(*) FROM runs"), "2");
  EXPECT_EQ(all("SELECT id, cost_nanos, status FROM runs ORDER BY id"), before);
  EXPECT_EQ(one("SELECT sum(runs) FROM run_rollups WHERE dimension = 'team'"), "2") << "rollups count each job once";
}

TEST_F(SlurmImport, AJobRunningAtOneImportAndEndedAtTheNextIsOneRun) {
  price_gpu_partition();
  auto first = import(header() + line({.id = "9", .raw = "9", .end = "Unknown", .elapsed = "600", .state = "RUNNING", .exit = "0:0"}));
  EXPECT_EQ(first.added, 1u);
  EXPECT_EQ(one("SELECT status FROM runs"), "running");
  auto second = import(header() + line({.id = "9", .raw = "9", .end = "2026-12-01T12:00:00", .elapsed = "7200", .state = "TIMEOUT", .exit = "0:15"}));
  EXPECT_EQ(second.finished, 1u);
  EXPECT_EQ(one("SELECT count(*) FROM runs"), "1");
  EXPECT_EQ(one("SELECT status || ' ' || exit_code || ' ' || duration_ms || ' ' || cost_nanos FROM runs"), "killed 143 7200000 4200000000");
  EXPECT_EQ(one("SELECT state FROM slurm_jobs"), "TIMEOUT");
}

TEST_F(SlurmImport, ARequeuedJobsAttemptsChainAsAttemptsOfOneJob) {
  std::string text = header() +
                     line({.id = "44", .raw = "44", .end = "2026-12-01T10:10:00", .elapsed = "600", .state = "REQUEUED", .exit = "0:0"}) +
                     line({.id = "44", .raw = "44", .start = "2026-12-01T10:11:00", .end = "2026-12-01T10:41:00", .elapsed = "1800"});
  EXPECT_EQ(import(text).added, 2u);
  EXPECT_EQ(all("SELECT attempt, status, coalesce(parent_run_id, 0) FROM runs ORDER BY attempt"), "1 preempted 0;2 finished 1");
  EXPECT_EQ(import(text).unchanged, 2u);
}

TEST_F(SlurmImport, PricingAPartitionLaterPricesItsJobsAlreadyImported) {
  import(header() + line({.id = "1", .raw = "1"}));
  EXPECT_EQ(one("SELECT count(*) FROM runs WHERE cost_nanos IS NULL"), "1");
  price_gpu_partition();
  EXPECT_EQ(one("SELECT cost_nanos FROM runs"), "2100000000");
  EXPECT_EQ(one("SELECT sum(cost_nanos) FROM run_rollups WHERE dimension = 'team'"), "2100000000");
}

TEST_F(SlurmImport, ARunFrugalRecordedInsideTheJobIsJoinedNotCountedTwice) {
  tracking::RunStart run;
  run.command = {"python", "train.py"};
  run.labels.user = "ada";
  run.started = *parse_utc("2026-12-01T10:00:05Z");
  run.tags = {{"slurm.job_id", "101"}, {"slurm.cluster", "lab"}};
  auto id = tracking::start_run(*m_store, run);
  ASSERT_TRUE(id) << id.error().message;
  tracking::RunEnd end;
  end.ended = *parse_utc("2026-12-01T10:59:55Z");
  ASSERT_TRUE(tracking::finish_run(*m_store, *id, end));
  price_gpu_partition();
  auto stats = import(header() + line({.id = "101", .raw = "101"}) + line({.id = "102", .raw = "102"}));
  EXPECT_EQ(stats.joined, 1u);
  EXPECT_EQ(stats.added, 1u);
  EXPECT_EQ(one("SELECT count(*) FROM runs"), "2");
  EXPECT_EQ(one("SELECT run_id || ' ' || wrapped FROM slurm_jobs WHERE job_id = '101'"), std::to_string(*id) + " 1");
  EXPECT_EQ(one(fmt::format("SELECT team || ' ' || price_source FROM runs WHERE id = {}", *id)), "vision --gpu-hour-usd 2.10")
      << "the joined run takes the job's team and, having none, its partition's price";
  EXPECT_EQ(import(header() + line({.id = "101", .raw = "101"})).unchanged, 1u);
}

TEST_F(SlurmImport, MappingAnAccountMovesItsJobsToTheTeam) {
  import(header() + line({.id = "1", .raw = "1", .account = "proj-123"}));
  auto changed = map_account(*m_store, "proj-123", "vision");
  ASSERT_TRUE(changed) << changed.error().message;
  EXPECT_EQ(*changed, 1);
  EXPECT_EQ(one("SELECT team FROM runs"), "vision");
  import(header() + line({.id = "2", .raw = "2", .account = "proj-123"}));
  EXPECT_EQ(one("SELECT count(*) FROM runs WHERE team = 'vision'"), "2") << "later jobs follow the mapping";
}

TEST_F(SlurmImport, AQuotaBecomesTheGpuMinutesItLeavesPlusWhatSlurmCounted) {
  price_gpu_partition();
  // $100 a month for vision; its one job cost 20 GPU-hours at $2.10 = $42.
  ASSERT_TRUE(budget::set_quota(*m_store, {budget::Scope::team, "vision", budget::Period::monthly, *Money::parse("100"), std::nullopt}, now()));
  import(header() + line({.id = "1", .raw = "1", .tres = "cpu=8,gres/gpu=4,node=1", .end = "2026-12-01T15:00:00", .elapsed = "18000"}));
  auto limits = plan_limits(*m_store, "lab", "gpu", {{"vision", 1200}}, now());
  ASSERT_TRUE(limits) << limits.error().message;
  ASSERT_EQ(limits->size(), 1u);
  // $58 left at $2.10 a GPU-hour buys 1,657.14 GPU-minutes: 1,657 whole ones, after Slurm's 1,200.
  EXPECT_EQ((*limits)[0].gpu_minutes, 1200 + 1657);
  EXPECT_EQ((*limits)[0].command.back(), "GrpTRESMins=gres/gpu=2857");
  EXPECT_EQ((*limits)[0].command[5], "name=vision");
  // A GPU-hour quota tighter than the money one wins.
  ASSERT_TRUE(budget::set_quota(*m_store, {budget::Scope::team, "vision", budget::Period::monthly, std::nullopt, 25.0}, now()));
  auto tighter = plan_limits(*m_store, "lab", "gpu", {}, now());
  ASSERT_TRUE(tighter);
  EXPECT_EQ((*tighter)[0].gpu_minutes, 300) << "25 GPU-hours less the 20 used";
}

TEST_F(SlurmImport, AQuotaAlreadySpentLeavesNoMinutesAndAnUnpricedPartitionIsNamed) {
  price_gpu_partition();
  ASSERT_TRUE(budget::set_quota(*m_store, {budget::Scope::team, "vision", budget::Period::monthly, *Money::parse("1"), std::nullopt}, now()));
  import(header() + line({.id = "1", .raw = "1"}));
  auto limits = plan_limits(*m_store, "lab", "gpu", {{"vision", 60}}, now());
  ASSERT_TRUE(limits);
  EXPECT_EQ((*limits)[0].gpu_minutes, 60) << "nothing more than Slurm counted";
  auto unpriced = plan_limits(*m_store, "lab", "a100", {}, now());
  ASSERT_FALSE(unpriced);
  EXPECT_NE(unpriced.error().message.find("partition a100 of cluster lab has no price"), std::string::npos);
}


TEST_F(SlurmImport, AStepsGpuUseIsTheRunsWhereSlurmGathersIt) {
  import(header() + line({.id = "3", .raw = "3"}) + step("3.0", "cpu=00:10:00,gres/gpuutil=12"));
  EXPECT_EQ(one("SELECT gpu_util_mean FROM runs"), "12");
}

TEST_F(SlurmImport, APartitionsIdleNodeHoursAreWhatNoJobHeldAtTheNodesPrice) {
  // 2 nodes of 4 GPUs at $8.40 a node-hour; the window 10:00-12:00 is 4 node-hours, $33.60.
  ASSERT_TRUE(set_partition_price(*m_store, {"lab", "gpu", *Money::parse("8.40"), 4, 32, 2, "", "--gpu-hour-usd 2.10"}, now()));
  import(header() + line({.id = "1", .raw = "1"}) +  // 1 GPU, 10:00-11:00
         line({.id = "2", .raw = "2", .tres = "cpu=8,gres/gpu=4,node=1", .start = "2026-12-01T09:00:00",
               .end = "2026-12-01T10:30:00", .elapsed = "5400"}));  // a whole node, half an hour inside the window
  auto usage = partition_usage(*m_store, *parse_utc("2026-12-01T10:00:00Z"), *parse_utc("2026-12-01T12:00:00Z"));
  ASSERT_TRUE(usage) << usage.error().message;
  ASSERT_EQ(usage->size(), 1u);
  const PartitionUsage& u = usage->front();
  EXPECT_EQ(u.jobs, 2);
  EXPECT_DOUBLE_EQ(u.held_node_hours, 0.25 + 0.5);
  ASSERT_TRUE(u.node_hours && u.idle_cost);
  EXPECT_DOUBLE_EQ(*u.node_hours, 4.0);
  EXPECT_EQ(u.idle_cost->to_string(2), "27.30") << "$33.60 less $2.10 and $4.20 held inside the window";
  // 2026-12-01 is a Tuesday: 10:00 is hour 34 of the week, when 0.25 + 0.5 nodes were held; 11:00 had 0.
  EXPECT_DOUBLE_EQ(u.busy_nodes_by_hour_of_week[34], 0.75);
  EXPECT_DOUBLE_EQ(u.busy_nodes_by_hour_of_week[35], 0.0);
}


TEST(Sacct, AJobCancelledWhilePendingIsNoRunThoughSlurmGaveItAStart) {
  auto jobs = parse_sacct(header() + line({.id = "9", .raw = "9", .nodes_list = "None assigned", .nnodes = "0", .tres = "",
                                           .start = "2026-12-01T10:05:00", .end = "2026-12-01T10:05:00", .elapsed = "0",
                                           .state = "CANCELLED by 1000"}),
                          "sacct");
  ASSERT_TRUE(jobs) << jobs.error().message;
  EXPECT_TRUE(jobs->empty());
}

TEST_F(SlurmImport, AFrugalRunThatStartsAfterAnImportRecordedItsJobReplacesTheImportedRun) {
  price_gpu_partition();
  Rec running{.id = "500", .raw = "500", .end = "Unknown", .elapsed = "60", .state = "RUNNING"};
  EXPECT_EQ(import(header() + line(running)).added, 1u);
  // The job's own `frugal run` starts a minute in, after the import.
  tracking::RunStart run;
  run.command = {"python", "train.py"};
  run.labels.user = "ada";
  run.started = *parse_utc("2026-12-01T10:01:00Z");
  run.tags = {{"slurm.job_id", "500"}, {"slurm.cluster", "lab"}};
  auto id = tracking::start_run(*m_store, run);
  ASSERT_TRUE(id) << id.error().message;
  auto joined = import(header() + line(running));
  EXPECT_EQ(joined.joined, 1u);
  EXPECT_EQ(one("SELECT count(*) FROM runs"), "1") << "one run for the job, the one that measured it";
  EXPECT_EQ(one("SELECT run_id || ' ' || wrapped FROM slurm_jobs"), std::to_string(*id) + " 1");
  EXPECT_EQ(one("SELECT sum(runs) FROM run_rollups WHERE dimension = 'team'"), "1");
  // Slurm ends the job (a time limit) and its runner with it: the run, still open, ends as Slurm says.
  import(header() + line({.id = "500", .raw = "500", .end = "2026-12-01T11:00:00", .elapsed = "3600", .state = "TIMEOUT",
                          .exit = "0:15"}));
  EXPECT_EQ(one("SELECT status || ' ' || exit_code || ' ' || ended_at FROM runs"), "killed 143 2026-12-01T11:00:00.000Z");
}

TEST_F(SlurmImport, AttemptsAreToldApartByTheirStartSoAWindowThatShowsSomeOfThemNeverRenumbersThem) {
  Rec first{.id = "44", .raw = "44", .end = "2026-12-01T10:10:00", .elapsed = "600", .state = "REQUEUED"};
  Rec second{.id = "44", .raw = "44", .start = "2026-12-01T10:11:00", .end = "Unknown", .elapsed = "60", .state = "RUNNING"};
  // A narrow window shows only the second attempt, running; a wider one later shows both, the second ended.
  EXPECT_EQ(import(header() + line(second)).added, 1u);
  second.end = "2026-12-01T10:41:00";
  second.elapsed = "1800";
  second.state = "COMPLETED";
  auto both = import(header() + line(first) + line(second));
  EXPECT_EQ(both.added, 1u) << "the first attempt is new";
  EXPECT_EQ(both.finished, 1u) << "the second is the run recorded before, now ended";
  EXPECT_EQ(all("SELECT r.started_at, r.status, r.duration_ms FROM runs r ORDER BY r.started_at"),
            "2026-12-01T10:00:00.000Z preempted 600000;2026-12-01T10:11:00.000Z finished 1800000");
  EXPECT_EQ(import(header() + line(first) + line(second)).unchanged, 2u);
}

TEST_F(SlurmImport, ACpuShareOfAnUnevenPriceCostsTheSameEndedAtOnceOrAtALaterImport) {
  // $1.00 a node of 96 CPUs: a CPU costs 1/96 of a dollar an hour, not a whole number of nano-dollars.
  ASSERT_TRUE(set_partition_price(*m_store, {"lab", "cpu", *Money::parse("1"), 0, 96, 1, "", "--node-hour-usd 1"}, now()));
  Rec ended{.id = "1", .raw = "1", .partition = "cpu", .cpus = "1", .tres = "cpu=1,node=1", .end = "2026-12-01T20:00:00",
            .elapsed = "36000"};
  Rec later = ended;
  later.id = later.raw = "2";
  Rec running = later;
  running.end = "Unknown";
  running.state = "RUNNING";
  import(header() + line(ended) + line(running));
  import(header() + line(later));
  EXPECT_EQ(all("SELECT cost_nanos FROM runs ORDER BY id"), "104166670;104166670");
}

TEST_F(SlurmImport, OfATeamsDailyAndMonthlyQuotasItsAccountGetsTheTighterLimit) {
  price_gpu_partition();
  import(header() + line({.id = "1", .raw = "1"}));
  ASSERT_TRUE(budget::set_quota(*m_store, {budget::Scope::team, "vision", budget::Period::monthly, std::nullopt, 100.0}, now()));
  ASSERT_TRUE(budget::set_quota(*m_store, {budget::Scope::team, "vision", budget::Period::daily, std::nullopt, 2.0}, now()));
  auto limits = plan_limits(*m_store, "lab", "gpu", {}, now());
  ASSERT_TRUE(limits) << limits.error().message;
  ASSERT_EQ(limits->size(), 1u) << "one limit per account";
  EXPECT_EQ((*limits)[0].gpu_minutes, 60) << "2 GPU-hours today less the 1 used";
  EXPECT_EQ((*limits)[0].period, "daily");
}

}  // namespace
}  // namespace frugal::slurm
