#pragma once
// TestDatabase: a fresh, empty database on either backend, for tests that run on both.
//
// SQLite: a file in the test's TestDir. PostgreSQL: a database created on the throwaway server
// the ctest fixture starts (tests/pg/pg_server.sh start /tmp/frugal-test-pg-..., tests/CMakeLists.txt) and
// dropped afterwards. Without that server, PostgreSQL cases skip with a message saying so.
#include <atomic>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string_view>
#include <optional>
#include <string>
#include <unistd.h>

#include <gtest/gtest.h>

#include "test_dir.h"

namespace frugal::testing {

enum class Backend { sqlite, postgresql };

inline std::string backend_name(Backend b) { return b == Backend::sqlite ? "Sqlite" : "Postgresql"; }

// The server's URL, or nothing when the fixture has not started one.
inline std::optional<std::string> postgres_server_url() {
  std::ifstream in(std::string(FRUGAL_TEST_PG_DIR) + "/url");
  std::string url;
  if (!std::getline(in, url) || url.empty()) return std::nullopt;
  return url;
}

// Runs one SQL command on the server with psql (the test setup's tool, not the code under test).
inline bool postgres_admin(const std::string& url, const std::string& sql) {
  std::string command = "psql -q -X -v ON_ERROR_STOP=1 '" + url + "' -c \"" + sql + "\" >/dev/null 2>&1";
  return std::system(command.c_str()) == 0;
}

class TestDatabase {
 public:
  TestDatabase(Backend backend, const TestDir& dir) : m_backend(backend) {
    if (backend == Backend::sqlite) {
      m_location = dir.file("frugal.db");
      return;
    }
    auto server = postgres_server_url();
    if (!server) return;
    static std::atomic<int> counter{0};
    m_name = "t_" + std::to_string(::getpid()) + "_" + std::to_string(++counter);
    // Collation C: text sorts bytewise, as SQLite sorts it.
    if (!postgres_admin(*server, "CREATE DATABASE " + m_name + " TEMPLATE template0 LC_COLLATE 'C' LC_CTYPE 'C'")) return;
    m_server = *server;
    m_location = server->substr(0, server->rfind('/') + 1) + m_name;
  }
  ~TestDatabase() {
    if (!m_name.empty() && !m_server.empty()) postgres_admin(m_server, "DROP DATABASE IF EXISTS " + m_name + " WITH (FORCE)");
  }
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;

  // What --db takes: a file path or a postgresql:// URL; empty when the backend is not there.
  const std::string& location() const { return m_location; }
  bool available() const { return !m_location.empty(); }
  Backend backend() const { return m_backend; }

 private:
  Backend m_backend;
  std::string m_location;
  std::string m_name;
  std::string m_server;
};

// The database a test uses: an SQLite file in its folder or, when the suite runs on PostgreSQL
// (FRUGAL_TEST_BACKEND=postgresql: ctest's "@postgresql" copy of every unit test that touches a
// store), a fresh database on the test server, dropped with the folder. The same one each call.
inline const std::string& database(const TestDir& dir) {
  if (!dir.database_location.empty()) return dir.database_location;
  const char* backend = std::getenv("FRUGAL_TEST_BACKEND");
  if (!backend || std::string_view(backend) != "postgresql") return dir.database_location = dir.file("f.db");
  auto db = std::make_shared<TestDatabase>(Backend::postgresql, dir);
  if (!db->available())
    throw std::runtime_error("FRUGAL_TEST_BACKEND=postgresql but no PostgreSQL server for tests: run through ctest "
                             "(its fixture starts one) or tests/pg/pg_server.sh start " FRUGAL_TEST_PG_DIR);
  dir.on_cleanup([db]() mutable { db.reset(); });
  return dir.database_location = db->location();
}

// Whether this run of the suite is on PostgreSQL (for the few checks of SQLite's own query plans).
inline bool on_postgresql() {
  const char* backend = std::getenv("FRUGAL_TEST_BACKEND");
  return backend && std::string_view(backend) == "postgresql";
}

// Parameterised suites over both backends: INSTANTIATE_TEST_SUITE_P(Backends, Suite, FRUGAL_BACKENDS).
#define FRUGAL_BACKENDS                                                                              \
  ::testing::Values(::frugal::testing::Backend::sqlite, ::frugal::testing::Backend::postgresql),    \
      [](const auto& info) { return ::frugal::testing::backend_name(info.param); }

#define FRUGAL_REQUIRE_DATABASE(db)                                                                   \
  do {                                                                                                \
    if (!(db).available())                                                                            \
      GTEST_SKIP() << "no PostgreSQL server for tests: run through ctest (its fixture starts one) or " \
                      "tests/pg/pg_server.sh start " FRUGAL_TEST_PG_DIR "; apt-get install postgresql"; \
  } while (0)

}  // namespace frugal::testing
