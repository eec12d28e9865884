#include <fcntl.h>
#include <sys/stat.h>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "datacache/datacache.h"
#include "loopback_http.h"
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

TEST_F(FileSource, LocalhostAndPercentEscapesReadAsRfc8089Says) {
  fs::create_directories(dir.file("sub"));
  write(dir.file("my set.bin"), "spaced");
  auto spaced = cache.get("file://localhost" + dir.file("my%20set.bin"));
  ASSERT_TRUE(spaced) << spaced.error().message;
  EXPECT_EQ(read(spaced->path), "spaced");
  auto dotted = cache.get("file://" + dir.file("sub/%2e%2e/my%20set.bin"));
  ASSERT_TRUE(dotted) << dotted.error().message;
  EXPECT_EQ(read(dotted->path), "spaced");
}

TEST_F(FileSource, WhatIsNotALocalRegularFileIsRefusedAndNothingStored) {
  fs::create_directories(dir.file("folder"));
  write(dir.file("a.bin"), "alpha");
  struct Case {
    std::string url, says;
  } cases[] = {
      {"file:///proc/self/environ", "makes up as it is read"},
      {url("folder"), "not a regular file"},
      {"file://fileserver" + dir.file("a.bin"), "host 'fileserver'"},
      {url("a%2"), "not a percent-escape"},
      {url("a%zz.bin"), "not a percent-escape"},
      {url("a%00.bin"), "not a percent-escape"},
  };
  for (const auto& c : cases) {
    auto r = cache.get(c.url);
    ASSERT_FALSE(r) << c.url;
    EXPECT_EQ(r.error().code, ErrorCode::invalid) << c.url << ": " << r.error().message;
    EXPECT_NE(r.error().message.find(c.says), std::string::npos) << c.url << ": " << r.error().message;
  }
  EXPECT_EQ(cache.stats()->objects, 0U);
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
  auto r = cache.gc({.max_bytes = 200});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->evicted, 1U);
  EXPECT_FALSE(fs::exists(b->path));
  EXPECT_TRUE(fs::exists(a->path));
  EXPECT_EQ(cache.stats()->bytes, 200U);
}

TEST_F(FileSource, GetWithMaxSizeKeepsTheCacheBounded) {
  for (const char* name : {"a", "b", "c"}) write(dir.file(name), std::string(100, name[0]));
  for (const char* name : {"a", "b", "c"}) ASSERT_TRUE(cache.get(url(name), {.limits = {.max_bytes = 250}}));
  auto s = cache.stats();
  EXPECT_EQ(s->objects, 2U);
  EXPECT_LE(s->bytes, 250U);
}

TEST_F(FileSource, GetWithMaxSizeNeverEvictsTheObjectItReturns) {
  write(dir.file("big"), std::string(500, 'x'));
  auto got = cache.get(url("big"), {.limits = {.max_bytes = 100}});
  ASSERT_TRUE(got);
  EXPECT_TRUE(fs::exists(got->path));
  EXPECT_EQ(read(got->path), std::string(500, 'x'));
}

TEST_F(FileSource, PinnedObjectsAreNeverEvictedUntilUnpinned) {
  for (const char* name : {"a", "b"}) write(dir.file(name), std::string(100, name[0]));
  auto a = cache.get(url("a"), {.pin = true});
  auto b = cache.get(url("b"));
  ASSERT_TRUE(a && b);
  auto r = cache.gc({.max_bytes = 1});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->evicted, 1U);
  EXPECT_EQ(r->pinned, 1U);
  EXPECT_TRUE(fs::exists(a->path));
  EXPECT_FALSE(fs::exists(b->path));
  EXPECT_EQ(cache.stats()->pinned, 1U);
  ASSERT_TRUE(cache.unpin(url("a")));
  EXPECT_EQ(cache.gc({.max_bytes = 1})->evicted, 1U);
  EXPECT_FALSE(fs::exists(a->path));
}

// The disk as a test says it is: `available` of 1000 bytes free.
DiskProbe disk_with_free(std::uint64_t available) {
  return [available](const std::string&) -> Result<DiskSpace> { return DiskSpace{1000, available}; };
}

