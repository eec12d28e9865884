#include <cmath>
#include <mutex>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "k8s/k8s.h"
#include "query_text.h"
#include "test_database.h"

namespace frugal::k8s {
namespace {

// ---- Prometheus' answers ---------------------------------------------------------------------------

TEST(ParseMatrix, ReadsSeriesLabelsAndValuesIncludingNaN) {
  auto s = parse_matrix(R"({"status":"success","data":{"resultType":"matrix","result":[
      {"metric":{"pod":"a","namespace":"ml"},"values":[[1764583200,"85"],[1764583230.5,"NaN"]]}]}})",
                        "prom");
  ASSERT_TRUE(s) << s.error().message;
  ASSERT_EQ(s->size(), 1u);
  EXPECT_EQ((*s)[0].label("pod"), "a");
  EXPECT_EQ((*s)[0].label("namespace"), "ml");
  EXPECT_EQ((*s)[0].label("node"), "") << "an absent label reads as empty, as in PromQL";
  ASSERT_EQ((*s)[0].points.size(), 2u);
  EXPECT_EQ((*s)[0].points[0].t_ms, 1764583200000);
  EXPECT_EQ((*s)[0].points[0].value, 85);
  EXPECT_EQ((*s)[0].points[1].t_ms, 1764583230500);
  EXPECT_TRUE(std::isnan((*s)[0].points[1].value));
}

TEST(ParseMatrix, AnErrorAnswerAPartialAnswerAndACutBodyAreErrorsNamingTheSource) {
  auto error = parse_matrix(R"({"status":"error","errorType":"bad_data","error":"exceeded maximum resolution"})", "prom");
  ASSERT_FALSE(error);
  EXPECT_NE(error.error().message.find("prom: Prometheus answered error (bad_data): exceeded maximum resolution"),
            std::string::npos)
      << error.error().message;
  auto partial = parse_matrix(R"({"status":"success","warnings":["store gateway down"],"data":{"resultType":"matrix","result":[]}})",
                              "prom");
  ASSERT_FALSE(partial);
  EXPECT_NE(partial.error().message.find("partial"), std::string::npos) << partial.error().message;
  auto cut = parse_matrix(R"({"status":"success","data":{"resultType":"matrix","result":[{"metric":{})", "prom");
  ASSERT_FALSE(cut);
  EXPECT_NE(cut.error().message.find("prom: the answer is not JSON"), std::string::npos) << cut.error().message;
  auto bad = parse_matrix(R"({"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,"x"]]}]}})",
                          "prom");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("result[0].values[0]"), std::string::npos) << bad.error().message;
  auto vector = parse_matrix(R"({"status":"success","data":{"resultType":"vector","result":[]}})", "prom");
  ASSERT_FALSE(vector);
  auto not_a_pair = parse_matrix(
      R"({"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,"2"],5]}]}})", "prom");
  ASSERT_FALSE(not_a_pair);
  EXPECT_NE(not_a_pair.error().message.find("prom: result[0].values[1]: expected [unix time, \"number\"]"), std::string::npos)
      << not_a_pair.error().message;
  auto label = parse_matrix(R"({"status":"success","data":{"resultType":"matrix","result":[{"metric":{"pod":7},"values":[]}]}})",
                            "prom");
  ASSERT_FALSE(label);
  EXPECT_NE(label.error().message.find("label pod is a number"), std::string::npos) << label.error().message;
  auto no_values = parse_matrix(R"({"status":"success","data":{"resultType":"matrix","result":[{"metric":{}}]}})", "prom");
  ASSERT_FALSE(no_values);
  EXPECT_NE(no_values.error().message.find("expected \"metric\" and \"values\""), std::string::npos);
}

TEST(ParseMatrix, KeysInAnyOrderAndFieldsItDoesNotUseAreRead) {
  auto s = parse_matrix(R"({"data":{"result":[{"values":[[10,"1"]],"metric":{"b":"2","a":"1"}}],"resultType":"matrix",
      "stats":{"timings":{"evalTotalTime":0.1}}},"status":"success","infos":[]})",
                        "prom");
  ASSERT_TRUE(s) << s.error().message;
  ASSERT_EQ(s->size(), 1u);
  EXPECT_EQ((*s)[0].labels.front().first, "a") << "labels sorted by name";
  EXPECT_EQ((*s)[0].points.at(0).value, 1);
}

