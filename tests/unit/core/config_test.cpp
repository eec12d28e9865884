#include <fstream>

#include <gtest/gtest.h>

#include "core/config.h"
#include "test_dir.h"

namespace frugal {
namespace {

Config::Getenv env_of(std::map<std::string, std::string> vars) {
  return [vars](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

TEST(Config, FlagBeatsEnvBeatsProjectFileBeatsUserFileBeatsDefault) {
  testing::TestDir dir;
  std::filesystem::create_directories(dir.file("xdg/frugal"));
  std::filesystem::create_directories(dir.file("work"));
  std::ofstream(dir.file("xdg/frugal/config.toml")) << "team = \"user-file\"\nproject = \"p-user\"\nmodel = \"m-user\"\n";
  std::ofstream(dir.file("work/frugal.toml")) << "team = \"project-file\"\nproject = \"p-project\"\n";
  auto env = env_of({{"XDG_CONFIG_HOME", dir.file("xdg")}, {"FRUGAL_TEAM", "env-team"}, {"USER", "ada"}});
  auto c = Config::load({{"team", "flag-team"}}, env, dir.file("work"));
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->get("team"), "flag-team");
  EXPECT_EQ(c->source("team"), "flag");
  auto without_flag = Config::load({}, env, dir.file("work"));
  EXPECT_EQ(without_flag->get("team"), "env-team");
  EXPECT_EQ(without_flag->get("project"), "p-project");
  EXPECT_EQ(without_flag->source("project"), dir.file("work/frugal.toml"));
  EXPECT_EQ(without_flag->get("model"), "m-user");
  EXPECT_EQ(without_flag->get("format"), "table");
  EXPECT_EQ(without_flag->get("user"), "ada");
}

TEST(Config, DefaultDatabaseLivesUnderFrugalHome) {
  auto c = Config::load({}, env_of({{"HOME", "/home/ada"}}), "/nonexistent");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->database(), "/home/ada/.frugal/frugal.db");
  auto h = Config::load({}, env_of({{"FRUGAL_HOME", "/srv/frugal"}}), "/nonexistent");
  EXPECT_EQ(h->database(), "/srv/frugal/frugal.db");
}

TEST(Config, UnknownKeyInFileIsAnErrorNamingFileAndLine) {
  testing::TestDir dir;
  std::ofstream(dir.file("frugal.toml")) << "team = \"a\"\ntaem = \"b\"\n";
  auto c = Config::load({}, env_of({}), dir.path());
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find(dir.file("frugal.toml") + ":2"), std::string::npos) << c.error().message;
  EXPECT_NE(c.error().message.find("taem"), std::string::npos);
}

TEST(Config, AK8sTableHoldsTheK8sKeysAndAnUnknownOneIsNamedWithItsLine) {
  testing::TestDir dir;
  std::ofstream(dir.file("frugal.toml")) << "team = \"a\"\n[k8s]\nprometheus = \"http://prom:9090\"\nteam_label = \"owner\"\n";
  auto c = Config::load({}, env_of({}), dir.path());
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->get("team"), "a");
  EXPECT_EQ(c->get("k8s.prometheus"), "http://prom:9090");
  EXPECT_EQ(c->get("k8s.team_label"), "owner");
  EXPECT_EQ(c->get("k8s.project_label"), "project") << "the default";
  auto env = Config::load({}, env_of({{"FRUGAL_K8S_PROMETHEUS", "http://env:9090"}}), dir.path());
  EXPECT_EQ(env->get("k8s.prometheus"), "http://env:9090");
  std::ofstream(dir.file("frugal.toml")) << "[k8s]\nprometheus = \"http://prom:9090\"\nprometheos = \"x\"\n";
  auto typo = Config::load({}, env_of({}), dir.path());
  ASSERT_FALSE(typo);
  EXPECT_NE(typo.error().message.find(dir.file("frugal.toml") + ":3: unknown key 'k8s.prometheos'"), std::string::npos)
      << typo.error().message;
  std::ofstream(dir.file("frugal.toml")) << "[slurm]\ncluster = \"x\"\n";
  EXPECT_FALSE(Config::load({}, env_of({}), dir.path())) << "a table Frugal does not know is an unknown key";
}

TEST(Config, BrokenTomlIsAnErrorNamingTheFile) {
  testing::TestDir dir;
  std::ofstream(dir.file("frugal.toml")) << "team = \"unterminated\n";
  auto c = Config::load({}, env_of({}), dir.path());
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find(dir.file("frugal.toml") + ":1"), std::string::npos) << c.error().message;
}

TEST(Config, RejectsAnUnknownOutputFormatNamingItsSource) {
  auto c = Config::load({}, env_of({{"FRUGAL_FORMAT", "xml"}}), "/nonexistent");
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("env FRUGAL_FORMAT"), std::string::npos);
}

}  // namespace
}  // namespace frugal
