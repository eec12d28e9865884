#include <filesystem>
#include <fstream>
#include <sstream>
#include <fcntl.h>
#include <sys/stat.h>

#include <gtest/gtest.h>

#include "cache/cache.h"
#include "cache/manifest.h"
#include "cache/object_check.h"
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
    if (e.is_regular_file() && e.path().filename().string().find('.') == std::string::npos) ++n;  // not stamps
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

namespace frugal::cache {
namespace {

std::string object_of(const ObjectStore& store, const std::string& sha) {
  return store.folder() + "/objects/" + sha.substr(0, 2) + "/" + sha.substr(2);
}

// Flips one byte in place: the same size, as a bad write or a stray editor leaves it.
void flip_first_byte(const std::string& path) {
  fs::permissions(path, fs::perms::owner_write, fs::perm_options::add);
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  char c = 0;
  f.get(c);
  f.seekp(0);
  f.put(static_cast<char>(c ^ 0x20));
}

TEST(CacheDamage, AByteFlippedInAnObjectIsFoundAndNothingIsRestored) {
  Store s;
  auto e = s.store.put(k_key, {s.out()}, 1);
  ASSERT_TRUE(e);
  flip_first_byte(object_of(s.store, e->files[1].sha256));  // deep/b.bin's object
  write(s.dir.file("prep/a.bin"), "stale");
  auto damage = s.store.check(*e);
  ASSERT_TRUE(damage);
  ASSERT_EQ(damage->objects, std::vector<std::string>{e->files[1].sha256});
  EXPECT_EQ(damage->paths, std::vector<std::string>{s.dir.file("prep/deep/b.bin")});
  auto how = s.store.restore(*e);
  ASSERT_FALSE(how);
  EXPECT_NE(how.error().message.find("deep/b.bin does not match its hash"), std::string::npos) << how.error().message;
  EXPECT_EQ(read(s.dir.file("prep/a.bin")), "stale");  // refused before touching the outputs
}

TEST(CacheDamage, DamageIsFoundEvenWhenTheObjectsMtimeIsSetBack) {
  Store s;
  auto e = s.store.put(k_key, {s.out()}, 1);
  ASSERT_TRUE(e);
  std::string object = object_of(s.store, e->files[0].sha256);
  struct stat before {};
  ASSERT_EQ(::stat(object.c_str(), &before), 0);
  flip_first_byte(object);
  timespec times[2] = {before.st_atim, before.st_mtim};
  ASSERT_EQ(::utimensat(AT_FDCWD, object.c_str(), times, 0), 0);  // its ctime still moved
  auto damage = s.store.check(*e);
  ASSERT_TRUE(damage);
  EXPECT_FALSE(damage->empty());
}

TEST(CacheDamage, DiscardRemovesTheEntryAndTheDamagedObjectsOnly) {
  Store s;
  auto e = s.store.put(k_key, {s.out()}, 1);
  ASSERT_TRUE(e);
  std::string bad = object_of(s.store, e->files[1].sha256);
  flip_first_byte(bad);
  auto damage = s.store.check(*e);
  ASSERT_TRUE(damage && !damage->empty());
  ASSERT_TRUE(s.store.discard(*e, *damage));
  EXPECT_FALSE(s.store.get(k_key).value().has_value());
  EXPECT_FALSE(fs::exists(bad));
  EXPECT_FALSE(fs::exists(bad + ".stamp"));
  EXPECT_TRUE(fs::exists(object_of(s.store, e->files[0].sha256)));  // sound: other entries may share it
}

TEST(CacheDamage, AWriteThroughARestoredHardLinkIsCaughtAtTheNextCheck) {
  Store s;
  auto e = s.store.put(k_key, {s.out()}, 1);
  ASSERT_TRUE(e);
  ASSERT_EQ(s.store.restore(*e).value(), Restore::hard_link);
  // What a job running as root does to its restored output (root ignores the read-only mode).
  fs::permissions(s.dir.file("prep/a.bin"), fs::perms::owner_write, fs::perm_options::add);
  std::ofstream(s.dir.file("prep/a.bin"), std::ios::app) << " and more";
  auto damage = s.store.check(*e);
  ASSERT_TRUE(damage);
  EXPECT_EQ(damage->paths.front(), s.dir.file("prep/a.bin"));
}

TEST(CacheDamage, CopyModeGivesOutputsTheirOwnBlocksSoWritesLeaveTheObjectAlone) {
  Store s;
  auto e = s.store.put(k_key, {s.out()}, 1);
  ASSERT_TRUE(e);
  auto how = s.store.restore(*e, RestoreMode::copy);
  ASSERT_TRUE(how);
  EXPECT_NE(*how, Restore::hard_link);
  std::ofstream(s.dir.file("prep/a.bin"), std::ios::app) << " and more";
  EXPECT_TRUE(s.store.check(*e).value().empty());
  ASSERT_TRUE(s.store.restore(*e, RestoreMode::copy));
  EXPECT_EQ(read(s.dir.file("prep/a.bin")), "alpha");
  struct stat st {};
  ASSERT_EQ(::stat(s.dir.file("prep/a.bin").c_str(), &st), 0);
  EXPECT_EQ(st.st_nlink, 1U);
}

TEST(CacheDamage, AStampThatLiesIsBelievedUntilVerifyAlwaysRehashes) {
  Store s;
  auto e = s.store.put(k_key, {s.out()}, 1);
  ASSERT_TRUE(e);
  std::string object = object_of(s.store, e->files[0].sha256);
  flip_first_byte(object);
  stamp_written_object(object);  // as if the damage happened beneath the file system
  EXPECT_TRUE(s.store.check(*e).value().empty());
  EXPECT_FALSE(s.store.check(*e, Verify::always).value().empty());
}

std::string stamp_kind(const std::string& object) {
  std::ifstream stamp(object + ".stamp");
  std::string magic, version, how;
  stamp >> magic >> version >> how;
  return how;
}

TEST(CacheDamage, ASoundObjectIsHashedOnceThenTrustedFromItsStamp) {
  Store s;
  auto e = s.store.put(k_key, {s.out()}, 1);
  ASSERT_TRUE(e);
  std::string object = object_of(s.store, e->files[0].sha256);
  fs::remove(object + ".stamp");
  EXPECT_TRUE(s.store.check(*e).value().empty());  // hashed: sound, and stamped
  ASSERT_TRUE(fs::exists(object + ".stamp"));
  EXPECT_EQ(stamp_kind(object), "hashed");
}

TEST(CacheDamage, LinksMadeAndRemovedByRestoresAndUsersCostNoHash) {
  Store s;
  auto e = s.store.put(k_key, {s.out()}, 1);
  ASSERT_TRUE(e);
  std::string object = object_of(s.store, e->files[0].sha256);
  ASSERT_EQ(s.store.restore(*e).value(), Restore::hard_link);
  EXPECT_EQ(stamp_kind(object), "linked");  // the restore's own link, vouched for
  fs::remove_all(s.out());                   // a user deleting the outputs: the link count drops
  EXPECT_TRUE(s.store.check(*e).value().empty());
  EXPECT_EQ(stamp_kind(object), "linked");  // trusted as it was: not hashed again
  ASSERT_TRUE(s.store.restore(*e));
  EXPECT_EQ(read(s.dir.file("prep/a.bin")), "alpha");
}

TEST(CacheDamage, AManifestWithAByteChangedIsAMiss) {
  Store s;
  ASSERT_TRUE(s.store.put(k_key, {s.out()}, 1));
  std::string manifest = s.store.folder() + "/entries/" + k_key;
  std::string text = read(manifest);
  auto at = text.find("deep/b.bin");
  ASSERT_NE(at, std::string::npos);
  text[at] = 'k';  // a restore would now write prep/keep/b.bin
  write(manifest, text);
  EXPECT_FALSE(s.store.get(k_key).value().has_value());
}

TEST(CacheDamage, AManifestNamingAPathOutsideItsOutputsIsAMiss) {
  Store s;
  auto e = s.store.put(k_key, {s.out()}, 1);
  ASSERT_TRUE(e);
  Entry forged = *e;
  forged.files[0].path = s.dir.file("elsewhere/a.bin");
  write(s.store.folder() + "/entries/" + k_key, format_manifest(forged));  // a valid checksum
  EXPECT_FALSE(s.store.get(k_key).value().has_value());
  forged.files[0].path = s.out() + "/../elsewhere/a.bin";
  write(s.store.folder() + "/entries/" + k_key, format_manifest(forged));
  EXPECT_FALSE(s.store.get(k_key).value().has_value());
}

TEST(CacheLinks, SymbolicLinksAreStoredAndRestoredAsLinksNeverFollowed) {
  testing::TestDir dir;
  ObjectStore store(dir.file("cache"));
  std::string out = dir.file("out");
  write(out + "/data/real.txt", "real");
  write(dir.file("outside/big.bin"), std::string(1000, 'x'));
  fs::create_directories(out + "/empty");
  fs::create_symlink("data/real.txt", out + "/to-file");
  fs::create_symlink("../outside", out + "/to-folder");
  fs::create_symlink("no/such/thing", out + "/dangling");
  fs::create_symlink(out + "/data", dir.file("top-link"));  // an --out that is itself a link
  auto e = store.put(k_key, {out, dir.file("top-link")}, 1);
  ASSERT_TRUE(e) << e.error().message;
  ASSERT_EQ(e->files.size(), 1U);  // only data/real.txt: nothing behind a link is stored
  EXPECT_EQ(e->links.size(), 4U);
  fs::remove_all(out);
  fs::remove(dir.file("top-link"));
  ASSERT_TRUE(store.restore(*e));
  EXPECT_EQ(fs::read_symlink(out + "/to-file"), "data/real.txt");
  EXPECT_EQ(fs::read_symlink(out + "/to-folder"), "../outside");
  EXPECT_EQ(fs::read_symlink(out + "/dangling"), "no/such/thing");
  EXPECT_EQ(fs::read_symlink(dir.file("top-link")), out + "/data");
  EXPECT_TRUE(fs::is_directory(fs::symlink_status(out + "/empty")));
  EXPECT_EQ(read(out + "/to-file"), "real");
}

TEST(CacheLinks, ARestoreRemovesTheLinkItReplacesNotWhatItPointsTo) {
  testing::TestDir dir;
  ObjectStore store(dir.file("cache"));
  write(dir.file("out/a.txt"), "a");
  auto e = store.put(k_key, {dir.file("out")}, 1);
  ASSERT_TRUE(e);
  fs::remove_all(dir.file("out"));
  write(dir.file("precious/keep.txt"), "keep");
  fs::create_symlink(dir.file("precious"), dir.file("out"));  // a stale output that is a link
  ASSERT_TRUE(store.restore(*e));
  EXPECT_EQ(read(dir.file("precious/keep.txt")), "keep");
  EXPECT_FALSE(fs::is_symlink(dir.file("out")));
  EXPECT_EQ(read(dir.file("out/a.txt")), "a");
}

TEST(CacheLinks, FolderModesComeBackAfterTheirFiles) {
  testing::TestDir dir;
  ObjectStore store(dir.file("cache"));
  write(dir.file("out/locked/a.txt"), "a");
  fs::permissions(dir.file("out/locked"), static_cast<fs::perms>(0555));
  auto e = store.put(k_key, {dir.file("out")}, 1);
  ASSERT_TRUE(e);
  fs::permissions(dir.file("out/locked"), static_cast<fs::perms>(0755));
  fs::remove_all(dir.file("out"));
  ASSERT_TRUE(store.restore(*e));
  struct stat st {};
  ASSERT_EQ(::stat(dir.file("out/locked").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0555U);
  EXPECT_EQ(read(dir.file("out/locked/a.txt")), "a");
  fs::permissions(dir.file("out/locked"), static_cast<fs::perms>(0755));  // so the test folder can go
}

TEST(CacheLinks, APipeInTheOutputsIsRefusedByName) {
  testing::TestDir dir;
  ObjectStore store(dir.file("cache"));
  write(dir.file("out/a.txt"), "a");
  ASSERT_EQ(::mkfifo(dir.file("out/pipe").c_str(), 0644), 0);
  auto e = store.put(k_key, {dir.file("out")}, 1);
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().message.find("out/pipe is not a file, folder or symbolic link"), std::string::npos) << e.error().message;
}

TEST(CacheLinks, ANewlineInANameInsideAnOutputIsRefusedByName) {
  testing::TestDir dir;
  ObjectStore store(dir.file("cache"));
  write(dir.file("out/bad\nname"), "a");
  auto e = store.put(k_key, {dir.file("out")}, 1);
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().message.find("tab or newline"), std::string::npos) << e.error().message;
}

}  // namespace
}  // namespace frugal::cache
