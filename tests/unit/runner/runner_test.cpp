#include <algorithm>
#include <fstream>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "budget/budget.h"
#include <fmt/format.h>
#include <unistd.h>
#include "runner/process_tree.h"
#include "runner/runner.h"
#include "test_database.h"

namespace frugal::runner {
namespace {

TEST(RunChild, PassesTheExitStatusThrough) {
  SystemClock clock;
  auto r = run_child({"sh", "-c", "exit 3"}, clock);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->exit_code, 3);
  EXPECT_FALSE(r->signal);
  EXPECT_GE(r->ended, r->started);
}

TEST(RunChild, ReportsDeathBySignalAs128PlusTheSignal) {
  SystemClock clock;
  auto r = run_child({"sh", "-c", "kill -TERM $$"}, clock);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->exit_code, 128 + 15);
  EXPECT_EQ(r->signal, 15);
}

TEST(RunChild, ChildRunsInItsOwnProcessGroup) {
  SystemClock clock;
  // The child's group id equals its pid when it leads a new group.
  auto r = run_child({"sh", "-c", "test \"$(ps -o pgid= -p $$ | tr -d ' ')\" = \"$$\""}, clock);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->exit_code, 0);
}

TEST(RunChild, MissingProgramIsNotFound) {
  SystemClock clock;
  auto r = run_child({"frugal-no-such-program-xyz"}, clock);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::not_found);
  EXPECT_NE(r.error().message.find("frugal-no-such-program-xyz"), std::string::npos);
}

// Each call returns the next of the given times: the run's start, the child's start and end, ...
class SteppingClock final : public Clock {
 public:
  explicit SteppingClock(std::vector<TimePoint> times) : m_times(std::move(times)) {}
  TimePoint now() const override { return m_times[std::min(m_next++, m_times.size() - 1)]; }

 private:
  std::vector<TimePoint> m_times;
  mutable std::size_t m_next = 0;
};

class TrackedRunTest : public ::testing::Test {
 protected:
  void SetUp() override { m_store = std::move(*store::open_store(::frugal::testing::database(m_dir))); }
  RunRequest request(std::vector<std::string> command) {
    RunRequest r;
    r.labels = {"ada", "vision", "detector", "yolo", "coco", ""};
    r.command = std::move(command);
    r.hourly_price = *Money::parse("36");
    return r;
  }
  std::int64_t count(const std::string& where) {
    auto r = m_store->query("SELECT count(*) FROM runs WHERE " + where);
    EXPECT_TRUE(r) << (r ? "" : r.error().message);
    return r ? store::as_int(r->rows.at(0).at(0)) : -1;
  }
  frugal::testing::TestDir m_dir;
  std::unique_ptr<store::Store> m_store;
  SystemClock m_clock;
};

TEST_F(TrackedRunTest, CostIsDurationTimesPriceTimesGpuShare) {
  // quota check, run start, child start, child end: 90 minutes of 2 of 8 GPUs at $32/h = $12.
  TimePoint t0 = *parse_utc("2026-11-26T10:00:00Z");
  SteppingClock clock({t0, t0, t0, t0 + std::chrono::minutes(90)});
  auto req = request({"true"});
  req.hourly_price = *Money::parse("32");
  req.instance_type = "p4d.24xlarge";
  req.gpus = 2;
  auto out = run_tracked(*m_store, req, clock);
  ASSERT_TRUE(out) << out.error().message;
  ASSERT_TRUE(out->summary.cost);
  EXPECT_EQ(out->summary.cost->to_string(), "12.00");
  EXPECT_EQ(out->summary.duration_ms, 90 * 60 * 1000);
  EXPECT_EQ(count("cost_nanos = 12000000000 AND duration_ms = 5400000 AND gpu_count = 2 AND instance_gpu_count = 8 "
                  "AND started_at = '2026-11-26T10:00:00.000Z' AND ended_at = '2026-11-26T11:30:00.000Z'"), 1);
}

TEST_F(TrackedRunTest, RecordsAFinishedRunWithItsCost) {
  auto out = run_tracked(*m_store, request({"true"}), m_clock);
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ(out->exit_code, 0);
  EXPECT_EQ(out->summary.status, tracking::RunStatus::finished);
  ASSERT_TRUE(out->summary.cost);
  EXPECT_EQ(count("status = 'finished' AND team = 'vision' AND price_source = 'flag' AND cost_nanos IS NOT NULL"), 1);
}

