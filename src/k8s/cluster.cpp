// A cluster over a window, from the series kube-state-metrics, the DCGM exporter and cAdvisor publish.
#include <algorithm>
#include <cmath>
#include <future>
#include <limits>
#include <mutex>
#include <unordered_map>

#include <fmt/format.h>

#include "core/run_cost.h"
#include "k8s/k8s.h"

namespace frugal::k8s {
namespace {

// Prometheus refuses a range query of more than 11,000 points a series; six hours at 30 s (720
// points) keeps each answer a few tens of MB even for hundreds of GPUs.
constexpr std::int64_t k_chunk_seconds = std::int64_t{6} * 3600;
constexpr std::int64_t k_max_points = 11000;

std::string series_key(const Series& s) {
  std::string key;
  for (const auto& [name, value] : s.labels) {
    key += name;
    key += '\x1f';
    key += value;
    key += '\x1e';
  }
  return key;
}

// Runs `each` on every series of every chunk's answer of the query over the whole window, chunk
// after chunk in time order.
Result<void> for_each_series(const QueryRange& query, const std::string& promql, const Window& w,
                             const std::function<void(Series&)>& each) {
  std::int64_t start = std::chrono::duration_cast<std::chrono::seconds>(w.since.time_since_epoch()).count();
  std::int64_t end = std::chrono::duration_cast<std::chrono::seconds>(w.until.time_since_epoch()).count();
  std::int64_t chunk = std::max(w.step_s, std::min(k_chunk_seconds / w.step_s, k_max_points - 1) * w.step_s);
  for (std::int64_t from = start; from <= end; from += chunk) {
    std::int64_t to = std::min(end, from + chunk - w.step_s);
    auto body = query(promql, from, to, w.step_s);
    if (!body) return fail(body.error().code, fmt::format("{} (query {})", body.error().message, promql));
    FRUGAL_CHECK(read_matrix(*body, fmt::format("query {}", promql), each));
  }
  return {};
}

// Which points of a series the window's answer keeps: all of them (in time order), or its last.
enum class Keep { all_points, last_point };

// The query over the whole window, each series' points joined across chunks, with only the labels
// `wanted` (exporters add a dozen; a week of pods is 75,000 series). Most answers need only each
// series' last point: keeping a week of every pod's points held 900 MB.
Result<std::vector<Series>> query_window(const QueryRange& query, const std::string& promql, const Window& w, Keep keep,
                                         const std::function<bool(std::string_view)>& wanted) {
  std::vector<Series> out;
  std::unordered_map<std::string, std::size_t> index;
  FRUGAL_CHECK(for_each_series(query, promql, w, [&](Series& s) {
    if (s.points.empty()) return;
    std::erase_if(s.labels, [&](const auto& l) { return !wanted(l.first); });
    auto [it, added] = index.try_emplace(series_key(s), out.size());
    if (added) {
      out.push_back({s.labels, {}});
      out.back().points.assign(keep == Keep::last_point ? s.points.end() - 1 : s.points.begin(), s.points.end());
    } else if (keep == Keep::last_point) {
      out[it->second].points.back() = s.points.back();
    } else {
      auto& points = out[it->second].points;
      points.insert(points.end(), s.points.begin(), s.points.end());
    }
  }));
  return out;
}

// Runs the jobs two at a time: while Prometheus answers one query, the other's answer is parsed.
template <typename Job>
Result<void> two_at_a_time(std::vector<Job>& jobs) {
  std::vector<Result<void>> results(jobs.size());
  std::size_t next = 0;
  std::mutex m;
  auto worker = [&] {
    for (;;) {
      std::size_t i;
      {
        std::lock_guard lock(m);
        if (next == jobs.size()) return;
        i = next++;
      }
      results[i] = jobs[i]();
    }
  };
  auto other = std::async(std::launch::async, worker);
  worker();
  other.get();
  for (auto& r : results) FRUGAL_CHECK(r);
  return {};
}

double last_value(const Series& s) { return s.points.empty() ? 0 : s.points.back().value; }

// A sample as a whole number of `scale` units, within [0, max]: none for NaN, ±Inf and values no
// exporter publishes (a negative request, a start time past the year 5138).
std::optional<std::int64_t> whole(double v, double scale, std::int64_t max) {
  double scaled = v * scale;
  if (!std::isfinite(scaled) || scaled < 0 || scaled > static_cast<double>(max)) return std::nullopt;
  return std::llround(scaled);
}
constexpr std::int64_t k_max_ms = 100'000'000'000'000;       // unix milliseconds up to the year 5138
// Bounds far above any node, which keep a pod's cost over centuries inside Money::scaled's range.
constexpr std::int64_t k_max_cpu_millis = 1'000'000;          // a thousand cores
constexpr std::int64_t k_max_bytes = 1LL << 44;               // 16 TiB
constexpr std::int64_t k_max_gpus = 4096;
std::optional<TimePoint> instant(double seconds) {
  auto ms = whole(seconds, 1000, k_max_ms);
  if (!ms || *ms == 0) return std::nullopt;
  return TimePoint(std::chrono::milliseconds(*ms));
}

// Which capacity-type label says spot: EKS managed node groups (SPOT), Karpenter (spot), GKE
// (cloud.google.com/gke-spot or gke-preemptible "true"), AKS (kubernetes.azure.com/scalesetpriority spot).
bool node_is_spot(const Series& s) {
  auto lower = [](std::string v) {
    std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return v;
  };
  return lower(s.label("label_eks_amazonaws_com_capacity_type")) == "spot" ||
         lower(s.label("label_karpenter_sh_capacity_type")) == "spot" ||
         s.label("label_cloud_google_com_gke_spot") == "true" ||
         s.label("label_cloud_google_com_gke_preemptible") == "true" ||
         lower(s.label("label_kubernetes_azure_com_scalesetpriority")) == "spot";
}

// kube_node_info's provider_id: aws:///us-east-1a/i-0abc, gce://project/zone/name,
// azure:///subscriptions/.../virtualMachines/name.
void read_provider_id(const std::string& id, Node& node) {
  auto scheme = id.find("://");
  if (scheme == std::string::npos) return;
  std::string provider = id.substr(0, scheme);
  node.provider = provider == "gce" ? "gcp" : provider;
  std::string rest = id.substr(scheme + 3);
  if (node.provider == "azure") node.instance_id = rest;  // the VM's resource id
  else node.instance_id = rest.substr(rest.rfind('/') + 1);
}

const std::string& first_label(const Series& s, std::initializer_list<std::string_view> names) {
  for (auto n : names)
    if (const std::string& v = s.label(n); !v.empty()) return v;
  return s.label("");
}

std::int64_t to_ms(TimePoint t) { return t.time_since_epoch().count(); }

// The answers of the queries about nodes and pods, asked two at a time.
struct Answers {
  std::vector<Series> node_labels, node_info, node_capacity, pod_info, pod_labels, requests, phases, starts, completions,
      restarts;
};

Result<Answers> ask_nodes_and_pods(const QueryRange& query, const Window& w) {
  Answers a;
  using Names = std::initializer_list<std::string_view>;
  auto only = [](Names names) {
    return [set = std::vector<std::string_view>(names)](std::string_view l) {
      return std::find(set.begin(), set.end(), l) != set.end();
    };
  };
  auto with_pod_labels = [](std::string_view l) { return l == "uid" || l.starts_with("label_"); };
  struct Asked {
    std::string promql;
    std::vector<Series>* into;
    Keep keep;
    std::function<bool(std::string_view)> wanted;
  };
  // kube_node_labels keeps every point: the steps each node was up at.
  std::vector<Asked> asked = {
      {"kube_node_labels", &a.node_labels, Keep::all_points,
       [](std::string_view l) { return l == "node" || l.starts_with("label_"); }},
      {"kube_node_info", &a.node_info, Keep::last_point, only({"node", "provider_id"})},
      {"kube_node_status_capacity", &a.node_capacity, Keep::last_point, only({"node", "resource"})},
      {"kube_pod_info", &a.pod_info, Keep::last_point, only({"uid", "namespace", "pod", "node"})},
      {"kube_pod_labels", &a.pod_labels, Keep::last_point, with_pod_labels},
      {"kube_pod_container_resource_requests", &a.requests, Keep::last_point, only({"uid", "container", "resource"})},
      {"kube_pod_status_phase == 1", &a.phases, Keep::last_point, only({"uid", "phase"})},
      {"kube_pod_start_time", &a.starts, Keep::last_point, only({"uid"})},
      {"kube_pod_completion_time", &a.completions, Keep::last_point, only({"uid"})},
      {"kube_pod_container_status_restarts_total", &a.restarts, Keep::last_point, only({"uid", "container"})}};
  std::vector<std::function<Result<void>()>> jobs;
  for (const Asked& q : asked)
    jobs.emplace_back([&query, &w, &q]() -> Result<void> {
      *q.into = FRUGAL_TRY(query_window(query, q.promql, w, q.keep, q.wanted));
      return {};
    });
  FRUGAL_CHECK(two_at_a_time(jobs));
  return a;
}

}  // namespace

Result<Cluster> read_cluster(const QueryRange& query, const Window& window, const FoldedUntil& folded) {
  if (window.step_s <= 0) return fail(ErrorCode::invalid, "the step must be at least one second");
  if (window.until <= window.since)
    return fail(ErrorCode::invalid, fmt::format("the window ends ({}) before it starts ({})", format_utc(window.until),
                                                format_utc(window.since)));
  Cluster c;
  // Whole seconds, as the queries ask: the grid of steps the answers come on starts there.
  c.window = window;
  c.window.since = std::chrono::floor<std::chrono::seconds>(window.since);
  c.window.until = std::chrono::floor<std::chrono::seconds>(window.until);
  const std::int64_t step_ms = window.step_s * 1000;
  Answers a = FRUGAL_TRY(ask_nodes_and_pods(query, c.window));

  // Nodes: labels and the steps each was up at (a raw series has a point at a step while it is
  // up; Prometheus ends it with a staleness marker when the node goes), capacity, provider id.
  std::map<std::string, std::size_t> node_at;
  for (const Series& s : a.node_labels) {
    const std::string& name = s.label("node");
    if (name.empty()) continue;
    auto [it, added] = node_at.try_emplace(name, c.nodes.size());
    if (added) c.nodes.push_back({.name = name});
    Node& n = c.nodes[it->second];
    n.instance_type = first_label(s, {"label_node_kubernetes_io_instance_type", "label_beta_kubernetes_io_instance_type"});
    n.region = first_label(s, {"label_topology_kubernetes_io_region", "label_failure_domain_beta_kubernetes_io_region"});
    n.zone = first_label(s, {"label_topology_kubernetes_io_zone", "label_failure_domain_beta_kubernetes_io_zone"});
    n.spot = node_is_spot(s);
    // A node's labels may change (a GPU operator adds its own): several series, each in time order.
    for (const Point& p : s.points) n.up_ms.push_back(p.t_ms);
  }
  for (Node& n : c.nodes) {
    std::sort(n.up_ms.begin(), n.up_ms.end());
    n.up_ms.erase(std::unique(n.up_ms.begin(), n.up_ms.end()), n.up_ms.end());
  }
  for (const Series& s : a.node_info)
    if (auto it = node_at.find(s.label("node")); it != node_at.end() && !s.label("provider_id").empty())
      read_provider_id(s.label("provider_id"), c.nodes[it->second]);
  for (const Series& s : a.node_capacity) {
    auto it = node_at.find(s.label("node"));
    if (it == node_at.end()) continue;
    Node& n = c.nodes[it->second];
    const std::string& resource = s.label("resource");
    double v = last_value(s);
    if (resource == "cpu") n.cpu_millis = whole(v, 1000, k_max_cpu_millis).value_or(0);
    else if (resource == "memory") n.memory_bytes = whole(v, 1, k_max_bytes).value_or(0);
    else if (resource == "nvidia_com_gpu") n.gpus = static_cast<int>(whole(v, 1, k_max_gpus).value_or(0));
  }

  // Pods: their node, and the last step each was seen at.
  std::map<std::string, std::size_t> pod_at;  // by uid
  std::vector<std::int64_t> last_seen;
  for (const Series& s : a.pod_info) {
    const std::string& uid = s.label("uid");
    if (uid.empty() || s.points.empty()) continue;
    auto [it, added] = pod_at.try_emplace(uid, c.pods.size());
    if (added) {
      c.pods.push_back({.namespace_ = s.label("namespace"), .name = s.label("pod"), .uid = uid});
      last_seen.push_back(0);
    }
    Pod& p = c.pods[it->second];
    if (!s.label("node").empty()) p.node = s.label("node");
    last_seen[it->second] = std::max(last_seen[it->second], s.points.back().t_ms);
  }
  auto pod_of = [&](const Series& s) -> Pod* {
    auto it = pod_at.find(s.label("uid"));
    return it == pod_at.end() ? nullptr : &c.pods[it->second];
  };
  for (const Series& s : a.pod_labels)
    if (Pod* p = pod_of(s))
      for (const auto& [name, value] : s.labels)
        if (name.starts_with("label_") && !value.empty()) p->labels[name.substr(6)] = value;
  // Requests: a series per container; the pod's are their sum.
  for (const Series& s : a.requests)
    if (Pod* p = pod_of(s)) {
      double v = last_value(s);
      const std::string& resource = s.label("resource");
      if (resource == "cpu") p->cpu_millis = std::min(k_max_cpu_millis, p->cpu_millis + whole(v, 1000, k_max_cpu_millis).value_or(0));
      else if (resource == "memory") p->memory_bytes = std::min(k_max_bytes, p->memory_bytes + whole(v, 1, k_max_bytes).value_or(0));
      else if (resource == "nvidia_com_gpu")
        p->gpus = static_cast<int>(std::min<std::int64_t>(k_max_gpus, p->gpus + whole(v, 1, k_max_gpus).value_or(0)));
    }
  std::vector<std::int64_t> phase_at(c.pods.size(), std::numeric_limits<std::int64_t>::min());
  for (const Series& s : a.phases)
    if (Pod* p = pod_of(s); p && !s.points.empty()) {
      auto i = static_cast<std::size_t>(p - c.pods.data());
      if (s.points.back().t_ms > phase_at[i]) {
        phase_at[i] = s.points.back().t_ms;
        p->phase = s.label("phase");
      }
    }
  std::vector<bool> has_start(c.pods.size(), false);
  for (const Series& s : a.starts)
    if (Pod* p = pod_of(s); p && !s.points.empty())
      if (auto started = instant(last_value(s))) {
        p->started = *started;
        has_start[static_cast<std::size_t>(p - c.pods.data())] = true;
      }
  // kube-state-metrics writes a completion time as soon as any container has terminated (a sidecar
  // that exits, a crash before its restart): it ends the pod only once the pod's phase says so.
  std::vector<std::optional<TimePoint>> completed(c.pods.size());
  for (const Series& s : a.completions)
    if (Pod* p = pod_of(s); p && !s.points.empty())
      completed[static_cast<std::size_t>(p - c.pods.data())] = instant(last_value(s));
  for (const Series& s : a.restarts)
    if (Pod* p = pod_of(s)) p->restarts = std::min<std::int64_t>(1'000'000'000, p->restarts + whole(last_value(s), 1, 1'000'000'000).value_or(0));

