// OptScale arcee as its client really speaks: every body here is read from tests/fixtures/arcee,
// the bytes the optscale_arcee client sends (json.dumps: bare NaN and Infinity), {run} replaced.
#include <algorithm>
#include <fstream>
#include <iterator>

#include "unit/server/route_test_util.h"

namespace frugal::server {
namespace {

const Principal k_agent{2, Role::agent, "vision"};

std::string fixture(const std::string& name, std::int64_t run) {
  std::ifstream in(std::string(FRUGAL_SOURCE_DIR) + "/tests/fixtures/arcee/" + name, std::ios::binary);
  EXPECT_TRUE(in) << "no fixture " << name;
  std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  for (auto at = text.find("{run}"); at != std::string::npos; at = text.find("{run}", at))
    text.replace(at, 5, std::to_string(run));
  return text;
}

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

// The HTTP status the server answers for a handler's result.
int status_of(const Result<Reply>& r) {
  if (r) return r->status;
  switch (r.error().code) {
    case ErrorCode::invalid:
      return 400;
    case ErrorCode::not_found:
      return 404;
    case ErrorCode::conflict:
      return 409;
    case ErrorCode::forbidden:
      return 403;
    default:
      return 500;
  }
}

class ArceeClient : public testing::RouteTest {
 protected:
  void SetUp() override {
    add_arcee_routes(m_routes);
    add_run_routes(m_routes);
  }

  // Calls the arcee route that `path` (as the client writes it, after /arcee/v2) matches, at m_now.
  Result<Reply> send(const std::string& method, const std::string& path, const std::string& body,
                     Principal who = k_agent) {
    auto parts = [](const std::string& p) {
      std::vector<std::string> out;
      for (std::size_t at = 1; at <= p.size();) {
        auto end = p.find('/', at);
        if (end == std::string::npos) end = p.size();
        out.push_back(p.substr(at, end - at));
        at = end + 1;
      }
      return out;
    };
    auto concrete = parts("/arcee/v2" + path);
    for (const auto& r : m_routes) {
      auto pattern = parts(r.path);
      if (r.method != method || pattern.size() != concrete.size()) continue;
      std::vector<std::string> params;
      bool match = true;
      for (std::size_t i = 0; i < pattern.size() && match; ++i) {
        if (pattern[i].starts_with("{"))
          params.push_back(concrete[i]);
        else
          match = pattern[i] == concrete[i];
      }
      if (!match) continue;
      Call c{r.method, body, std::move(params), {}, {}, std::move(who), *m_store, m_now, m_options, m_writer};
      return r.handler(c);
    }
    ADD_FAILURE() << "no route " << method << " " << path;
    return fail(ErrorCode::not_found, "no such route");
  }

  std::int64_t start_arcee_run() {
    auto r = send("POST", "/tasks/mnist/run", fixture("start_run.json", 0));
    EXPECT_TRUE(r) << r.error().message;
    return r ? std::stoll(r->body.at("id").get<std::string>()) : 0;
  }

  TimePoint m_now = now();  // when the next call arrives