TEST_F(TrackedRunTest, FailedCommandIsRecordedAsFailedWithItsExitCode) {
  auto out = run_tracked(*m_store, request({"sh", "-c", "exit 7"}), m_clock);
  ASSERT_TRUE(out);
  EXPECT_EQ(out->exit_code, 7);
  EXPECT_EQ(count("status = 'failed' AND exit_code = 7"), 1);
}

TEST_F(TrackedRunTest, MissingProgramStillLeavesAFailedRunBehind) {
  auto out = run_tracked(*m_store, request({"frugal-no-such-program-xyz"}), m_clock);
  ASSERT_FALSE(out);
  EXPECT_EQ(count("status = 'failed' AND exit_code = 127"), 1);
}

TEST_F(TrackedRunTest, QuotaExhaustedRefusesBeforeTheCommandStarts) {
  ASSERT_TRUE(budget::set_quota(*m_store, {budget::Scope::team, "vision", budget::Period::monthly, *Money::parse("0"), std::nullopt},
                                m_clock.now()));
  std::string marker = m_dir.file("ran");
  auto out = run_tracked(*m_store, request({"touch", marker}), m_clock);
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code, ErrorCode::quota_exceeded);
  EXPECT_NE(out.error().message.find("team vision"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(marker));
  EXPECT_EQ(count("true"), 0);
}

TEST_F(TrackedRunTest, AllowOverQuotaRunsAndRecordsIt) {
  ASSERT_TRUE(budget::set_quota(*m_store, {budget::Scope::user, "ada", budget::Period::daily, *Money::parse("0"), std::nullopt},
                                m_clock.now()));
  auto req = request({"true"});
  req.quota_policy = QuotaPolicy::allow_over;
  auto out = run_tracked(*m_store, req, m_clock);
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ(out->warnings.size(), 1u);
  EXPECT_EQ(count("over_quota = 1"), 1);
}

TEST_F(TrackedRunTest, UnknownInstanceTypeIsRefusedWithCloseMatches) {
  auto req = request({"true"});
  req.hourly_price.reset();
  req.instance_type = "p4d.24xlage";
  auto out = run_tracked(*m_store, req, m_clock);
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code, ErrorCode::not_found);
  EXPECT_NE(out.error().message.find("p4d.24xlarge"), std::string::npos) << out.error().message;
  EXPECT_EQ(count("true"), 0);
}

TEST_F(TrackedRunTest, BuiltinCatalogPricesAKnownInstanceWithNoImport) {
  auto req = request({"true"});
  req.hourly_price.reset();
  req.instance_type = "p4d.24xlarge";
  req.gpus = 2;
  auto out = run_tracked(*m_store, req, m_clock);
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ(count("instance_gpu_count = 8 AND gpu_count = 2 AND hourly_price_nanos > 0 AND provider = 'aws'"), 1);
}

TEST_F(TrackedRunTest, AskingForMoreGpusThanTheInstanceHasIsRefused) {
  auto req = request({"true"});
  req.hourly_price.reset();
  req.instance_type = "p4d.24xlarge";
  req.gpus = 9;
  auto out = run_tracked(*m_store, req, m_clock);
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code, ErrorCode::invalid);
}

}  // namespace
}  // namespace frugal::runner