// ---- Prices ----------------------------------------------------------------------------------------------

constexpr std::int64_t k_gib = 1LL << 30;

TEST(UnitPrices, OnAGpuNodeCpuAndMemoryGoAtOpenCostsRatesAndTheGpusCarryTheRest) {
  // p4d.24xlarge on demand: $32.7726; 96 vCPUs × $0.031611 + 1152 GiB × $0.004237 = $7.91568.
  UnitPrices u = unit_prices(*Money::parse("32.7726"), 8, 96'000, 1152 * k_gib, false);
  EXPECT_EQ(u.cpu_hour.to_string(), "0.031611");
  EXPECT_EQ(u.gib_hour.to_string(), "0.004237");
  EXPECT_EQ(u.gpu_hour.to_string(), "3.107115") << "(32.7726 - 7.91568) / 8";
  // The whole node's requests cost the node's price.
  EXPECT_EQ(pod_hourly(u, 8, 96'000, 1152 * k_gib).to_string(), "32.7726");
  // Spot rates on a spot node.
  UnitPrices spot = unit_prices(*Money::parse("9.8318"), 8, 96'000, 1152 * k_gib, true);
  EXPECT_EQ(spot.cpu_hour.to_string(), "0.006655");
}

TEST(UnitPrices, ANodeWithoutGpusSplitsItsPriceByTheRatesAndAWholeNodePodPaysItAll) {
  UnitPrices u = unit_prices(*Money::parse("0.384"), 0, 8'000, 32 * k_gib, false);
  EXPECT_TRUE(u.gpu_hour == Money());
  Money whole = pod_hourly(u, 0, 8'000, 32 * k_gib);
  EXPECT_LT(std::abs(whole.to_double() - 0.384), 1e-12) << whole.to_string(18);
  // Half the CPUs and half the memory: half the node.
  EXPECT_LT(std::abs(pod_hourly(u, 0, 4'000, 16 * k_gib).to_double() - 0.192), 1e-12);
}

// ---- A cluster answered from specs, as Prometheus would ------------------------------------------------

struct NodeSpec {
  std::string name, type, region = "us-east-1";
  bool spot = false;
  int cpus = 96;
  std::int64_t memory = 1152 * k_gib;
  int gpus = 8;
};

struct PodSpec {
  std::string ns, name, uid, node;
  std::map<std::string, std::string> labels{};  // as kube-state-metrics names them, less label_
  int gpus = 0;
  std::int64_t cpu_millis = 1000, memory = k_gib;
  std::int64_t start_min = 0;
  std::optional<std::int64_t> end_min{};  // none: running
  std::string end_phase = "Succeeded";
  std::vector<double> gpu_util{};  // one per GPU held
  std::optional<std::int64_t> vanish_min{};            // its series stop then, with no completion (deleted)
  std::optional<std::int64_t> early_completion_min{};  // a sidecar exits then: a completion time while it runs
};

// Answers the range queries read_cluster makes, at every step of the grid, from the specs: the
// series the exporters would publish every minute from t0.
class FakePrometheus {
 public:
  std::int64_t t0 = 1764547200;  // 2025-12-01T00:00:00Z, a Monday
  std::vector<NodeSpec> nodes;
  std::vector<PodSpec> pods;
  std::vector<std::string> asked;
  std::string fail_on;  // a query that fails, as a Prometheus gone down would
  std::optional<std::int64_t> ksm_down_from_min;  // kube-state-metrics restarting: no pod series from then
  bool dcgm_without_honor_labels = false;          // the holder in exported_pod, the exporter in pod

  QueryRange client() {
    return [this](const std::string& q, std::int64_t start, std::int64_t end, std::int64_t step) -> Result<std::string> {
      auto series = answer(q, start, end, step);
      if (!series) return std::unexpected(series.error());
      return to_json(*series);
    };
  }

  // As Prometheus writes a range query's answer.
  static std::string to_json(const std::vector<Series>& series) {
    std::string out = R"({"status":"success","data":{"resultType":"matrix","result":[)";
    for (std::size_t i = 0; i < series.size(); ++i) {
      out += i ? ",{\"metric\":{" : "{\"metric\":{";
      for (std::size_t l = 0; l < series[i].labels.size(); ++l)
        out += fmt::format("{}\"{}\":\"{}\"", l ? "," : "", series[i].labels[l].first, series[i].labels[l].second);
      out += "},\"values\":[";
      for (std::size_t p = 0; p < series[i].points.size(); ++p)
        out += fmt::format("{}[{},\"{}\"]", p ? "," : "", static_cast<double>(series[i].points[p].t_ms) / 1000,
                           series[i].points[p].value);
      out += "]}";
    }
    return out + "]}}";
  }

 private:
  using Labels = std::vector<std::pair<std::string, std::string>>;
  std::mutex m_mutex;

  Result<std::vector<Series>> answer(const std::string& q, std::int64_t start, std::int64_t end, std::int64_t step) {
    {
      std::lock_guard lock(m_mutex);  // read_cluster asks two queries at a time
      asked.push_back(q);
    }
    if (!fail_on.empty() && q == fail_on) return fail(ErrorCode::unavailable, "Prometheus at fake: connection refused");
    std::map<Labels, Series> out;
    auto add = [&](Labels labels, std::int64_t t, double v) {
      std::sort(labels.begin(), labels.end());
      Series& s = out[labels];
      s.labels = labels;
      s.points.push_back({t * 1000, v});
    };
    for (std::int64_t t = start; t <= end; t += step) {
      for (const NodeSpec& n : nodes) {
        if (q == "kube_node_labels")
          add({{"node", n.name}, {"label_node_kubernetes_io_instance_type", n.type},
               {"label_topology_kubernetes_io_region", n.region},
               {"label_karpenter_sh_capacity_type", n.spot ? "spot" : "on-demand"}},
              t, 1);
        else if (q == "kube_node_info")
          add({{"node", n.name}, {"provider_id", "aws:///us-east-1a/i-0" + n.name}, {"kernel_version", "6.1"}}, t, 1);
        else if (q == "kube_node_status_capacity") {
          add({{"node", n.name}, {"resource", "cpu"}, {"unit", "core"}}, t, n.cpus);
          add({{"node", n.name}, {"resource", "memory"}, {"unit", "byte"}}, t, static_cast<double>(n.memory));
          add({{"node", n.name}, {"resource", "nvidia_com_gpu"}, {"unit", "integer"}}, t, n.gpus);
        }
      }
      for (const PodSpec& p : pods) {
        std::int64_t from = t0 + p.start_min * 60;
        std::optional<std::int64_t> to;
        if (p.end_min) to = t0 + *p.end_min * 60;
        bool exists = t >= from && (!to || t <= *to + 120);  // an ended pod lingers two minutes
        bool running = t >= from && (!to || t < *to);
        if (p.vanish_min && t >= t0 + *p.vanish_min * 60) exists = running = false;
        bool ksm_down = ksm_down_from_min && t >= t0 + *ksm_down_from_min * 60 && !q.starts_with("DCGM");
        if (!exists || ksm_down) continue;
        Labels id = {{"namespace", p.ns}, {"pod", p.name}, {"uid", p.uid}};
        auto with = [&](Labels more) {
          more.insert(more.end(), id.begin(), id.end());
          return more;
        };
        if (q == "kube_pod_info") add(with({{"node", p.node}, {"host_ip", "10.0.0.1"}}), t, 1);
        else if (q == "kube_pod_labels") {
          Labels l;
          for (const auto& [k, v] : p.labels) l.emplace_back("label_" + k, v);
          add(with(l), t, 1);
        } else if (q == "kube_pod_container_resource_requests") {
          // Two containers: the trainer asks for all but a sidecar's quarter-core and 256 MiB.
          add(with({{"container", "trainer"}, {"resource", "cpu"}}), t, static_cast<double>(p.cpu_millis - 250) / 1000);
          add(with({{"container", "sidecar"}, {"resource", "cpu"}}), t, 0.25);
          add(with({{"container", "trainer"}, {"resource", "memory"}}), t, static_cast<double>(p.memory - (256 << 20)));
          add(with({{"container", "sidecar"}, {"resource", "memory"}}), t, static_cast<double>(256 << 20));
          if (p.gpus) add(with({{"container", "trainer"}, {"resource", "nvidia_com_gpu"}}), t, p.gpus);
        } else if (q == "kube_pod_status_phase == 1") {
          add(with({{"phase", running ? "Running" : p.end_phase}}), t, 1);
        } else if (q == "kube_pod_start_time") {
          add(id, t, static_cast<double>(from));
        } else if (q == "kube_pod_completion_time") {
          if (to && t >= *to) add(id, t, static_cast<double>(*to));
          else if (p.early_completion_min && t >= t0 + *p.early_completion_min * 60)
            add(id, t, static_cast<double>(t0 + *p.early_completion_min * 60));
        } else if (q == "kube_pod_container_status_restarts_total") {
          add(with({{"container", "trainer"}}), t, 0);
        } else if (running && (q == "DCGM_FI_DEV_GPU_UTIL{pod!=\"\"}" || q == "DCGM_FI_DEV_FB_USED{pod!=\"\"}")) {
          for (std::size_t g = 0; g < p.gpu_util.size(); ++g) {
            Labels l = {{"Hostname", p.node}, {"gpu", std::to_string(g)}, {"UUID", fmt::format("GPU-{}-{}", p.node, g)}};
            if (dcgm_without_honor_labels)
              l.insert(l.end(), {{"namespace", "gpu-operator"}, {"pod", "dcgm-exporter-x1"}, {"exported_namespace", p.ns},
                                 {"exported_pod", p.name}});
            else
              l.insert(l.end(), {{"namespace", p.ns}, {"pod", p.name}});
            add(l, t, q.starts_with("DCGM_FI_DEV_GPU_UTIL") ? p.gpu_util[g] : (p.gpu_util[g] > 0 ? 30000 : 0));
          }
        }
      }
    }
    std::vector<Series> series;
    for (auto& [labels, s] : out) series.push_back(std::move(s));
    return series;
  }
};

class K8sImport : public ::testing::Test {
 protected:
  void SetUp() override {
    m_store = std::move(*store::open_store(::frugal::testing::database(m_dir)));
    prom.nodes = {{.name = "gpu-a", .type = "p4d.24xlarge"},
                  {.name = "gpu-b", .type = "g5.12xlarge", .spot = true, .cpus = 48, .memory = 192 * k_gib, .gpus = 4}};
  }
  TimePoint at_min(std::int64_t minutes) const {
    return TimePoint(std::chrono::milliseconds((prom.t0 + minutes * 60) * 1000));
  }
  ImportStats import(std::int64_t from_min, std::int64_t to_min) {
    auto cluster = read_cluster(prom.client(), {at_min(from_min), at_min(to_min), 60}, folded_until(*m_store, "lab"));
    EXPECT_TRUE(cluster) << cluster.error().message;
    if (!cluster) return {};
    auto stats = import_cluster(*m_store, *cluster, {.cluster = "lab", .labels = {}});
    EXPECT_TRUE(stats) << stats.error().message;
    return stats ? *stats : ImportStats{};
  }
  std::string one(const std::string& sql) { return frugal::testing::first_cell(*m_store, sql); }
  std::string all(const std::string& sql) { return frugal::testing::all_rows(*m_store, sql); }

  FakePrometheus prom;
  frugal::testing::TestDir m_dir;
  std::unique_ptr<store::Store> m_store;
};

PodSpec llm_job() {
  return {.ns = "research", .name = "llm-master-0", .uid = "u-llm", .node = "gpu-a",
          .labels = {{"training_kubeflow_org_job_name", "llm"}, {"team", "research"}, {"project", "llm"}},
          .gpus = 8, .cpu_millis = 32'000, .memory = 256 * k_gib, .start_min = 0, .end_min = 90,
          .gpu_util = {85, 85, 0, 0, 0, 0, 0, 0}};
}

TEST_F(K8sImport, AnEightGpuJobUsingTwoPaysItsRequestsAndItsSixIdleGpusAreCountedAndCosted) {
  prom.pods = {llm_job()};
  ImportStats s = import(0, 120);
  EXPECT_EQ(s.pods, 1u);
  EXPECT_EQ(s.added, 1u);
  // 8 × $3.107115 + 32 × $0.031611 + 256 × $0.004237 = $26.953144 an hour, for 1.5 hours.
  EXPECT_EQ(all("SELECT name, team, project, status, gpu_count, duration_ms, cost_nanos, hourly_price_nanos, pricing FROM runs"),
            "llm research llm finished 8 5400000 40429716000 26953144000 on_demand");
  EXPECT_EQ(one("SELECT gpu_util_mean FROM runs"), "21.25") << "2 of 8 GPUs at 85%";
  EXPECT_EQ(one("SELECT gpu_util_p95 FROM runs"), "85");
  EXPECT_EQ(one("SELECT gpu_util_peak FROM runs"), "85");
  EXPECT_EQ(one("SELECT idle_gpu_seconds FROM runs"), "32400") << "6 GPUs × 90 minutes";
  // 9 idle GPU-hours at $3.107115.
  EXPECT_EQ(one("SELECT idle_cost_nanos FROM runs"), "27964035000");
  ASSERT_EQ(s.idle.size(), 1u);
  EXPECT_EQ(s.idle[0].run_name, "llm");
  EXPECT_EQ(s.idle[0].idle_gpus, 6);
  EXPECT_EQ(s.idle[0].gpus, 8);
  EXPECT_DOUBLE_EQ(s.idle[0].idle_gpu_hours, 9.0);
  EXPECT_EQ(one("SELECT instance_id || ' ' || instance_type || ' ' || host FROM runs"),
            "i-0gpu-a p4d.24xlarge gpu-a");
}

// A pod of vision's resnet job on the spot node, ending in `phase` (a retry follows a failure).
PodSpec resnet_pod(std::string uid, std::int64_t start_min, std::int64_t end_min, std::string phase) {
  return {.ns = "vision", .name = "resnet-0", .uid = std::move(uid), .node = "gpu-b", .labels = {{"team", "vision"}},
          .gpus = 2, .cpu_millis = 8000, .memory = 32 * k_gib, .start_min = start_min, .end_min = end_min,
          .end_phase = std::move(phase), .gpu_util = {60, 60}};
}

TEST_F(K8sImport, APodRecreatedUnderItsNameIsTheSecondAttemptOfOneJob) {
  prom.pods = {resnet_pod("u-1", 10, 40, "Failed"), resnet_pod("u-2", 45, 100, "Succeeded")};
  EXPECT_EQ(import(0, 120).added, 2u);
  EXPECT_EQ(all("SELECT attempt, status, parent_run_id IS NULL, pricing FROM runs ORDER BY attempt"),
            "1 failed 1 spot;2 finished 0 spot");
  EXPECT_EQ(one("SELECT count(*) FROM runs r JOIN runs p ON r.parent_run_id = p.id WHERE p.attempt = 1 AND r.attempt = 2"), "1");
  EXPECT_EQ(all("SELECT uid, phase FROM k8s_pods ORDER BY uid"), "u-1 Failed;u-2 Succeeded");
}

// An earlier window imported after a later one (a backfill) finds an attempt that came before one
// already recorded: it is attempt 1, and the recorded one becomes attempt 2 and its retry.
TEST_F(K8sImport, ABackfilledEarlierAttemptComesFirstAndTheRecordedOneBecomesItsRetry) {
  // Two failures (a pod after a success would continue the job, not retry it), then a success.
  prom.pods = {resnet_pod("u-1", 10, 40, "Failed"), resnet_pod("u-2", 45, 100, "Failed")};
  EXPECT_EQ(import(44, 120).added, 1u);  // u-1 ended at 40 and was gone by 42: only u-2 is seen
  EXPECT_EQ(all("SELECT attempt, status FROM runs"), "1 failed");
  ImportStats backfill = import(0, 44);
  EXPECT_EQ(backfill.added, 1u);
  EXPECT_EQ(backfill.renumbered, 1u);
  EXPECT_EQ(all("SELECT r.attempt, r.status, coalesce(p.attempt, 0) FROM runs r LEFT JOIN runs p ON p.id = r.parent_run_id "
                "ORDER BY r.started_at"),
            "1 failed 0;2 failed 1");
  EXPECT_EQ(all("SELECT k.uid, r.attempt FROM k8s_pods k JOIN runs r ON r.id = k.run_id ORDER BY k.uid"), "u-1 1;u-2 2");
  // Importing either window again changes nothing; a later retry follows on as attempt 3.
  for (auto [from, to] : {std::pair{0, 44}, std::pair{44, 120}}) {
    ImportStats again = import(from, to);
    EXPECT_EQ(again.added + again.renumbered, 0u) << from << "-" << to;
  }
  EXPECT_EQ(all("SELECT k.uid, r.attempt FROM k8s_pods k JOIN runs r ON r.id = k.run_id ORDER BY k.uid"), "u-1 1;u-2 2");
  prom.pods.push_back(resnet_pod("u-3", 130, 150, "Succeeded"));
  EXPECT_EQ(import(120, 180).added, 1u);
  EXPECT_EQ(all("SELECT r.attempt, r.status, coalesce(p.attempt, 0) FROM runs r LEFT JOIN runs p ON p.id = r.parent_run_id "
                "ORDER BY r.started_at"),
            "1 failed 0;2 failed 1;3 finished 2");
}

TEST_F(K8sImport, PodsOfOneRayClusterAreOneRunHoldingTheirGpus) {
  PodSpec head{.ns = "research", .name = "rl-head", .uid = "u-h", .node = "gpu-b", .labels = {{"ray_io_cluster", "rl"}},
               .gpus = 1, .cpu_millis = 4000, .memory = 16 * k_gib, .start_min = 60, .end_min = 110, .gpu_util = {30}};
  PodSpec worker = head;
  worker.name = "rl-worker";
  worker.uid = "u-w";
  prom.pods = {head, worker};
  EXPECT_EQ(import(0, 120).added, 1u);
  EXPECT_EQ(all("SELECT name, team, gpu_count, status FROM runs"), "rl research 2 finished")
      << "no team label: the namespace is the team";
  EXPECT_EQ(one("SELECT count(DISTINCT run_id) FROM k8s_pods"), "1");
}

TEST_F(K8sImport, ImportingTheSameWindowAgainChangesNothing) {
  prom.pods = {llm_job()};
  import(0, 120);
  std::string before = all("SELECT * FROM runs") + all("SELECT * FROM run_rollups") + all("SELECT * FROM k8s_pods");
  ImportStats again = import(0, 120);
  EXPECT_EQ(again.added, 0u);
  EXPECT_EQ(again.unchanged, 1u);
  EXPECT_EQ(all("SELECT * FROM runs") + all("SELECT * FROM run_rollups") + all("SELECT * FROM k8s_pods"), before);
}

TEST_F(K8sImport, AJobRunningAtOneImportIsUpdatedWhenItEndsWithItsReadingsCountedOnce) {
  prom.pods = {llm_job()};
  ImportStats first = import(0, 60);  // it runs: 60 readings of each GPU so far
  EXPECT_EQ(first.added, 1u);
  EXPECT_EQ(one("SELECT status FROM runs"), "running");
  EXPECT_EQ(one("SELECT gpu_readings FROM k8s_pods"), "488") << "61 steps (0 to 60 minutes, both ends) × 8 GPUs";
  ImportStats second = import(30, 120);  // overlaps the first window by half an hour
  EXPECT_EQ(second.added, 0u);
  EXPECT_EQ(second.updated, 1u);
  EXPECT_EQ(one("SELECT count(*) FROM runs"), "1");
  EXPECT_EQ(one("SELECT gpu_readings FROM k8s_pods"), "720") << "90 minutes × 8 GPUs, none twice";
  EXPECT_EQ(all("SELECT status, duration_ms, cost_nanos, idle_gpu_seconds FROM runs"), "finished 5400000 40429716000 32400");
  EXPECT_EQ(one("SELECT sum(runs) || ' ' || sum(cost_nanos) FROM run_rollups WHERE dimension = 'team'"), "1 40429716000");
}

TEST_F(K8sImport, AClusterReadWithoutTheStoresFoldedReadingsNeverCountsOneTwice) {
  prom.pods = {llm_job()};
  import(0, 60);
  auto overlapping = read_cluster(prom.client(), {at_min(30), at_min(120), 60});  // no FoldedUntil
  ASSERT_TRUE(overlapping) << overlapping.error().message;
  EXPECT_FALSE(overlapping->read_after_folded);
  auto stats = import_cluster(*m_store, *overlapping, {.cluster = "lab", .labels = {}});
  ASSERT_TRUE(stats) << stats.error().message;
  EXPECT_EQ(one("SELECT status FROM runs"), "finished");
  EXPECT_EQ(one("SELECT gpu_readings FROM k8s_pods"), "488") << "the use stored before, none of it twice";
}

TEST_F(K8sImport, PoolHoursCountTheNodesTheRequestsNeededAndWhatAutoscalingWouldSave) {
  prom.pods = {llm_job()};  // on gpu-a (on demand) for the first 90 minutes; gpu-b (spot) runs nothing
  ImportStats s = import(0, 180);
  EXPECT_EQ(s.pool_hours, 6u) << "3 whole hours × 2 pools";
  EXPECT_EQ(all("SELECT instance_type, spot, node_seconds, nodes_max, nodes_needed FROM k8s_pool_hours "
                "ORDER BY instance_type, hour"),
            "g5.12xlarge 1 3600 1 0;g5.12xlarge 1 3600 1 0;g5.12xlarge 1 3600 1 0;"
            "p4d.24xlarge 0 3600 1 1;p4d.24xlarge 0 3600 1 1;p4d.24xlarge 0 3600 1 0");
  auto usage = pool_usage(*m_store, at_min(0), at_min(180));
  ASSERT_TRUE(usage) << usage.error().message;
  ASSERT_EQ(usage->size(), 2u);
  const PoolUsage& on_demand = usage->front();  // the larger saving first
  const PoolUsage& spot = usage->back();
  EXPECT_EQ(spot.instance_type, "g5.12xlarge");
  ASSERT_TRUE(spot.autoscale_saving);
  EXPECT_EQ(spot.autoscale_saving->to_string(), "5.1048") << "3 spare hours × $1.7016 spot";
  EXPECT_EQ(on_demand.autoscale_saving->to_string(), "32.7726") << "the third hour needed no node";
  EXPECT_EQ(on_demand.held_cost->to_string(), "40.429716");
  EXPECT_EQ(on_demand.idle_cost->to_string(), "57.888084") << "3 × $32.7726 less what the job's requests cost";
  // 2025-12-01 is a Monday: hours 0 and 1 of the week the pool was needed; hour 2 not.
  EXPECT_EQ(on_demand.idle_hours_of_week, (std::vector<int>{2}));
}

TEST_F(K8sImport, AWindowStartingMidSecondStillCountsEveryNodeUp) {
  prom.pods = {llm_job()};
  auto cluster = read_cluster(prom.client(), {at_min(0) + std::chrono::milliseconds(123), at_min(120), 60},
                              folded_until(*m_store, "lab"));
  ASSERT_TRUE(cluster) << cluster.error().message;
  auto stats = import_cluster(*m_store, *cluster, {.cluster = "lab", .labels = {}});
  ASSERT_TRUE(stats) << stats.error().message;
  EXPECT_EQ(all("SELECT DISTINCT node_seconds FROM k8s_pool_hours"), "3600") << "a grid of whole seconds, as the queries ask";
}

TEST_F(K8sImport, ASidecarsCompletionTimeDoesNotEndARunningPod) {
  PodSpec job = llm_job();
  job.early_completion_min = 20;  // kube-state-metrics writes it when any container terminates
  prom.pods = {job};
  import(0, 120);
  EXPECT_EQ(all("SELECT status, duration_ms FROM runs"), "finished 5400000");
  EXPECT_EQ(one("SELECT gpu_readings FROM k8s_pods"), "720") << "90 minutes of 8 GPUs, not 20";
}

TEST_F(K8sImport, PodsThatVanishWhileKubeStateMetricsRestartsStillRun) {
  PodSpec job = llm_job();
  job.end_min.reset();  // runs on
  PodSpec other = job;
  other.uid = "u-other";
  other.name = "other-0";
  other.labels = {{"team", "research"}};
  other.start_min = 10;
  prom.pods = {job, other};
  prom.ksm_down_from_min = 57;  // no pod shows for the last minutes of the window
  import(0, 60);
  EXPECT_EQ(all("SELECT DISTINCT status FROM runs"), "running") << "none vanished: kube-state-metrics did";
}

TEST_F(K8sImport, DcgmScrapedWithoutHonorLabelsChargesTheHolderNotTheExporter) {
  prom.dcgm_without_honor_labels = true;
  prom.pods = {llm_job(), {.ns = "gpu-operator", .name = "dcgm-exporter-x1", .uid = "u-dcgm", .node = "gpu-a", .start_min = 0}};
  import(0, 120);
  EXPECT_EQ(one("SELECT gpu_util_mean FROM runs WHERE name = 'llm'"), "21.25");
  EXPECT_EQ(one("SELECT coalesce(gpu_util_mean, -1) FROM runs WHERE name = 'dcgm-exporter-x1'"), "-1");
}

TEST_F(K8sImport, AJobsNextCompletionAfterASuccessIsTheSameRunNotARetry) {
  PodSpec first{.ns = "nlp", .name = "shard-a", .uid = "u-a", .node = "gpu-b", .labels = {{"job_name", "shards"}},
                .gpus = 1, .cpu_millis = 4000, .memory = 16 * k_gib, .start_min = 0, .end_min = 30, .gpu_util = {50}};
  PodSpec second = first;
  second.name = "shard-b";
  second.uid = "u-b";
  second.start_min = 35;
  second.end_min = 60;
  prom.pods = {first, second};
  EXPECT_EQ(import(0, 120).added, 1u);
  EXPECT_EQ(all("SELECT name, attempt, status, duration_ms FROM runs"), "shards 1 finished 3600000");
}

TEST_F(K8sImport, APodGoneWhileNoImportLookedEndsWhenLastSeen) {
  PodSpec job = llm_job();
  job.end_min.reset();
  job.vanish_min = 70;  // deleted, no completion time, between the two imports
  prom.pods = {job};
  import(0, 60);
  EXPECT_EQ(one("SELECT status FROM runs"), "running");
  ImportStats later = import(120, 180);
  EXPECT_EQ(later.updated, 1u);
  EXPECT_EQ(all("SELECT status, ended_at FROM runs"), "lost " + format_utc(at_min(60)))
      << "the last the store saw of it";
}

TEST_F(K8sImport, AFailingQueryImportsNothingAndNamesTheQuery) {
  prom.pods = {llm_job()};
  prom.fail_on = "kube_pod_labels";
  auto cluster = read_cluster(prom.client(), {at_min(0), at_min(120), 60});
  ASSERT_FALSE(cluster);
  EXPECT_NE(cluster.error().message.find("connection refused (query kube_pod_labels)"), std::string::npos)
      << cluster.error().message;
  EXPECT_EQ(one("SELECT count(*) FROM runs"), "0");
}

TEST_F(K8sImport, APodOnANodeTheCatalogDoesNotKnowIsRecordedWithoutACost) {
  prom.nodes[0].type = "x9.unknown";
  prom.pods = {llm_job()};
  ImportStats s = import(0, 120);
  EXPECT_EQ(s.unpriced_pods, 1u);
  EXPECT_EQ(one("SELECT coalesce(cost_nanos, -1) FROM runs"), "-1");
  EXPECT_EQ(one("SELECT idle_gpu_seconds FROM runs"), "32400") << "its GPU use is still known";
}

TEST_F(K8sImport, AQueryLongerThanPrometheusTakesIsAskedInChunksWithNoPointTwice) {
  prom.pods = {llm_job()};
  std::int64_t hours = 24;
  auto cluster = read_cluster(prom.client(), {at_min(0), at_min(hours * 60), 30});
  ASSERT_TRUE(cluster) << cluster.error().message;
  std::size_t node_queries = static_cast<std::size_t>(std::count(prom.asked.begin(), prom.asked.end(), "kube_node_labels"));
  EXPECT_EQ(node_queries, 5u) << "six hours a query, and the window's last step";
  ASSERT_EQ(cluster->nodes.size(), 2u);
  EXPECT_EQ(cluster->nodes[0].up_ms.size(), static_cast<std::size_t>(hours * 120 + 1));
}

}  // namespace
}  // namespace frugal::k8s
