// Egress avoided by the data cache: who serves a URL, what their egress costs, and what is recorded.
#include <gtest/gtest.h>

#include "datacache/datacache.h"
#include "store/store.h"
#include "test_database.h"

namespace frugal::datacache {
namespace {

TEST(EgressProvider, IsTakenFromTheSchemeAndHost) {
  EXPECT_EQ(egress_provider("s3://bucket/key", false), "aws");
  EXPECT_EQ(egress_provider("s3://bucket/key", true), "other") << "a custom endpoint is not AWS";
  EXPECT_EQ(egress_provider("https://bucket.s3.us-west-2.amazonaws.com/k", false), "aws");
  EXPECT_EQ(egress_provider("https://storage.googleapis.com/bucket/k", false), "gcp");
  EXPECT_EQ(egress_provider("https://acct.blob.core.windows.net/c/k?sv=1", false), "azure");
  EXPECT_EQ(egress_provider("https://acct.r2.cloudflarestorage.com/b/k", false), "cloudflare");
  EXPECT_EQ(egress_provider("https://user@Storage.GoogleAPIs.com:443/b", false), "gcp");
  EXPECT_EQ(egress_provider("file:///data/x", false), "local");
  EXPECT_EQ(egress_provider("https://notamazonaws.com/x", false), "other") << "a suffix is not a subdomain";
  EXPECT_EQ(egress_provider("http://127.0.0.1:9000/x", false), "other");
}

TEST(EgressPrices, ParsesProviderPricesExactly) {
  auto prices = EgressPrices::parse("aws=0.09, gcp = 0.12,other=0.000000001");
  ASSERT_TRUE(prices) << prices.error().message;
  EXPECT_EQ(prices->per_gb("aws"), *Money::parse("0.09"));
  EXPECT_EQ(prices->per_gb("other").nanos(), 1);
  EXPECT_EQ(prices->per_gb("azure"), Money()) << "unnamed providers cost nothing";
  EXPECT_EQ(prices->per_gb("local"), Money());
}

TEST(EgressPrices, BadEntriesAreRefusedNamingThem) {
  for (const char* bad : {"aws", "aws=cheap", "=0.1", "aws=-0.09"}) {
    auto prices = EgressPrices::parse(bad);
    ASSERT_FALSE(prices) << bad;
    EXPECT_NE(prices.error().message.find(bad), std::string::npos) << prices.error().message;
  }
}

TEST(RecordGet, AHitRecordsTheEgressItAvoidedAndADownloadNone) {
  testing::TestDir dir;
  auto db = std::move(*store::open_store(::frugal::testing::database(dir)));
  auto prices = *EgressPrices::parse("aws=0.09");
  Requester who{"ana", "vision", "detector"};
  GetResult hit{"/x", Outcome::hit, 3'000'000'000};
  auto avoided = record_get(*db, "s3://b/k", hit, TimePoint{}, "aws", prices, who);
  ASSERT_TRUE(avoided) << avoided.error().message;
  EXPECT_EQ(*avoided, *Money::parse("0.27"));  // 3 GB × $0.09
  GetResult miss{"/x", Outcome::miss, 3'000'000'000};
  EXPECT_EQ(*record_get(*db, "s3://b/k", miss, TimePoint{}, "aws", prices, who), Money());
  auto rows = db->query("SELECT kind, provider, bytes, team, egress_nanos_per_gb, avoided_nanos FROM data_events ORDER BY id");
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->rows.size(), 2U);
  EXPECT_EQ(store::as_text(rows->rows[0][0]), "hit");
  EXPECT_EQ(store::as_text(rows->rows[0][1]), "aws");
  EXPECT_EQ(store::as_int(rows->rows[0][2]), 3'000'000'000);
  EXPECT_EQ(store::as_text(rows->rows[0][3]), "vision");
  EXPECT_EQ(store::as_int(rows->rows[0][4]), 90'000'000);
  EXPECT_EQ(store::as_int(rows->rows[0][5]), 270'000'000);
  EXPECT_EQ(store::as_int(rows->rows[1][5]), 0);
}

}  // namespace
}  // namespace frugal::datacache
