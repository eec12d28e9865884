#include <fstream>
#include <map>
#include <sstream>

#include <gtest/gtest.h>

#include "billing/billing.h"
#include "core/csv_reader.h"
#include "test_database.h"
#include "unit/billing/decimal_sum.h"
#include "unit/billing/focus_columns.h"

namespace frugal::billing {
namespace {

const TimePoint k_now = *parse_utc("2026-11-26T12:00:00Z");

std::int64_t count(store::Store& s, const std::string& sql) {
  auto r = s.query(sql);
  EXPECT_TRUE(r) << (r ? "" : r.error().message);
  return r ? store::as_int(r->rows.at(0).at(0)) : -1;
}

std::string text(store::Store& s, const std::string& sql) {
  auto r = s.query(sql);
  EXPECT_TRUE(r) << (r ? "" : r.error().message);
  return r && !r->rows.empty() ? store::as_text(r->rows.at(0).at(0)) : "";
}

// Exact sums of a FOCUS column per ProviderName, computed from the raw text.
std::map<std::string, std::string> raw_totals(const std::string& path, const std::string& column) {
  auto reader = *CsvReader::open(path);
  std::vector<std::string> header;
  std::map<std::string, testing::DecimalSum> sums;
  while (*reader.next()) {
    std::vector<std::string> f(reader.fields().begin(), reader.fields().end());
    if (header.empty()) { header = f; continue; }
    auto at = [&](const std::string& name) { return f[std::find(header.begin(), header.end(), name) - header.begin()]; };
    sums[at("ProviderName")].add(at(column));
  }
  std::map<std::string, std::string> out;
  for (auto& [k, v] : sums) out[k] = v.str();
  return out;
}

class FocusImport : public ::testing::Test {
 protected:
  void SetUp() override { m_store = std::move(*store::open_store(::frugal::testing::database(m_dir))); }
  // A FOCUS text gets the mandatory columns it leaves out (focus_columns.h); write_as_is() keeps it.
  std::string write(const std::string& name, const std::string& content) {
    return write_as_is(name, ::frugal::testing::with_focus_mandatory(content));
  }
  std::string write_as_is(const std::string& name, const std::string& content) {
    std::ofstream(m_dir.file(name)) << content;
    return m_dir.file(name);
  }
  Result<ImportResult> import(const std::string& path, SkipBadRows skip = SkipBadRows::no) {
    ImportOptions o;
    o.skip_bad_rows = skip;
    return import_bill(*m_store, path, o, k_now);
  }
  frugal::testing::TestDir m_dir;
  std::unique_ptr<store::Store> m_store;
};

constexpr const char* k_header =
    "ProviderName,BillingAccountId,BillingCurrency,BillingPeriodStart,BillingPeriodEnd,ChargePeriodStart,"
    "ChargePeriodEnd,BilledCost,EffectiveCost,ListCost,ServiceName,RegionId,ResourceId,Tags\n";

TEST_F(FocusImport, RealSampleTotalsEqualAnIndependentDecimalSumPerProvider) {
  FRUGAL_REQUIRE_SHARED_DATA("focus/focus_sample_1000.csv");
  std::string path = frugal::testing::shared_data("focus/focus_sample_1000.csv");
  auto r = import(path);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->format, "focus");
  EXPECT_EQ(r->rows, 1000);
  EXPECT_EQ(count(*m_store, "SELECT count(*) FROM charges"), 1000);
  for (const char* column : {"BilledCost", "EffectiveCost", "ListCost"}) {
    auto expected = raw_totals(path, column);
    std::map<std::string, Money> got;
    for (const auto& t : r->totals)
      got[t.provider] += std::string_view(column) == "BilledCost" ? t.billed
                         : std::string_view(column) == "EffectiveCost" ? t.effective : t.list;
    ASSERT_EQ(got.size(), expected.size());
    for (const auto& [provider, total] : expected) EXPECT_EQ(got[provider].to_string(2), total) << column << " " << provider;
  }
  // The README's figure, to the last of its 11 decimals.
  EXPECT_EQ(raw_totals(path, "BilledCost")["AWS"], "18.0066386184");
}

TEST_F(FocusImport, RealSampleKeepsNullsTagsNegativesAndNormalisesFrequency) {
  FRUGAL_REQUIRE_SHARED_DATA("focus/focus_sample_1000.csv");
  ASSERT_TRUE(import(frugal::testing::shared_data("focus/focus_sample_1000.csv")));
  EXPECT_EQ(count(*m_store, "SELECT count(*) FROM charges WHERE availability_zone IS NULL"), 893);
  EXPECT_EQ(count(*m_store, "SELECT count(*) FROM charges WHERE charge_class IS NULL"), 1000);
  EXPECT_EQ(count(*m_store, "SELECT count(*) FROM charges WHERE tags IS NULL"), 289);
  EXPECT_EQ(count(*m_store, m_store->dialect() == "postgresql"
                                ? "SELECT count(*) FROM charges WHERE tags::jsonb IS NOT NULL"  // fails on invalid JSON
                                : "SELECT count(*) FROM charges WHERE json_valid(tags)"), 711);
  EXPECT_EQ(count(*m_store, "SELECT count(*) FROM charges WHERE charge_frequency = 'Usage-Based'"), 999);
  EXPECT_EQ(count(*m_store, "SELECT count(*) FROM charges WHERE billed_cost_nanos < 0"), 13);
  EXPECT_EQ(count(*m_store, "SELECT count(*) FROM charges WHERE charge_category = 'Credit'"), 1);
  // Times arrive as "2024-09-18 22:00:00" and are stored as UTC ISO-8601.
  EXPECT_EQ(text(*m_store, "SELECT min(billing_period_start) FROM charges"), "2024-09-01T00:00:00.000Z");
  // Project tags are allocated by the default mapping (Project matches 'project').
  EXPECT_EQ(count(*m_store, "SELECT count(*) FROM charges WHERE x_project IS NOT NULL"), 31);
}

TEST_F(FocusImport, SameFileTwiceChangesNothing) {
  std::string path = write("a.csv", std::string(k_header) +
                                        "AWS,acct,USD,2024-09-01,2024-10-01,2024-09-02T00:00:00Z,2024-09-02T01:00:00Z,1.5,1.5,2,EC2,us-east-1,i-1,\n");
  auto first = import(path);
  ASSERT_TRUE(first) << first.error().message;
  auto second = import(path);
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_EQ(second->already_imported_as, first->import_id);
  EXPECT_EQ(count(*m_store, "SELECT count(*) FROM charges"), 1);
  EXPECT_EQ(count(*m_store, "SELECT count(*) FROM imports"), 1);
}

TEST_F(FocusImport, RestatedPeriodReplacesEarlierRowsAndOtherPeriodsStay) {
  std::string august = write("aug.csv", std::string(k_header) +
                                            "AWS,acct,USD,2024-08-01,2024-09-01,2024-08-02T00:00:00Z,2024-08-02T01:00:00Z,7,7,7,EC2,us-east-1,i-1,\n");
  std::string september_v1 = write("sep1.csv", std::string(k_header) +
                                                   "AWS,acct,USD,2024-09-01,2024-10-01,2024-09-02T00:00:00Z,2024-09-02T01:00:00Z,1,1,1,EC2,us-east-1,i-1,\n"
                                                   "AWS,acct,USD,2024-09-01,2024-10-01,2024-09-03T00:00:00Z,2024-09-03T01:00:00Z,2,2,2,EC2,us-east-1,i-1,\n");
  std::string september_v2 = write("sep2.csv", std::string(k_header) +
                                                   "AWS,acct,USD,2024-09-01,2024-10-01,2024-09-02T00:00:00Z,2024-09-02T01:00:00Z,1.25,1,1,EC2,us-east-1,i-1,\n");
  ASSERT_TRUE(import(august));
  ASSERT_TRUE(import(september_v1));
  auto v2 = import(september_v2);
  ASSERT_TRUE(v2) << v2.error().message;
  EXPECT_EQ(v2->replaced_rows, 2);
  EXPECT_EQ(count(*m_store, "SELECT count(*) FROM charges"), 2);
  EXPECT_EQ(text(*m_store, "SELECT sum(billed_cost_nanos) FROM charges"), "8250000000");
  // History keeps every import; the restated one has no live rows left.
  auto imports = list_imports(*m_store);
  ASSERT_EQ(imports->size(), 3u);
  EXPECT_EQ((*imports)[1].live_rows, 0);
  EXPECT_EQ((*imports)[2].live_rows, 1);
  // The rollups agree with the rows after the replacement.
  auto by_service = costs(*m_store, {"service", CostMetric::billed, *parse_utc("2024-08-01"), *parse_utc("2024-10-01")});
  ASSERT_TRUE(by_service);
  ASSERT_EQ(by_service->size(), 1u);
  EXPECT_EQ((*by_service)[0].cost.to_string(), "8.25");
  EXPECT_EQ((*by_service)[0].rows, 2);
}

TEST_F(FocusImport, DifferentAccountsOfOnePeriodCoexist) {
  ASSERT_TRUE(import(write("a.csv", std::string(k_header) +
                                        "AWS,one,USD,2024-09-01,2024-10-01,2024-09-02,2024-09-03,1,1,1,EC2,,,\n")));
  ASSERT_TRUE(import(write("b.csv", std::string(k_header) +
                                        "AWS,two,USD,2024-09-01,2024-10-01,2024-09-02,2024-09-03,2,2,2,EC2,,,\n")));
  EXPECT_EQ(count(*m_store, "SELECT count(*) FROM charges"), 2);
}

struct BrokenCase {
  const char* name;
  const char* row;       // appended after one good row
  const char* expected;  // in the error message
};

class BrokenFocus : public FocusImport, public ::testing::WithParamInterface<BrokenCase> {};

TEST_P(BrokenFocus, FailsWithFileLineAndColumnAndLeavesTheStoreAsBefore) {
  const char* good = "AWS,acct,USD,2024-09-01,2024-10-01,2024-09-02,2024-09-03,1,1,1,EC2,,,\n";
  ASSERT_TRUE(import(write("ok.csv", std::string(k_header) +
                                         "AWS,acct,USD,2024-08-01,2024-09-01,2024-08-02,2024-08-03,5,5,5,EC2,,,\n")));
  std::string path = write("bad.csv", std::string(k_header) + good + GetParam().row);
  auto r = import(path);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find(path + ":3: "), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find(GetParam().expected), std::string::npos) << r.error().message;
  EXPECT_EQ(count(*m_store, "SELECT count(*) FROM charges"), 1);
  EXPECT_EQ(count(*m_store, "SELECT count(*) FROM imports"), 1);
  EXPECT_EQ(count(*m_store, "SELECT sum(rows) FROM charge_rollups WHERE dimension = 'service'"), 1);
}

