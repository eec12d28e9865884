#pragma once
// RouteTest: a route's handler called as the server calls it once the token is checked: an admin
// caller (or the one a test names), this test's store, the group-commit writer. Route handlers are private to their files;
// the table (add_*_routes) is how a test reaches them, as the server does.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "server/group_commit.h"
#include "server/routes.h"
#include "test_database.h"
#include "tracking/tracking.h"

namespace frugal::server::testing {

class RouteTest : public ::testing::Test {
 protected:
  TimePoint now() const { return *parse_utc("2026-11-26T12:00:00Z"); }

  // A running run of team "vision", started an hour before now().
  std::int64_t start_run() {
    tracking::RunStart run;
    run.labels.team = "vision";
    run.name = "train";
    run.command = {"train.py"};
    run.started = now() - std::chrono::hours(1);
    auto id = tracking::start_run(*m_store, run);
    EXPECT_TRUE(id) << id.error().message;
    return id.value_or(0);
  }

  // Calls the route registered as `method` `pattern` (e.g. "/arcee/v2/run/{id}/proc"), as `who`.
  Result<Reply> call(const std::string& method, const std::string& pattern, const std::string& body,
                     std::vector<std::string> path_params = {}, Principal who = {1, Role::admin, ""},
                     std::map<std::string, std::string> query = {}) {
    for (const auto& r : m_routes) {
      if (r.method != method || r.path != pattern) continue;
      Call c{r.method, body, std::move(path_params), std::move(query), {}, std::move(who), *m_store, now(), m_options, m_writer};
      return settle(c, r.handler(c));
    }
    ADD_FAILURE() << "no route " << method << " " << pattern;
    return fail(ErrorCode::not_found, "no such route");
  }

  std::int64_t scalar(const std::string& sql) {
    auto r = m_store->query(sql);
    EXPECT_TRUE(r) << r.error().message;
    return r ? store::as_int(r->rows.at(0).at(0)) : -1;
  }

  ::frugal::testing::TestDir m_dir;
  std::unique_ptr<store::Store> m_store = std::move(*store::open_store(::frugal::testing::database(m_dir)));
  GroupCommit m_writer{std::move(*store::open_store(::frugal::testing::database(m_dir)))};
  ServeOptions m_options;
  std::vector<Route> m_routes;
};

}  // namespace frugal::server::testing
