#pragma once
// TestDir: each test gets its own empty temporary folder, removed afterwards (ccache's TestContext).
#include <cctype>
#include <filesystem>
#include <functional>
#include <vector>
#include <string>

#include <gtest/gtest.h>

namespace frugal::testing {

class TestDir {
 public:
  TestDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = info ? std::string(info->test_suite_name()) + "." + info->name() : "frugal";
    for (char& c : name)
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.') c = '_';  // parameterised names hold '/'
    std::string pattern = (std::filesystem::temp_directory_path() / ("frugal-" + name + "-XXXXXX")).string();
    m_path = mkdtemp(pattern.data()) ? pattern : throw std::runtime_error("mkdtemp failed");
  }
  ~TestDir() {
    for (auto& cleanup : m_cleanups) cleanup();
    std::error_code ec;
    std::filesystem::remove_all(m_path, ec);
  }
  TestDir(const TestDir&) = delete;
  TestDir& operator=(const TestDir&) = delete;

  const std::string& path() const { return m_path; }
  std::string file(const std::string& name) const { return m_path + "/" + name; }
  // Runs when the folder goes (a PostgreSQL test database is dropped then: test_database.h).
  void on_cleanup(std::function<void()> f) const { m_cleanups.push_back(std::move(f)); }
  mutable std::string database_location;  // set by frugal::testing::database()

 private:
  std::string m_path;
  mutable std::vector<std::function<void()>> m_cleanups;
};

// Where the real data sets live; tests using them skip with this message when absent.
inline std::string shared_data(const std::string& relative) { return std::string(FRUGAL_SHARED_DATA) + "/" + relative; }

#define FRUGAL_REQUIRE_SHARED_DATA(relative)                                                 \
  do {                                                                                        \
    if (!std::filesystem::exists(::frugal::testing::shared_data(relative)))                   \
      GTEST_SKIP() << "real data set ../shared/data/" << (relative) << " is absent; skipping"; \
  } while (0)

}  // namespace frugal::testing
