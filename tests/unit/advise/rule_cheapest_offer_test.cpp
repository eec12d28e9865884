// The "cheapest_offer" rule, on both backends. Prices are for L40S, a model the built-in
// catalog does not list, so only the rows inserted here compete.
#include "unit/advise/advise_fixture.h"

namespace frugal::advise {
namespace {

constexpr std::int64_t k_hour_ms = 3'600'000;
constexpr std::int64_t k_usd = 1'000'000'000;

class CheapestOfferRule : public testing::AdviseTest {
 protected:
  void SetUp() override {
    AdviseTest::SetUp();
    add_offer("aws", "us-east-1", "g6e.12xlarge", 4, 10 * k_usd);      // $2.50 per GPU-hour
    add_offer("aws", "us-west-2", "g6e.12xlarge", 4, 9 * k_usd);       // $2.25: the same cloud, another region
    add_offer("aws", "us-east-1", "g6e.xlarge", 1, 1'861'000'000);
    add_offer("lambda", "us-south-1", "gpu_4x_l40s", 4, 6 * k_usd);    // $1.50: the cheapest for 4 GPUs
    add_offer("lambda", "us-south-1", "gpu_1x_l40s", 1, 1'600'000'000);  // cheaper, but too few GPUs
  }

  void add_offer(const std::string& provider, const std::string& region, const std::string& type,
                 std::int64_t gpus, std::int64_t price_nanos) {
    exec("INSERT INTO catalog (provider, region, kind, instance_type, vcpus, memory_gib, gpu_model, gpu_count, "
         "gpu_memory_gib, price_nanos, source) VALUES (?, ?, 'instance', ?, ?, ?, 'L40S', ?, ?, ?, 'test')",
         {provider, region, type, 12.0 * static_cast<double>(gpus), 96.0 * static_cast<double>(gpus),
          static_cast<double>(gpus), 48.0 * static_cast<double>(gpus), price_nanos});
  }

  // A run holding every GPU of the instance, priced as the runner prices one.
  void add_run(const std::string& project, const std::string& provider, const std::string& region,
               const std::string& type, std::int64_t gpus, std::int64_t hourly_nanos, std::int64_t duration_ms,
               const std::string& pricing = "on_demand") {
    exec("INSERT INTO runs (username, team, project, command, provider, region, instance_type, pricing, "
         "hourly_price_nanos, gpu_count, instance_gpu_count, started_at, duration_ms, status, cost_nanos) "
         "VALUES ('ana', 'vision', ?, 'python train.py', ?, ?, ?, ?, ?, ?, ?, '2026-11-02T00:00:00.000Z', ?, "
         "'finished', ?)",
         {project, provider, region, type, pricing, hourly_nanos, gpus, gpus, duration_ms,
          Money::from_nanos(hourly_nanos).scaled(duration_ms, k_hour_ms).nanos_rounded()});
  }
};

TEST_F(CheapestOfferRule, ProjectPayingMorePerGpuHourIsPointedToTheCheapestOffer) {
  // 12.5 h on 4 × L40S at $2.50 per GPU-hour: 50 GPU-hours, $125; at $1.50 they cost $75.
  add_run("detector", "aws", "us-east-1", "g6e.12xlarge", 4, 10 * k_usd, 10 * k_hour_ms);
  add_run("detector", "aws", "us-east-1", "g6e.12xlarge", 4, 10 * k_usd, 5 * k_hour_ms / 2);
  // Fewer GPU-hours on one GPU: not the project's typical need. Spot runs are not compared.
  add_run("detector", "aws", "us-east-1", "g6e.xlarge", 1, 1'861'000'000, k_hour_ms);
  add_run("detector", "aws", "us-east-1", "g6e.12xlarge", 4, 3 * k_usd, 100 * k_hour_ms, "spot");

  auto found = run(cheapest_offer);
  ASSERT_EQ(found.size(), 1u);
  const auto& r = found[0];
  EXPECT_EQ(r.rule, "cheapest_offer");
  EXPECT_EQ(r.team, "vision");
  EXPECT_EQ(r.target, "project detector on 4×L40S");
  EXPECT_EQ(r.monthly_saving.to_string(), "50.00");
  EXPECT_EQ(evidence(r, "runs"), "2");
  EXPECT_EQ(evidence(r, "GPU-hours"), "50.0 on 4×L40S");
  EXPECT_EQ(evidence(r, "now"), "aws us-east-1 g6e.12xlarge: $2.50 per GPU-hour");
  EXPECT_EQ(evidence(r, "cheapest offer"), "lambda us-south-1 gpu_4x_l40s (4×L40S): $1.50 per GPU-hour");
  EXPECT_EQ(evidence(r, "cheapest at aws"), "aws us-west-2 g6e.12xlarge: $2.25 per GPU-hour");
  EXPECT_DOUBLE_EQ(r.confidence, 0.5);
  EXPECT_NE(r.action.find("--instance-type gpu_4x_l40s --region us-south-1"), std::string::npos) << r.action;
  auto q = m_store->query(r.query);
  ASSERT_TRUE(q) << r.query << ": " << q.error().message;
  EXPECT_EQ(q->rows.size(), 2u);  // g6e.12xlarge and g6e.xlarge
}

TEST_F(CheapestOfferRule, AMoveToAnotherProviderSaysWhatItTradesAway) {
  add_run("detector", "aws", "us-east-1", "g6e.12xlarge", 4, 10 * k_usd, 10 * k_hour_ms);
  auto found = run(cheapest_offer);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_NE(found[0].action.find("Moving to lambda trades away what aws gives now"), std::string::npos) << found[0].action;
  EXPECT_EQ(found[0].action.find("marketplace"), std::string::npos) << "lambda is a cloud, not a marketplace";
}

TEST_F(CheapestOfferRule, AMarketplaceHostIsAdvisedWithItsRisksAndLessConfidence) {
  // A Vast-style region names a place, with commas and spaces: the command quotes it.
  add_offer("vast", "Vietnam, VN, AS", "4x L40S", 4, 4 * k_usd);
  add_run("detector", "aws", "us-east-1", "g6e.12xlarge", 4, 10 * k_usd, 10 * k_hour_ms);
  auto found = run(cheapest_offer);
  ASSERT_EQ(found.size(), 1u);
  const auto& r = found[0];
  EXPECT_NE(r.action.find("--instance-type '4x L40S' --region 'Vietnam, VN, AS'"), std::string::npos) << r.action;
  EXPECT_NE(r.action.find("no SLA"), std::string::npos) << r.action;
  EXPECT_DOUBLE_EQ(r.confidence, 0.3);
}

TEST_F(CheapestOfferRule, ARunThatDidNotSayWhereItRanIsShownSo) {
  // Runs sent through the API may carry an instance type but no provider or region.
  add_run("detector", "", "", "g6e.12xlarge", 4, 10 * k_usd, 10 * k_hour_ms);
  auto found = run(cheapest_offer);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(evidence(found[0], "now"), "(provider and region not recorded) g6e.12xlarge: $2.50 per GPU-hour");
}

TEST_F(CheapestOfferRule, SavingIsExactForOddDurations) {
  // 1 ms short of 7 h on 4 GPUs: the run cost $69.999997222 (to the nano); at $6/h the same GPU-hours
  // cost $41.999998333… (to the atto).
  add_run("detector", "aws", "us-east-1", "g6e.12xlarge", 4, 10 * k_usd, 7 * k_hour_ms - 1);
  auto found = run(cheapest_offer);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].monthly_saving.to_string(), "27.999998888666666667");
}

TEST_F(CheapestOfferRule, ProjectAlreadyOnTheCheapestOfferIsLeftAlone) {
  add_run("detector", "lambda", "us-south-1", "gpu_4x_l40s", 4, 6 * k_usd, 10 * k_hour_ms);
  // Within 5% of the cheapest: not worth a move.
  add_offer("aws", "eu-west-1", "g6e.12xlarge", 4, 6'200'000'000);
  add_run("ranker", "aws", "eu-west-1", "g6e.12xlarge", 4, 6'200'000'000, 10 * k_hour_ms);
  EXPECT_TRUE(run(cheapest_offer).empty());
}

}  // namespace
}  // namespace frugal::advise