TEST_F(FileSource, TheFreeDiskFloorEvictsLeastRecentlyUsedObjects) {
  for (const char* name : {"a", "b"}) write(dir.file(name), std::string(100, name[0]));
  auto a = cache.get(url("a"));
  auto b = cache.get(url("b"));
  ASSERT_TRUE(a && b);
  struct timespec old[2] = {{::time(nullptr) - 300, 0}, {::time(nullptr) - 300, 0}};
  ::utimensat(AT_FDCWD, (a->path + ".meta").c_str(), old, 0);
  DataCache roomy(dir.file("cache"), disk_with_free(60));  // 6 % free: above the 5 % floor
  EXPECT_EQ(roomy.gc({})->evicted, 0U);
  DataCache full(dir.file("cache"), disk_with_free(30));   // 3 % free: 20 bytes short of the floor
  auto r = full.gc({});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->evicted, 1U);
  EXPECT_FALSE(fs::exists(a->path)) << "the least recently used goes";
  EXPECT_TRUE(fs::exists(b->path));
  EXPECT_EQ(full.gc({.min_free_fraction = 0})->evicted, 0U) << "no floor, no eviction";
}

// Serves `object` as ETag "v1", honouring Range; the first `cuts` answers hang up after 1000 bytes.
struct FlakyServer {
  std::string object = std::string(2500, 'x') + std::string(2500, 'y');
  int cuts = 1;
  testing::LoopbackHttp server{[this](const std::string& head) {
    std::size_t from = 0;
    std::string range = testing::header_value(head, "Range");
    if (!range.empty() && testing::header_value(head, "If-Range") == "\"v1\"") from = std::stoul(range.substr(6));
    std::string status = from ? "206 Partial Content" : "200 OK";
    std::string range_sent = from ? "Content-Range: bytes " + std::to_string(from) + "-" + std::to_string(object.size() - 1) +
                                        "/" + std::to_string(object.size()) + "\r\n"
                                  : "";
    std::string body = object.substr(from);
    std::size_t announced = body.size();
    if (cuts > 0) {
      --cuts;
      body.resize(1000);
    }
    return "HTTP/1.1 " + status + "\r\nETag: \"v1\"\r\n" + range_sent + "Content-Length: " + std::to_string(announced) +
           "\r\n\r\n" + body;
  }};
};

TEST_F(FileSource, ADownloadCutShortGoesOnFromWhereItStopped) {
  FlakyServer flaky;
  auto got = cache.get(flaky.server.url("/shard"));
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(got->outcome, Outcome::miss);
  EXPECT_EQ(read(got->path), flaky.object);
  auto requests = flaky.server.requests();
  ASSERT_EQ(requests.size(), 2U);
  EXPECT_EQ(testing::header_value(requests[1], "Range"), "bytes=1000-");
}

TEST_F(FileSource, AnInterruptedDownloadIsResumedByTheNextGet) {
  FlakyServer flaky;
  flaky.cuts = 1;
  auto first = cache.get(flaky.server.url("/shard"), {.attempts = 1});
  ASSERT_FALSE(first);
  EXPECT_NE(first.error().message.find("/shard"), std::string::npos) << first.error().message;
  EXPECT_EQ(cache.stats()->objects, 0U) << "a partial download is never served";
  EXPECT_EQ(cache.stats()->partial_bytes, 1000U);
  auto second = cache.get(flaky.server.url("/shard"));
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_EQ(read(second->path), flaky.object);
  EXPECT_EQ(testing::header_value(flaky.server.requests().back(), "Range"), "bytes=1000-");
  EXPECT_EQ(cache.stats()->partial_bytes, 0U);
}

