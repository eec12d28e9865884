#include <chrono>
#include <functional>

#include <fmt/format.h>

#include "unit/advise/advise_fixture.h"

namespace frugal::advise {
namespace {

constexpr std::int64_t k_dollar = 1'000'000'000;

enum class Use { idle, run };  // who a charge's allocation goes to

// Bills and reconciliation as they would be stored: hourly charges of one instance, each split
// into the run that used it or an idle row (run_id NULL).
class IdleInstanceRule : public testing::AdviseTest {
 protected:
  void SetUp() override {
    AdviseTest::SetUp();
    m_import = id_of("INSERT INTO imports (file, file_sha256, format, imported_at, rows) "
                     "VALUES ('bill.csv', 'sha', 'focus', '2026-11-26T00:00:00.000Z', 0) RETURNING id", {});
    m_run = id_of("INSERT INTO runs (name, username, command, started_at, ended_at, status) VALUES ('train', 'ada', "
                  "'python train.py', '2026-11-01T00:00:00.000Z', '2026-11-20T00:00:00.000Z', 'finished') RETURNING id",
                  {});
  }

  std::int64_t id_of(const std::string& sql, std::vector<store::Value> params) {
    auto r = m_store->query(sql, params);
    if (!r) throw std::runtime_error(sql + ": " + r.error().message);
    return store::as_int(r->rows.at(0).at(0));
  }

  // One charge of `resource` over [start, end), all of it idle or all of it used by the run.
  void charge(const std::string& resource, const std::string& start, const std::string& end, std::int64_t nanos,
              Use use, const std::string& team = "", std::int64_t attos = 0) {
    std::int64_t id = id_of(
        "INSERT INTO charges (import_id, source_line, provider_name, billing_account_id, billing_currency, "
        "billing_period_start, billing_period_end, charge_period_start, charge_period_end, billed_cost_nanos, "
        "billed_cost_attos, effective_cost_nanos, effective_cost_attos, list_cost_nanos, list_cost_attos, region_id, "
        "resource_id, service_category, x_team) VALUES (?, 1, 'AWS', 'acct', 'USD', '2026-11-01T00:00:00.000Z', "
        "'2026-12-01T00:00:00.000Z', ?, ?, ?, ?, 0, 0, 0, 0, 'us-east-1', ?, 'Compute', ?) RETURNING id",
        {m_import, start, end, nanos, attos, resource, store::text_or_null(team)});
    exec("INSERT INTO charge_allocations (charge_id, run_id, gpu_seconds, cost_nanos, cost_attos, billing_currency) "
         "VALUES (?, ?, 3600, ?, ?, 'USD')",
         {id, use == Use::idle ? store::Value{} : store::Value{m_run}, nanos, attos});
  }

  // Hourly charges of $`dollars` over `days` days from `first_day`; `idle_at(hour)` says which are idle.
  void hourly(const std::string& resource, const std::string& first_day, int days, std::int64_t dollars,
              const std::function<bool(int)>& idle_at) {
    TimePoint t = *parse_utc(first_day);
    for (int h = 0; h < days * 24; ++h, t += std::chrono::hours(1))
      charge(resource, format_utc(t), format_utc(t + std::chrono::hours(1)), dollars * k_dollar,
             idle_at(h % 24) ? Use::idle : Use::run);
  }

