#include <fmt/format.h>

#include "unit/advise/advise_fixture.h"

namespace frugal::advise {
namespace {

constexpr std::int64_t k_p4d_nanos = 32'770'000'000;  // $32.77/hour
constexpr std::int64_t k_g5_nanos = 1'624'000'000;    // $1.624/hour

// One run; started/ended as ISO text, an empty end = still running.
struct RunRow {
  std::string type = "p4d.24xlarge";
  std::int64_t price_nanos = k_p4d_nanos;
  int gpus = 8;
  int instance_gpus = 8;
  std::string start = "";
  std::string end = "";  // "" = still running
  std::string status = "finished";
  std::string pricing = "on_demand";
  std::string team = "vision";
  std::string region = "us-east-1";
};

class CommitmentRule : public testing::AdviseTest {
 protected:
  void add(const RunRow& r) {
    exec("INSERT INTO runs (name, username, command, team, provider, region, instance_type, pricing, "
         "hourly_price_nanos, gpu_count, instance_gpu_count, started_at, ended_at, status) "
         "VALUES ('train', 'ada', 'python train.py', ?, 'aws', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
         {r.team, r.region, r.type, r.pricing, r.price_nanos, std::int64_t{r.gpus}, std::int64_t{r.instance_gpus},
          r.start, store::text_or_null(r.end), r.status});
  }
};

// Two instances all month (one still running), bursts on top, and runs that must not count.
TEST_F(CommitmentRule, SteadyTwoInstancesGiveABaselineOfTwo) {
  add({.start = "2026-10-20T00:00:00.000Z", .end = "2026-12-01T00:00:00.000Z"});
  add({.start = "2026-10-25T00:00:00.000Z", .status = "running"});
  add({.gpus = 4, .start = "2026-11-01T00:00:00.000Z", .end = "2026-11-05T04:00:00.000Z"});  // half an instance, 100 h
  add({.start = "2026-11-10T00:00:00.000Z", .end = "2026-11-10T06:00:00.000Z"});
  add({.start = "2026-11-10T00:00:00.000Z", .end = "2026-11-10T06:00:00.000Z"});
  // Spot and other families are not this baseline; g5 only bursts.
  add({.start = "2026-10-20T00:00:00.000Z", .end = "2026-12-01T00:00:00.000Z", .pricing = "spot"});
  add({.type = "g5.4xlarge", .price_nanos = k_g5_nanos, .gpus = 1, .instance_gpus = 1,
       .start = "2026-11-03T00:00:00.000Z", .end = "2026-11-04T00:00:00.000Z"});

  auto found = run(commitments);
  ASSERT_EQ(found.size(), 1u);
  const auto& r = found[0];
  EXPECT_EQ(r.rule, "commitment");
  EXPECT_EQ(r.target, "p4d instances in us-east-1 (aws)");
  EXPECT_EQ(r.id, recommendation_id("commitment", r.target));
  EXPECT_EQ(r.team, "vision");
  EXPECT_EQ(evidence(r, "hours in window"), "720");
  EXPECT_EQ(evidence(r, "p10 concurrency"), "2.00");
  EXPECT_EQ(evidence(r, "median concurrency"), "2.00");
  EXPECT_EQ(evidence(r, "peak concurrency"), "4.00");
  EXPECT_EQ(evidence(r, "average on-demand price"), "$32.77/hour");
  EXPECT_EQ(evidence(r, "runs"), "5");
  EXPECT_EQ(evidence(r, "baseline on-demand cost in window"), "$47,188.80");  // 2 × 720 h × $32.77
  EXPECT_EQ(evidence(r, "commitment"), "$45.88/hour for 1 year (2 instances at 30% off)");
  EXPECT_EQ(evidence(r, "break-even"), "the commitment pays if used ≥ 70% of hours");
  EXPECT_EQ(r.monthly_saving.to_string(), "14156.64");  // 30% of $47,188.80
  EXPECT_DOUBLE_EQ(r.confidence, 0.7);
  EXPECT_NE(r.action.find("covering 2 instances of p4d in us-east-1"), std::string::npos);

  auto shown = m_store->query(r.query);
  ASSERT_TRUE(shown) << shown.error().message << "\n" << r.query;
  EXPECT_EQ(shown->rows.size(), 5u);
}

TEST_F(CommitmentRule, SpikyUsageOnlyRecommendsNothing) {
  for (int day = 1; day <= 20; ++day) {
    std::string d = fmt::format("2026-11-{:02}", day);
    add({.start = d + "T08:00:00.000Z", .end = d + "T18:00:00.000Z"});  // 10 h a day: 28% of hours
    add({.start = d + "T08:00:00.000Z", .end = d + "T18:00:00.000Z"});
  }
  EXPECT_TRUE(run(commitments).empty());
}

TEST_F(CommitmentRule, GpuSharesCountAsFractionsOfAnInstance) {
  // 4 of 8 GPUs all month: half an instance, just enough; 3 of 8 on g5.48xlarge is not.
  add({.gpus = 4, .start = "2026-10-01T00:00:00.000Z", .end = "2026-12-01T00:00:00.000Z"});
  add({.type = "g5.48xlarge", .price_nanos = 16'288'000'000, .gpus = 3,
       .start = "2026-10-01T00:00:00.000Z", .end = "2026-12-01T00:00:00.000Z"});
  auto found = run(commitments);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].target, "p4d instances in us-east-1 (aws)");
  EXPECT_EQ(evidence(found[0], "p10 concurrency"), "0.50");
  EXPECT_EQ(found[0].monthly_saving.to_string(), "3539.16");  // 0.5 × 720 h × $32.77 × 30%
  EXPECT_EQ(evidence(found[0], "commitment"), "$11.47/hour for 1 year (0.50 instances at 30% off)");
}

