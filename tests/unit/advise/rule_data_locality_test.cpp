#include <algorithm>

#include "unit/advise/advise_fixture.h"

namespace frugal::advise {
namespace {

class DataLocality : public testing::AdviseTest {
 protected:
  void add_run(const std::string& dataset, const std::string& region, const std::string& team = "vision") {
    exec("INSERT INTO runs (username, team, project, dataset, command, provider, region, started_at, ended_at, "
         "duration_ms, status, cost_nanos) VALUES ('ada', ?, 'detector', ?, 'python train.py', 'aws', ?, "
         "'2026-11-10T00:00:00.000Z', '2026-11-10T01:00:00.000Z', 3600000, 'finished', 1000000000)",
         {team, dataset, region});
  }
  // What `frugal data get` records when it downloads an object (or serves it from disk: a hit).
  void download(const std::string& url, std::int64_t bytes, const std::string& kind = "miss",
                const std::string& team = "vision") {
    exec("INSERT INTO data_events (at, kind, url, provider, bytes, team, egress_nanos_per_gb, avoided_nanos) "
         "VALUES ('2026-11-10T00:10:00.000Z', ?, ?, 'aws', ?, ?, 90000000, 0)",
         {kind, url, bytes, team});
  }
  void bill_bucket(const std::string& resource_id, const std::string& region) {
    std::vector<store::Value> sha = {resource_id};
    auto r = m_store->query(
        "INSERT INTO imports (file, file_sha256, format, imported_at, rows) "
        "VALUES ('bill.csv', ?, 'focus', '2026-11-26T00:00:00.000Z', 1) RETURNING id",
        sha);
    ASSERT_TRUE(r) << r.error().message;
    exec("INSERT INTO charges (import_id, source_line, provider_name, billing_account_id, billing_currency, "
         "billing_period_start, billing_period_end, charge_period_start, charge_period_end, billed_cost_nanos, "
         "billed_cost_attos, effective_cost_nanos, effective_cost_attos, list_cost_nanos, list_cost_attos, region_id, "
         "resource_id, service_category) VALUES (?, 1, 'AWS', 'acct', 'USD', '2026-11-01T00:00:00.000Z', "
         "'2026-12-01T00:00:00.000Z', '2026-11-10T00:00:00.000Z', '2026-11-10T01:00:00.000Z', 5000000, 0, 0, 0, 0, 0, "
         "?, ?, 'Storage')",
         {r->rows[0][0], store::Value{region}, store::Value{resource_id}});
  }
  std::vector<Recommendation> found() { return run(data_locality); }
};

TEST_F(DataLocality, RunsAwayFromARegionalS3UrlPayInterRegionTransferForWhatTheyDownloaded) {
  const std::string dataset = "https://imagenet.s3.eu-west-1.amazonaws.com/train/";
  for (int i = 0; i < 3; ++i) add_run(dataset, "us-east-1");
  add_run(dataset, "eu-west-1");                    // one run next to the data
  download(dataset + "shard-0.tar", 300'000'000'000);
  download(dataset + "shard-1.tar", 100'000'000'000);
  download(dataset + "shard-1.tar", 999'000'000'000, "hit");  // from local disk: nothing crossed
  download("s3://other/x.tar", 500'000'000'000);               // another dataset
  auto recs = found();
  ASSERT_EQ(recs.size(), 1u);
  const auto& rec = recs[0];
  EXPECT_EQ(rec.rule, "transfer");
  EXPECT_EQ(rec.target, "dataset " + dataset + " (aws eu-west-1)");
  // 400 GB downloaded, 3 of 4 runs away: 300 GB at $0.02 = $6 over the 30-day window.
  EXPECT_EQ(rec.monthly_saving.to_string(), "6.00");
  EXPECT_EQ(evidence(rec, "dataset region"), "aws eu-west-1 (from its URL)");
  EXPECT_EQ(evidence(rec, "runs away from it"), "3 runs in us-east-1");
  EXPECT_NE(rec.action.find("--region eu-west-1"), std::string::npos) << rec.action;
}

TEST_F(DataLocality, AnS3BucketsRegionComesFromTheBills) {
  add_run("s3://corpus/text/", "us-east-1");
  bill_bucket("arn:aws:s3:::corpus", "us-west-2");
  download("s3://corpus/text/part-0", 50'000'000'000);
  auto recs = found();
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(evidence(recs[0], "dataset region"), "aws us-west-2 (from the bills (corpus))");
  EXPECT_EQ(recs[0].monthly_saving.to_string(), "1.00");  // 50 GB × $0.02
}

TEST_F(DataLocality, RunsNextToTheirDataGiveNoAdvice) {
  add_run("https://imagenet.s3.us-east-1.amazonaws.com/train/", "us-east-1");
  download("https://imagenet.s3.us-east-1.amazonaws.com/train/a", 100'000'000'000);
  EXPECT_TRUE(found().empty());
}

TEST_F(DataLocality, ADatasetWhoseRegionOrBytesAreUnknownGivesNoAdvice) {
  add_run("s3://nobody-billed-this/data/", "us-east-1");  // no bill names the bucket
  download("s3://nobody-billed-this/data/a", 100'000'000'000);
  add_run("https://data.s3.eu-west-1.amazonaws.com/x/", "us-east-1");  // never downloaded through frugal
  add_run("imagenet-v2", "us-east-1");                                  // a name, not a URL
  EXPECT_TRUE(found().empty());
}

TEST_F(DataLocality, ReadsPlacesFromEachUrlShape) {
  add_run("https://s3.ap-south-1.amazonaws.com/pathstyle/x/", "us-east-1");
  add_run("https://legacy.s3-sa-east-1.amazonaws.com/x/", "us-east-1");
  download("https://s3.ap-south-1.amazonaws.com/pathstyle/x/a", 1'000'000'000);
  download("https://legacy.s3-sa-east-1.amazonaws.com/x/a", 1'000'000'000);
  auto recs = found();
  ASSERT_EQ(recs.size(), 2u);
  std::vector<std::string> targets = {recs[0].target, recs[1].target};
  std::sort(targets.begin(), targets.end());
  EXPECT_EQ(targets[0], "dataset https://legacy.s3-sa-east-1.amazonaws.com/x/ (aws sa-east-1)");
  EXPECT_EQ(targets[1], "dataset https://s3.ap-south-1.amazonaws.com/pathstyle/x/ (aws ap-south-1)");
}

}  // namespace
}  // namespace frugal::advise