TEST_F(FileSource, ADownloadReportsItsProgressCountingTheResumedPart) {
  FlakyServer flaky;  // cut after 1000 bytes, then resumed from there
  std::vector<std::pair<std::uint64_t, std::uint64_t>> seen;
  GetOptions options;
  options.on_progress = [&seen](std::uint64_t held, std::uint64_t total) { seen.emplace_back(held, total); };
  auto got = cache.get(flaky.server.url("/shard"), options);
  ASSERT_TRUE(got) << got.error().message;
  ASSERT_FALSE(seen.empty()) << "no progress reported";
  EXPECT_EQ(seen.back(), std::make_pair(std::uint64_t{5000}, std::uint64_t{5000})) << "the end: all of it, of its size";
  for (const auto& [held, total] : seen) {
    EXPECT_LE(held, 5000U);
    if (total) {
      EXPECT_EQ(total, 5000U) << "the resumed part counts the 1000 bytes held before it";
    }
  }
  seen.clear();
  ASSERT_TRUE(cache.get(flaky.server.url("/shard"), options));
  EXPECT_TRUE(seen.empty()) << "a hit downloads nothing";
}

TEST_F(FileSource, ADownloadThatKeepsFailingGivesUpNamingTheUrl) {
  FlakyServer flaky;
  flaky.cuts = 100;
  auto got = cache.get(flaky.server.url("/shard"), {.attempts = 2});
  ASSERT_FALSE(got);
  EXPECT_NE(got.error().message.find(flaky.server.url("/shard")), std::string::npos) << got.error().message;
  EXPECT_EQ(flaky.server.requests().size(), 2U);
}

}  // namespace
}  // namespace frugal::datacache

namespace frugal::datacache {
namespace {

// Serves "hello" with the x-amz-checksum-sha256 (and x-amz-checksum-type, when given) it is given.
struct ChecksumServer {
  std::string checksum;
  std::string type{};
  testing::LoopbackHttp server{[this](const std::string&) {
    return "HTTP/1.1 200 OK\r\nETag: \"v1\"\r\nx-amz-checksum-sha256: " + checksum + "\r\n" +
           (type.empty() ? "" : "x-amz-checksum-type: " + type + "\r\n") + "Content-Length: 5\r\n\r\nhello";
  }};
};

TEST_F(FileSource, ADownloadMatchingTheServersChecksumIsKept) {
  ChecksumServer s{"LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ="};  // SHA-256 of "hello"
  auto got = cache.get(s.server.url("/h"));
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(read(got->path), "hello");
}

TEST_F(FileSource, ADownloadNotMatchingTheServersChecksumIsRefusedAndNotKept) {
  ChecksumServer s{"AAAAul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ="};
  auto got = cache.get(s.server.url("/h"), {.attempts = 2});
  ASSERT_FALSE(got);
  EXPECT_NE(got.error().message.find("x-amz-checksum-sha256"), std::string::npos) << got.error().message;
  EXPECT_EQ(s.server.requests().size(), 2U) << "fetched again once before giving up";
  auto stats = cache.stats();
  EXPECT_EQ(stats->objects, 0U);
  EXPECT_EQ(stats->partial_bytes, 0U) << "a corrupt download is not kept to resume";
}

// A multipart object's checksum is composite: a SHA-256 of its parts' SHA-256s ("<base64>-<parts>",
// x-amz-checksum-type: COMPOSITE), not of its bytes. It is downloaded and checked by size and ETag
// (a resume must continue the same ETag's bytes to the announced end), as botocore does, not refused.
TEST_F(FileSource, AMultipartObjectWithACompositeChecksumIsKept) {
  for (auto [checksum, type] : {std::pair{"AAAAul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=-3", "COMPOSITE"},
                                std::pair{"AAAAul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=-12", ""},
                                std::pair{"AAAAul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=", "COMPOSITE"}}) {
    ChecksumServer s{checksum, type};
    auto got = cache.get(s.server.url("/multipart"));
    ASSERT_TRUE(got) << checksum << " " << type << ": " << got.error().message;
    EXPECT_EQ(read(got->path), "hello");
    EXPECT_EQ(s.server.requests().size(), 1U) << "not fetched again";
  }
}

TEST_F(FileSource, AWholeObjectChecksumThatDoesNotMatchIsStillRefused) {
  ChecksumServer s{"AAAAul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=", "FULL_OBJECT"};
  auto got = cache.get(s.server.url("/h"), {.attempts = 1});
  ASSERT_FALSE(got);
  EXPECT_NE(got.error().message.find("x-amz-checksum-sha256"), std::string::npos) << got.error().message;
}

}  // namespace
}  // namespace frugal::datacache
