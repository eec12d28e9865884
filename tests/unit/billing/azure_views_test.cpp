// Azure's two views of one month's spend, actual and amortized, merge instead of replacing each
// other: usage (and unused commitment) from the amortized view, the commitment's purchase from the
// actual view, in either order; a re-import of one view replaces only that view. No public
// amortized sample exists (tests/fixtures/billing/README.md), so the pair here is made to Azure's
// rules: in the actual view usage a reservation covered costs 0 and the purchase is billed whole;
// in the amortized view that usage carries its share of the purchase and the purchase row is 0.
#include "native_format_test_util.h"

namespace frugal::billing {
namespace {

using namespace frugal::billing::testing;

constexpr const char* k_header =
    "BillingAccountId,BillingPeriodStartDate,BillingPeriodEndDate,SubscriptionId,Date,MeterCategory,Quantity,"
    "Cost,PayGPrice,BillingCurrency,ChargeType,PricingModel,Tags\n";
constexpr const char* k_on_demand =
    "8611537,09/01/2023,09/30/2023,s,09/02/2023,Storage,1,0.50,0.50,USD,Usage,OnDemand,\n"
    "8611537,09/01/2023,09/30/2023,s,09/03/2023,Virtual Machines,2,1.25,0.625,USD,Usage,OnDemand,\n";

std::string actual_view() {
  return std::string(k_header) + k_on_demand +
         "8611537,09/01/2023,09/30/2023,s,09/04/2023,Virtual Machines,10,0,0.09,USD,Usage,Reservation,\n"
         "8611537,09/01/2023,09/30/2023,s,09/01/2023,Virtual Machines,1,30.00,0,USD,Purchase,Reservation,\n";
}

std::string amortized_view(const std::string& covered = "0.80") {
  return std::string(k_header) + k_on_demand +
         "8611537,09/01/2023,09/30/2023,s,09/04/2023,Virtual Machines,10," + covered + ",0.09,USD,Usage,Reservation,\n"
         "8611537,09/01/2023,09/30/2023,s,09/30/2023,Virtual Machines,1,0.20,0,USD,UnusedReservation,Reservation,\n"
         "8611537,09/01/2023,09/30/2023,s,09/01/2023,Virtual Machines,1,0,0,USD,Purchase,Reservation,\n";
}

class AzureViews : public ::testing::Test {
 protected:
  void SetUp() override { fresh_store(); }

  // An empty store in a folder of its own.
  void fresh_store() {
    s.reset();
    dir = std::make_unique<TestDir>();
    auto opened = store::open_store(frugal::testing::database(*dir));
    ASSERT_TRUE(opened) << opened.error().message;
    s = std::move(*opened);
  }

  Result<ImportResult> import(const std::string& name, const std::string& text, const std::string& view = "") {
    ImportOptions options;
    options.cost_view = view;
    return import_bill(*s, write_file(*dir, name, text), options, import_time());
  }

  // Σ of a cost over the month, read the two ways `costs` reads: whole days (the rollups) and a
  // window that cuts a day (the charges themselves). They must agree.
  std::string total(CostMetric metric) {
    std::string seen[2];
    const char* since[] = {"2023-09-01T00:00:00Z", "2023-08-31T12:00:00Z"};
    for (int i = 0; i < 2; ++i) {
      CostQuery q;
      q.metric = metric;
      q.since = *parse_utc(since[i]);
      q.until = *parse_utc("2023-10-01T00:00:00Z");
      auto lines = costs(*s, q);
      EXPECT_TRUE(lines) << lines.error().message;
      Money sum;
      if (lines)
        for (const auto& l : *lines) sum += l.cost;
      seen[i] = sum.to_string();
    }
    EXPECT_EQ(seen[0], seen[1]) << "the rollups and the charges disagree";
    return seen[0];
  }

