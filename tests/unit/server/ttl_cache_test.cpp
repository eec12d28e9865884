#include <chrono>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "server/ttl_cache.h"

namespace frugal::server {
namespace {

using namespace std::chrono_literals;

TEST(TtlCache, AnEntryIsForgottenOnceItsTimeIsUp) {
  TtlCache<int, std::string> cache(50ms, 10);
  cache.put(1, "vision");
  EXPECT_EQ(cache.get(1), "vision");
  std::this_thread::sleep_for(60ms);
  EXPECT_FALSE(cache.get(1).has_value());  // read from the store again: a change shows within the ttl
}

TEST(TtlCache, WhatWasNeverPutIsNotThere) {
  TtlCache<int, std::string> cache(1s, 10);
  EXPECT_FALSE(cache.get(7).has_value());
}

TEST(TtlCache, AFullCacheStartsOverInsteadOfGrowing) {
  TtlCache<int, int> cache(1s, 3);
  for (int i = 0; i < 3; ++i) cache.put(i, i);
  cache.put(3, 3);
  EXPECT_FALSE(cache.get(0).has_value());
  EXPECT_EQ(cache.get(3), 3);
}

}  // namespace
}  // namespace frugal::server
