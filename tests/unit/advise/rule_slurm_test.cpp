#include <fmt/format.h>

#include "slurm/slurm.h"
#include "unit/advise/advise_fixture.h"

namespace frugal::advise {
namespace {

// A 30-day window over a Slurm partition of 4 nodes; jobs go in through the importer, as sacct has them.
class IdlePartitionRule : public testing::AdviseTest {
 protected:
  void price(const std::string& instance_type, int node_count) {
    auto ok = slurm::set_partition_price(*m_store, {"lab", "gpu", *Money::parse("10"), 4, 32, node_count, instance_type,
                                                    instance_type.empty() ? "--node-hour-usd 10" : "catalog: " + instance_type},
                                         m_options.since);
    ASSERT_TRUE(ok) << ok.error().message;
  }
  // `count` jobs of a whole node each, one a day from the window's start, `hours` long, asking `limit_minutes`.
  void jobs(int count, int hours, int limit_minutes) {
    std::string text =
        "JobID|JobIDRaw|JobName|User|Account|Partition|NodeList|NNodes|AllocCPUS|AllocTRES|Submit|Start|End|ElapsedRaw|"
        "State|ExitCode|TimelimitRaw|Cluster|TRESUsageInAve\n";
    for (int i = 0; i < count; ++i) {
      TimePoint start = m_options.since + std::chrono::hours(24 * i + 9);
      TimePoint end = start + std::chrono::hours(hours);
      text += fmt::format("{}|{}|train|ada|vision|gpu|n1|1|32|cpu=32,gres/gpu=4,node=1|{}|{}|{}|{}|COMPLETED|0:0|{}|lab|\n",
                          100 + i, 100 + i, format_utc(start).substr(0, 19), format_utc(start).substr(0, 19),
                          format_utc(end).substr(0, 19), hours * 3600, limit_minutes);
    }
    auto parsed = slurm::parse_sacct(text, "sacct");
    ASSERT_TRUE(parsed) << parsed.error().message;
    auto imported = slurm::import_jobs(*m_store, *parsed, "");
    ASSERT_TRUE(imported) << imported.error().message;
  }
};

TEST_F(IdlePartitionRule, ACloudPartitionMostlyIdleIsPricedAtItsIdleCostWithTheNodesItNeeded) {
  price("p4d.24xlarge", 4);
  jobs(30, 4, 24 * 60);  // one node 4 h a day, each asking for a day
  auto found = run(idle_partitions);
  ASSERT_EQ(found.size(), 1u);
  const Recommendation& r = found.front();
  EXPECT_EQ(r.rule, "idle_partition");
  EXPECT_EQ(r.target, "Slurm partition gpu of lab");
  // 4 nodes × 720 h = 2,880 node-hours at $10; 120 held: $27,600 idle, the whole of a 30-day window.
  EXPECT_EQ(r.monthly_saving.to_string(2), "27600.00");
  EXPECT_EQ(evidence(r, "node-hours held by jobs"), "120.0 of 2880.0");
  EXPECT_EQ(evidence(r, "nodes needed in the busiest hour of the week"), "1.0 of 4");
  EXPECT_EQ(evidence(r, "hours of the week no node was needed"), "140 of 168");
  EXPECT_EQ(evidence(r, "jobs with a time limit 3× or more above what they ran"),
            "30 of 30 (median limit 24.0 h, median run 4.0 h): backfill cannot place them in the gaps");
  EXPECT_DOUBLE_EQ(r.confidence, 0.6);
  EXPECT_NE(r.action.find("keep 1 node"), std::string::npos) << r.action;
  EXPECT_NE(r.action.find("--time=12:00:00"), std::string::npos) << r.action;
}

TEST_F(IdlePartitionRule, OwnedNodesAreAdvisedToPowerDownWithLowConfidence) {
  price("", 4);
  jobs(30, 4, 300);  // limits near what they ran: no backfill advice
  auto found = run(idle_partitions);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_DOUBLE_EQ(found[0].confidence, 0.2);
  EXPECT_NE(found[0].action.find("power idle nodes down"), std::string::npos);
  EXPECT_EQ(evidence(found[0], "jobs with a time limit 3× or more above what they ran"), "");
}

TEST_F(IdlePartitionRule, APartitionBusyMoreThanHalfTheTimeOrOfUnknownSizeIsLeftAlone) {
  price("p4d.24xlarge", 1);
  jobs(30, 16, 24 * 60);  // 16 of 24 hours a day on its one node
  EXPECT_TRUE(run(idle_partitions).empty());
  auto unknown = slurm::set_partition_price(*m_store, {"lab", "gpu", *Money::parse("10"), 4, 32, std::nullopt, "", "--node-hour-usd 10"},
                                            m_options.since);
  ASSERT_TRUE(unknown);
  EXPECT_TRUE(run(idle_partitions).empty()) << "without a node count there is no idle time to speak of";
}

}  // namespace
}  // namespace frugal::advise
