#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>

#include <gtest/gtest.h>

#include "cache/cache.h"
#include "test_dir.h"

namespace frugal::cache {
namespace {
namespace fs = std::filesystem;

void write(const std::string& path, const std::string& text) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

// A stage with one input of every kind, so each test changes exactly one thing.
struct Stage {
  testing::TestDir dir;
  StageInputs in;
  Stage() {
    write(dir.file("prep.py"), "print('prep')\n");
    write(dir.file("raw/a.csv"), "1,2\n");
    write(dir.file("raw/sub/b.csv"), "3,4\n");
    in.command = {"python", "prep.py", "--fast"};
    in.inputs = {dir.file("prep.py"), dir.file("raw")};
    in.params = {{"size", "224"}, {"seed", "7"}};
    in.env = {"FRUGAL_TEST_STAGE_VAR"};
    ::setenv("FRUGAL_TEST_STAGE_VAR", "one", 1);
  }
  std::string key() {
    auto k = stage_key(in);
    EXPECT_TRUE(k) << (k ? "" : k.error().message);
    return k ? k->hex : "";
  }
};

// The key moves when `change` is applied, and only then.
void expect_key_changes(const std::function<void(Stage&)>& change) {
  Stage s;
  std::string before = s.key();
  EXPECT_EQ(before, s.key()) << "the key must be stable";
  change(s);
  EXPECT_NE(before, s.key());
}

TEST(StageKey, IsSixtyFourHexDigitsAndStable) {
  Stage s;
  std::string k = s.key();
  EXPECT_EQ(k.size(), 64U);
  EXPECT_EQ(k.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(k, s.key());
}

TEST(StageKey, ChangesWithACommandArgument) {
  expect_key_changes([](Stage& s) { s.in.command.back() = "--slow"; });
}

TEST(StageKey, ArgumentBoundariesCount) {  // {"a b"} and {"a", "b"} are different commands
  expect_key_changes([](Stage& s) { s.in.command = {"python prep.py", "--fast"}; });
}

TEST(StageKey, ChangesWithAnInputFilesContent) {
  expect_key_changes([](Stage& s) { write(s.dir.file("prep.py"), "print('prep2')\n"); });
}

TEST(StageKey, ChangesWithAnInputFilesMode) {
  expect_key_changes([](Stage& s) { fs::permissions(s.dir.file("prep.py"), fs::perms::owner_exec, fs::perm_options::add); });
}

TEST(StageKey, ChangesWithAFileDeepInAnInputFolder) {
  expect_key_changes([](Stage& s) { write(s.dir.file("raw/sub/b.csv"), "3,5\n"); });
}

TEST(StageKey, ChangesWhenAFileIsAddedToAnInputFolder) {
  expect_key_changes([](Stage& s) { write(s.dir.file("raw/c.csv"), ""); });
}

TEST(StageKey, ChangesWhenAFileInAnInputFolderIsRenamed) {
  expect_key_changes([](Stage& s) { fs::rename(s.dir.file("raw/a.csv"), s.dir.file("raw/z.csv")); });
}

TEST(StageKey, ChangesWithASymlinkTargetInAnInputFolder) {
  Stage s;
  fs::create_symlink("a.csv", s.dir.file("raw/link"));
  std::string before = s.key();
  fs::remove(s.dir.file("raw/link"));
  fs::create_symlink("sub/b.csv", s.dir.file("raw/link"));
  EXPECT_NE(before, s.key());
}

TEST(StageKey, ChangesWithAnExtraInput) {
  expect_key_changes([](Stage& s) {
    write(s.dir.file("extra.txt"), "x");
    s.in.inputs.push_back(s.dir.file("extra.txt"));
  });
}

TEST(StageKey, ChangesWithEveryParameterValue) {  // DVC once dropped some parameter names from the key
  for (std::size_t i = 0; i < 2; ++i)
    expect_key_changes([i](Stage& s) { s.in.params[i].second += "0"; });
}

TEST(StageKey, ChangesWithAParameterName) {
  expect_key_changes([](Stage& s) { s.in.params[0].first = "width"; });
}

TEST(StageKey, ParameterBoundariesCount) {  // size=22,4 vs size=2,24 must not read alike
  Stage s;
  s.in.params = {{"a", "bc"}};
  std::string one = s.key();
  s.in.params = {{"ab", "c"}};
  EXPECT_NE(one, s.key());
}

TEST(StageKey, DoesNotDependOnTheOrderParametersAreGivenIn) {
  Stage s;
  std::string before = s.key();
  std::swap(s.in.params[0], s.in.params[1]);
  EXPECT_EQ(before, s.key());
}

TEST(StageKey, ChangesWithANamedEnvironmentVariable) {
  expect_key_changes([](Stage&) { ::setenv("FRUGAL_TEST_STAGE_VAR", "two", 1); });
}

TEST(StageKey, TellsAnUnsetVariableFromAnEmptyOne) {
  Stage s;
  ::setenv("FRUGAL_TEST_STAGE_VAR", "", 1);
  std::string empty = s.key();
  ::unsetenv("FRUGAL_TEST_STAGE_VAR");
  EXPECT_NE(empty, s.key());
}

TEST(StageKey, IgnoresEnvironmentVariablesNotNamed) {
  Stage s;
  std::string before = s.key();
  ::setenv("FRUGAL_TEST_UNNAMED_VAR", "x", 1);
  EXPECT_EQ(before, s.key());
}

TEST(StageKey, ChangesWithTheUserKey) {
  expect_key_changes([](Stage& s) { s.in.user_key = "my-key"; });
}

TEST(StageKey, ExplainRecordNamesEveryInput) {
  Stage s;
  auto k = stage_key(s.in);
  ASSERT_TRUE(k);
  std::string all;
  for (const auto& l : k->record) all += l + "\n";
  for (const char* needle : {"format ", "arg 6:--fast", "param 4:size 3:224", "param 4:seed 1:7", "in-file",
                             "in-dir", "in-entry 9:sub/b.csv", "env 21:FRUGAL_TEST_STAGE_VAR 3:one"})
    EXPECT_NE(all.find(needle), std::string::npos) << needle << " missing from\n" << all;
}

TEST(StageKey, AMissingInputIsAnErrorThatNamesIt) {
  Stage s;
  s.in.inputs.push_back(s.dir.file("nope.csv"));
  auto k = stage_key(s.in);
  ASSERT_FALSE(k);
  EXPECT_NE(k.error().message.find("nope.csv"), std::string::npos) << k.error().message;
}

TEST(HashFile, MatchesTheKnownSha256OfAbc) {
  testing::TestDir dir;
  write(dir.file("abc"), "abc");
  auto h = hash_file(dir.file("abc"));
  ASSERT_TRUE(h);
  EXPECT_EQ(*h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace
}  // namespace frugal::cache

namespace frugal::cache {
namespace {

struct InFolder : ::testing::Test {
  testing::TestDir dir;
  std::filesystem::path previous = std::filesystem::current_path();
  void SetUp() override {
    std::filesystem::create_directories(dir.file("work/raw"));
    std::filesystem::current_path(dir.file("work"));
  }
  void TearDown() override { std::filesystem::current_path(previous); }
  std::string cache() const { return dir.file("home/cache"); }
};

TEST_F(InFolder, AnOutputBesideTheInputsIsAccepted) {
  EXPECT_TRUE(check_outputs({"prep", "out/model.bin"}, {"raw", "prep.py"}, cache()));
}

TEST_F(InFolder, AnOutputThatIsTheWorkingFolderOrAboveIsRefused) {
  for (const char* out : {".", "./", "..", "/", dir.path().c_str()}) {
    auto r = check_outputs({out}, {}, cache());
    ASSERT_FALSE(r) << out;
    EXPECT_NE(r.error().message.find("--out"), std::string::npos);
  }
}

TEST_F(InFolder, AnOutputHoldingAnInputIsRefused) {
  auto r = check_outputs({"raw/.."}, {"raw/a.csv"}, cache());
  EXPECT_FALSE(r);
  r = check_outputs({"raw"}, {"raw/a.csv"}, cache());
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("raw/a.csv"), std::string::npos) << r.error().message;
}

TEST_F(InFolder, AnOutputOverlappingTheCacheIsRefused) {
  EXPECT_FALSE(check_outputs({dir.file("home")}, {}, cache()));
  EXPECT_FALSE(check_outputs({cache() + "/objects"}, {}, cache()));
}

}  // namespace
}  // namespace frugal::cache
