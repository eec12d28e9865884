// AWS CUR 2.0 (Data Exports). No public sample exists: tests/fixtures/billing/aws_cur2_sample.csv
// is written from the documented schema (a GPU instance, savings plan and reservation coverage,
// spot, tax and a credit).
#include "native_format_test_util.h"

namespace frugal::billing {
namespace {

using namespace frugal::billing::testing;

using Rows = std::vector<std::vector<std::string>>;

TEST(AwsCur2Format, ImportsTheFixtureWithExactTotals) {
  TestDir dir;
  std::string path = fixture("aws_cur2_sample.csv");
  auto imported = import_into_fresh_store(dir, path);
  ASSERT_TRUE(imported.result) << imported.result.error().message;
  const ImportResult& r = *imported.result;
  EXPECT_EQ(r.format, "aws_cur2");
  EXPECT_EQ(r.rows, 10);

  ExactDecimal billed;
  bool negative_seen = false;
  for (const CsvRow& row : read_csv(path)) {
    ExactDecimal cost = ExactDecimal::parse(row.at("line_item_unblended_cost"));
    negative_seen = negative_seen || cost.negative();
    billed += cost;
  }
  EXPECT_TRUE(negative_seen);
  ASSERT_EQ(r.totals.size(), 1u);
  EXPECT_EQ(r.totals[0].provider, "AWS");
  EXPECT_EQ(r.totals[0].billing_account_id, "111122223333");
  EXPECT_EQ(r.totals[0].currency, "USD");
  EXPECT_EQ(r.totals[0].billed.to_string(), billed.to_string());
  EXPECT_EQ(r.totals[0].billed.to_string(), "123.8878774194");

  store::Store& s = *imported.store;
  EXPECT_EQ(money(s, "billed_cost", "charge_category = 'Credit'"), "-25.00");
  EXPECT_EQ(query(s, "SELECT charge_category, count(*) FROM charges GROUP BY 1 ORDER BY 1"),
            (Rows{{"Credit", "1"}, {"Purchase", "1"}, {"Tax", "1"}, {"Usage", "7"}}));
}

TEST(AwsCur2Format, MapsTheGpuInstanceRow) {
  TestDir dir;
  auto imported = import_into_fresh_store(dir, fixture("aws_cur2_sample.csv"));
  ASSERT_TRUE(imported.result) << imported.result.error().message;
  store::Store& s = *imported.store;
  EXPECT_EQ(
      query(s,
            "SELECT billing_account_name, sub_account_id, sub_account_name, charge_period_start, "
            "charge_period_end, service_name, region_id, region_name, availability_zone, pricing_category, "
            "consumed_quantity, consumed_unit, sku_id, charge_frequency, x_team, x_project "
            "FROM charges WHERE source_line = 2"),
      (Rows{{"Acme ML Payer", "444455556666", "ml-research", "2024-09-18T07:00:00.000Z",
             "2024-09-18T08:00:00.000Z", "Amazon Elastic Compute Cloud", "us-east-1", "US East (N. Virginia)",
             "us-east-1a", "Standard", "1", "Hrs", "9WPC2UPGDGH7ZXRW", "Usage-Based", "vision",
             "detector"}}));
  EXPECT_EQ(one(s, "SELECT tags FROM charges WHERE source_line = 2"),
            R"({"team":"vision","project":"detector","aws_created_by":"IAMUser:AIDAEXAMPLE:alice"})");
  EXPECT_EQ(money(s, "billed_cost", "source_line = 2"), "32.7726");
  // The instance's two hours share its id, so a run that recorded it can be reconciled.
  EXPECT_EQ(one(s, "SELECT count(*) FROM charges WHERE resource_id = 'i-0abc1234def567890'"), "2");
}

TEST(AwsCur2Format, MapsCommitmentsSpotTaxAndCredit) {
  TestDir dir;
  auto imported = import_into_fresh_store(dir, fixture("aws_cur2_sample.csv"));
  ASSERT_TRUE(imported.result) << imported.result.error().message;
  store::Store& s = *imported.store;
  EXPECT_EQ(
      query(s,
            "SELECT source_line, charge_category, pricing_category, commitment_discount_type, "
            "commitment_discount_status FROM charges WHERE source_line IN (4, 5, 7, 8, 10, 11) ORDER BY 1"),
      (Rows{{"4", "Usage", "Committed", "Savings Plan", "Used"},
            {"5", "Purchase", "", "Savings Plan", ""},
            {"7", "Usage", "Dynamic", "", ""},
            {"8", "Usage", "Committed", "Reserved Instance", "Used"},
            {"10", "Tax", "", "", ""},
            {"11", "Credit", "", "", ""}}));
  EXPECT_EQ(money(s, "effective_cost", "source_line = 4"), "0.1296");
  EXPECT_EQ(money(s, "effective_cost", "source_line = 5"), "22.3656");
  EXPECT_EQ(money(s, "effective_cost", "source_line = 8"), "0.2156");
  EXPECT_EQ(money(s, "list_cost", "source_line = 7"), "1.006");  // spot: the on-demand price is the list
  EXPECT_EQ(money(s, "list_cost", "source_line = 10"), "3.45");  // tax: itself
  EXPECT_EQ(one(s, "SELECT service_name FROM charges WHERE source_line = 5"),
            "Savings Plans for AWS Compute usage");
  EXPECT_EQ(one(s, "SELECT x_dataset FROM charges WHERE source_line = 6"), "coco-2017");
}

TEST(AwsCur2Format, BadCostNamesTheLineAndTheColumn) {
  TestDir dir;
  std::string text =
      replace_once(read_text(fixture("aws_cur2_sample.csv")), ",16.3863,16.3863,", ",16.38x63,16.3863,");
  auto imported = import_into_fresh_store(dir, write_file(dir, "cur2.csv", text));
  ASSERT_FALSE(imported.result);
  EXPECT_NE(imported.result.error().message.find(
                "cur2.csv:3: column line_item_unblended_cost: '16.38x63' is not an amount"),
            std::string::npos)
      << imported.result.error().message;
}

TEST(AwsCur2Format, BadTagMapNamesTheColumn) {
  TestDir dir;
  std::string text = replace_once(read_text(fixture("aws_cur2_sample.csv")),
                                  R"("{""user_team"":""platform""}")", R"("{""user_team"" ""platform""}")");
  auto imported = import_into_fresh_store(dir, write_file(dir, "cur2.csv", text));
  ASSERT_FALSE(imported.result);
  EXPECT_NE(imported.result.error().message.find("cur2.csv:4: column resource_tags: not a JSON object"),
            std::string::npos)
      << imported.result.error().message;
}

TEST(AwsCur2Format, MissingRequiredColumnIsNamed) {
  TestDir dir;
  std::string text = replace_once(read_text(fixture("aws_cur2_sample.csv")), "line_item_usage_end_date",
                                  "line_item_usage_stop_date");
  auto imported = import_into_fresh_store(dir, write_file(dir, "cur2.csv", text));
  ASSERT_FALSE(imported.result);
  EXPECT_NE(imported.result.error().message.find(
                "cur2.csv:1: column line_item_usage_end_date: missing from the header"),
            std::string::npos)
      << imported.result.error().message;
}

}  // namespace
}  // namespace frugal::billing
