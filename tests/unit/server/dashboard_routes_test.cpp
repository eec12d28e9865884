// What the dashboard reads: a run's host samples (GET /api/v1/runs/{id}/samples) and what the run
// detail says was sampled; the window and the bills' span that the cost routes answer with.
#include <fstream>

#include "billing/billing.h"
#include "unit/billing/focus_columns.h"
#include "unit/server/route_test_util.h"

namespace frugal::server {
namespace {

const Principal k_vision{2, Role::member, "vision"};
const Principal k_nlp{3, Role::member, "nlp"};

class HostSamples : public testing::RouteTest {
 protected:
  void SetUp() override {
    add_dashboard_routes(m_routes);
    add_run_routes(m_routes);
  }

  // A host sample `s` seconds after 10:00 (cpu_pct and rss_bytes as given, none: not measured).
  static tracking::SampleRow host(int s, std::optional<double> cpu, std::optional<std::int64_t> rss) {
    tracking::SampleRow r;
    r.time = *parse_utc("2026-11-26T10:00:00Z") + std::chrono::seconds(s);
    r.cpu_pct = cpu;
    r.rss_bytes = rss;
    return r;
  }
  static tracking::SampleRow gpu(int s, std::int64_t index) {
    tracking::SampleRow r;
    r.time = *parse_utc("2026-11-26T10:00:00Z") + std::chrono::seconds(s);
    r.gpu_index = index;
    r.gpu_util_pct = 99;
    r.gpu_mem_bytes = 1 << 30;
    return r;
  }
  void record(std::int64_t run, const std::vector<tracking::SampleRow>& rows) {
    auto written = tracking::record_samples(*m_store, run, rows);
    ASSERT_TRUE(written) << written.error().message;
  }

  Result<Reply> samples(std::int64_t run, Principal who = {1, Role::admin, ""}, std::string buckets = "") {
    std::map<std::string, std::string> query;
    if (!buckets.empty()) query["buckets"] = buckets;
    return call("GET", "/api/v1/runs/{id}/samples", "", {std::to_string(run)}, who, query);
  }
};

TEST_F(HostSamples, AMemberReadsItsTeamsRunAndIsRefusedAnotherTeamsAsTheGpuRouteIs) {
  auto run = start_run();  // team vision
  record(run, {host(0, 50, 1000)});
  auto own = samples(run, k_vision);
  ASSERT_TRUE(own) << own.error().message;
  EXPECT_EQ(own->body["samples"], 1);
  // Another team's run: the 403 every run route answers a member (run_in_scope), the GPU route's too.
  auto other = samples(run, k_nlp);
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().code, ErrorCode::forbidden);
  auto gpus = call("GET", "/api/v1/runs/{id}/gpus", "", {std::to_string(run)}, k_nlp);
  ASSERT_FALSE(gpus);
  EXPECT_EQ(gpus.error().code, other.error().code);
}

TEST_F(HostSamples, AnUnknownRunIsNotFoundForAnAdminAndTheSameRefusalAsAnotherTeamsForAMember) {
  auto absent = samples(999);
  ASSERT_FALSE(absent);
  EXPECT_EQ(absent.error().code, ErrorCode::not_found);
  auto unparsable = call("GET", "/api/v1/runs/{id}/samples", "", {"x"});
  ASSERT_FALSE(unparsable);
  EXPECT_EQ(unparsable.error().code, ErrorCode::not_found);
  // A member learns nothing of which ids exist: absent and out of scope read alike.
  auto as_member = samples(999, k_vision);
  ASSERT_FALSE(as_member);
  EXPECT_EQ(as_member.error().code, ErrorCode::forbidden);
}

TEST_F(HostSamples, BucketsAverageTimeCpuAndMemoryAndLeaveGpuRowsOut) {
  auto run = start_run();
  // Ten host samples a second apart, 0..9 s: CPU 10 × s, RSS 100 × s; GPU rows between them.
  std::vector<tracking::SampleRow> rows;
  for (int s = 0; s < 10; ++s) {
    rows.push_back(host(s, 10.0 * s, 100 * s));
    rows.push_back(gpu(s, 0));
  }
  record(run, rows);
  auto r = samples(run, {1, Role::admin, ""}, "5");
  ASSERT_TRUE(r) << r.error().message;
  const auto& b = r->body;
  EXPECT_EQ(b["samples"], 10);
  // The span is 9.001 s: five buckets of 1.8 s hold 0-1, 2-3, 4-5, 6-7 and 8-9 s.
  double t0 = static_cast<double>(parse_utc("2026-11-26T10:00:00Z")->time_since_epoch().count()) / 1000;
  ASSERT_EQ(b["t"].size(), 5u) << b.dump();
  for (int i = 0; i < 5; ++i) {
    EXPECT_DOUBLE_EQ(b["t"][i].get<double>(), t0 + 2 * i + 0.5) << i;
    EXPECT_DOUBLE_EQ(b["cpu_pct"][i].get<double>(), 20.0 * i + 5) << i;
    EXPECT_EQ(b["rss_bytes"][i].get<std::int64_t>(), 200 * i + 50) << i;
  }
  // The summary is over every sample, not over the buckets' means.
  EXPECT_DOUBLE_EQ(b["cpu_pct_mean"].get<double>(), 45);
  EXPECT_DOUBLE_EQ(b["cpu_pct_peak"].get<double>(), 90);
  EXPECT_EQ(b["rss_bytes_peak"], 900);
}

TEST_F(HostSamples, FewerSamplesThanBucketsComeBackOneEachWithUnmeasuredFiguresAsNull) {
  auto run = start_run();
  record(run, {host(0, 12.5, std::nullopt), host(5, std::nullopt, 2048), host(10, 37.5, 4096)});
  auto r = samples(run);  // 800 buckets by default
  ASSERT_TRUE(r) << r.error().message;
  const auto& b = r->body;
  ASSERT_EQ(b["t"].size(), 3u) << b.dump();
  EXPECT_EQ(b["cpu_pct"], json::parse("[12.5, null, 37.5]"));
  EXPECT_EQ(b["rss_bytes"], json::parse("[null, 2048, 4096]"));
  EXPECT_DOUBLE_EQ(b["cpu_pct_mean"].get<double>(), 25);  // of the two measured
  EXPECT_EQ(b["rss_bytes_peak"], 4096);
}

TEST_F(HostSamples, ARunNeverWatchedAnswersNoSamplesRatherThanAnError) {
  auto run = start_run();
  record(run, {gpu(0, 0), gpu(0, 1)});  // GPU readings alone: no host sample
  auto r = samples(run, k_vision);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->body,
            json::parse(R"({"samples": 0, "cpu_pct_mean": null, "cpu_pct_peak": null, "rss_bytes_peak": null,
                                     "t": [], "cpu_pct": [], "rss_bytes": []})"));
}

