// Azure cost details / EA exports: both real samples (Cost + BillingCurrency, and
// CostInBillingCurrency + BillingCurrencyCode) and hand-made broken files.
#include "native_format_test_util.h"
#include "unit/billing/decimal_sum.h"

namespace frugal::billing {
namespace {

using namespace frugal::billing::testing;

using Rows = std::vector<std::vector<std::string>>;

constexpr const char* k_actual = "billing_exports/azure_ea_actual_cost_small.csv";
constexpr const char* k_export = "billing_exports/azure_ea_export_sample_anonymized.csv";

constexpr const char* k_header =
    "BillingAccountId,BillingPeriodStartDate,BillingPeriodEndDate,SubscriptionId,Date,MeterCategory,Quantity,"
    "Cost,PayGPrice,BillingCurrency,ChargeType,PricingModel,Tags\n";

// The totals an independent reading of the raw file gives: Σ cost, and Σ list cost (PayGPrice ×
// Quantity for usage, the cost itself for other charge types).
struct RawTotals {
  ExactDecimal billed, list;
};

RawTotals raw_totals(const std::string& path, const std::string& cost_column) {
  RawTotals t;
  for (const CsvRow& row : read_csv(path)) {
    t.billed += ExactDecimal::parse(row.at(cost_column));
    if (row.at("ChargeType") == "Usage")
      t.list += ExactDecimal::product(row.at("PayGPrice"), row.at("Quantity"));
    else
      t.list += ExactDecimal::parse(row.at(cost_column));
  }
  return t;
}

TEST(AzureFormat, ImportsTheActualCostSampleWithExactTotals) {
  FRUGAL_REQUIRE_SHARED_DATA(k_actual);
  TestDir dir;
  std::string path = frugal::testing::shared_data(k_actual);
  auto imported = import_into_fresh_store(dir, path);
  ASSERT_TRUE(imported.result) << imported.result.error().message;
  const ImportResult& r = *imported.result;
  EXPECT_EQ(r.format, "azure");
  EXPECT_EQ(r.rows, 11);
  RawTotals raw = raw_totals(path, "Cost");
  ASSERT_EQ(r.totals.size(), 1u);
  const CurrencyTotals& t = r.totals[0];
  EXPECT_EQ(t.provider, "Microsoft");
  EXPECT_EQ(t.billing_account_id, "8611537");
  EXPECT_EQ(t.billing_period_start, "2023-09-01T00:00:00.000Z");
  EXPECT_EQ(t.currency, "USD");
  EXPECT_EQ(t.billed.to_string(), raw.billed.to_string());
  EXPECT_EQ(t.billed.to_string(), "8.5450077867419368");
  EXPECT_EQ(t.effective.to_string(), raw.billed.to_string());
  EXPECT_EQ(t.list.to_string(), raw.list.to_string());
  EXPECT_EQ(t.list.to_string(), "8.545007719");
  EXPECT_EQ(one(*imported.store, "SELECT DISTINCT billing_period_end FROM charges"),
            "2023-10-01T00:00:00.000Z");
}

TEST(AzureFormat, MapsTheReservationPurchaseAndTaggedUsage) {
  FRUGAL_REQUIRE_SHARED_DATA(k_actual);
  TestDir dir;
  auto imported = import_into_fresh_store(dir, frugal::testing::shared_data(k_actual));
  ASSERT_TRUE(imported.result) << imported.result.error().message;
  store::Store& s = *imported.store;
  EXPECT_EQ(
      query(s,
            "SELECT charge_category, charge_frequency, pricing_category, commitment_discount_type, "
            "commitment_discount_category, commitment_discount_name, charge_period_start, charge_period_end, "
            "service_name, region_id, sub_account_name, tags FROM charges WHERE source_line = 2"),
      (Rows{{"Purchase", "Recurring", "Committed", "Reservation", "Usage", "VM_RI_06-21-2023_18-56",
             "2023-09-21T00:00:00.000Z", "2023-09-22T00:00:00.000Z", "Virtual Machines", "uksouth",
             "Cost Management Research", ""}}));
  EXPECT_EQ(money(s, "list_cost", "source_line = 2"), "3.25");  // a purchase has no PayG price
  EXPECT_EQ(
      one(s, "SELECT tags FROM charges WHERE source_line = 3"),
      R"({"CostCenter": "1234","env": "prod","org": "trey","application": "databricks","databricks-environment": "true"})");
  EXPECT_EQ(
      query(s, "SELECT charge_frequency, pricing_category, region_id FROM charges WHERE source_line = 3"),
      (Rows{{"Usage-Based", "Standard", "eastus2"}}));
  // List = 15 × 0.03225806 exactly, a hair under the billed cost Azure rounded differently.
  EXPECT_EQ(money(s, "list_cost", "source_line = 12"), "0.4838709");
  EXPECT_EQ(money(s, "billed_cost", "source_line = 12"), "0.4838709677419368");
}

TEST(AzureFormat, ImportsTheExportSampleWithSpotRowsAsDynamic) {
  FRUGAL_REQUIRE_SHARED_DATA(k_export);
  TestDir dir;
  std::string path = frugal::testing::shared_data(k_export);
  auto imported = import_into_fresh_store(dir, path);
  ASSERT_TRUE(imported.result) << imported.result.error().message;
  const ImportResult& r = *imported.result;
  EXPECT_EQ(r.format, "azure");
  EXPECT_EQ(r.rows, 27);
  RawTotals raw = raw_totals(path, "CostInBillingCurrency");
  ASSERT_EQ(r.totals.size(), 1u);
  EXPECT_EQ(r.totals[0].provider, "Microsoft");
  EXPECT_EQ(r.totals[0].currency, "CAD");
  EXPECT_EQ(r.totals[0].billed.to_string(), raw.billed.to_string());
  EXPECT_EQ(r.totals[0].billed.to_string(), "1.26136926505726");
  EXPECT_EQ(r.totals[0].list.to_string(), raw.list.to_string());

  store::Store& s = *imported.store;
  EXPECT_EQ(query(s, "SELECT pricing_category, count(*) FROM charges GROUP BY 1 ORDER BY 1"),
            (Rows{{"Dynamic", "3"}, {"Standard", "24"}}));
  EXPECT_EQ(
      query(
          s,
          "SELECT DISTINCT charge_period_start, charge_period_end, billing_period_start, billing_period_end "
          "FROM charges"),
      (Rows{{"2023-09-02T00:00:00.000Z", "2023-09-03T00:00:00.000Z", "2023-09-01T00:00:00.000Z",
             "2023-10-01T00:00:00.000Z"}}));
  EXPECT_EQ(one(s, "SELECT DISTINCT tags FROM charges"),
            R"({"tagA": "valueA","tagB": "valueB","tagC": "valueC"})");
  EXPECT_EQ(one(s, "SELECT service_name FROM charges WHERE source_line = 4"), "Virtual Machines");
  EXPECT_EQ(money(s, "billed_cost", "source_line = 18"), "0.00000000665679");  // 6.65679E-09
}

TEST(AzureFormat, ListCostIsExactAndRoundsHalfEvenOnlyPastTwentyEightDecimals) {
  TestDir dir;
  auto imported = import_into_fresh_store(
      dir,
      write_file(
          dir, "azure.csv",
          std::string(k_header) +
              "1,9/1/2023,9/30/2023,s,9/2/2023,Storage,0.5,0.06,0.123456789012345678,USD,Usage,OnDemand,\n"
              "1,9/1/2023,9/30/2023,s,9/2/2023,Storage,0.25,0.03,0.123456789012345678,USD,Usage,OnDemand,\n"
              "1,9/1/2023,9/30/2023,s,9/2/2023,Storage,-2,-0.2,0.1,USD,Usage,OnDemand,\n"));
  ASSERT_TRUE(imported.result) << imported.result.error().message;
  store::Store& s = *imported.store;
  EXPECT_EQ(money(s, "list_cost", "source_line = 2"), "0.061728394506172839");
  EXPECT_EQ(money(s, "list_cost", "source_line = 3"), "0.0308641972530864195");  // 19 decimals, all kept
  EXPECT_EQ(money(s, "list_cost", "source_line = 4"), "-0.20");
}

// Azure's amortized-cost view writes .NET decimals (up to 28 places). No public sample of that view
// exists: tests/fixtures/billing/azure_ea_amortized_22_decimals.csv is the real actual-cost sample
// (billing_exports/azure_ea_actual_cost_small.csv) with its Cost column rewritten to such amounts,
// line 11 holding the one an amortized export was refused for.
TEST(AzureFormat, AmortizedCostsWithTwentyTwoDecimalsTotalToTheSourcesLastDigit) {
  TestDir dir;
  const std::string path = fixture("azure_ea_amortized_22_decimals.csv");
  auto imported = import_into_fresh_store(dir, path);
  ASSERT_TRUE(imported.result) << imported.result.error().message;
  store::Store& s = *imported.store;
  // Σ Cost by Python's decimal module (precision 80), and by a digit-by-digit adder that shares no code with Money.
  const std::string k_exact = "4.9069135249137387146312333333";
  DecimalSum independent;
  for (const CsvRow& row : read_csv(path)) independent.add(row.at("Cost"));
  ASSERT_EQ(independent.str(), k_exact);

  Money billed;
  for (const auto& t : imported.result->totals) billed += t.billed;
  EXPECT_EQ(billed.to_string(), k_exact);  // what `bill import` prints
  auto imports = list_imports(s);  // what `bill imports` shows
  ASSERT_TRUE(imports) << imports.error().message;
  ASSERT_EQ(imports->size(), 1u);
  EXPECT_EQ(imports->at(0).billed.to_string(), k_exact);
  EXPECT_EQ(money(s, "billed_cost", "source_line = 11"), "0.0001188669167459011366");
  EXPECT_EQ(money(s, "billed_cost", "source_line = 10"), "0.0000000008333333333333333333");

  // `costs`: whole days from the rollups, partial days and tags from the charges.
  for (const char* by : {"service", "account", "tag:env"}) {
    for (const char* since : {"2023-09-01T00:00:00Z", "2023-09-04T00:00:01Z"}) {
      CostQuery q;
      q.by = by;
      q.since = *parse_utc(since);
      q.until = *parse_utc("2023-10-01T00:00:00Z");
      auto lines = costs(s, q);
      ASSERT_TRUE(lines) << lines.error().message;
      Money total;
      for (const auto& l : *lines) total += l.cost;
      DecimalSum window;
      for (const CsvRow& row : read_csv(path))
        if (std::string_view(since).starts_with("2023-09-01") || row.at("Date") != "09/04/2023") window.add(row.at("Cost"));
      EXPECT_EQ(total.to_string(), window.str()) << by << " since " << since;
    }
  }
}

TEST(AzureFormat, BadCostNamesTheLineAndTheColumn) {
  TestDir dir;
  std::string path =
      write_file(dir, "azure.csv",
                 std::string(k_header) +
                     "1,9/1/2023,9/30/2023,s,9/2/2023,Storage,1,0.5,0.5,USD,Usage,OnDemand,\n"
                     "1,9/1/2023,9/30/2023,s,9/2/2023,Storage,1,0.5 USD,0.5,USD,Usage,OnDemand,\n");
  auto imported = import_into_fresh_store(dir, path);
  ASSERT_FALSE(imported.result);
  EXPECT_NE(imported.result.error().message.find("azure.csv:3: column Cost: '0.5 USD' is not an amount"),
            std::string::npos)
      << imported.result.error().message;
}

TEST(AzureFormat, BadTagsAndBadDatesNameTheColumn) {
  TestDir dir;
  auto tags = import_into_fresh_store(
      dir, write_file(dir, "tags.csv",
                      std::string(k_header) +
                          "1,9/1/2023,9/30/2023,s,9/2/2023,Storage,1,0.5,0.5,USD,Usage,OnDemand,\"\"\"k\"\" "
                          "\"\"v\"\"\"\n"));
  ASSERT_FALSE(tags.result);
  EXPECT_NE(tags.result.error().message.find("tags.csv:2: column Tags: not a JSON object"), std::string::npos)
      << tags.result.error().message;
  TestDir other;
  auto dates = import_into_fresh_store(
      other, write_file(other, "dates.csv",
                        std::string(k_header) +
                            "1,9/1/2023,9/31/2023,s,9/2/2023,Storage,1,0.5,0.5,USD,Usage,OnDemand,\n"));
  ASSERT_FALSE(dates.result);
  EXPECT_NE(dates.result.error().message.find(
                "dates.csv:2: column BillingPeriodEndDate: '9/31/2023' is not a date"),
            std::string::npos)
      << dates.result.error().message;
}

TEST(AzureFormat, MissingRequiredColumnIsNamed) {
  TestDir dir;
  std::string header = replace_once(k_header, "BillingCurrency", "Currency");
  auto imported = import_into_fresh_store(
      dir, write_file(dir, "azure.csv",
                      header + "1,9/1/2023,9/30/2023,s,9/2/2023,Storage,1,0.5,0.5,USD,Usage,OnDemand,\n"));
  ASSERT_FALSE(imported.result);
  EXPECT_NE(
      imported.result.error().message.find("azure.csv:1: column BillingCurrencyCode: missing from the header "
                                           "(nor is BillingCurrency there)"),
      std::string::npos)
      << imported.result.error().message;
}

}  // namespace
}  // namespace frugal::billing