  std::vector<json> rows(const std::string& sql) {
    auto r = m_store->query(sql);
    EXPECT_TRUE(r) << r.error().message;
    std::vector<json> out;
    if (!r) return out;
    for (const auto& row : r->rows) {
      json cells = json::array();
      for (const auto& v : row) cells.push_back(value_json(v));
      out.push_back(cells);
    }
    return out;
  }
};

TEST_F(ArceeClient, EveryCallOfOneTrainingRunIsAnsweredAndStoredAsTheFixtureSays) {
  std::ifstream in(std::string(FRUGAL_SOURCE_DIR) + "/tests/fixtures/arcee/session.json");
  json session = json::parse(in);
  std::int64_t run = 0;
  for (const auto& step : session["calls"]) {
    if (step.contains("token")) continue;  // a role the server refuses before any handler runs
    std::string path = step["path"];
    if (auto at = path.find("{run}"); at != std::string::npos) path.replace(at, 5, std::to_string(run));
    m_now += std::chrono::seconds(1);
    auto r = send(step["method"], path, fixture(step["body"], run));
    std::string what =
        step["method"].get<std::string>() + " " + path + " (" + step["body"].get<std::string>() + ")";
    EXPECT_EQ(status_of(r), step["status"].get<int>())
        << what << ": " << (r ? r->body.dump() : r.error().message);
    if (step.contains("skipped") && r) {
      std::vector<std::string> keys;
      for (const auto& s : r->body["skipped"]) keys.push_back(s["key"]);
      std::sort(keys.begin(), keys.end());
      EXPECT_EQ(json(keys), step["skipped"]) << what;
    }
    if (step.value("keep", "") == "id" && r) run = std::stoll(r->body.at("id").get<std::string>());
  }
  ASSERT_GT(run, 0);
  for (const char* what : {"run_row", "metrics", "samples", "tags_and_params"}) {
    std::string sql = session[what]["sql"];
    for (auto at = sql.find("{run}"); at != std::string::npos; at = sql.find("{run}", at))
      sql.replace(at, 5, std::to_string(run));
    EXPECT_EQ(json(rows(sql)), session[what]["rows"]) << what;
  }
}

TEST_F(ArceeClient, BareNaNAndInfinitiesAreReadOnArceeRoutesOnly) {
  auto run = start_arcee_run();
  auto r = send("POST", "/collect", fixture("collect_diverged.json", run));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->body["received"], 4);
  EXPECT_EQ(scalar("SELECT count(*) FROM metrics WHERE key = 'loss' AND value IS NULL"), 1)
      << "NaN is stored as NULL";
  EXPECT_EQ(scalar("SELECT count(*) FROM metrics WHERE key = 'grad_norm' AND value > 1e308"), 1);
  EXPECT_EQ(scalar("SELECT count(*) FROM metrics WHERE key = 'log_lr' AND value < -1e308"), 1);
  auto strict = call("POST", "/api/v1/runs/{id}/metrics", R"({"metrics": [{"key": "loss", "value": NaN}]})",
                     {std::to_string(run)}, k_agent);
  ASSERT_FALSE(strict) << "the JSON API reads strict JSON";
  EXPECT_EQ(strict.error().code, ErrorCode::invalid);
  EXPECT_NE(strict.error().message.find("malformed JSON at byte"), std::string::npos)
      << strict.error().message;
}

TEST_F(ArceeClient, ANonNumberInDataIsSkippedAndReportedAndTheRestKept) {
  auto run = start_arcee_run();
  auto r = send("POST", "/collect", fixture("collect_mixed.json", run));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->body["received"], 2);
  ASSERT_EQ(r->body["skipped"].size(), 3u) << r->body.dump();
  std::string all = r->body["skipped"].dump();
  EXPECT_NE(all.find("field 'data.converged': expected a number, got true"), std::string::npos) << all;
  EXPECT_NE(all.find("field 'data.best_epoch': expected a number, got null"), std::string::npos) << all;
  EXPECT_NE(all.find("field 'data.note': expected a number, got a string"), std::string::npos) << all;
  EXPECT_EQ(scalar("SELECT count(*) FROM metrics"), 2);
  EXPECT_EQ(scalar("SELECT count(*) FROM metrics WHERE key IN ('loss', 'accuracy')"), 2);
}

