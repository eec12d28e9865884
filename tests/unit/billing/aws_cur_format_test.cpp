// AWS CUR 1.0: the real anonymised sample (shared data) and hand-made files for what it lacks
// (EC2, tags, spot, savings plans, broken values).
#include "native_format_test_util.h"

namespace frugal::billing {
namespace {

using namespace frugal::billing::testing;

constexpr const char* k_sample = "billing_exports/aws_cur_sample_anonymized.csv";

constexpr const char* k_header =
    "identity/LineItemId,bill/PayerAccountId,bill/BillingPeriodStartDate,bill/BillingPeriodEndDate,"
    "lineItem/UsageAccountId,lineItem/LineItemType,lineItem/UsageStartDate,lineItem/UsageEndDate,"
    "lineItem/ProductCode,lineItem/UsageType,lineItem/ResourceId,lineItem/UsageAmount,lineItem/CurrencyCode,"
    "lineItem/UnblendedCost,product/ProductName,product/region,pricing/publicOnDemandCost,pricing/"
    "term,pricing/unit,"
    "savingsPlan/SavingsPlanARN,savingsPlan/SavingsPlanEffectiveCost,savingsPlan/TotalCommitmentToDate,"
    "savingsPlan/UsedCommitment,resourceTags/user:team,resourceTags/aws:createdBy\n";

std::string cur_line(const std::string& type, const std::string& usage_type, const std::string& resource,
                     const std::string& cost, const std::string& on_demand, const std::string& term,
                     const std::string& tail = ",,,,,vision,IAMUser:alice") {
  return "li," + std::string("111122223333,2024-09-01T00:00:00Z,2024-10-01T00:00:00Z,444455556666,") + type +
         ",2024-09-18T07:00:00Z,2024-09-18T08:00:00Z,AmazonEC2," + usage_type + "," + resource + ",1.0,USD," +
         cost + ",Amazon Elastic Compute Cloud,us-east-1," + on_demand + "," + term + ",Hrs" + tail + "\n";
}

TEST(AwsCurFormat, ImportsTheRealSampleWithExactTotals) {
  FRUGAL_REQUIRE_SHARED_DATA(k_sample);
  TestDir dir;
  std::string path = frugal::testing::shared_data(k_sample);
  auto imported = import_into_fresh_store(dir, path);
  ASSERT_TRUE(imported.result) << imported.result.error().message;
  const ImportResult& r = *imported.result;
  EXPECT_EQ(r.format, "aws_cur");
  EXPECT_EQ(r.rows, 1281);

  ExactDecimal billed, list;
  for (const CsvRow& row : read_csv(path)) {
    billed += ExactDecimal::parse(row.at("lineItem/UnblendedCost"));
    // ListCost: the on-demand cost for usage, the billed cost for tax.
    bool usage = row.at("lineItem/LineItemType") == "Usage";
    const std::string& on_demand = row.at("pricing/publicOnDemandCost");
    list += ExactDecimal::parse(usage && !on_demand.empty() ? on_demand : row.at("lineItem/UnblendedCost"));
  }
  ASSERT_EQ(r.totals.size(), 1u);
  const CurrencyTotals& t = r.totals[0];
  EXPECT_EQ(t.provider, "AWS");
  EXPECT_EQ(t.billing_account_id, "123412340534");
  EXPECT_EQ(t.billing_period_start, "2023-11-01T00:00:00.000Z");
  EXPECT_EQ(t.currency, "USD");
  EXPECT_EQ(t.rows, 1281);
  EXPECT_EQ(t.billed.to_string(), billed.to_string());
  EXPECT_EQ(t.billed.to_string(), "1.6823086974");
  EXPECT_EQ(t.effective.to_string(), billed.to_string());  // no savings plans or reservations in it
  EXPECT_EQ(t.list.to_string(), list.to_string());

  store::Store& s = *imported.store;
  EXPECT_EQ(query(s, "SELECT charge_category, count(*) FROM charges GROUP BY 1 ORDER BY 1"),
            (std::vector<std::vector<std::string>>{{"Tax", "12"}, {"Usage", "1269"}}));
  EXPECT_EQ(one(s, "SELECT count(*) FROM charges WHERE pricing_category = 'Standard'"), "901");
  EXPECT_EQ(one(s, "SELECT count(*) FROM charges WHERE tags IS NOT NULL"), "0");  // no tag columns
  EXPECT_EQ(one(s, "SELECT count(*) FROM charges WHERE resource_id IS NOT NULL"), "0");
}

TEST(AwsCurFormat, MapsARealRowOntoFocusColumns) {
  FRUGAL_REQUIRE_SHARED_DATA(k_sample);
  TestDir dir;
  auto imported = import_into_fresh_store(dir, frugal::testing::shared_data(k_sample));
  ASSERT_TRUE(imported.result) << imported.result.error().message;
  store::Store& s = *imported.store;
  EXPECT_EQ(
      query(s,
            "SELECT provider_name, billing_account_id, sub_account_id, billing_period_end, "
            "charge_period_start, "
            "charge_period_end, charge_category, charge_frequency, service_name, region_id, region_name, "
            "sku_id, sku_price_id, pricing_category, pricing_unit, consumed_quantity, publisher_name "
            "FROM charges WHERE source_line = 16"),
      (std::vector<std::vector<std::string>>{
          {"AWS", "123412340534", "123412340534", "2023-12-01T00:00:00.000Z", "2023-11-04T23:00:00.000Z",
           "2023-11-05T00:00:00.000Z", "Usage", "Usage-Based", "Amazon Simple Storage Service", "us-east-1",
           "", "2BG23xxxxxxBKVFW", "2BG23N2FNX3BKxxx.xxxxxxxxxx.xxx6EN2CT7", "Standard", "GB", "9.052e-07",
           "Amazon Web Services Canada, Inc."}}));
  EXPECT_EQ(money(s, "billed_cost", "source_line = 16"), "0.0000000181");
  EXPECT_EQ(money(s, "list_cost", "source_line = 16"), "0.0000000181");
  // A tax line: its list cost is the tax itself (publicOnDemandCost says 0.0).
  EXPECT_EQ(one(s, "SELECT charge_category || ' ' || service_name FROM charges WHERE source_line = 12"),
            "Tax Amazon Simple Storage Service");
  EXPECT_EQ(money(s, "billed_cost", "source_line = 12"), "0.07");
  EXPECT_EQ(money(s, "list_cost", "source_line = 12"), "0.07");
  EXPECT_EQ(one(s, "SELECT pricing_category IS NULL FROM charges WHERE source_line = 12"), "1");
}

TEST(AwsCurFormat, TurnsTagColumnsIntoJsonWithoutTheUserPrefix) {
  TestDir dir;
  std::string path = write_file(
      dir, "cur.csv",
      std::string(k_header) +
          cur_line("Usage", "USE1-BoxUsage:p3.2xlarge", "i-0abc1234def567890", "3.06", "3.06", "OnDemand") +
          cur_line("Usage", "USE1-SpotUsage:g5.xlarge", "i-0fed", "0.41", "1.006", "", ",,,,,,"));
  auto imported = import_into_fresh_store(dir, path);
  ASSERT_TRUE(imported.result) << imported.result.error().message;
  store::Store& s = *imported.store;
  EXPECT_EQ(one(s, "SELECT tags FROM charges WHERE source_line = 2"),
            R"({"team":"vision","aws:createdBy":"IAMUser:alice"})");
  EXPECT_EQ(one(s, "SELECT x_team FROM charges WHERE resource_id = 'i-0abc1234def567890'"), "vision");
  EXPECT_EQ(one(s, "SELECT pricing_category FROM charges WHERE source_line = 2"), "Standard");
  EXPECT_EQ(one(s, "SELECT pricing_category FROM charges WHERE source_line = 3"), "Dynamic");
  EXPECT_EQ(one(s, "SELECT tags IS NULL FROM charges WHERE source_line = 3"), "1");
}

TEST(AwsCurFormat, AmortisesSavingsPlansIntoEffectiveCost) {
  TestDir dir;
  std::string arn = "arn:aws:savingsplans::111122223333:savingsplan/abc";
  std::string path = write_file(dir, "cur.csv",
                                std::string(k_header) +
                                    cur_line("SavingsPlanCoveredUsage", "USE1-BoxUsage:m5.xlarge", "i-1",
                                             "0.192", "0.192", "OnDemand", "," + arn + ",0.1296,,,,") +
                                    cur_line("SavingsPlanRecurringFee", "ComputeSP:1yrNoUpfront", "", "93.6",
                                             "", "", "," + arn + ",,93.6,71.2344,,") +
                                    cur_line("SavingsPlanNegation", "USE1-BoxUsage:m5.xlarge", "i-1",
                                             "-0.192", "", "", "," + arn + ",,,,,") +
                                    cur_line("Credit", "", "", "-25.0", "", "", ",,,,,,"));
  auto imported = import_into_fresh_store(dir, path);
  ASSERT_TRUE(imported.result) << imported.result.error().message;
  store::Store& s = *imported.store;
  EXPECT_EQ(money(s, "effective_cost", "source_line = 2"), "0.1296");
  EXPECT_EQ(money(s, "effective_cost", "source_line = 3"), "22.3656");  // the unused commitment
  EXPECT_EQ(money(s, "effective_cost", "source_line = 4"), "0.00");
  EXPECT_EQ(money(s, "billed_cost", "source_line = 5"), "-25.00");
  EXPECT_EQ(
      query(s,
            "SELECT charge_category, pricing_category, commitment_discount_id, commitment_discount_status "
            "FROM charges ORDER BY source_line"),
      (std::vector<std::vector<std::string>>{{"Usage", "Committed", arn, "Used"},
                                             {"Purchase", "", arn, ""},
                                             {"Usage", "Committed", arn, ""},
                                             {"Credit", "", "", ""}}));
  ASSERT_EQ(imported.result->totals.size(), 1u);
  EXPECT_EQ(imported.result->totals[0].billed.to_string(), "68.60");
  EXPECT_EQ(imported.result->totals[0].effective.to_string(), "-2.5048");
}

TEST(AwsCurFormat, BadCostNamesTheLineAndTheColumn) {
  TestDir dir;
  std::string path = write_file(dir, "cur.csv",
                                std::string(k_header) + cur_line("Usage", "x", "", "1.0", "1.0", "OnDemand") +
                                    cur_line("Usage", "x", "", "3.0.6", "1.0", "OnDemand"));
  auto imported = import_into_fresh_store(dir, path);
  ASSERT_FALSE(imported.result);
  EXPECT_NE(imported.result.error().message.find(
                path + ":3: column lineItem/UnblendedCost: '3.0.6' is not an amount"),
            std::string::npos)
      << imported.result.error().message;
  EXPECT_EQ(one(*imported.store, "SELECT count(*) FROM charges"), "0");
}

TEST(AwsCurFormat, BadDateNamesTheColumn) {
  TestDir dir;
  std::string line =
      replace_once(cur_line("Usage", "x", "", "1.0", "1.0", "OnDemand"), "2024-09-18T07:00:00Z", "yesterday");
  auto imported = import_into_fresh_store(dir, write_file(dir, "cur.csv", std::string(k_header) + line));
  ASSERT_FALSE(imported.result);
  EXPECT_NE(
      imported.result.error().message.find(":2: column lineItem/UsageStartDate: 'yesterday' is not a date"),
      std::string::npos)
      << imported.result.error().message;
}

TEST(AwsCurFormat, MissingRequiredColumnIsNamed) {
  TestDir dir;
  std::string header = replace_once(k_header, "lineItem/CurrencyCode", "lineItem/Currency");
  auto imported = import_into_fresh_store(
      dir, write_file(dir, "cur.csv", header + cur_line("Usage", "x", "", "1.0", "1.0", "OnDemand")));
  ASSERT_FALSE(imported.result);
  EXPECT_NE(imported.result.error().message.find(
                "cur.csv:1: column lineItem/CurrencyCode: missing from the header"),
            std::string::npos)
      << imported.result.error().message;
}

TEST(BillFormats, AreKnownInDetectionOrder) {
  EXPECT_EQ(known_formats(),
            (std::vector<std::string>{"focus", "aws_cur", "aws_cur2", "azure", "gcp", "oci"}));
}

}  // namespace
}  // namespace frugal::billing
