#include <fcntl.h>
#include <sys/stat.h>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "cache/cache.h"
#include "test_dir.h"

namespace frugal::cache {
namespace {
namespace fs = std::filesystem;

std::string key_of(char c) { return std::string(64, c); }

void write(const std::string& path, const std::string& text) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

// Sets a file's mtime to `seconds_ago` before now, as if it were last touched then.
void age(const std::string& path, int seconds_ago) {
  struct timespec times[2];
  times[0].tv_sec = times[1].tv_sec = ::time(nullptr) - seconds_ago;
  times[0].tv_nsec = times[1].tv_nsec = 0;
  ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), times, 0), 0) << path;
}

// Three entries of 100 distinct bytes each, stored oldest first: a, b, c.
struct ThreeEntries {
  testing::TestDir dir;
  ObjectStore store{dir.file("cache")};
  ThreeEntries() {
    int seconds_ago = 300;
    for (char c : {'a', 'b', 'c'}) {
      std::string out = dir.file(std::string("out-") + c);
      write(out, std::string(100, c));
      EXPECT_TRUE(store.put(key_of(c), {out}, 1000));
      age(entry(c), seconds_ago);
      seconds_ago -= 100;
    }
  }
  std::string entry(char c) const { return store.folder() + "/entries/" + key_of(c); }
  bool has(char c) const { return store.get(key_of(c)).value().has_value(); }
};

TEST(CacheGc, EvictsLeastRecentlyUsedEntriesUntilUnderTheBound) {
  ThreeEntries t;
  auto r = t.store.gc(150);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->entries_evicted, 2U);
  EXPECT_EQ(r->bytes_freed, 200U);
  EXPECT_EQ(r->bytes_used, 100U);
  EXPECT_FALSE(t.has('a'));
  EXPECT_FALSE(t.has('b'));
  EXPECT_TRUE(t.has('c'));
}

TEST(CacheGc, AHitRefreshesAnEntrySoItIsKept) {
  ThreeEntries t;
  ASSERT_TRUE(t.store.touch(key_of('a')));
  auto r = t.store.gc(150);
  ASSERT_TRUE(r);
  EXPECT_TRUE(t.has('a'));
  EXPECT_FALSE(t.has('b'));
  EXPECT_FALSE(t.has('c'));
}

TEST(CacheGc, UnderTheBoundNothingIsEvicted) {
  ThreeEntries t;
  auto r = t.store.gc(300);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->entries_evicted, 0U);
  EXPECT_EQ(r->entries_kept, 3U);
  EXPECT_TRUE(t.has('a') && t.has('b') && t.has('c'));
}

TEST(CacheGc, NeverEvictsAnEntryWhoseLockIsHeld) {
  ThreeEntries t;
  auto lock = KeyLock::acquire(t.store.folder(), key_of('a'));
  ASSERT_TRUE(lock);
  auto r = t.store.gc(0);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->entries_in_use, 1U);
  EXPECT_TRUE(t.has('a'));
  EXPECT_FALSE(t.has('b'));
  EXPECT_EQ(r->bytes_used, 100U);
}

TEST(CacheGc, AnObjectSharedWithAKeptEntryStays) {
  testing::TestDir dir;
  ObjectStore store(dir.file("cache"));
  write(dir.file("x"), "same bytes");
  ASSERT_TRUE(store.put(key_of('a'), {dir.file("x")}, 1));
  age(store.folder() + "/entries/" + key_of('a'), 100);
  ASSERT_TRUE(store.put(key_of('b'), {dir.file("x")}, 1));
  auto lock = KeyLock::acquire(store.folder(), key_of('b'));  // b stays
  auto r = store.gc(0);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->entries_evicted, 1U);
  EXPECT_EQ(r->bytes_freed, 0U);
  EXPECT_TRUE(store.get(key_of('b')).value().has_value());
}

TEST(CacheGc, SweepsOldOrphanObjectsButSparesYoungOnes) {
  ThreeEntries t;
  auto a = t.store.get(key_of('a')).value().value();
  auto b = t.store.get(key_of('b')).value().value();
  ASSERT_TRUE(t.store.remove(key_of('a')));
  ASSERT_TRUE(t.store.remove(key_of('b')));
  auto object = [&](const Entry& e) {
    return t.store.folder() + "/objects/" + e.files[0].sha256.substr(0, 2) + "/" + e.files[0].sha256.substr(2);
  };
  age(object(a), 7200);  // an old orphan: `rm` left it
  age(object(a) + ".stamp", 7200);
  auto r = t.store.gc(1000);  // under the bound: only the sweep acts
  ASSERT_TRUE(r);
  EXPECT_FALSE(fs::exists(object(a)));
  EXPECT_FALSE(fs::exists(object(a) + ".stamp"));  // goes with its object
  EXPECT_TRUE(fs::exists(object(b)));  // young: may belong to a store under way
  EXPECT_EQ(r->bytes_freed, 100U);
}

TEST(CacheGc, AnObjectIsAsYoungAsItsStampWhichAStoreRefreshes) {
  ThreeEntries t;
  auto a = t.store.get(key_of('a')).value().value();
  std::string object = t.store.folder() + "/objects/" + a.files[0].sha256.substr(0, 2) + "/" + a.files[0].sha256.substr(2);
  ASSERT_TRUE(t.store.remove(key_of('a')));
  age(object, 7200);  // the object's own times are left alone so its stamp stays true...
  ASSERT_TRUE(t.store.gc(1000));  // ...and the stamp, refreshed by the store, says it was just used
  EXPECT_TRUE(fs::exists(object));
}

TEST(CacheStats, CountsEntriesDistinctObjectsAndBytes) {
  ThreeEntries t;
  write(t.dir.file("dup"), std::string(100, 'a'));  // same content as entry a
  ASSERT_TRUE(t.store.put(key_of('d'), {t.dir.file("dup")}, 500));
  auto s = t.store.stats();
  ASSERT_TRUE(s);
  EXPECT_EQ(s->entries, 4U);
  EXPECT_EQ(s->objects, 3U);
  EXPECT_EQ(s->bytes_on_disk, 300U);
  EXPECT_EQ(s->bytes_referenced, 400U);
  EXPECT_EQ(s->compute_ms, 3500);
}

TEST(ParseSize, ReadsDecimalAndBinaryUnits) {
  EXPECT_EQ(parse_size("1000", "--max-size").value(), 1000U);
  EXPECT_EQ(parse_size("50G", "--max-size").value(), 50'000'000'000U);
  EXPECT_EQ(parse_size("50GB", "--max-size").value(), 50'000'000'000U);
  EXPECT_EQ(parse_size("512Mi", "--max-size").value(), 512ULL << 20);
  EXPECT_EQ(parse_size("1Ti", "--max-size").value(), 1ULL << 40);
}

TEST(ParseSize, RejectsWhatIsNotASizeAndNamesTheFlag) {
  for (const char* bad : {"", "G", "-5G", "5X", "1.5G", "99999999999999999999", "20000000000T"}) {
    auto r = parse_size(bad, "--max-size");
    ASSERT_FALSE(r) << bad;
    EXPECT_NE(r.error().message.find("--max-size"), std::string::npos);
  }
}

}  // namespace
}  // namespace frugal::cache
