#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "cache/cache.h"
#include "core/time.h"
#include "store/store.h"
#include "test_database.h"

namespace frugal::cache {
namespace {

struct Recording : ::testing::Test {
  testing::TestDir dir;
  std::unique_ptr<store::Store> db = std::move(*store::open_store(::frugal::testing::database(dir)));
  Entry entry{std::string(64, 'e'), {"out"}, {}, 5'400'000, 2048};  // 1.5 h of compute
  TimePoint at = *parse_utc("2026-11-26T10:00:00Z");
};

TEST_F(Recording, AHitSavesItsComputeTimeAtTheHourlyPriceExactly) {
  EventContext who{"ana", "vision", "resnet", "", "", "", {}};
  auto saved = record_event(*db, EventKind::hit, entry, at, who, Money::from_nanos(32'770'000'000));  // $32.77/h
  ASSERT_TRUE(saved) << saved.error().message;
  ASSERT_TRUE(*saved);
  EXPECT_EQ((*saved)->nanos(), 49'155'000'000);  // 1.5 × 32.77
  auto rows = db->query("SELECT kind, cache_key, compute_ms, bytes, username, team, saved_nanos, at FROM cache_events");
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->rows.size(), 1U);
  const auto& r = rows->rows[0];
  EXPECT_EQ(store::as_text(r[0]), "hit");
  EXPECT_EQ(store::as_text(r[1]), entry.key);
  EXPECT_EQ(store::as_int(r[2]), 5'400'000);
  EXPECT_EQ(store::as_int(r[3]), 2048);
  EXPECT_EQ(store::as_text(r[4]), "ana");
  EXPECT_EQ(store::as_text(r[5]), "vision");
  EXPECT_EQ(store::as_int(r[6]), 49'155'000'000);
  EXPECT_EQ(store::as_text(r[7]), "2026-11-26T10:00:00.000Z");
}

TEST_F(Recording, AStoreSavesNothingAndAnUnpricedHitHasNoMoney) {
  EventContext who;
  auto stored = record_event(*db, EventKind::store, entry, at, who, Money::from_nanos(1'000'000'000));
  ASSERT_TRUE(stored);
  EXPECT_FALSE(*stored);
  auto hit = record_event(*db, EventKind::hit, entry, at, who, std::nullopt);
  ASSERT_TRUE(hit);
  EXPECT_FALSE(*hit);
  auto rows = db->query("SELECT count(*), count(saved_nanos) FROM cache_events");
  EXPECT_EQ(store::as_int(rows->rows[0][0]), 2);
  EXPECT_EQ(store::as_int(rows->rows[0][1]), 0);
}

TEST_F(Recording, HourlyPriceComesFromTheFlagThenTheCatalog) {
  EventContext flagged;
  flagged.instance_type = "p4d.24xlarge";
  flagged.hourly = Money::from_nanos(7'000'000'000);
  EXPECT_EQ(hourly_price(*db, flagged).value()->nanos(), 7'000'000'000);
  EventContext listed;
  listed.instance_type = "p4d.24xlarge";  // built into the catalog
  auto price = hourly_price(*db, listed);
  ASSERT_TRUE(price && *price);
  EXPECT_GT((*price)->nanos(), 0);
  EXPECT_FALSE(hourly_price(*db, EventContext{}).value());
}

TEST_F(Recording, AnUnknownInstanceTypeIsAnErrorNamingTheFlag) {
  EventContext bad;
  bad.instance_type = "p4d.24xlarg";
  auto price = hourly_price(*db, bad);
  ASSERT_FALSE(price);
  EXPECT_NE(price.error().message.find("--instance-type"), std::string::npos) << price.error().message;
}

}  // namespace
}  // namespace frugal::cache
