#pragma once
// A store and a window for the advise rules' tests, which run on both backends (the "@postgresql"
// copy): rows go straight into the tables, so each test controls every figure.
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "advise/rules.h"
#include "test_database.h"

namespace frugal::advise::testing {

class AdviseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = store::open_store(::frugal::testing::database(m_dir));
    if (!s) throw std::runtime_error(s.error().message);
    m_store = std::move(*s);
    m_options.since = *parse_utc("2026-10-27T00:00:00Z");
    m_options.until = *parse_utc("2026-11-26T00:00:00Z");  // 30 days: monthly = the window's sums
  }

  // Runs one statement; throws with the database's message if it fails.
  void exec(const std::string& sql, std::vector<store::Value> params = {}) {
    auto r = m_store->execute(sql, params);
    if (!r) throw std::runtime_error(sql + ": " + r.error().message);
  }

  // Runs `rule` over the window and returns what it found.
  std::vector<Recommendation> run(Rule rule) {
    Context c{*m_store, m_options, format_utc(m_options.since), format_utc(m_options.until),
              std::chrono::duration<double>(m_options.until - m_options.since).count() / 86'400.0};
    std::vector<Recommendation> out;
    auto r = rule(c, out);
    EXPECT_TRUE(r) << (r ? "" : r.error().message);
    return out;
  }

  // The evidence value named `name`, or "" (tests read what a user would read).
  static std::string evidence(const Recommendation& r, const std::string& name) {
    for (const auto& e : r.evidence)
      if (e.name == name) return e.value;
    return "";
  }

  ::frugal::testing::TestDir m_dir;
  std::unique_ptr<store::Store> m_store;
  Options m_options;
};

}  // namespace frugal::advise::testing