  std::int64_t m_import = 0;
  std::int64_t m_run = 0;
};

TEST_F(IdleInstanceRule, IdleEveryNightSuggestsAStopSchedule) {
  // Monday to Friday: a run from 08:00 to 20:00, nothing at night; $2 an hour.
  hourly("i-night", "2026-11-02T00:00:00Z", 5, 2, [](int hour) { return hour < 8 || hour >= 20; });
  hourly("i-busy", "2026-11-02T00:00:00Z", 5, 2, [](int) { return false; });
  charge("i-night", "2026-11-07T03:00:00.000Z", "2026-11-07T04:00:00.000Z", 0, Use::idle, "", 1);  // one atto, kept

  auto found = run(idle_instances);
  ASSERT_EQ(found.size(), 1u);  // i-busy had no idle hour
  const auto& r = found[0];
  EXPECT_EQ(r.rule, "idle_instance");
  EXPECT_EQ(r.target, "instance i-night (us-east-1)");
  EXPECT_EQ(r.id, recommendation_id("idle_instance", r.target));
  EXPECT_EQ(r.team, "");
  EXPECT_EQ(r.monthly_saving.to_string(), "120.000000000000000001");  // 60 idle hours × $2, and the atto
  EXPECT_DOUBLE_EQ(r.confidence, 0.7);
  EXPECT_EQ(evidence(r, "idle cost in window"), "$120.00");
  EXPECT_EQ(evidence(r, "billed cost in window"), "$240.00");
  EXPECT_EQ(evidence(r, "idle share of its bill"), "50%");
  EXPECT_EQ(evidence(r, "idle cost at nights (20:00–08:00 UTC) and weekends"), "100%");
  EXPECT_EQ(evidence(r, "idle rate in working hours"), "0%");
  EXPECT_NE(r.action.find("from 20:00 to 08:00 UTC and at weekends"), std::string::npos);

  auto shown = m_store->query(r.query);
  ASSERT_TRUE(shown) << shown.error().message << "\n" << r.query;
  EXPECT_EQ(shown->rows.size(), 61u);
}

TEST_F(IdleInstanceRule, AnInstanceAlwaysInUseIsNotIdle) {
  hourly("i-busy", "2026-11-02T00:00:00Z", 7, 3, [](int) { return false; });
  EXPECT_TRUE(run(idle_instances).empty());
}

TEST_F(IdleInstanceRule, IdleAroundTheClockIsNotAScheduleCase) {
  // A full week idle but for one hour a day: 66% of its idle cost falls at nights and weekends only
  // because those are 64% of the week; it should stop when idle, not on a timetable.
  hourly("i-always", "2026-11-02T00:00:00Z", 7, 1, [](int hour) { return hour != 12; });
  auto found = run(idle_instances);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].monthly_saving.to_string(), "161.00");  // 7 × 23 idle hours × $1
  EXPECT_EQ(evidence(found[0], "idle cost at nights (20:00–08:00 UTC) and weekends"), "66%");  // 106 of 161
  EXPECT_EQ(evidence(found[0], "idle rate at nights and weekends"), "98%");                      // 106 of 108
  EXPECT_EQ(evidence(found[0], "idle rate in working hours"), "92%");  // 55 of 60
  EXPECT_DOUBLE_EQ(found[0].confidence, 0.5);
  EXPECT_NE(found[0].action.find("when no run is on it"), std::string::npos);
}

TEST_F(IdleInstanceRule, ADailyChargeCountsItsHoursNotItsStart) {
  // A Monday's daily charge starts at midnight but is half working hours.
  charge("i-daily", "2026-11-02T00:00:00.000Z", "2026-11-03T00:00:00.000Z", 24 * k_dollar, Use::idle);
  auto found = run(idle_instances);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(evidence(found[0], "idle cost at nights (20:00–08:00 UTC) and weekends"), "50%");
  EXPECT_EQ(found[0].monthly_saving.to_string(), "24.00");
  EXPECT_DOUBLE_EQ(found[0].confidence, 0.5);
}

TEST_F(IdleInstanceRule, TeamFilterAndWindowBoundTheIdleCost) {
  charge("i-a", "2026-11-03T22:00:00.000Z", "2026-11-03T23:00:00.000Z", 5 * k_dollar, Use::idle, "vision");
  charge("i-a", "2026-10-26T22:00:00.000Z", "2026-10-26T23:00:00.000Z", 100 * k_dollar, Use::idle, "vision");  // before
  charge("i-b", "2026-11-03T22:00:00.000Z", "2026-11-03T23:00:00.000Z", 3 * k_dollar, Use::idle, "nlp");

  auto all = run(idle_instances);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].target, "instance i-a (us-east-1)");
  EXPECT_EQ(all[0].team, "vision");
  EXPECT_EQ(all[0].monthly_saving.to_string(), "5.00");
  EXPECT_EQ(all[1].team, "nlp");

  m_options.team = "nlp";
  auto nlp = run(idle_instances);
  ASSERT_EQ(nlp.size(), 1u);
  EXPECT_EQ(nlp[0].target, "instance i-b (us-east-1)");
  EXPECT_EQ(nlp[0].monthly_saving.to_string(), "3.00");
  auto shown = m_store->query(nlp[0].query);
  ASSERT_TRUE(shown) << shown.error().message;
  EXPECT_EQ(shown->rows.size(), 1u);
}

}  // namespace
}  // namespace frugal::advise
