#include <fcntl.h>
#include <sys/stat.h>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "datacache/datacache.h"
#include "test_dir.h"

namespace frugal::datacache {
namespace {
namespace fs = std::filesystem;

void write(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

struct FileSource : ::testing::Test {
  testing::TestDir dir;
  DataCache cache{dir.file("cache")};
  std::string url(const std::string& name) { return "file://" + dir.file(name); }
};

TEST_F(FileSource, AMissCopiesTheObjectAndTheNextGetHits) {
  write(dir.file("a.bin"), "alpha");
  auto first = cache.get(url("a.bin"));
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(first->outcome, Outcome::miss);
  EXPECT_EQ(first->bytes, 5U);
  EXPECT_EQ(read(first->path), "alpha");
  EXPECT_TRUE(first->path.starts_with(dir.file("cache/objects/")));
  auto second = cache.get(url("a.bin"));
  ASSERT_TRUE(second);
  EXPECT_EQ(second->outcome, Outcome::hit);
  EXPECT_EQ(second->path, first->path);
}

TEST_F(FileSource, AHitDoesNotNeedTheSource) {
  write(dir.file("a.bin"), "alpha");
  ASSERT_TRUE(cache.get(url("a.bin")));
  fs::remove(dir.file("a.bin"));
  auto again = cache.get(url("a.bin"));
  ASSERT_TRUE(again);
  EXPECT_EQ(again->outcome, Outcome::hit);
}

TEST_F(FileSource, ACorruptedCopyIsFetchedAgain) {
  write(dir.file("a.bin"), "alpha");
  auto first = cache.get(url("a.bin"));
  ASSERT_TRUE(first);
  write(first->path, "alphx");  // same size, one byte flipped
  auto again = cache.get(url("a.bin"));
  ASSERT_TRUE(again);
  EXPECT_EQ(again->outcome, Outcome::refetched);
  EXPECT_EQ(read(again->path), "alpha");
}

TEST_F(FileSource, RevalidateNoticesAChangedSource) {
  write(dir.file("a.bin"), "alpha");
  ASSERT_TRUE(cache.get(url("a.bin")));
  write(dir.file("a.bin"), "alpha, second edition");
  EXPECT_EQ(cache.get(url("a.bin"))->outcome, Outcome::hit);
  auto fresh = cache.get(url("a.bin"), {.revalidate = true});
  ASSERT_TRUE(fresh);
  EXPECT_EQ(fresh->outcome, Outcome::refetched);
  EXPECT_EQ(read(fresh->path), "alpha, second edition");
}

TEST_F(FileSource, AMissingSourceIsAnErrorNamingItAndStoresNothing) {
  auto r = cache.get(url("nope.bin"));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("nope.bin"), std::string::npos);
  EXPECT_EQ(cache.stats()->objects, 0U);
}

TEST_F(FileSource, AnUnsupportedSchemeIsRefused) {
  for (const char* bad : {"ftp://host/x", "/etc/passwd", "s3:/bucket", ""}) {
    auto r = cache.get(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_NE(r.error().message.find("expected an s3://"), std::string::npos);
  }
}

TEST_F(FileSource, AUrlWithAControlCharacterIsRefused) {
  write(dir.file("a.bin"), "alpha");
  auto r = cache.get(url("a.bin") + "\nfile:///etc/passwd");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("control character"), std::string::npos) << r.error().message;
  EXPECT_EQ(cache.stats()->objects, 0U);
}

TEST_F(FileSource, GcEvictsTheLeastRecentlyUsedObjects) {
  for (const char* name : {"a", "b", "c"}) write(dir.file(name), std::string(100, name[0]));
  auto a = cache.get(url("a"));
  auto b = cache.get(url("b"));
  auto c = cache.get(url("c"));
  ASSERT_TRUE(a && b && c);
  // Make b the oldest use, then a, then c; a hit on a refreshes it past b.
  struct timespec old[2] = {{::time(nullptr) - 300, 0}, {::time(nullptr) - 300, 0}};
  ::utimensat(AT_FDCWD, (b->path + ".meta").c_str(), old, 0);
  old[0].tv_sec = old[1].tv_sec = ::time(nullptr) - 200;
  ::utimensat(AT_FDCWD, (a->path + ".meta").c_str(), old, 0);
  auto r = cache.gc(200);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->evicted, 1U);
  EXPECT_FALSE(fs::exists(b->path));
  EXPECT_TRUE(fs::exists(a->path));
  EXPECT_EQ(cache.stats()->bytes, 200U);
}

TEST_F(FileSource, GetWithMaxSizeKeepsTheCacheBounded) {
  for (const char* name : {"a", "b", "c"}) write(dir.file(name), std::string(100, name[0]));
  for (const char* name : {"a", "b", "c"}) ASSERT_TRUE(cache.get(url(name), {.max_bytes = 250}));
  auto s = cache.stats();
  EXPECT_EQ(s->objects, 2U);
  EXPECT_LE(s->bytes, 250U);
}

TEST_F(FileSource, GetWithMaxSizeNeverEvictsTheObjectItReturns) {
  write(dir.file("big"), std::string(500, 'x'));
  auto got = cache.get(url("big"), {.max_bytes = 100});
  ASSERT_TRUE(got);
  EXPECT_TRUE(fs::exists(got->path));
  EXPECT_EQ(read(got->path), std::string(500, 'x'));
}

}  // namespace
}  // namespace frugal::datacache