  std::unique_ptr<TestDir> dir;
  std::unique_ptr<store::Store> s;
};

TEST_F(AzureViews, EitherViewAloneGivesItsOwnDocumentedTotals) {
  auto actual = import("ActualCost.csv", actual_view());
  ASSERT_TRUE(actual) << actual.error().message;
  EXPECT_EQ(actual->cost_view, "actual");
  EXPECT_EQ(total(CostMetric::billed), "31.75");
  EXPECT_EQ(total(CostMetric::effective), "31.75") << "the actual view alone knows no amortisation";

  fresh_store();
  auto amortized = import("AmortizedCost.csv", amortized_view());
  ASSERT_TRUE(amortized) << amortized.error().message;
  EXPECT_EQ(amortized->cost_view, "amortized") << "the file's name says which view it is";
  EXPECT_EQ(total(CostMetric::billed), "1.75") << "covered usage and unused reservation bill nothing";
  EXPECT_EQ(total(CostMetric::effective), "2.75");
}

TEST_F(AzureViews, BothViewsMergeToTheSameSpendInEitherOrder) {
  std::string billed[2], effective[2], rows[2];
  for (int order = 0; order < 2; ++order) {
    if (order == 1) fresh_store();
    auto first = order == 0 ? import("ActualCost.csv", actual_view()) : import("AmortizedCost.csv", amortized_view());
    ASSERT_TRUE(first) << first.error().message;
    EXPECT_TRUE(first->merged.empty()) << first->merged;
    auto second = order == 0 ? import("AmortizedCost.csv", amortized_view()) : import("ActualCost.csv", actual_view());
    ASSERT_TRUE(second) << second.error().message;
    EXPECT_NE(second->merged.find(order == 0 ? "merged with the actual view" : "merged with the amortized view"),
              std::string::npos)
        << second->merged;
    EXPECT_EQ(second->replaced_rows, 0) << "one view never replaces the other";
    billed[order] = total(CostMetric::billed);
    effective[order] = total(CostMetric::effective);
    rows[order] = one(*s, "SELECT count(*) FROM charges");
    // The purchase once, billed whole, its cost spread over the usage instead of counted again.
    EXPECT_EQ(one(*s, "SELECT count(*) FROM charges WHERE charge_category = 'Purchase'"), "1");
    EXPECT_EQ(money(*s, "billed_cost", "charge_category = 'Purchase'"), "30.00");
    EXPECT_EQ(money(*s, "effective_cost", "charge_category = 'Purchase'"), "0.00");
    EXPECT_EQ(one(*s, "SELECT sum(live_rows) FROM imports"), rows[order]) << "live rows follow the merge";
  }
  EXPECT_EQ(billed[0], "31.75");
  EXPECT_EQ(effective[0], "2.75");
  EXPECT_EQ(rows[0], "5");
  EXPECT_EQ(billed[1], billed[0]);
  EXPECT_EQ(effective[1], effective[0]);
  EXPECT_EQ(rows[1], rows[0]);
}

TEST_F(AzureViews, ANewVersionOfOneViewReplacesOnlyThatView) {
  ASSERT_TRUE(import("ActualCost.csv", actual_view()));
  ASSERT_TRUE(import("AmortizedCost.csv", amortized_view()));
  auto again = import("AmortizedCost-v2.csv", amortized_view("0.90"));
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->replaced_rows, 4) << "the earlier amortized rows, not the actual view's purchase";
  EXPECT_EQ(total(CostMetric::billed), "31.75");
  EXPECT_EQ(total(CostMetric::effective), "2.85");
  EXPECT_EQ(one(*s, "SELECT count(*) FROM charges"), "5");
}

TEST_F(AzureViews, AnAmortizedFileTakenAsActualIsRefusedWhole) {
  auto taken = import("export-2023-09.csv", amortized_view());
  ASSERT_FALSE(taken);
  EXPECT_NE(taken.error().message.find("export-2023-09.csv: taken as the actual-cost view, but it holds "
                                       "amortized-cost rows (usage covered by a commitment (PricingModel "
                                       "Reservation) costing 0.80): import it with --cost-view amortized"),
            std::string::npos)
      << taken.error().message;
  EXPECT_EQ(one(*s, "SELECT count(*) FROM charges"), "0");
  EXPECT_EQ(one(*s, "SELECT count(*) FROM imports"), "0");
  auto named = import("export-2023-09.csv", amortized_view(), "amortized");
  ASSERT_TRUE(named) << named.error().message;
  EXPECT_EQ(named->cost_view, "amortized");
}

}  // namespace
}  // namespace frugal::billing