TEST_F(HostSamples, BucketsOutOfRangeAreRefused) {
  auto run = start_run();
  for (const char* n : {"1", "5001", "ten"}) {
    auto r = samples(run, {1, Role::admin, ""}, n);
    ASSERT_FALSE(r) << n;
    EXPECT_EQ(r.error().code, ErrorCode::invalid) << n;
  }
}

TEST_F(HostSamples, TheRunDetailCountsHostSamplesAndGpuReadings) {
  auto run = start_run();
  auto bare = call("GET", "/api/v1/runs/{id}", "", {std::to_string(run)}, k_vision);
  ASSERT_TRUE(bare) << bare.error().message;
  EXPECT_EQ(bare->body["sample_counts"], json::parse(R"({"host": 0, "gpu": 0})"));
  record(run, {host(0, 1, 1), gpu(0, 0), gpu(0, 1), host(1, 2, 2), gpu(1, 0), gpu(1, 1), host(2, 3, 3)});
  auto r = call("GET", "/api/v1/runs/{id}", "", {std::to_string(run)}, k_vision);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->body["sample_counts"], json::parse(R"({"host": 3, "gpu": 4})"));
}

class CostWindow : public testing::RouteTest {
 protected:
  void SetUp() override {
    add_cost_routes(m_routes);
    add_dashboard_routes(m_routes);
  }

  // A one-line FOCUS bill of the month starting `month` (2026-09-01), charged on its fifth day.
  void import_month(const std::string& month, const std::string& end) {
    std::string day = month.substr(0, 8) + "05";
    std::string path = m_dir.file("bill-" + month + ".csv");
    std::ofstream(path) << ::frugal::testing::with_focus_mandatory(
        "ProviderName,BillingAccountId,BillingCurrency,BillingPeriodStart,BillingPeriodEnd,ChargePeriodStart,"
        "ChargePeriodEnd,"
        "BilledCost,ServiceName\n"
        "AWS,111,USD," +
        month + "T00:00:00Z," + end + "T00:00:00Z," + day + "T00:00:00Z," + day + "T01:00:00Z,1.25,EC2\n");
    auto imported = billing::import_bill(*m_store, path, {}, now());
    ASSERT_TRUE(imported) << imported.error().message;
  }

  json get(const std::string& route, std::map<std::string, std::string> query) {
    auto r = call("GET", route, "", {}, {1, Role::admin, ""}, std::move(query));
    EXPECT_TRUE(r) << r.error().message;
    return r ? r->body : json();
  }
};

TEST_F(CostWindow, CostsAnswerTheWindowTheyCoveredAndNoBillsSpanBeforeAnImport) {
  for (const char* route : {"/api/v1/costs", "/api/v1/costs/daily"}) {
    json b = get(route, {{"since", "2026-10-01"}, {"until", "2026-11-01"}});
    EXPECT_EQ(b["since"], format_utc(*parse_utc("2026-10-01"))) << route;
    EXPECT_EQ(b["until"], format_utc(*parse_utc("2026-11-01"))) << route;
    EXPECT_TRUE(b["bills_cover"].is_null()) << route << ": " << b.dump();
    // The default window: 30 days back from now, up to now included (the bound is exclusive).
    json d = get(route, {});
    EXPECT_EQ(d["since"], format_utc(now() - std::chrono::days(30))) << route;
    EXPECT_EQ(d["until"], format_utc(now() + std::chrono::milliseconds(1))) << route;
  }
}

TEST_F(CostWindow, AWindowWithoutChargesStillSaysWhichDaysTheImportedBillsCover) {
  import_month("2026-09-01", "2026-10-01");
  import_month("2026-10-01", "2026-11-01");
  for (const char* route : {"/api/v1/costs", "/api/v1/costs/daily"}) {
    // Billing periods end exclusively: October's ends on 11-01, so its last day is 10-31.
    json b = get(route, {{"since", "2026-11-01"}});
    EXPECT_EQ(b["bills_cover"], json::parse(R"({"first_day": "2026-09-01", "last_day": "2026-10-31"})"))
        << route;
    json all = get(route, {{"since", "2026-01-01"}});
    EXPECT_EQ(all["bills_cover"], b["bills_cover"]) << route;
  }
  EXPECT_TRUE(get("/api/v1/costs", {{"since", "2026-11-01"}})["lines"].empty());
  EXPECT_EQ(get("/api/v1/costs", {{"since", "2026-01-01"}})["lines"].size(), 1u);
}

}  // namespace
}  // namespace frugal::server
