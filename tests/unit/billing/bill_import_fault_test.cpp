// A bill import against a database that fails: whichever statement fails, or the commit, the
// import says so and every table is as it was; tried again, the bill counts once.
#include <fstream>

#include <gtest/gtest.h>

#include "billing/billing.h"
#include "fault_store.h"
#include "unit/billing/focus_columns.h"
#include "test_database.h"

namespace frugal::billing {
namespace {

using frugal::testing::FaultStore;
using frugal::testing::TestDir;

const TimePoint k_now = *parse_utc("2026-11-26T12:00:00Z");
// 10 rows of September 2024 for payer 111122223333 (AWS CUR 2.0).
const std::string k_bill = std::string(FRUGAL_SOURCE_DIR) + "/tests/fixtures/billing/aws_cur2_sample.csv";

constexpr const char* k_focus_header =
    "ProviderName,BillingAccountId,BillingCurrency,BillingPeriodStart,BillingPeriodEnd,ChargePeriodStart,"
    "ChargePeriodEnd,BilledCost,EffectiveCost,ListCost,ServiceName,RegionId,ResourceId,Tags\n";

// A fresh database holding what an earlier import left: two rows of the September that k_bill
// restates (so it replaces them, rollups and live counts included) and one of August, which stays.
struct Earlier {
  TestDir dir;
  std::unique_ptr<store::Store> store = std::move(*store::open_store(::frugal::testing::database(dir)));
  testing::TableDump before;

