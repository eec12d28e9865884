// Lock files per key: held locks exclude each other, and sweeping away unheld lock files never
// lets two holders in at once.
#include <atomic>
#include <filesystem>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "cache/cache.h"
#include "test_dir.h"

namespace frugal::cache {
namespace {
namespace fs = std::filesystem;

const std::string k_key(64, 'k');

TEST(KeyLock, RemoveStaleDeletesOnlyLockFilesNobodyHolds) {
  testing::TestDir dir;
  auto held = KeyLock::acquire(dir.path(), k_key);
  ASSERT_TRUE(held);
  { ASSERT_TRUE(KeyLock::acquire(dir.path(), std::string(64, 'o'))); }  // taken and released
  EXPECT_EQ(KeyLock::remove_stale(dir.path()), 1U);
  EXPECT_TRUE(fs::exists(dir.file("locks/" + k_key)));
  EXPECT_FALSE(fs::exists(dir.file("locks/" + std::string(64, 'o'))));
}

TEST(KeyLock, SweepingLockFilesNeverLetsTwoHoldersIn) {
  testing::TestDir dir;
  std::atomic<int> inside{0}, overlaps{0}, acquired{0};
  std::atomic<bool> stop{false};
  auto holder = [&] {
    for (int i = 0; i < 300; ++i) {
      auto lock = KeyLock::acquire(dir.path(), k_key);
      ASSERT_TRUE(lock);
      if (inside.fetch_add(1) != 0) ++overlaps;
      ++acquired;
      std::this_thread::yield();
      inside.fetch_sub(1);
    }
  };
  std::thread sweeper([&] {
    while (!stop) KeyLock::remove_stale(dir.path());
  });
  std::vector<std::thread> holders;
  for (int t = 0; t < 3; ++t) holders.emplace_back(holder);
  for (auto& h : holders) h.join();
  stop = true;
  sweeper.join();
  EXPECT_EQ(acquired, 900);
  EXPECT_EQ(overlaps, 0);
}

}  // namespace
}  // namespace frugal::cache
