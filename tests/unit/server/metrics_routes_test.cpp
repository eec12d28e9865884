// GET /metrics: what Prometheus scrapes.
#include "unit/server/route_test_util.h"

namespace frugal::server {
namespace {

class PrometheusMetrics : public testing::RouteTest {
 protected:
  void SetUp() override { add_metrics_routes(m_routes); }

  // A run of team "vision" on a one-GPU instance at `hourly` a hour, started `hours_ago` before now().
  std::int64_t priced_run(const char* hourly, int hours_ago) {
    tracking::RunStart run;
    run.labels.team = "vision";
    run.labels.project = "detector";
    run.command = {"train.py"};
    run.hourly_price = *Money::parse(hourly);
    run.gpu_count = 1;
    run.instance_gpu_count = 1;
    run.started = now() - std::chrono::hours(hours_ago);
    auto id = tracking::start_run(*m_store, run);
    EXPECT_TRUE(id) << id.error().message;
    return id.value_or(0);
  }

  std::string scrape() {
    auto r = call("GET", "/metrics", "");
    EXPECT_TRUE(r) << r.error().message;
    return r ? r->text : "";
  }
};

TEST_F(PrometheusMetrics, ARunningRunCountsItsCostSoFar) {
  priced_run("3.06", 2);  // running for two hours at $3.06: $6.12 so far, nothing metered yet
  EXPECT_NE(scrape().find(R"(frugal_cost_usd{team="vision",project="detector",period="month"} 6.12)"), std::string::npos) << scrape();
}

TEST_F(PrometheusMetrics, FinishedAndRunningRunsOfATeamAddUpExactly) {
  auto done = priced_run("1.10", 3);
  tracking::RunEnd end;
  end.ended = now() - std::chrono::hours(2);  // one hour at $1.10
  end.exit_code = 0;
  ASSERT_TRUE(tracking::finish_run(*m_store, done, end));
  priced_run("0.10", 1);  // running an hour at $0.10
  EXPECT_NE(scrape().find(R"(frugal_cost_usd{team="vision",project="detector",period="month"} 1.2)"), std::string::npos) << scrape();
}

}  // namespace
}  // namespace frugal::server