INSTANTIATE_TEST_SUITE_P(
    Kinds, BrokenFocus,
    ::testing::Values(
        BrokenCase{"bad_number", "AWS,acct,USD,2024-09-01,2024-10-01,2024-09-02,2024-09-03,1.2.3,1,1,EC2,,,\n", "column BilledCost"},
        BrokenCase{"bad_date", "AWS,acct,USD,2024-09-01,2024-10-01,2024-13-45,2024-09-03,1,1,1,EC2,,,\n", "column ChargePeriodStart"},
        BrokenCase{"missing_cost", "AWS,acct,USD,2024-09-01,2024-10-01,2024-09-02,2024-09-03,,1,1,EC2,,,\n", "column BilledCost: required"},
        BrokenCase{"column_count", "AWS,acct,USD,2024-09-01\n", "14 fields, the header has 24"},
        BrokenCase{"broken_quoting", "AWS,\"acct,USD,2024-09-01,2024-10-01,2024-09-02,2024-09-03,1,1,1,EC2,,,\n", "unterminated quoted field"},
        BrokenCase{"bad_tags", "AWS,acct,USD,2024-09-01,2024-10-01,2024-09-02,2024-09-03,1,1,1,EC2,,,\"{\"\"team\"\": }\"\n", "column Tags"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST_F(FocusImport, SkipBadRowsImportsTheRestAndReportsEachSkippedLine) {
  std::string path = write("mixed.csv", std::string(k_header) +
                                            "AWS,acct,USD,2024-09-01,2024-10-01,2024-09-02,2024-09-03,1,1,1,EC2,,,\n"
                                            "AWS,acct,USD,2024-09-01,2024-10-01,2024-09-02,2024-09-03,oops,1,1,EC2,,,\n"
                                            "AWS,acct,USD,2024-09-01,2024-10-01,2024-09-02,2024-09-03,2,2,2,EC2,,,\n");
  auto r = import(path, SkipBadRows::yes);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->rows, 2);
  ASSERT_EQ(r->skipped.size(), 1u);
  EXPECT_NE(r->skipped[0].find(path + ":3: column BilledCost"), std::string::npos) << r->skipped[0];
}

// The importer converts a time only when it differs from the previous row's (bills repeat their
// periods): every row must still get its own, through repeats, changes, other spellings and a
// bad row in between.
TEST_F(FocusImport, EachRowKeepsItsOwnTimesWhenRowsRepeatOrChangeThem) {
  std::string path = write("times.csv", std::string(k_header) +
                                            "AWS,acct,USD,2024-09-01,2024-10-01,2024-09-02T00:00:00Z,2024-09-02T01:00:00Z,1,1,1,EC2,,,\n"
                                            "AWS,acct,USD,2024-09-01,2024-10-01,2024-09-02T00:00:00Z,2024-09-02T01:00:00Z,1,1,1,EC2,,,\n"
                                            "AWS,acct,USD,2024-09-01,2024-10-01,9/3/2024 13:00,9/3/2024 14:00,1,1,1,EC2,,,\n"
                                            "AWS,acct,USD,2024-09-01,2024-10-01,2024-13-03T00:00:00Z,2024-09-03T14:00:00Z,1,1,1,EC2,,,\n"
                                            "AWS,acct,USD,2024-09-01,2024-10-01,9/3/2024 13:00,2024-09-03T14:00:00Z,1,1,1,EC2,,,\n"
                                            "AWS,acct,USD,2024-09-01,2024-10-01,2024-09-02T00:00:00+02:00,2024-09-02T01:00:00Z,1,1,1,EC2,,,\n"
                                            "AWS,acct,USD,2024-09-01,2024-10-01,2024-09-02T00:00:00Z,2024-09-02T01:00:00Z,1,1,1,EC2,,,\n");
  auto r = import(path, SkipBadRows::yes);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->rows, 6);
  ASSERT_EQ(r->skipped.size(), 1u);
  EXPECT_NE(r->skipped[0].find(path + ":5: column ChargePeriodStart"), std::string::npos) << r->skipped[0];
  auto rows = m_store->query("SELECT source_line, charge_period_start, charge_period_end, billing_period_start FROM "
                             "charges ORDER BY source_line");
  ASSERT_TRUE(rows) << rows.error().message;
  std::vector<std::string> got;
  for (const auto& row : rows->rows)
    got.push_back(std::to_string(store::as_int(row[0])) + " " + store::as_text(row[1]) + " " + store::as_text(row[2]) +
                  " " + store::as_text(row[3]));
  auto stored = [&](const char* start, const char* end) {
    return std::string(" ") + format_utc(*parse_utc(start)) + " " + format_utc(*parse_utc(end)) + " " +
           format_utc(*parse_utc("2024-09-01T00:00:00Z"));
  };
  EXPECT_EQ(got, (std::vector<std::string>{
                     "2" + stored("2024-09-02T00:00:00Z", "2024-09-02T01:00:00Z"),
                     "3" + stored("2024-09-02T00:00:00Z", "2024-09-02T01:00:00Z"),
                     "4" + stored("2024-09-03T13:00:00Z", "2024-09-03T14:00:00Z"),
                     "6" + stored("2024-09-03T13:00:00Z", "2024-09-03T14:00:00Z"),
                     "7" + stored("2024-09-01T22:00:00Z", "2024-09-02T01:00:00Z"),
                     "8" + stored("2024-09-02T00:00:00Z", "2024-09-02T01:00:00Z"),
                 }));
}

// Without its EffectiveCost a FOCUS file used to import as zeros and replace the good period.
TEST_F(FocusImport, MissingMandatoryColumnIsRefusedByNameAndChangesNothing) {
  const std::string good = ::frugal::testing::with_focus_mandatory(
      std::string(k_header) + "AWS,acct,USD,2024-09-01,2024-10-01,2024-09-02,2024-09-03,5,4,6,EC2,,,\n");
  ASSERT_TRUE(import(write_as_is("good.csv", good)));
  auto drop_column = [](std::string csv, const std::string& name) {
    std::string out;
    auto header = ::frugal::testing::split_csv_line(csv.substr(0, csv.find('\n')));
    std::size_t index = static_cast<std::size_t>(std::find(header.begin(), header.end(), name) - header.begin());
    std::istringstream in(csv);
    for (std::string line; std::getline(in, line);) {
      auto f = ::frugal::testing::split_csv_line(line);
      EXPECT_EQ(f.size(), header.size());
      f.erase(f.begin() + static_cast<std::ptrdiff_t>(index));
      for (std::size_t i = 0; i < f.size(); ++i) out += (i ? "," : "") + f[i];
      out += "\n";
    }
    return out;
  };
  // The same period restated, but with no EffectiveCost column.
  std::string path = write_as_is("no_effective.csv", drop_column(good, "EffectiveCost"));
  auto r = import(path);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find(path + ":1: column EffectiveCost: missing from the header (FOCUS 1.0 makes it mandatory)"),
            std::string::npos)
      << r.error().message;
  EXPECT_EQ(count(*m_store, "SELECT count(*) FROM imports"), 1);
  EXPECT_EQ(count(*m_store, "SELECT sum(effective_cost_nanos) FROM charges"), 4'000'000'000);
  CostQuery q{"service", CostMetric::effective, *parse_utc("2024-09-01"), *parse_utc("2024-10-01")};
  auto lines = costs(*m_store, q);
  ASSERT_TRUE(lines);
  ASSERT_EQ(lines->size(), 1u);
  EXPECT_EQ(lines->at(0).cost.to_string(), "4.00");

  // A FOCUS 1.2 file (it has InvoiceId) missing two: both named, with the version.
  std::string v12;
  std::istringstream v10(drop_column(drop_column(good, "ListCost"), "ContractedCost"));
  for (std::string line; std::getline(v10, line);) v12 += line + (v12.empty() ? ",InvoiceId\n" : ",inv-1\n");
  auto r12 = import(write_as_is("v12.csv", v12));
  ASSERT_FALSE(r12);
  EXPECT_NE(r12.error().message.find("columns ContractedCost, ListCost: missing from the header (FOCUS 1.2 makes them mandatory)"),
            std::string::npos)
      << r12.error().message;
}

// An empty EffectiveCost or ListCost cell used to be stored as 0, lowering those totals silently.
TEST_F(FocusImport, AnEmptyMandatoryCostCellIsABadRowNotAZero) {
  const std::string csv = ::frugal::testing::with_focus_mandatory(
      std::string(k_header) + "AWS,acct,USD,2024-09-01,2024-10-01,2024-09-02,2024-09-03,5,4,6,EC2,,,\n"
                              "AWS,acct,USD,2024-09-01,2024-10-01,2024-09-02,2024-09-03,5,,6,EC2,,,\n"
                              "AWS,acct,USD,2024-09-01,2024-10-01,2024-09-02,2024-09-03,5,4,NULL,EC2,,,\n");
  std::string path = write_as_is("empty_cells.csv", csv);
  auto r = import(path);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find(path + ":3: column EffectiveCost: empty, but FOCUS makes it mandatory and never null"),
            std::string::npos)
      << r.error().message;
  EXPECT_EQ(count(*m_store, "SELECT count(*) FROM charges"), 0) << "all or nothing";
  auto skipped = import(path, SkipBadRows::yes);
  ASSERT_TRUE(skipped) << skipped.error().message;
  EXPECT_EQ(skipped->rows, 1);
  ASSERT_EQ(skipped->skipped.size(), 2u);
  EXPECT_NE(skipped->skipped[1].find(":4: column ListCost: empty"), std::string::npos) << skipped->skipped[1];
}