TEST_F(CommitmentRule, ShortWindowIsScaledAndLessSure) {
  m_options.since = *parse_utc("2026-11-19T00:00:00Z");  // 7 days
  add({.type = "g5.4xlarge", .price_nanos = k_g5_nanos, .gpus = 1, .instance_gpus = 1,
       .start = "2026-11-01T00:00:00.000Z", .status = "running"});
  auto found = run(commitments);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(evidence(found[0], "hours in window"), "168");
  EXPECT_EQ(evidence(found[0], "average on-demand price"), "$1.624/hour");
  // 168 h × $1.624 × 30% = $81.8496 over 7 days, × 30/7 per month.
  EXPECT_EQ(found[0].monthly_saving.to_string(), "350.784");
  EXPECT_DOUBLE_EQ(found[0].confidence, 0.4);
}

TEST_F(CommitmentRule, TeamFilterCountsThatTeamsRunsOnly) {
  add({.start = "2026-10-01T00:00:00.000Z", .end = "2026-12-01T00:00:00.000Z", .team = "vision"});
  add({.start = "2026-10-01T00:00:00.000Z", .end = "2026-12-01T00:00:00.000Z", .team = "nlp"});

  auto all = run(commitments);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].team, "");  // two teams share the baseline
  EXPECT_EQ(evidence(all[0], "p10 concurrency"), "2.00");

  m_options.team = "nlp";
  auto nlp = run(commitments);
  ASSERT_EQ(nlp.size(), 1u);
  EXPECT_EQ(nlp[0].team, "nlp");
  EXPECT_EQ(evidence(nlp[0], "p10 concurrency"), "1.00");
  EXPECT_EQ(nlp[0].monthly_saving.to_string(), "7078.32");  // 720 h × $32.77 × 30%
  auto shown = m_store->query(nlp[0].query);
  ASSERT_TRUE(shown) << shown.error().message;
  EXPECT_EQ(shown->rows.size(), 1u);
}

TEST_F(CommitmentRule, RegionsAreSeparateBaselines) {
  // One instance in each of two regions: each is its own commitment.
  add({.start = "2026-10-01T00:00:00.000Z", .end = "2026-12-01T00:00:00.000Z", .region = "us-east-1"});
  add({.start = "2026-10-01T00:00:00.000Z", .end = "2026-12-01T00:00:00.000Z", .region = "us-west-2"});
  auto found = run(commitments);
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0].target, "p4d instances in us-east-1 (aws)");
  EXPECT_EQ(found[1].target, "p4d instances in us-west-2 (aws)");
  EXPECT_EQ(evidence(found[1], "p10 concurrency"), "1.00");
}

}  // namespace
}  // namespace frugal::advise