namespace frugal::runner {
namespace {

class SupervisedRunTest : public ::testing::Test {
 protected:
  void SetUp() override { m_store = std::move(*store::open_store(::frugal::testing::database(m_dir))); }
  RunRequest request(std::vector<std::string> command) {
    RunRequest r;
    r.labels = {"ada", "vision", "detector", "", "", ""};
    r.command = std::move(command);
    r.hourly_price = *Money::parse("3600");  // a dollar a second: budgets run out fast
    r.sample_every = std::chrono::milliseconds(50);
    r.store_every = std::chrono::milliseconds(50);
    r.grace = std::chrono::milliseconds(300);
    return r;
  }
  std::string text(const std::string& sql) {
    auto r = m_store->query(sql);
    return r && !r->rows.empty() ? store::as_text(r->rows[0][0]) : "";
  }
  // The first column of every row, joined by spaces (group_concat is SQLite's alone).
  std::string joined(const std::string& sql) {
    auto r = m_store->query(sql);
    EXPECT_TRUE(r) << (r ? "" : r.error().message);
    std::string out;
    for (const auto& row : r ? r->rows : std::vector<store::Row>{}) out += (out.empty() ? "" : " ") + store::as_text(row[0]);
    return out;
  }
  frugal::testing::TestDir m_dir;
  std::unique_ptr<store::Store> m_store;
  SystemClock m_clock;
};

TEST_F(SupervisedRunTest, JobOverItsMaxUsdIsStoppedGracefullyAsOverBudget) {
  auto req = request({"sh", "-c", "trap 'exit 3' TERM; while :; do sleep 0.02; done"});
  req.max_usd = *Money::parse("0.3");
  auto out = run_tracked(*m_store, req, m_clock);
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ(out->exit_code, 3);  // the job's own exit after SIGTERM
  EXPECT_EQ(text("SELECT status FROM runs"), "over_budget");
  EXPECT_NE(text("SELECT stop_reason FROM runs").find("max-usd $0.30 reached"), std::string::npos);
  EXPECT_GE(std::stod(text("SELECT cost_nanos / 1e9 FROM runs")), 0.3);
  EXPECT_LT(std::stod(text("SELECT cost_nanos / 1e9 FROM runs")), 1.0);
}

TEST_F(SupervisedRunTest, JobIgnoringSigtermIsKilledAfterTheGrace) {
  auto req = request({"sh", "-c", "trap '' TERM; while :; do sleep 0.02; done"});
  req.max_gpu_hours = 0.0001;  // 0.36 GPU-seconds
  req.gpus = 1;
  req.instance_type = "p3.2xlarge";
  auto out = run_tracked(*m_store, req, m_clock);
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ(out->exit_code, 128 + 9);
  EXPECT_EQ(text("SELECT status FROM runs"), "over_budget");
  EXPECT_NE(text("SELECT stop_reason FROM runs").find("max-gpu-hours"), std::string::npos);
}

TEST_F(SupervisedRunTest, TeamQuotaRunningOutMidRunStopsTheJob) {
  ASSERT_TRUE(budget::set_quota(*m_store, {budget::Scope::team, "vision", budget::Period::monthly, *Money::parse("0.25"), std::nullopt},
                                m_clock.now()));
  auto out = run_tracked(*m_store, request({"sleep", "5"}), m_clock);
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ(text("SELECT status FROM runs"), "over_budget");
  EXPECT_NE(text("SELECT stop_reason FROM runs").find("quota: team vision"), std::string::npos);
}

TEST_F(SupervisedRunTest, SamplesTheJobsCpuAndMemoryAndItsCostSoFar) {
  // A busy loop of shell built-ins (no child processes, whose CPU time leaves with them).
  auto req = request({"sh", "-c", "i=0; while [ $i -lt 1000000 ]; do i=$((i+1)); done"});
  auto out = run_tracked(*m_store, req, m_clock);
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_GE(std::stoi(text("SELECT count(*) FROM samples")), 5);
  EXPECT_GT(std::stod(text("SELECT max(cpu_pct) FROM samples")), 50.0);
  EXPECT_GT(std::stoll(text("SELECT max(rss_bytes) FROM samples")), 100'000);
}

TEST_F(SupervisedRunTest, ALivePidWithAnotherStartTimeIsAReusedPidAndTheRunIsLost) {
  std::vector<store::Value> p = {[] {
    char host[256] = {};
    gethostname(host, sizeof host - 1);
    return std::string(host);
  }(), std::int64_t{getpid()}, process_start_ticks(getpid()) + 12345};
  ASSERT_TRUE(m_store->execute(
      "INSERT INTO runs (username, command, started_at, status, host, runner_pid, runner_start_ticks) "
      "VALUES ('ada', 'train', '2026-11-26T10:00:00.000Z', 'running', ?, ?, ?)",
      p));
  ASSERT_TRUE(run_tracked(*m_store, request({"true"}), m_clock));
  EXPECT_EQ(text("SELECT status FROM runs WHERE id = 1"), "lost");
}

TEST_F(SupervisedRunTest, ARunWhoseRunnerIsAliveStaysRunning) {
  std::vector<store::Value> p = {[] {
    char host[256] = {};
    gethostname(host, sizeof host - 1);
    return std::string(host);
  }(), std::int64_t{getpid()}, process_start_ticks(getpid())};
  ASSERT_TRUE(m_store->execute(
      "INSERT INTO runs (username, command, started_at, status, host, runner_pid, runner_start_ticks) "
      "VALUES ('ada', 'train', '2026-11-26T10:00:00.000Z', 'running', ?, ?, ?)",
      p));
  ASSERT_TRUE(run_tracked(*m_store, request({"true"}), m_clock));
  EXPECT_EQ(text("SELECT status FROM runs WHERE id = 1"), "running");
}

TEST_F(SupervisedRunTest, RunWhoseRunnerDiedIsMarkedLostByTheNextRun) {
  // A run left "running" by a frugal process that no longer exists (pid 999999999 never does).
  ASSERT_TRUE(m_store->execute(
      "INSERT INTO runs (username, command, started_at, status, host, runner_pid, runner_start_ticks) "
      "VALUES ('ada', 'train', '2026-11-26T10:00:00.000Z', 'running', (SELECT ?), 999999999, 1)",
      std::vector<store::Value>{[] {
        char host[256] = {};
        gethostname(host, sizeof host - 1);
        return std::string(host);
      }()}));
  ASSERT_TRUE(run_tracked(*m_store, request({"true"}), m_clock));
  EXPECT_EQ(text("SELECT status FROM runs WHERE id = 1"), "lost");
  EXPECT_EQ(text("SELECT status FROM runs WHERE id = 2"), "finished");
}

}  // namespace
}  // namespace frugal::runner

namespace frugal::runner {
namespace {

class EarlyStoppingTest : public SupervisedRunTest {};

TEST_F(EarlyStoppingTest, PlateauedMetricFromOutputStopsTheRunAndPricesTheStepsSaved) {
  auto req = request({"sh", "-c", "for i in 1 2 3 4 5 6 7 8 9; do echo \"val_loss: 0.5$i\"; sleep 0.03; done"});
  req.metric_patterns = {{"val_loss", "val_loss: ([0-9.]+)"}};
  req.stop_when = {"val_loss min patience=3"};
  req.max_steps = 100;
  auto out = run_tracked(*m_store, req, m_clock);
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ(text("SELECT status FROM runs"), "stopped_early");
  EXPECT_NE(text("SELECT stop_reason FROM runs").find("no improvement in 3 evaluations"), std::string::npos);
  // Stopped at the fourth value (a busy machine may deliver a fifth line in the same read).
  int points = std::stoi(text("SELECT count(*) FROM metrics WHERE key = 'val_loss'"));
  EXPECT_GE(points, 4);
  EXPECT_LE(points, 5);
  // Four steps cost what they cost; the 96 left would have cost 24 times as much.
  EXPECT_EQ(text("SELECT saved_nanos = cost_nanos * 24 OR abs(saved_nanos - cost_nanos * 24) < 1000000 FROM runs"), "1");
}

TEST_F(EarlyStoppingTest, EarlyStopWithAPlannedDurationRecordsTheTimeNotSpent) {
  auto req = request({"sh", "-c", "for i in 1 2 3 4 5 6 7 8 9; do echo \"val_loss: 0.5$i\"; sleep 0.03; done"});
  req.metric_patterns = {{"val_loss", "val_loss: ([0-9.]+)"}};
  req.stop_when = {"val_loss min patience=2"};
  req.planned_duration = std::chrono::hours(1);
  auto out = run_tracked(*m_store, req, m_clock);
  ASSERT_TRUE(out) << out.error().message;
  // An hour at $3,600/h, less the fraction of a second it ran.
  double saved = std::stod(text("SELECT saved_nanos / 1e9 FROM runs"));
  EXPECT_GT(saved, 3590.0);
  EXPECT_LT(saved, 3600.0);
}

TEST_F(EarlyStoppingTest, StructuredChannelMetricsAreStoredByStep) {
  auto req = request({"sh", "-c",
                      "echo '{\"step\": 10, \"acc\": 0.5, \"loss\": 1.5}' >&$FRUGAL_METRICS_FD; "
                      "echo '{\"step\": 20, \"acc\": 0.6}' > $FRUGAL_METRICS_FILE; echo not json >&$FRUGAL_METRICS_FD"});
  auto out = run_tracked(*m_store, req, m_clock);
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ(joined("SELECT key || '@' || step || '=' || value FROM metrics ORDER BY step, key"),
            "acc@10=0.5 loss@10=1.5 acc@20=0.6");
  EXPECT_EQ(text("SELECT status FROM runs"), "finished");
}

TEST_F(EarlyStoppingTest, NanStopsAtOnce) {
  auto req = request({"sh", "-c", "echo 'loss: 0.9'; echo 'loss: nan'; sleep 5"});
  req.metric_patterns = {{"loss", "loss: ([a-z0-9.]+)"}};
  req.stop_when = {"loss min patience=100"};
  auto out = run_tracked(*m_store, req, m_clock);
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ(text("SELECT status FROM runs"), "stopped_early");
  EXPECT_NE(text("SELECT stop_reason FROM runs").find("diverged"), std::string::npos);
  EXPECT_EQ(text("SELECT count(*) FROM metrics WHERE value IS NULL"), "1");
}

TEST_F(EarlyStoppingTest, MedianPruningStopsARunWorseThanTheExperimentsFinishedRuns) {
  auto curve = [&](double base) {
    // A pause between evaluations, as in training: a stop can only land while the job still runs.
    auto req = request({"sh", "-c", fmt::format("for i in 1 2 3 4; do echo \"acc: {}$i\"; sleep 0.05; done", base)});
    req.labels.experiment = "sweep";
    req.metric_patterns = {{"acc", "acc: ([0-9.]+)"}};
    req.prune = "median";
    req.prune_metric = "acc:max";
    return run_tracked(*m_store, req, m_clock);
  };
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(curve(0.8));  // too few finished runs to prune until now
  EXPECT_EQ(text("SELECT count(*) FROM runs WHERE status = 'finished'"), "5");
  ASSERT_TRUE(curve(0.1));
  EXPECT_EQ(text("SELECT status FROM runs WHERE id = 6"), "stopped_early");
  EXPECT_NE(text("SELECT stop_reason FROM runs WHERE id = 6").find("median pruning on acc"), std::string::npos);
  // A run as good as the others goes through.
  ASSERT_TRUE(curve(0.8));
  EXPECT_EQ(text("SELECT status FROM runs WHERE id = 7"), "finished");
}

TEST_F(EarlyStoppingTest, BadRulesAndPatternsAreRefusedBeforeTheJobStarts) {
  auto req = request({"touch", m_dir.file("ran")});
  req.stop_when = {"val_loss sideways"};
  EXPECT_FALSE(run_tracked(*m_store, req, m_clock));
  req.stop_when = {};
  req.metric_patterns = {{"loss", "no group here"}};
  auto out = run_tracked(*m_store, req, m_clock);
  ASSERT_FALSE(out);
  EXPECT_NE(out.error().message.find("capture group"), std::string::npos);
  req.metric_patterns = {};
  req.prune = "median";
  EXPECT_FALSE(run_tracked(*m_store, req, m_clock));  // no --experiment
  EXPECT_FALSE(std::filesystem::exists(m_dir.file("ran")));
}

}  // namespace
}  // namespace frugal::runner

namespace frugal::runner {
namespace {

// Runs with the fake NVML loaded through the real dlopen path.
class GpuSamplingTest : public SupervisedRunTest {
 protected:
  void SetUp() override {
    SupervisedRunTest::SetUp();
    setenv("FRUGAL_NVML_LIBRARY", FRUGAL_FAKE_NVML, 1);
    setenv("FAKE_NVML_FILE", m_dir.file("gpus").c_str(), 1);
  }
  void TearDown() override {
    unsetenv("FRUGAL_NVML_LIBRARY");
    unsetenv("FAKE_NVML_FILE");
  }
  void gpus(const std::string& lines) { std::ofstream(m_dir.file("gpus")) << lines; }
  RunRequest on_two_of_eight(std::vector<std::string> command) {
    auto r = request(std::move(command));
    r.hourly_price = *Money::parse("28.80");  // $3.60 per GPU-hour
    r.instance_type = "p4d.24xlarge";
    r.gpus = 2;
    return r;
  }
};

TEST_F(GpuSamplingTest, BusyGpusAreSampledWithTheJobsProcessesOnThem) {
  gpus("97 40000000000 350000 job\n95 39000000000 340000 job\n0 0 60000 none\n");
  auto out = run_tracked(*m_store, on_two_of_eight({"sleep", "0.4"}), m_clock);
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_GE(std::stoi(text("SELECT count(DISTINCT gpu_index) FROM samples WHERE gpu_index IS NOT NULL")), 3);
  EXPECT_EQ(text("SELECT max(power_w) FROM samples"), "350");
  EXPECT_EQ(text("SELECT round(gpu_util_mean) FROM runs"), "96");  // only the two GPUs it holds
  EXPECT_EQ(text("SELECT gpu_util_p95 FROM runs"), "97");  // readings of 97 and 95: half are 97
  EXPECT_EQ(text("SELECT gpu_mem_peak_bytes FROM runs"), "40000000000");
  EXPECT_EQ(text("SELECT idle_gpu_seconds FROM runs"), "0");
  EXPECT_EQ(text("SELECT cpu_bound FROM runs"), "0");
}

TEST_F(GpuSamplingTest, IdleHeldGpusCountTheirTimeAndCost) {
  gpus("1 2000000000 70000 job\n2 2000000000 70000 job\n");
  auto out = run_tracked(*m_store, on_two_of_eight({"sleep", "0.5"}), m_clock);
  ASSERT_TRUE(out) << out.error().message;
  double idle = std::stod(text("SELECT idle_gpu_seconds FROM runs"));
  EXPECT_GT(idle, 0.4);  // two GPUs, about half a second each (wide: the machine may be busy)
  EXPECT_LT(idle, 2.5);
  // $3.60 per GPU-hour: idle cost = idle seconds × $0.001.
  double cost = std::stod(text("SELECT idle_cost_nanos / 1e9 FROM runs"));
  EXPECT_NEAR(cost, idle * 0.001, 1e-6);
}

TEST_F(GpuSamplingTest, BusyCpuWithIdleGpusIsFlaggedAsInputBound) {
  // Its SQLite and PostgreSQL variants would share the two cores under ctest -j2, each getting a
  // core at best: one at a time, across processes.
  int lock = ::open("/tmp/frugal-busy-cpu-test.lock", O_CREAT | O_RDWR | O_CLOEXEC, 0666);
  ASSERT_GE(lock, 0);
  ::flock(lock, LOCK_EX);
  struct Unlock {
    int fd;
    ~Unlock() { ::close(fd); }
  } unlock{lock};
  gpus("0 1000000000 60000 job\n");
  // Six busy processes: the group keeps above one core's worth even when other tests (and builds)
  // share the two CPUs; three fell under it now and then on a busy machine. Each spins for the same
  // 3 s of wall time (bash's SECONDS, no process per check), so none finishes early and leaves the
  // last looks to fewer of them, as a fixed count of iterations did under a sanitizer's slowdown.
  auto req = on_two_of_eight(
      {"bash", "-c", "busy() { while (( SECONDS < 3 )); do :; done; }; busy & busy & busy & busy & busy & busy; wait"});
  req.gpus = 1;
  auto out = run_tracked(*m_store, req, m_clock);
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ(text("SELECT cpu_bound FROM runs"), "1")
      << "CPU % of one core at each look: "
      << joined("SELECT round(cpu_pct) FROM samples WHERE gpu_index IS NULL ORDER BY time");
}

TEST_F(GpuSamplingTest, NoDriverMeansNoGpuRowsAndNoError) {
  setenv("FRUGAL_NVML_LIBRARY", "/nonexistent/libnvidia-ml.so.1", 1);
  auto out = run_tracked(*m_store, request({"sleep", "0.2"}), m_clock);
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ(text("SELECT count(*) FROM samples WHERE gpu_index IS NOT NULL"), "0");
  EXPECT_GT(std::stoi(text("SELECT count(*) FROM samples")), 0);
  EXPECT_EQ(text("SELECT gpu_util_mean IS NULL FROM runs"), "1");
  // A library that is there but fails to initialise (driver/library mismatch) is the same.
  setenv("FRUGAL_NVML_LIBRARY", FRUGAL_FAKE_NVML, 1);
  setenv("FAKE_NVML_FAIL_INIT", "1", 1);
  gpus("50 1 1 job\n");
  ASSERT_TRUE(run_tracked(*m_store, request({"sleep", "0.2"}), m_clock));
  unsetenv("FAKE_NVML_FAIL_INIT");
  EXPECT_EQ(text("SELECT count(*) FROM samples WHERE gpu_index IS NOT NULL"), "0");
}

}  // namespace
}  // namespace frugal::runner

namespace frugal::runner {
namespace {

class WarmRestartTest : public SupervisedRunTest {
 protected:
  RunRequest job(const std::string& script) {
    auto r = request({"sh", "-c", script});
    r.retries = 2;
    r.retry_on_exit = {137};
    r.retry_backoff = std::chrono::milliseconds(10);
    r.checkpoint_dir = m_dir.file("ckpt");
    r.checkpoint_store = m_dir.file("store");
    r.keep = 2;
    std::filesystem::create_directories(r.checkpoint_dir);
    return r;
  }
  std::string read(const std::string& name) {
    std::ifstream in(m_dir.file(name));
    return {std::istreambuf_iterator<char>(in), {}};
  }
};

TEST_F(WarmRestartTest, CrashIsRetriedFromTheNewestCompleteCheckpointAsOneChain) {
  std::string d = m_dir.path();
  auto out = run_tracked(*m_store, job(fmt::format(
      "cd {}; step=0; [ -n \"$FRUGAL_RESUME_FROM\" ] && step=$(cat \"$FRUGAL_RESUME_FROM\"); "
      "echo \"start $step resume=$FRUGAL_RESUME_FROM\" >> log; "
      "while [ $step -lt 6 ]; do step=$((step+1)); echo $step > ckpt/.tmp && mv ckpt/.tmp ckpt/ckpt-$step; sleep 0.15; "
      "if [ $step -eq 3 ] && [ ! -e crashed ]; then touch crashed; kill -9 $$; fi; done", d)), m_clock);
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ(out->attempts, 2);
  EXPECT_EQ(out->exit_code, 0);
  EXPECT_EQ(joined("SELECT status || '/' || exit_code || '/' || attempt || '/' || coalesce(CAST(parent_run_id AS TEXT), '-') "
                   "FROM runs ORDER BY id"),
            "killed/137/1/- finished/0/2/1");
  EXPECT_EQ(read("log"), "start 0 resume=\nstart 3 resume=" + m_dir.file("store/ckpt-3") + "\n");
  EXPECT_EQ(text("SELECT max(step) FROM checkpoints WHERE run_id = 1"), "3");
  EXPECT_EQ(text("SELECT work_lost_ms < 1000 FROM runs WHERE id = 1"), "1");
  // The store keeps the newest two.
  EXPECT_TRUE(std::filesystem::exists(m_dir.file("store/ckpt-6")));
  EXPECT_TRUE(std::filesystem::exists(m_dir.file("store/ckpt-5")));
  EXPECT_FALSE(std::filesystem::exists(m_dir.file("store/ckpt-4")));
}

TEST_F(WarmRestartTest, HalfWrittenCheckpointOfAKilledJobIsNeverHandedOver) {
  std::string d = m_dir.path();
  auto out = run_tracked(*m_store, job(fmt::format(
      "cd {}; if [ -n \"$FRUGAL_RESUME_FROM\" ]; then echo \"$FRUGAL_RESUME_FROM\" > resumed; exit 0; fi; "
      "echo 1 > ckpt/.tmp && mv ckpt/.tmp ckpt/ckpt-1; sleep 0.2; "
      "exec 4> ckpt/ckpt-2; echo half >&4; sleep 0.2; kill -9 $$", d)), m_clock);
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ(out->attempts, 2);
  EXPECT_EQ(read("resumed"), m_dir.file("store/ckpt-1") + "\n");
  EXPECT_EQ(text("SELECT count(*) FROM checkpoints WHERE path LIKE '%ckpt-2'"), "0");
}

TEST_F(WarmRestartTest, UserErrorsAreNotRetriedUnlessAsked) {
  auto out = run_tracked(*m_store, job("exit 1"), m_clock);
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ(out->attempts, 1);
  EXPECT_EQ(text("SELECT count(*) FROM runs"), "1");
}

TEST_F(WarmRestartTest, ResumePlaceholderInTheCommandIsReplaced) {
  auto req = job("");
  std::string d = m_dir.path();
  req.command = {"sh", "-c", fmt::format("cd {}; if [ ! -e crashed ]; then touch crashed; echo 7 > ckpt/ckpt-7.pt; "
                                         "touch ckpt/ckpt-7.pt.done; sleep 0.1; kill -9 $$; fi; echo \"$0\" > arg",
                                         d),
                 "{resume}"};
  auto out = run_tracked(*m_store, req, m_clock);
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ(read("arg"), m_dir.file("store/ckpt-7.pt") + "\n");
}

}  // namespace
}  // namespace frugal::runner

namespace frugal::runner {
namespace {

class CheckpointRulesTest : public WarmRestartTest {};

TEST_F(CheckpointRulesTest, RewrittenCheckpointNameIsPickedUpAgain) {
  std::string d = m_dir.path();
  auto req = job(fmt::format(
      "cd {}; step=0; [ -n \"$FRUGAL_RESUME_FROM\" ] && step=$(cat \"$FRUGAL_RESUME_FROM\"); echo \"start $step\" >> log; "
      "while [ $step -lt 4 ]; do step=$((step+1)); echo $step > ckpt/.t && mv ckpt/.t ckpt/last.ckpt; sleep 0.15; "
      "if [ $step -eq 3 ] && [ ! -e crashed ]; then touch crashed; kill -9 $$; fi; done", d));
  req.checkpoint_dir = "ckpt";  // relative: resolved against the working directory
  auto cwd = std::filesystem::current_path();
  std::filesystem::current_path(m_dir.path());
  auto out = run_tracked(*m_store, req, m_clock);
  std::filesystem::current_path(cwd);
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ(read("log"), "start 0\nstart 3\n");
}

TEST_F(CheckpointRulesTest, FolderFilledInPlaceCountsOnlyOnceTheJobMovedOn) {
  std::string d = m_dir.path();
  auto out = run_tracked(*m_store, job(fmt::format(
      "cd {}; if [ -n \"$FRUGAL_RESUME_FROM\" ]; then basename \"$FRUGAL_RESUME_FROM\" > resumed; exit 0; fi; "
      "mkdir ckpt/step-1; echo a > ckpt/step-1/model; echo b > ckpt/step-1/optim; sleep 0.2; "
      "mkdir ckpt/step-2; echo a > ckpt/step-2/model; sleep 0.3; kill -9 $$", d)), m_clock);
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ(read("resumed"), "step-1\n");  // step-2 had only its first file when the job died
}


}  // namespace
}  // namespace frugal::runner

namespace frugal::runner {
namespace {

TEST_F(EarlyStoppingTest, BareNanFromPythonsJsonStillStopsTheRun) {
  auto req = request({"sh", "-c", "echo '{\"step\": 1, \"loss\": 0.5}' >&3; echo '{\"step\": 2, \"loss\": NaN}' >&3; sleep 5"});
  req.stop_when = {"loss min patience=100"};
  auto out = run_tracked(*m_store, req, m_clock);
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ(text("SELECT status FROM runs"), "stopped_early");
  EXPECT_EQ(text("SELECT count(*) FROM metrics WHERE step = 2 AND value IS NULL"), "1");
}

TEST_F(SupervisedRunTest, BudgetsBindTheWholeChainOfAttempts) {
  auto req = request({"sh", "-c", "sleep 0.25; kill -9 $$"});
  req.max_usd = *Money::parse("0.6");  // each attempt costs ~$0.25 at $1/s
  req.retries = 5;
  req.retry_on_exit = {137};
  req.retry_backoff = std::chrono::milliseconds(10);
  auto out = run_tracked(*m_store, req, m_clock);
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_LE(out->attempts, 4);
  EXPECT_EQ(text("SELECT status FROM runs ORDER BY id DESC LIMIT 1"), "over_budget");
  EXPECT_LT(out->total_cost.to_double(), 0.9);
}

}  // namespace
}  // namespace frugal::runner