  // A pod that never started (still Pending, or gone before it ran) is no run. One that vanished
  // without a completion time (deleted, its node lost) ended when it was last seen.
  // Gone is judged against the newest sight of any pod, not the window's end: while
  // kube-state-metrics restarts no pod shows, and none of them has ended for that.
  const std::int64_t newest_ms = last_seen.empty() ? 0 : *std::max_element(last_seen.begin(), last_seen.end());
  std::vector<Pod> started;
  for (std::size_t i = 0; i < c.pods.size(); ++i) {
    Pod& p = c.pods[i];
    if (!has_start[i]) continue;
    p.last_seen = TimePoint(std::chrono::milliseconds(last_seen[i]));
    if (completed[i] && (p.phase == "Succeeded" || p.phase == "Failed")) p.ended = completed[i];
    if (!p.ended && last_seen[i] < newest_ms - std::max<std::int64_t>(2 * step_ms, 60'000)) {
      p.ended = TimePoint(std::chrono::milliseconds(last_seen[i]));
      if (p.phase == "Running" || p.phase == "Pending" || p.phase.empty()) p.phase = "Unknown";
    }
    if (p.ended && *p.ended < p.started) p.ended = p.started;
    started.push_back(std::move(p));
  }
  c.pods = std::move(started);

  // GPU use: DCGM labels a GPU with the pod holding it; a pod name reused (a pod recreated under
  // its name) is told apart by time, and a reading outside the pod's life (Prometheus repeats a
  // series' last sample for a while when it ends without a staleness marker) is no pod's.
  std::map<std::string, std::int64_t> folded_ms;
  if (folded) {
    folded_ms = FRUGAL_TRY(folded(c.pods));
    c.read_after_folded = true;
    c.folded_at_read = folded_ms;
  }
  std::map<std::pair<std::string, std::string>, std::vector<std::size_t>> by_name;
  for (std::size_t i = 0; i < c.pods.size(); ++i) by_name[{c.pods[i].namespace_, c.pods[i].name}].push_back(i);
  // The pods a series' namespace and pod labels name (several when the name was reused), and of
  // them the one running at a reading's time.
  static const std::vector<std::size_t> k_no_pods;
  // Scraped without honor_labels, DCGM's own pod and namespace labels are the exporter's, and the
  // pod holding the GPU is in exported_pod and exported_namespace.
  auto named = [&](const Series& s) -> const std::vector<std::size_t>& {
    bool exported = !s.label("exported_pod").empty();
    auto it = by_name.find({s.label(exported ? "exported_namespace" : "namespace"), s.label(exported ? "exported_pod" : "pod")});
    return it == by_name.end() ? k_no_pods : it->second;
  };
  auto holder = [&](const std::vector<std::size_t>& pods, std::int64_t t_ms) -> std::optional<std::size_t> {
    for (std::size_t i : pods) {
      const Pod& p = c.pods[i];
      if (p.gpus == 0) continue;  // asked for no GPU: not the one holding it
      if (to_ms(p.started) <= t_ms && (!p.ended || t_ms < to_ms(*p.ended))) return i;
    }
    return std::nullopt;
  };
  auto uuid_of = [](const Series& s) {
    return s.label("UUID").empty() ? s.label("Hostname") + "/" + s.label("gpu") : s.label("UUID");
  };
  // Each query sums into its own map (pod, GPU) → use; the two are joined after.
  using Uses = std::map<std::pair<std::size_t, std::string>, GpuUse>;
  Uses util, memory;
  std::vector<std::function<Result<void>()>> jobs;
  jobs.emplace_back([&]() -> Result<void> {
    return for_each_series(query, "DCGM_FI_DEV_GPU_UTIL{pod!=\"\"}", window, [&](const Series& s) {
      const auto& pods = named(s);
      if (pods.empty()) return;
      std::string uuid = uuid_of(s);
      std::optional<std::size_t> last_pod;
      GpuUse* use = nullptr;  // the last pod's: a series' readings are mostly one pod's
      for (const Point& pt : s.points) {
        if (!std::isfinite(pt.value)) continue;  // not measured
        auto i = holder(pods, pt.t_ms);
        if (!i) continue;
        if (i != last_pod) {
          use = &util[{*i, uuid}];
          last_pod = i;
        }
        GpuUse& g = *use;
        double v = std::clamp(pt.value, 0.0, 100.0);  // DCGM's utilisation is a percentage
        bool idle = v < k_idle_gpu_util_pct;
        ++g.seen;
        g.seen_idle += idle;
        auto f = folded_ms.find(c.pods[*i].uid);
        if (f != folded_ms.end() && pt.t_ms <= f->second) continue;  // an earlier import folded it in
        ++g.readings;
        g.util_sum += v;
        g.util_peak = std::max(g.util_peak.value_or(v), v);
        ++g.histogram[static_cast<std::size_t>(std::lround(v))];
        g.idle_readings += idle;
        g.last_ms = std::max(g.last_ms, pt.t_ms);
      }
    });
  });
  jobs.emplace_back([&]() -> Result<void> {
    return for_each_series(query, "DCGM_FI_DEV_FB_USED{pod!=\"\"}", window, [&](const Series& s) {
      const auto& pods = named(s);
      if (pods.empty()) return;
      std::string uuid = uuid_of(s);
      for (const Point& pt : s.points)
        if (auto i = holder(pods, pt.t_ms)) {
          GpuUse& g = memory[{*i, uuid}];
          g.mem_peak_bytes = std::max(g.mem_peak_bytes, whole(pt.value, 1048576.0, k_max_bytes).value_or(0));  // MiB
        }
    });
  });
  FRUGAL_CHECK(two_at_a_time(jobs));
  for (auto& [key, g] : memory) util[key].mem_peak_bytes = g.mem_peak_bytes;
  for (auto& [key, g] : util) {
    g.uuid = key.second;
    c.pods[key.first].gpu_use.push_back(std::move(g));
  }
  return c;
}

FoldedUntil folded_until(store::Store& store, const std::string& name) {
  return [&store, name](const std::vector<Pod>& pods) -> Result<std::map<std::string, std::int64_t>> {
    std::map<std::string, std::int64_t> out;
    constexpr std::size_t k_batch = 500;
    for (std::size_t from = 0; from < pods.size(); from += k_batch) {
      std::size_t to = std::min(pods.size(), from + k_batch);
      std::string sql = "SELECT uid, usage_until FROM k8s_pods WHERE cluster = ? AND usage_until IS NOT NULL AND uid IN (";
      std::vector<store::Value> params = {name};
      for (std::size_t i = from; i < to; ++i) {
        sql += i == from ? "?" : ", ?";
        params.emplace_back(pods[i].uid);
      }
      auto rows = FRUGAL_TRY(store.query(sql + ")", params));
      for (const auto& r : rows.rows)
        out[store::as_text(r[0])] = FRUGAL_TRY(parse_utc(store::as_text(r[1]))).time_since_epoch().count();
    }
    return out;
  };
}

}  // namespace frugal::k8s