  Earlier() {
    std::string path = dir.file("earlier.csv");
    std::ofstream(path) << ::frugal::testing::with_focus_mandatory(
        std::string(k_focus_header) +
        "AWS,111122223333,USD,2024-09-01,2024-10-01,2024-09-17T00:00:00Z,2024-09-17T01:00:00Z,4,4,4,"
        "AmazonEC2,us-east-1,i-0abc1234def567890,\"{\"\"team\"\": \"\"vision\"\"}\"\n" +
        "AWS,111122223333,USD,2024-09-01,2024-10-01,2024-09-18T00:00:00Z,2024-09-18T01:00:00Z,0.5,0.5,"
        "0.5,AmazonS3,us-east-1,,\n" +
        "AWS,111122223333,USD,2024-08-01,2024-09-01,2024-08-18T00:00:00Z,2024-08-18T01:00:00Z,7,7,7,"
        "AmazonEC2,us-east-1,i-0abc1234def567890,\n");
    auto imported = import_bill(*store, path, {}, k_now);
    if (!imported) throw std::runtime_error("the earlier import failed: " + imported.error().message);
    before = *testing::dump_tables(*store);
  }
  testing::TableDump now() { return *testing::dump_tables(*store); }
};

// What an import wrote, without the ids and times that differ between two databases.
std::string content(store::Store& s) {
  std::string out;
  for (const char* sql :
       {"SELECT provider_name, billing_account_id, billing_period_start, charge_period_start, billed_cost_nanos, "
        "billed_cost_attos, effective_cost_nanos, list_cost_nanos, service_name, x_team FROM charges",
        "SELECT * FROM charge_rollups",
        "SELECT file_sha256, format, rows, skipped_rows, billing_period_start, billing_period_end, replaced_rows, "
        "live_rows, billed_cost_nanos, billed_cost_attos FROM imports",
        "SELECT provider_name, billing_account_id, billing_period_start, billing_currency, rows, billed_cost_nanos, "
        "billed_cost_attos FROM import_totals"}) {
    auto rows = testing::dump_rows(s, sql);
    if (!rows) return rows.error().message;
    for (const auto& row : *rows) out += row + "\n";
    out += "--\n";
  }
  return out;
}

// The import on a database that never fails, for comparison.
std::string content_after_a_clean_import() {
  Earlier clean;
  auto r = import_bill(*clean.store, k_bill, {}, k_now);
  EXPECT_TRUE(r) << r.error().message;
  return content(*clean.store);
}

// The loops below use one database: each failed import must leave it exactly as it was, so
// each attempt starts from the same state (and on the same connection, as a server's would).
TEST(BillImportFaults, AFailureAtAnyStatementLeavesTheStoreAsItWasAndIsReported) {
  Earlier db;
  for (int n = 1;; ++n) {
    ASSERT_LT(n, 500) << "the import never completes";
    FaultStore faulty(*db.store);
    faulty.fail_statement(n);
    auto r = import_bill(faulty, k_bill, {}, k_now);
    if (!faulty.fired()) {  // the import ran fewer than n statements: it completed
      ASSERT_TRUE(r) << r.error().message;
      EXPECT_EQ(r->rows, 10);
      EXPECT_EQ(r->replaced_rows, 2) << "the fixture no longer restates the earlier import's September";
      EXPECT_NE(db.now(), db.before);
      ASSERT_GT(n, 20) << "an import runs more statements than that";
      break;
    }
    std::string what = faulty.statement(n);
    ASSERT_FALSE(r) << "statement " << n << " (" << what << ") failed, yet the import reported success";
    EXPECT_NE(r.error().message.find("injected fault"), std::string::npos)
        << "statement " << n << " (" << what << "): another error was reported: " << r.error().message;
    ASSERT_EQ(testing::dump_difference(db.before, db.now()), "") << "after statement " << n << " (" << what << ") failed";
    ASSERT_FALSE(db.store->in_transaction()) << "statement " << n << " (" << what << ") left a transaction open";
  }
}

TEST(BillImportFaults, AStatementThatRanButLostItsAnswerLeavesTheStoreAsItWas) {
  Earlier db;
  for (int n = 1;; ++n) {
    ASSERT_LT(n, 500) << "the import never completes";
    FaultStore faulty(*db.store);
    faulty.fail_statement(n, FaultStore::Timing::after_running);
    auto r = import_bill(faulty, k_bill, {}, k_now);
    if (!faulty.fired()) {
      ASSERT_TRUE(r) << r.error().message;
      break;
    }
    std::string what = faulty.statement(n);
    ASSERT_FALSE(r) << "statement " << n << " (" << what << ") failed, yet the import reported success";
    ASSERT_EQ(testing::dump_difference(db.before, db.now()), "") << "after statement " << n << " (" << what << ") failed";
    ASSERT_FALSE(db.store->in_transaction()) << "statement " << n << " (" << what << ") left a transaction open";
  }
}

TEST(BillImportFaults, AFailedCommitLeavesTheStoreAsItWasAndIsReported) {
  Earlier db;
  FaultStore faulty(*db.store);
  faulty.fail_commit();
  auto r = import_bill(faulty, k_bill, {}, k_now);
  ASSERT_TRUE(faulty.fired()) << "the import committed nothing";
  ASSERT_FALSE(r) << "the commit failed, yet the import reported success";
  EXPECT_NE(r.error().message.find("injected fault"), std::string::npos) << r.error().message;
  EXPECT_EQ(testing::dump_difference(db.before, db.now()), "");
}

// A fresh database for each attempt here, since the retry changes it.
TEST(BillImportFaults, TheImportTriedAgainAfterAFailureCountsTheBillOnce) {
  const std::string expected = content_after_a_clean_import();
  // n = 0: the commit fails; n > 0: statement n does.
  for (int n = 0;; ++n) {
    ASSERT_LT(n, 500) << "the import never completes";
    Earlier db;
    FaultStore faulty(*db.store);
    if (n == 0) faulty.fail_commit();
    else faulty.fail_statement(n);
    auto failed = import_bill(faulty, k_bill, {}, k_now);
    if (!faulty.fired()) break;
    std::string what = n == 0 ? "the commit" : "statement " + faulty.statement(n);
    ASSERT_FALSE(failed) << what;
    auto again = import_bill(faulty, k_bill, {}, k_now);
    ASSERT_TRUE(again) << "after " << what << " failed: " << again.error().message;
    EXPECT_GT(again->import_id, 0) << "after " << what << " failed, the retry was taken for an import already done";
    EXPECT_EQ(again->rows, 10);
    EXPECT_EQ(content(*db.store), expected) << "after " << what << " failed and the import was tried again";
    auto third = import_bill(faulty, k_bill, {}, k_now);
    ASSERT_TRUE(third) << third.error().message;
    EXPECT_EQ(third->already_imported_as, again->import_id) << "after " << what << " failed";
    EXPECT_EQ(content(*db.store), expected) << "after " << what << " failed, the same bill a third time";
  }
}

}  // namespace
}  // namespace frugal::billing
