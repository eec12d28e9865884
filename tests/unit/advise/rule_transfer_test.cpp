#include <algorithm>
#include <filesystem>

#include "unit/advise/advise_fixture.h"
#include "billing/billing.h"

namespace frugal::advise {
namespace {

// One bill row; the fields a transfer flow is built from, the rest filled in by charge().
struct Row {
  std::string category = "Networking";
  std::string service = "Amazon Elastic Compute Cloud";
  std::string region = "us-east-1";
  std::string description = "";
  std::string unit = "GB";
  double quantity = 0;
  std::int64_t cost_nanos = 0;
  std::int64_t cost_attos = 0;
  std::string start = "2026-11-10T10:00:00.000Z";
  std::string team = "";
  std::string sku = "";
};

class TransferRule : public testing::AdviseTest {
 protected:
  void SetUp() override {
    AdviseTest::SetUp();
    auto r = m_store->query(
        "INSERT INTO imports (file, file_sha256, format, imported_at, rows) "
        "VALUES ('bill.csv', 'sha', 'focus', '2026-11-26T00:00:00.000Z', 0) RETURNING id");
    ASSERT_TRUE(r) << r.error().message;
    m_import = store::as_int(r->rows[0][0]);
  }

  void charge(const Row& row) {
    exec("INSERT INTO charges (import_id, source_line, provider_name, billing_account_id, billing_currency, "
         "billing_period_start, billing_period_end, charge_period_start, charge_period_end, charge_description, "
         "billed_cost_nanos, billed_cost_attos, effective_cost_nanos, effective_cost_attos, list_cost_nanos, "
         "list_cost_attos, consumed_quantity, consumed_unit, region_id, service_category, service_name, sku_id, x_team) "
         "VALUES (?, 1, 'AWS', 'acct', 'USD', '2026-11-01T00:00:00.000Z', '2026-12-01T00:00:00.000Z', ?, ?, ?, ?, ?, "
         "0, 0, 0, 0, ?, ?, ?, ?, ?, ?, ?)",
         {m_import, row.start, row.start, row.description, row.cost_nanos, row.cost_attos, row.quantity, row.unit,
          row.region, row.category, row.service, store::text_or_null(row.sku), store::text_or_null(row.team)});
  }