TEST_F(FocusImport, AnOptionalColumnLeftOutIsNullNeverZero) {
  std::string csv = "ProviderName,PublisherName,InvoiceIssuerName,BillingAccountId,BillingAccountName,BillingCurrency,"
                    "BillingPeriodStart,BillingPeriodEnd,ChargePeriodStart,ChargePeriodEnd,ChargeCategory,ChargeClass,"
                    "ChargeDescription,BilledCost,EffectiveCost,ListCost,ContractedCost,PricingQuantity,PricingUnit,"
                    "ServiceCategory,ServiceName\n"
                    "AWS,AWS,AWS,acct,,USD,2024-09-01,2024-10-01,2024-09-02,2024-09-03,Usage,,,5,4,6,5,1,Hours,Compute,EC2\n";
  auto r = import(write_as_is("mandatory_only.csv", csv));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(count(*m_store, "SELECT count(*) FROM charges WHERE consumed_quantity IS NULL AND region_id IS NULL AND "
                            "list_unit_price IS NULL AND commitment_discount_id IS NULL AND tags IS NULL"),
            1);
  EXPECT_EQ(count(*m_store, "SELECT contracted_cost_nanos FROM charges"), 5'000'000'000);
}

TEST_F(FocusImport, UnknownFormatListsTheColumnsSeenAndTheKnownFormats) {
  auto r = import(write("odd.csv", "when,what,how_much\n2024-09-01,coffee,3\n"));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("when, what, how_much"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("focus"), std::string::npos);
}

TEST_F(FocusImport, CostsByTagAndUnallocatedAreNeverDropped) {
  ASSERT_TRUE(import(write("t.csv", std::string(k_header) +
                                        "AWS,a,USD,2024-09-01,2024-10-01,2024-09-02,2024-09-03,3,3,3,EC2,,,\"{\"\"team\"\": \"\"vision\"\"}\"\n"
                                        "AWS,a,USD,2024-09-01,2024-10-01,2024-09-02,2024-09-03,1,1,1,S3,,,\n")));
  CostQuery q{"team", CostMetric::billed, *parse_utc("2024-09-01"), *parse_utc("2024-10-01")};
  auto by_team = costs(*m_store, q);
  ASSERT_TRUE(by_team);
  ASSERT_EQ(by_team->size(), 2u);
  EXPECT_EQ((*by_team)[0].key, "vision");
  EXPECT_NEAR((*by_team)[0].share, 0.75, 1e-12);
  EXPECT_EQ((*by_team)[1].key, "");  // unallocated, with its share
  q.by = "tag:team";
  auto by_tag = costs(*m_store, q);
  ASSERT_TRUE(by_tag);
  EXPECT_EQ((*by_tag)[0].key, "vision");
  // A window with partial days reads the edges from the rows themselves.
  q.by = "service";
  q.since = *parse_utc("2024-09-02T00:00:00Z");
  q.until = *parse_utc("2024-09-02T12:00:00Z");
  auto partial = costs(*m_store, q);
  ASSERT_TRUE(partial);
  EXPECT_EQ(partial->size(), 2u);
}

}  // namespace
}  // namespace frugal::billing
