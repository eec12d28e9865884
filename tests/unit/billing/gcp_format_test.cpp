// GCP standard billing export as CSV. No public sample exists: tests/fixtures/billing/
// gcp_billing_export.csv follows the BigQuery schema (dotted record columns, JSON credits and
// labels, "… UTC" timestamps) with a GPU VM, credits, spot, tax, an adjustment and a row of the
// previous invoice month.
#include <regex>

#include "native_format_test_util.h"

namespace frugal::billing {
namespace {

using namespace frugal::billing::testing;

using Rows = std::vector<std::vector<std::string>>;

// Σ of the "amount" members of a credits array, read with a regex rather than any JSON code of ours.
ExactDecimal credit_amounts(const std::string& credits) {
  static const std::regex k_amount(R"re("amount"\s*:\s*(-?[0-9.eE+-]+))re");
  ExactDecimal sum;
  for (std::sregex_iterator it(credits.begin(), credits.end(), k_amount), end; it != end; ++it)
    sum += ExactDecimal::parse((*it)[1].str());
  return sum;
}

TEST(GcpFormat, ImportsTheFixtureWithExactTotalsPerInvoiceMonth) {
  TestDir dir;
  std::string path = fixture("gcp_billing_export.csv");
  auto imported = import_into_fresh_store(dir, path);
  ASSERT_TRUE(imported.result) << imported.result.error().message;
  const ImportResult& r = *imported.result;
  EXPECT_EQ(r.format, "gcp");
  EXPECT_EQ(r.rows, 10);

  std::map<std::string, ExactDecimal> billed, list;  // by invoice month
  for (const CsvRow& row : read_csv(path)) {
    billed[row.at("invoice.month")] += ExactDecimal::parse(row.at("cost"));
    billed[row.at("invoice.month")] += credit_amounts(row.at("credits"));
    const std::string& at_list = row.at("cost_at_list");
    list[row.at("invoice.month")] += ExactDecimal::parse(at_list.empty() ? row.at("cost") : at_list);
  }
  ASSERT_EQ(r.totals.size(), 2u);
  EXPECT_EQ(r.totals[0].provider, "Google Cloud");
  EXPECT_EQ(r.totals[0].billing_account_id, "01A2B3-C4D5E6-F7A8B9");
  EXPECT_EQ(r.totals[0].billing_period_start, "2024-08-01T07:00:00.000Z");  // midnight in Los Angeles
  EXPECT_EQ(r.totals[0].billed.to_string(), billed["202408"].to_string());
  EXPECT_EQ(r.totals[1].billing_period_start, "2024-09-01T07:00:00.000Z");
  EXPECT_EQ(r.totals[1].currency, "USD");
  EXPECT_EQ(r.totals[1].rows, 9);
  EXPECT_EQ(r.totals[1].billed.to_string(), billed["202409"].to_string());
  EXPECT_EQ(r.totals[1].billed.to_string(), "5.846879678");
  EXPECT_EQ(r.totals[1].effective.to_string(), billed["202409"].to_string());
  EXPECT_EQ(r.totals[1].list.to_string(), list["202409"].to_string());
}

TEST(GcpFormat, MapsTheGpuRowAndItsLabels) {
  TestDir dir;
  auto imported = import_into_fresh_store(dir, fixture("gcp_billing_export.csv"));
  ASSERT_TRUE(imported.result) << imported.result.error().message;
  store::Store& s = *imported.store;
  EXPECT_EQ(query(s,
                  "SELECT billing_period_end, charge_period_start, charge_period_end, sub_account_id, "
                  "sub_account_name, service_name, sku_id, charge_description, region_id, availability_zone, "
                  "resource_name, pricing_category, consumed_quantity, consumed_unit, pricing_quantity, "
                  "pricing_unit, "
                  "x_team, x_model FROM charges WHERE source_line = 2"),
            (Rows{{"2024-10-01T07:00:00.000Z", "2024-09-18T07:00:00.000Z", "2024-09-18T08:00:00.000Z",
                   "ml-training", "ML Training", "Compute Engine", "0C5C-7F49-A7B8",
                   "Nvidia Tesla A100 GPU running in Americas", "us-central1", "us-central1-a",
                   "a100-trainer-1", "Standard", "3600", "seconds", "1", "hour", "vision", "detector-v2"}}));
  EXPECT_EQ(one(s, "SELECT tags FROM charges WHERE source_line = 2"),
            R"({"team":"vision","model":"detector-v2"})");
  EXPECT_EQ(
      one(s, "SELECT resource_id FROM charges WHERE source_line = 2"),
      "//compute.googleapis.com/projects/ml-training/zones/us-central1-a/instances/4631029383744517733");
}

TEST(GcpFormat, NetsCreditsAndKeepsNegativesAndCategories) {
  TestDir dir;
  auto imported = import_into_fresh_store(dir, fixture("gcp_billing_export.csv"));
  ASSERT_TRUE(imported.result) << imported.result.error().message;
  store::Store& s = *imported.store;
  EXPECT_EQ(money(s, "billed_cost", "source_line = 3"), "2.347126");  // sustained use discount netted
  EXPECT_EQ(money(s, "list_cost", "source_line = 3"), "2.933908");
  EXPECT_EQ(money(s, "billed_cost", "source_line = 7"), "0.00");  // free tier
  EXPECT_EQ(money(s, "list_cost", "source_line = 7"), "6.25");
  EXPECT_EQ(money(s, "billed_cost", "source_line = 11"), "-1.50");
  EXPECT_EQ(query(s,
                  "SELECT source_line, charge_category, pricing_category, region_id FROM charges "
                  "WHERE source_line IN (4, 5, 6, 10, 11) ORDER BY 1"),
            (Rows{{"4", "Usage", "Committed", "us-central1"},
                  {"5", "Usage", "Dynamic", "us-central1"},
                  {"6", "Usage", "Standard", "us"},
                  {"10", "Tax", "", ""},
                  {"11", "Adjustment", "", "us-central1"}}));
}

TEST(GcpFormat, BrokenValuesNameTheLineAndTheColumn) {
  const std::string original = read_text(fixture("gcp_billing_export.csv"));
  struct Case {
    std::string from, to, expected;
  };
  const std::vector<Case> cases = {
      {",0.0385,USD,", ",0.03 85,USD,", "gcp.csv:5: column cost: '0.03 85' is not an amount"},
      {R"(""amount"":-0.586782,)", R"(""amount"":""lots"",)",
       "gcp.csv:3: column credits: amount 'lots' is not an amount"},
      {R"([{""key"":""team"",""value"":""research""}])", R"([{""key"":""team"",""value"":""research""})",
       "gcp.csv:5: column labels: not a JSON array of objects"},
      {",202408,", ",2024-08,", "gcp.csv:9: column invoice.month: '2024-08' is not a month (YYYYMM)"},
      {"2024-09-18 07:00:00 UTC", "2024-09-18 7am UTC",
       "gcp.csv:2: column usage_start_time: '2024-09-18 7am' is not a date"},
  };
  for (const Case& c : cases) {
    TestDir dir;
    auto imported =
        import_into_fresh_store(dir, write_file(dir, "gcp.csv", replace_once(original, c.from, c.to)));
    ASSERT_FALSE(imported.result) << c.to;
    EXPECT_NE(imported.result.error().message.find(c.expected), std::string::npos)
        << imported.result.error().message;
  }
}

TEST(GcpFormat, MissingRequiredColumnIsNamed) {
  TestDir dir;
  std::string text =
      replace_once(read_text(fixture("gcp_billing_export.csv")), "usage_end_time", "usage_stop_time");
  auto imported = import_into_fresh_store(dir, write_file(dir, "gcp.csv", text));
  ASSERT_FALSE(imported.result);
  EXPECT_NE(imported.result.error().message.find("gcp.csv:1: column usage_end_time: missing from the header"),
            std::string::npos)
      << imported.result.error().message;
}

}  // namespace
}  // namespace frugal::billing
