// What only the PostgreSQL backend has to show: its errors name the server, it leaves foreign
// databases alone, and it survives the server restarting under it.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "store/store.h"
#include "test_database.h"

namespace frugal::store {
namespace {

using frugal::testing::Backend;
using frugal::testing::TestDatabase;
using frugal::testing::TestDir;

int unused_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t n = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &n);
  ::close(fd);
  return ntohs(a.sin_port);
}

std::string pg_server_script() { return std::string(FRUGAL_SOURCE_DIR) + "/tests/pg/pg_server.sh"; }

TEST(PgStore, AnUnreachableServerIsAClearErrorNamingHostAndPortButNotThePassword) {
  int port = unused_port();
  auto s = open_store(fmt::format("postgresql://frugal:s3cret@127.0.0.1:{}/frugal", port));
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::unavailable);
  EXPECT_NE(s.error().message.find(fmt::format("127.0.0.1:{}", port)), std::string::npos) << s.error().message;
  EXPECT_EQ(s.error().message.find("s3cret"), std::string::npos) << s.error().message;
}

TEST(PgStore, RefusesADatabaseOfAnotherProgramAndLeavesItUntouched) {
  TestDir dir;
  TestDatabase db(Backend::postgresql, dir);
  FRUGAL_REQUIRE_DATABASE(db);
  ASSERT_TRUE(frugal::testing::postgres_admin(db.location(), "CREATE TABLE invoices (id int); INSERT INTO invoices VALUES (7)"));
  auto s = open_store(db.location());
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("another program"), std::string::npos) << s.error().message;
  // Nothing of ours was created, and theirs is as it was.
  EXPECT_FALSE(frugal::testing::postgres_admin(db.location(), "SELECT 1 FROM runs"));
  EXPECT_TRUE(frugal::testing::postgres_admin(db.location(), "DO \\$\\$ BEGIN IF (SELECT id FROM invoices) <> 7 THEN RAISE 'changed'; END IF; END \\$\\$"));
}

TEST(PgStore, RefusesASchemaNewerThanTheBinaryKnows) {
  TestDir dir;
  TestDatabase db(Backend::postgresql, dir);
  FRUGAL_REQUIRE_DATABASE(db);
  ASSERT_TRUE(open_store(db.location()));
  ASSERT_TRUE(frugal::testing::postgres_admin(
      db.location(), fmt::format("UPDATE frugal_schema SET version = {}", latest_schema_version() + 1)));
  auto s = open_store(db.location());
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("newer than this frugal knows"), std::string::npos) << s.error().message;
}

// A server of its own: restarting the shared one would break the tests running beside this one.
TEST(PgStore, ReconnectsAfterTheDatabaseRestartsAndLosesNothingCommitted) {
  if (!frugal::testing::postgres_server_url()) GTEST_SKIP() << "no PostgreSQL for tests (see tests/pg/pg_server.sh)";
  TestDir dir;
  std::filesystem::permissions(dir.path(), std::filesystem::perms::others_exec, std::filesystem::perm_options::add);
  std::string server = dir.file("pg");
  ASSERT_EQ(std::system((pg_server_script() + " start " + server + " >/dev/null").c_str()), 0);
  std::string url = frugal::testing::postgres_server_url().value();  // for its shape only
  std::ifstream in(server + "/url");
  std::getline(in, url);
  auto s = open_store(url);
  ASSERT_TRUE(s) << s.error().message;
  auto add = [&](const std::string& name) {
    return (*s)->transaction([&]() -> Result<void> {
      std::vector<Value> p = {name};
      FRUGAL_CHECK((*s)->execute("INSERT INTO quotas (scope, name, period, updated_at) VALUES ('team', ?, 'monthly', 'x')", p));
      return {};
    });
  };
  ASSERT_TRUE(add("before"));
  ASSERT_EQ(std::system((pg_server_script() + " restart " + server + " >/dev/null").c_str()), 0);
  auto after = add("after");  // the idle connection died with the server: the store reconnects
  EXPECT_TRUE(after) << after.error().message;
  auto names = (*s)->query("SELECT name FROM quotas ORDER BY name");
  ASSERT_TRUE(names) << names.error().message;
  ASSERT_EQ(names->rows.size(), 2u);
  EXPECT_EQ(as_text(names->rows[0][0]), "after");
  EXPECT_EQ(as_text(names->rows[1][0]), "before");
  s->reset();
  std::system((pg_server_script() + " stop " + server + " >/dev/null").c_str());
}

}  // namespace
}  // namespace frugal::store