  std::int64_t m_import = 0;
};

const char* k_to_virginia = "$0.02 per GB - US West (Oregon) data transfer to US East (Northern Virginia)";
const char* k_out = "$0.09 per GB - first 10 TB / month data transfer out";

TEST_F(TransferRule, CrossRegionSavesItsWholeCostAndEgressHalf) {
  // Cross-region, summed to the atto: 6.0000000004 + 6.4999999997 = 12.5000000001.
  charge({.category = "Compute", .region = "us-west-2", .description = k_to_virginia, .quantity = 300,
          .cost_nanos = 6'000'000'000, .cost_attos = 400'000'000});
  charge({.category = "Compute", .region = "us-west-2", .description = k_to_virginia, .quantity = 325,
          .cost_nanos = 6'499'999'999, .cost_attos = 700'000'000, .start = "2026-11-25T23:00:00.000Z"});
  charge({.description = k_out, .quantity = 100, .cost_nanos = 9'000'000'000});
  // Not transfer: an instance hour, a load balancer hour; and a transfer row before the window.
  charge({.category = "Compute", .description = "$32.77 per On Demand Linux p4d.24xlarge Instance Hour",
          .unit = "Hours", .quantity = 1, .cost_nanos = 32'770'000'000});
  charge({.service = "Elastic Load Balancing", .description = "$0.0225 per Application LoadBalancer-hour",
          .unit = "Hours", .quantity = 100, .cost_nanos = 2'250'000'000});
  charge({.description = k_out, .quantity = 1000, .cost_nanos = 90'000'000'000, .start = "2026-10-26T23:00:00.000Z"});

  auto found = run(transfer);
  ASSERT_EQ(found.size(), 2u);
  const auto& cross = found[0];
  EXPECT_EQ(cross.rule, "transfer");
  EXPECT_EQ(cross.target, std::string("cross-region transfer in us-west-2: ") + k_to_virginia +
                              " (Amazon Elastic Compute Cloud, AWS)");
  EXPECT_EQ(cross.id, recommendation_id("transfer", cross.target));
  EXPECT_EQ(cross.team, "");
  EXPECT_EQ(cross.monthly_saving.to_string(), "12.5000000001");
  EXPECT_DOUBLE_EQ(cross.confidence, 0.6);
  EXPECT_EQ(evidence(cross, "cost in window"), "$12.50");
  EXPECT_EQ(evidence(cross, "kind"), "cross-region");
  EXPECT_EQ(evidence(cross, "volume"), "625.00 GB");
  EXPECT_EQ(evidence(cross, "charges"), "2");
  EXPECT_EQ(evidence(cross, "average price"), "$0.0200 per GB");
  EXPECT_NE(cross.action.find("next to the compute"), std::string::npos);

  const auto& egress = found[1];
  EXPECT_EQ(evidence(egress, "kind"), "internet egress");
  EXPECT_EQ(egress.monthly_saving.to_string(), "4.50");  // half of $9.00
  EXPECT_DOUBLE_EQ(egress.confidence, 0.3);
  EXPECT_EQ(evidence(egress, "volume"), "100.00 GB");
  EXPECT_NE(egress.action.find("frugal data get"), std::string::npos);

  // The query shows the same rows on either backend.
  auto shown = m_store->query(cross.query);
  ASSERT_TRUE(shown) << shown.error().message << "\n" << cross.query;
  ASSERT_EQ(shown->rows.size(), 1u);
  EXPECT_EQ(store::as_int(shown->rows[0][0]), 2);
  EXPECT_EQ(store::as_int(shown->rows[0][1]), 12'499'999'999);
  EXPECT_EQ(store::as_text(shown->rows[0][3]), "GB");
}

TEST_F(TransferRule, ComputeAndHourlyNetworkingDoNotFire) {
  charge({.category = "Compute", .description = "$32.77 per On Demand Linux p4d.24xlarge Instance Hour",
          .unit = "Hours", .quantity = 720, .cost_nanos = 23'594'400'000'000});
  charge({.service = "Amazon Virtual Private Cloud", .description = "$0.005 per In-use public IPv4 address per hour",
          .unit = "Hours", .quantity = 720, .cost_nanos = 3'600'000'000});
  // Free inbound transfer: nothing to save.
  charge({.description = "$0.000 per GB - data transfer in per month", .quantity = 5000});
  EXPECT_TRUE(run(transfer).empty());
}

TEST_F(TransferRule, RecognisesTransferBySkuZoneWordingAndNetworkingVolume) {
  charge({.category = "Other", .service = "Amazon S3", .description = "Outbound bytes", .quantity = 10,
          .cost_nanos = 1'000'000'000, .sku = "USE1-DataTransfer-Out-Bytes"});
  charge({.service = "Amazon Virtual Private Cloud", .description = "$0.045 per GB Data Processed by NAT Gateways",
          .quantity = 100, .cost_nanos = 4'500'000'000});
  charge({.category = "Compute",
          .description = "$0.010 per GB - regional data transfer - in/out/between EC2 AZs or using elastic IPs or ELB",
          .quantity = 300, .cost_nanos = 3'000'000'000});
  auto found = run(transfer);
  ASSERT_EQ(found.size(), 3u);
  EXPECT_EQ(evidence(found[0], "kind"), "internet egress");  // NAT: $4.50
  EXPECT_EQ(found[0].monthly_saving.to_string(), "2.25");
  EXPECT_EQ(evidence(found[1], "kind"), "cross-zone");  // $3.00
  EXPECT_EQ(found[1].monthly_saving.to_string(), "1.50");
  EXPECT_NE(found[1].action.find("availability zone"), std::string::npos);
  EXPECT_EQ(evidence(found[2], "kind"), "internet egress");  // the SKU says DataTransfer: $1.00
  EXPECT_EQ(found[2].monthly_saving.to_string(), "0.50");
}

TEST_F(TransferRule, KeepsTheTenCostliestFlows) {
  for (int i = 1; i <= 12; ++i)
    charge({.region = "region-" + std::to_string(100 + i), .description = k_out, .quantity = 1.0 * i,
            .cost_nanos = std::int64_t{i} * 1'000'000'000});
  auto found = run(transfer);
  ASSERT_EQ(found.size(), 10u);
  EXPECT_EQ(evidence(found.front(), "cost in window"), "$12.00");
  EXPECT_EQ(evidence(found.back(), "cost in window"), "$3.00");
}

TEST_F(TransferRule, TeamFilterKeepsThatTeamsRows) {
  charge({.description = k_out, .quantity = 100, .cost_nanos = 10'000'000'000, .team = "vision"});
  charge({.description = k_out, .quantity = 40, .cost_nanos = 4'000'000'000, .team = "nlp"});

  auto all = run(transfer);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].team, "");  // the flow spans two teams
  EXPECT_EQ(all[0].monthly_saving.to_string(), "7.00");

  m_options.team = "vision";
  auto vision = run(transfer);
  ASSERT_EQ(vision.size(), 1u);
  EXPECT_EQ(vision[0].team, "vision");
  EXPECT_EQ(vision[0].monthly_saving.to_string(), "5.00");
  EXPECT_EQ(evidence(vision[0], "volume"), "100.00 GB");
  auto shown = m_store->query(vision[0].query);
  ASSERT_TRUE(shown) << shown.error().message;
  EXPECT_EQ(store::as_int(shown->rows[0][0]), 1);

  m_options.team = "search";
  EXPECT_TRUE(run(transfer).empty());
}

TEST_F(TransferRule, AFlowOfOneTeamIsThatTeams) {
  charge({.description = k_out, .quantity = 100, .cost_nanos = 10'000'000'000, .team = "vision"});
  auto found = run(transfer);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].team, "vision");
}

TEST_F(TransferRule, ShortWindowIsScaledToThirtyDays) {
  m_options.since = *parse_utc("2026-11-11T00:00:00Z");  // 15 days
  charge({.description = k_out, .quantity = 100, .cost_nanos = 9'000'000'000, .start = "2026-11-20T10:00:00.000Z"});
  auto found = run(transfer);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].monthly_saving.to_string(), "9.00");  // $4.50 over 15 days
}

// The FOCUS sample (AWS, Microsoft, Oracle; September 2024): 168 Networking rows, most of them
// load balancer hours and public IPv4 addresses (not transfer), plus EC2, S3 and ELB transfer.
TEST_F(TransferRule, FindsTheTransferInTheFocusSample) {
  FRUGAL_REQUIRE_SHARED_DATA("focus/focus_sample_1000.csv");
  auto imported = billing::import_bill(*m_store, ::frugal::testing::shared_data("focus/focus_sample_1000.csv"), {},
                                       *parse_utc("2026-11-26T00:00:00Z"));
  ASSERT_TRUE(imported) << imported.error().message;
  m_options.since = *parse_utc("2024-09-01T00:00:00Z");
  m_options.until = *parse_utc("2024-10-01T00:00:00Z");

  auto found = run(transfer);
  ASSERT_EQ(found.size(), 10u);
  // The largest: EC2 internet egress from us-east-1, 68 hourly rows, 3.34 GB for $0.2840692151.
  EXPECT_EQ(found[0].target, "internet egress transfer in us-east-1: $0.085 per GB - next 40 TB / month data "
                             "transfer out (Amazon Elastic Compute Cloud, AWS)");
  EXPECT_EQ(evidence(found[0], "charges"), "68");
  EXPECT_EQ(evidence(found[0], "volume"), "3.34 GB");
  EXPECT_EQ(found[0].monthly_saving.to_string(), "0.14203460755");
  // Oregon to Virginia through the load balancer: cross-region, all of it saved.
  auto cross = std::ranges::find_if(found, [](const Recommendation& r) {
    return r.target.starts_with("cross-region transfer in us-west-2") && r.target.ends_with("(Elastic Load Balancing, AWS)");
  });
  ASSERT_NE(cross, found.end());
  EXPECT_EQ(cross->monthly_saving.to_string(), "0.0035773884");
  EXPECT_EQ(std::ranges::count_if(found, [](const Recommendation& r) { return r.target.find("LoadBalancer-hour") != std::string::npos; }), 0);
}

}  // namespace
}  // namespace frugal::advise
