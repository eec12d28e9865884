#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/stat.h>

#include <gtest/gtest.h>

#include "cache/cache.h"
#include "test_dir.h"

namespace frugal::cache {
namespace {
namespace fs = std::filesystem;

const std::string k_key(64, 'a');
const std::string k_other_key(64, 'b');

void write(const std::string& path, const std::string& text) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::size_t count_objects(const std::string& folder) {
  std::size_t n = 0;
  for (const auto& e : fs::recursive_directory_iterator(folder + "/objects"))
    if (e.is_regular_file()) ++n;
  return n;
}

struct Store {
  testing::TestDir dir;
  ObjectStore store{dir.file("cache")};
  std::string out() const { return dir.file("prep"); }
  Store() {
    write(dir.file("prep/a.bin"), "alpha");
    write(dir.file("prep/deep/b.bin"), "beta");
    write(dir.file("prep/deep/same.bin"), "alpha");  // same content as a.bin: one object
  }
};

TEST(ObjectStore, PutThenGetReturnsEveryFileWithItsHashAndSize) {
  Store s;
  auto put = s.store.put(k_key, {s.out()}, 1234);
  ASSERT_TRUE(put) << put.error().message;
  auto got = s.store.get(k_key);
  ASSERT_TRUE(got && *got);
  const Entry& e = **got;
  EXPECT_EQ(e.compute_ms, 1234);
  EXPECT_EQ(e.outputs, std::vector<std::string>{s.out()});
  ASSERT_EQ(e.files.size(), 3U);
  EXPECT_EQ(e.bytes, 5 + 4 + 5);
  EXPECT_EQ(e.files[0].path, s.dir.file("prep/a.bin"));
  EXPECT_EQ(e.files[0].sha256, *hash_file(s.dir.file("prep/a.bin")));
}

TEST(ObjectStore, StoresOneObjectPerDistinctContent) {
  Store s;
  ASSERT_TRUE(s.store.put(k_key, {s.out()}, 1));
  EXPECT_EQ(count_objects(s.store.folder()), 2U);
  ASSERT_TRUE(s.store.put(k_other_key, {s.out()}, 1));  // a second entry with the same files adds none
  EXPECT_EQ(count_objects(s.store.folder()), 2U);
}

TEST(ObjectStore, RestorePutsOutputsBackAfterTheyWereDeleted) {
  Store s;
  auto e = s.store.put(k_key, {s.out()}, 1);
  ASSERT_TRUE(e);
  fs::remove_all(s.out());
  auto how = s.store.restore(*e);
  ASSERT_TRUE(how) << how.error().message;
  EXPECT_EQ(*how, Restore::hard_link);
  EXPECT_EQ(read(s.dir.file("prep/a.bin")), "alpha");
  EXPECT_EQ(read(s.dir.file("prep/deep/b.bin")), "beta");
  EXPECT_EQ(read(s.dir.file("prep/deep/same.bin")), "alpha");
}

TEST(ObjectStore, RestoreReplacesStaleOutputsEntirely) {
  Store s;
  auto e = s.store.put(k_key, {s.out()}, 1);
  ASSERT_TRUE(e);
  write(s.dir.file("prep/a.bin"), "edited");
  write(s.dir.file("prep/stray.bin"), "left over");
  ASSERT_TRUE(s.store.restore(*e));
  EXPECT_EQ(read(s.dir.file("prep/a.bin")), "alpha");
  EXPECT_FALSE(fs::exists(s.dir.file("prep/stray.bin")));
}

TEST(ObjectStore, ObjectsAreReadOnlySoALinkedOutputCannotEditTheCache) {
  Store s;
  auto e = s.store.put(k_key, {s.out()}, 1);
  ASSERT_TRUE(e);
  struct stat st {};
  ASSERT_EQ(::stat((s.store.folder() + "/objects/" + e->files[0].sha256.substr(0, 2) + "/" + e->files[0].sha256.substr(2)).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0222, 0U);
}

TEST(ObjectStore, AnExecutableOutputIsRestoredAsACopyWithItsMode) {
  Store s;
  write(s.dir.file("tool/run.sh"), "#!/bin/sh\n");
  fs::permissions(s.dir.file("tool/run.sh"), fs::perms::owner_all);
  auto e = s.store.put(k_key, {s.dir.file("tool")}, 1);
  ASSERT_TRUE(e);
  fs::remove_all(s.dir.file("tool"));
  auto how = s.store.restore(*e);
  ASSERT_TRUE(how);
  EXPECT_EQ(*how, Restore::copy);
  struct stat st {};
  ASSERT_EQ(::stat(s.dir.file("tool/run.sh").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700U);
}

TEST(ObjectStore, ACorruptObjectIsCaughtWhenRestoredByCopy) {
  Store s;
  write(s.dir.file("tool/run.sh"), "#!/bin/sh\necho hi\n");
  fs::permissions(s.dir.file("tool/run.sh"), fs::perms::owner_all);
  auto e = s.store.put(k_key, {s.dir.file("tool")}, 1);
  ASSERT_TRUE(e);
  std::string object = s.store.folder() + "/objects/" + e->files[0].sha256.substr(0, 2) + "/" + e->files[0].sha256.substr(2);
  fs::permissions(object, fs::perms::owner_write, fs::perm_options::add);
  write(object, "#!/bin/sh\necho HI\n");  // one byte flipped
  auto how = s.store.restore(*e);
  ASSERT_FALSE(how);
  EXPECT_NE(how.error().message.find("does not match its hash"), std::string::npos) << how.error().message;
}

TEST(ObjectStore, AMissingOutputIsAnErrorAndStoresNoEntry) {
  Store s;
  auto put = s.store.put(k_key, {s.out(), s.dir.file("never-made")}, 1);
  ASSERT_FALSE(put);
  EXPECT_NE(put.error().message.find("never-made"), std::string::npos);
  auto got = s.store.get(k_key);
  ASSERT_TRUE(got);
  EXPECT_FALSE(*got);
}

TEST(ObjectStore, AnEntryWhoseObjectVanishedIsAMiss) {
  Store s;
  auto e = s.store.put(k_key, {s.out()}, 1);
  ASSERT_TRUE(e);
  fs::remove(s.store.folder() + "/objects/" + e->files[1].sha256.substr(0, 2) + "/" + e->files[1].sha256.substr(2));
  auto got = s.store.get(k_key);
  ASSERT_TRUE(got);
  EXPECT_FALSE(*got);
}

TEST(ObjectStore, ObjectsWithoutAManifestAreNotAnEntry) {  // what a crash between the two leaves
  Store s;
  ASSERT_TRUE(s.store.put(k_key, {s.out()}, 1));
  fs::remove(s.store.folder() + "/entries/" + k_key);
  auto got = s.store.get(k_key);
  ASSERT_TRUE(got);
  EXPECT_FALSE(*got);
  auto all = s.store.list();
  ASSERT_TRUE(all);
  EXPECT_TRUE(all->empty());
}

TEST(ObjectStore, ListSkipsTemporariesAndRemoveDeletesTheEntry) {
  Store s;
  ASSERT_TRUE(s.store.put(k_key, {s.out()}, 1));
  ASSERT_TRUE(s.store.put(k_other_key, {s.out()}, 2));
  write(s.store.folder() + "/entries/." + k_key + ".99.tmp", "half");
  auto all = s.store.list();
  ASSERT_TRUE(all);
  EXPECT_EQ(all->size(), 2U);
  ASSERT_TRUE(s.store.remove(k_key));
  EXPECT_FALSE(*s.store.get(k_key));
  EXPECT_TRUE(*s.store.get(k_other_key));
  EXPECT_FALSE(s.store.remove(k_key));  // twice: not found
}

TEST(ObjectStore, RejectsAKeyThatCouldEscapeTheFolder) {
  Store s;
  for (const std::string& bad : std::vector<std::string>{"../../etc/passwd", std::string(63, 'a') + "/", std::string(64, 'A'), std::string()}) {
    EXPECT_FALSE(s.store.put(bad, {s.out()}, 1)) << bad;
    EXPECT_FALSE(s.store.get(bad)) << bad;
    EXPECT_FALSE(s.store.remove(bad)) << bad;
  }
}

}  // namespace
}  // namespace frugal::cache