TEST_F(ArceeClient, InstanceTypePricesTheRunFromTheCatalogAsFrugalRunIsPriced) {
  auto run = start_run();  // started an hour before now()
  auto r = send("POST", "/collect", fixture("collect_first.json", run));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_FALSE(r->body.contains("unpriced"));
  EXPECT_EQ(scalar("SELECT count(*) FROM runs WHERE instance_type = 'p3.2xlarge' AND provider = 'aws' AND "
                   "region = 'us-east-1' "
                   "AND pricing = 'on_demand' AND price_source = 'builtin' AND gpu_count = 1"),
            1);
  EXPECT_EQ(scalar("SELECT hourly_price_nanos FROM runs"), 3'060'000'000);
  EXPECT_EQ(scalar("SELECT cost_nanos FROM runs"), 3'060'000'000) << "its cost so far: an hour at $3.06";
  auto done = send("PATCH", "/run/" + std::to_string(run), fixture("finish.json", run));
  ASSERT_TRUE(done) << done.error().message;
  EXPECT_EQ(scalar("SELECT cost_nanos FROM runs WHERE status = 'finished'"), 3'060'000'000);
}

TEST_F(ArceeClient, FlavorPricesTheRunAsInstanceTypeDoes) {
  auto run = start_run();
  auto r = send(
      "POST", "/collect",
      R"({"run": ")" + std::to_string(run) +
          R"(", "data": {}, "platform": {"platform_type": "aws", "flavor": "g5.xlarge", "region": "us-east-1"}})");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(scalar("SELECT hourly_price_nanos FROM runs WHERE instance_type = 'g5.xlarge'"), 1'006'000'000);
}

TEST_F(ArceeClient, ASpotInstanceIsPricedAtTheSpotPrice) {
  auto run = start_run();
  auto r = send("POST", "/collect", replaced(fixture("collect_first.json", run), "\"OnDemand\"", "\"Spot\""));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(scalar("SELECT hourly_price_nanos FROM runs WHERE pricing = 'spot'"), 918'000'000);
}

TEST_F(ArceeClient, ARegionTheCatalogLacksIsPricedAtTheProvidersCheapestRegion) {
  auto run = start_run();
  auto body = replaced(fixture("collect_first.json", run), "\"instance_region\": \"us-east-1\"",
                       "\"instance_region\": \"ap-south-2\"");
  auto r = send("POST", "/collect", body);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(scalar("SELECT hourly_price_nanos FROM runs WHERE region = 'ap-south-2' AND price_source = "
                   "'builtin (us-east-1''s price)'"),
            3'060'000'000);
}

TEST_F(ArceeClient, AnUnknownInstanceTypeLeavesTheRunUnpricedAndTheReplySaysWhy) {
  auto run = start_run();
  auto r = send("POST", "/collect", replaced(fixture("collect_first.json", run), "p3.2xlarge", "p9.mega"));
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_TRUE(r->body.contains("unpriced")) << r->body.dump();
  EXPECT_NE(r->body["unpriced"].get<std::string>().find("unknown instance type 'p9.mega'"), std::string::npos)
      << r->body.dump();
  EXPECT_EQ(
      scalar("SELECT count(*) FROM runs WHERE instance_type = 'p9.mega' AND hourly_price_nanos IS NULL"), 1);
}

TEST_F(ArceeClient, AHostNameIsNeverTakenAsACloudInstanceId) {
  auto run = start_run();
  auto off = send("POST", "/collect", fixture("collect_off_cloud.json", run));
  ASSERT_TRUE(off) << off.error().message;
  EXPECT_EQ(scalar("SELECT count(*) FROM runs WHERE instance_id IS NULL AND host = 'ana-thinkpad'"), 1)
      << "off-cloud, the client's instance_id is the host name";
  auto odd =
      send("POST", "/collect", replaced(fixture("collect.json", run), "i-0a1b2c3d4e5f67890", "ip-10-0-1-23"));
  ASSERT_TRUE(odd) << odd.error().message;
  EXPECT_EQ(scalar("SELECT count(*) FROM runs WHERE instance_id IS NULL"), 1) << "not of AWS's shape";
  ASSERT_TRUE(send("POST", "/collect", fixture("collect.json", run)));
  EXPECT_EQ(scalar("SELECT count(*) FROM runs WHERE instance_id = 'i-0a1b2c3d4e5f67890'"), 1);
}

TEST_F(ArceeClient, GcpAndAzureInstanceIdsOfTheirShapeJoinTheRunToBills) {
  auto gcp = start_run();
  ASSERT_TRUE(send("POST", "/collect", fixture("collect_gcp.json", gcp)));
  EXPECT_EQ(
      scalar("SELECT count(*) FROM runs WHERE instance_id = '4520031823371942261' AND provider = 'gcp'"), 1);
  auto azure = start_run();
  ASSERT_TRUE(send("POST", "/collect", fixture("collect_azure.json", azure)));
  EXPECT_EQ(
      scalar("SELECT count(*) FROM runs WHERE instance_id LIKE '/subscriptions/%/virtualMachines/train-01'"),
      1);
}

TEST_F(ArceeClient, ProcessCpuIsStoredAsPercentOfOneCore) {
  auto run = start_run();
  auto r = send("POST", "/run/" + std::to_string(run) + "/proc", fixture("proc.json", run));
  ASSERT_TRUE(r) << r.error().message;
  // The client sends 12.5: the process's CPU divided by the machine's 8 cores (a saturated core).
  EXPECT_EQ(scalar("SELECT count(*) FROM samples WHERE gpu_index IS NULL AND cpu_pct = 100 AND rss_bytes = "
                   "2147483648"),
            1);
  EXPECT_EQ(scalar("SELECT count(*) FROM samples WHERE gpu_index = 0 AND gpu_util_pct = 87 AND gpu_mem_bytes "
                   "= 4362076160"),
            1);
  EXPECT_EQ(scalar("SELECT cost_nanos FROM runs"), 3'060'000'000) << "a heartbeat meters the cost so far";
}

TEST_F(ArceeClient, ASampleAfterTheRunFinishedIsRefused) {
  auto run = start_run();
  ASSERT_TRUE(send("PATCH", "/run/" + std::to_string(run), fixture("finish.json", run)));
  m_now += std::chrono::milliseconds(1);  // the heartbeat that raced arcee.finish()
  auto late = send("POST", "/run/" + std::to_string(run) + "/proc", fixture("proc.json", run));
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().code, ErrorCode::conflict);
  EXPECT_NE(late.error().message.find("ended at"), std::string::npos) << late.error().message;
  EXPECT_EQ(scalar("SELECT count(*) FROM samples"), 0);
}

TEST_F(ArceeClient, AnUnknownRunIsNotFoundAndAnotherTeamsRunLooksTheSame) {
  auto run = start_run();  // team vision's
  auto absent = send("POST", "/run/999999/milestones", fixture("milestone.json", 999999));
  ASSERT_FALSE(absent);
  EXPECT_EQ(absent.error().code, ErrorCode::not_found);
  EXPECT_EQ(absent.error().message, "run '999999' does not exist");
  auto collect = send("POST", "/collect", fixture("collect.json", 999999));
  ASSERT_FALSE(collect);
  EXPECT_EQ(collect.error().code, ErrorCode::not_found);
  auto foreign = send("POST", "/run/" + std::to_string(run) + "/proc", fixture("proc.json", run),
                      Principal{3, Role::agent, "nlp"});
  ASSERT_FALSE(foreign);
  EXPECT_EQ(foreign.error().code, ErrorCode::not_found);
  EXPECT_EQ(foreign.error().message, "run '" + std::to_string(run) + "' does not exist");
  EXPECT_EQ(scalar("SELECT count(*) FROM samples"), 0);
}

}  // namespace
}  // namespace frugal::server
