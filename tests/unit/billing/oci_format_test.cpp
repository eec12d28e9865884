// OCI cost reports: the real sample (18-decimal costs, tag columns) and hand-made broken files.
#include "native_format_test_util.h"

namespace frugal::billing {
namespace {

using namespace frugal::billing::testing;

using Rows = std::vector<std::vector<std::string>>;

constexpr const char* k_sample = "billing_exports/oci_cost_report_sample.csv";
constexpr const char* k_tenancy =
    "ocid1.tenancy.oc1..aaaaaaaadsyhydp66mjpsohqocfcgzaabtrit47ex2igzu2j6lhuadrrglca";

constexpr const char* k_header =
    "lineItem/referenceNo,lineItem/tenantId,lineItem/intervalUsageStart,lineItem/intervalUsageEnd,product/"
    "service,"
    "cost/myCost,cost/currencyCode,lineItem/isCorrection,tags/Finance.team\n";

TEST(OciFormat, ImportsTheRealSampleWithExactTotals) {
  FRUGAL_REQUIRE_SHARED_DATA(k_sample);
  TestDir dir;
  std::string path = frugal::testing::shared_data(k_sample);
  auto imported = import_into_fresh_store(dir, path);
  ASSERT_TRUE(imported.result) << imported.result.error().message;
  const ImportResult& r = *imported.result;
  EXPECT_EQ(r.format, "oci");
  EXPECT_EQ(r.rows, 506);
  ExactDecimal billed;
  for (const CsvRow& row : read_csv(path)) billed += ExactDecimal::parse(row.at("cost/myCost"));
  ASSERT_EQ(r.totals.size(), 1u);
  const CurrencyTotals& t = r.totals[0];
  EXPECT_EQ(t.provider, "Oracle");
  EXPECT_EQ(t.billing_account_id, k_tenancy);
  EXPECT_EQ(t.billing_period_start, "2023-11-01T00:00:00.000Z");
  EXPECT_EQ(t.currency, "USD");
  EXPECT_EQ(t.billed.to_string(), billed.to_string());
  EXPECT_EQ(t.billed.to_string(), "2.523589325400648027");  // all 18 decimals kept
  EXPECT_EQ(t.effective.to_string(), billed.to_string());
  EXPECT_EQ(t.list.to_string(), billed.to_string());

  store::Store& s = *imported.store;
  EXPECT_EQ(one(s, "SELECT count(*) FROM charges WHERE service_name = 'COMPUTE'"), "85");
  EXPECT_EQ(query(s, "SELECT DISTINCT billing_period_start, billing_period_end FROM charges"),
            (Rows{{"2023-11-01T00:00:00.000Z", "2023-12-01T00:00:00.000Z"}}));
  EXPECT_EQ(query(s, "SELECT sub_account_name, count(*) FROM charges GROUP BY 1 ORDER BY 1"),
            (Rows{{"platformpm2022", "500"}, {"redbullhol", "6"}}));
}

TEST(OciFormat, MapsARealRowWithEighteenDecimalsAndTags) {
  FRUGAL_REQUIRE_SHARED_DATA(k_sample);
  TestDir dir;
  auto imported = import_into_fresh_store(dir, frugal::testing::shared_data(k_sample));
  ASSERT_TRUE(imported.result) << imported.result.error().message;
  store::Store& s = *imported.store;
  EXPECT_EQ(money(s, "billed_cost", "source_line = 2"), "0.012264277499950943");
  EXPECT_EQ(
      query(s,
            "SELECT charge_period_start, charge_period_end, charge_category, charge_frequency, service_name, "
            "region_id, availability_zone, sku_id, charge_description, consumed_unit, contracted_unit_price "
            "FROM charges WHERE source_line = 2"),
      (Rows{{"2023-11-13T10:00:00.000Z", "2023-11-13T11:00:00.000Z", "Usage", "Usage-Based", "DATABASE",
             "us-sanjose-1", "sj-1", "B92911", "Oracle APEX Application Development", "Hours",
             "0.147171330000000000"}}));
  EXPECT_EQ(
      one(s, "SELECT tags FROM charges WHERE source_line = 2"),
      R"({"Oracle-Tags.CreatedBy":"default/phil.newman@oracle.com","OracleInternalReserved.CostCenter":"607825",)"
      R"("OracleInternalReserved.OwnerEmail":"marek.czajka@oracle.com","OracleInternalReserved.Phonebook":"accounts",)"
      R"("OracleInternalReserved.ServiceType":"Other","OracleInternalReserved.UsageType":"development-pre-production",)"
      R"("Valtest.Cat":"boots"})");
  // 2.323760000E-9 in the file.
  EXPECT_EQ(money(s, "billed_cost", "source_line = 3"), "0.00000000232376");
  EXPECT_EQ(one(s, "SELECT tags IS NULL FROM charges WHERE source_line = 3"), "1");
  // A tag key with a backslash is escaped in the JSON.
  std::size_t with_release = 0;
  for (const CsvRow& row : read_csv(frugal::testing::shared_data(k_sample)))
    with_release += !row.at(R"(tags/DevRel\redbull-analytics-hol-4cb4.release)").empty();
  EXPECT_GT(with_release, 0u);
  EXPECT_EQ(
      one(s,
          R"(SELECT count(*) FROM charges WHERE tags LIKE '%"DevRel\\redbull-analytics-hol-4cb4.release":"1.0"%' ESCAPE '!')"),
      std::to_string(with_release));
}

TEST(OciFormat, CorrectionsAreMarkedAndTagsAllocate) {
  TestDir dir;
  auto imported = import_into_fresh_store(
      dir, write_file(dir, "oci.csv",
                      std::string(k_header) +
                          "a,t1,2024-02-29T23:00Z,2024-03-01T00:00:00Z,COMPUTE,1.5,USD,false,vision\n" +
                          "b,t1,2024-03-01T00:00Z,2024-03-01T01:00:00Z,COMPUTE,-0.25,USD,true,\n"));
  ASSERT_TRUE(imported.result) << imported.result.error().message;
  store::Store& s = *imported.store;
  EXPECT_EQ(query(s, "SELECT billing_period_start, charge_class, tags FROM charges ORDER BY source_line"),
            (Rows{{"2024-02-01T00:00:00.000Z", "", R"({"Finance.team":"vision"})"},
                  {"2024-03-01T00:00:00.000Z", "Correction", ""}}));
  EXPECT_EQ(money(s, "billed_cost", "source_line = 3"), "-0.25");
  EXPECT_EQ(imported.result->totals.size(), 2u);  // two months, two billing periods
}

TEST(OciFormat, CostWithTooManyIntegerDigitsNamesTheFileLineAndColumn) {
  TestDir dir;
  auto imported = import_into_fresh_store(
      dir,
      write_file(
          dir, "oci.csv",
          std::string(k_header) + "a,t1,2023-11-13T10:00Z,2023-11-13T11:00:00Z,COMPUTE,0.0000000000000000001,USD,false,\n" +
              "b,t1,2023-11-13T10:00Z,2023-11-13T11:00:00Z,COMPUTE,123456789012345678901.0000000000000000000001,USD,false,\n"));
  ASSERT_FALSE(imported.result);
  EXPECT_NE(imported.result.error().message.find(
                "oci.csv:3: column cost/myCost: '123456789012345678901.0000000000000000000001' is not an amount: out of "
                "range (too many integer digits)"),
            std::string::npos)
      << imported.result.error().message;
}

TEST(OciFormat, MissingRequiredColumnIsNamed) {
  TestDir dir;
  auto imported = import_into_fresh_store(
      dir, write_file(dir, "oci.csv",
                      replace_once(k_header, ",cost/currencyCode", "") +
                          "a,t1,2023-11-13T10:00Z,2023-11-13T11:00:00Z,COMPUTE,1.5,false,\n"));
  ASSERT_FALSE(imported.result);
  EXPECT_NE(
      imported.result.error().message.find("oci.csv:1: column cost/currencyCode: missing from the header"),
      std::string::npos)
      << imported.result.error().message;
}

}  // namespace
}  // namespace frugal::billing
