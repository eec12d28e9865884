// A cluster over a window, from the series kube-state-metrics, the DCGM exporter and cAdvisor publish.
#include <algorithm>
#include <cmath>
#include <limits>
#include <unordered_map>

#include <fmt/format.h>

#include "k8s/k8s.h"

namespace frugal::k8s {
namespace {

// Prometheus refuses a range query of more than 11,000 points a series; six hours at 30 s (720
// points) keeps each answer a few MB even for hundreds of GPUs.
constexpr std::int64_t k_chunk_seconds = 6 * 3600;
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

// The query over the whole window in chunks, each series' points joined in time order.
Result<std::vector<Series>> query_window(const QueryRange& query, const std::string& promql, const Window& w) {
  std::int64_t start = std::chrono::duration_cast<std::chrono::seconds>(w.since.time_since_epoch()).count();
  std::int64_t end = std::chrono::duration_cast<std::chrono::seconds>(w.until.time_since_epoch()).count();
  std::int64_t chunk = std::max(w.step_s, std::min(k_chunk_seconds / w.step_s, k_max_points - 1) * w.step_s);
  std::vector<Series> out;
  std::unordered_map<std::string, std::size_t> index;
  for (std::int64_t from = start; from <= end; from += chunk) {
    std::int64_t to = std::min(end, from + chunk - w.step_s);
    auto part = query(promql, from, to, w.step_s);
    if (!part) return fail(part.error().code, fmt::format("{} (query {})", part.error().message, promql));
    for (Series& s : *part) {
      auto [it, added] = index.try_emplace(series_key(s), out.size());
      if (added) out.push_back(std::move(s));
      else {
        auto& points = out[it->second].points;
        points.insert(points.end(), s.points.begin(), s.points.end());
      }
    }
  }
  return out;
}

std::int64_t to_ms(TimePoint t) { return t.time_since_epoch().count(); }
double last_value(const Series& s) { return s.points.empty() ? 0 : s.points.back().value; }

// A sample as a whole number of `scale` units, within [0, max]: none for NaN, ±Inf and values no
// exporter publishes (a negative request, a start time past the year 5138).
std::optional<std::int64_t> whole(double v, double scale, std::int64_t max) {
  double scaled = v * scale;
  if (!std::isfinite(scaled) || scaled < 0 || scaled > static_cast<double>(max)) return std::nullopt;
  return std::llround(scaled);
}
constexpr std::int64_t k_max_ms = 100'000'000'000'000;       // unix milliseconds up to the year 5138
constexpr std::int64_t k_max_cpu_millis = 1'000'000'000;     // a million cores
constexpr std::int64_t k_max_bytes = 1LL << 50;              // a PiB
constexpr std::int64_t k_max_gpus = 100'000;
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

}  // namespace

Result<Cluster> read_cluster(const QueryRange& query, const Window& window) {
  if (window.step_s <= 0) return fail(ErrorCode::invalid, "the step must be at least one second");
  if (window.until <= window.since)
    return fail(ErrorCode::invalid, fmt::format("the window ends ({}) before it starts ({})", format_utc(window.until),
                                                format_utc(window.since)));
  Cluster c;
  c.window = window;
  const std::int64_t step_ms = window.step_s * 1000;
  // A series is up at a step when its latest sample is less than 1.5 steps old: Prometheus' lookback
  // repeats the last sample for five minutes after a series ends.
  const std::int64_t fresh_ms = step_ms * 3 / 2;

  // Nodes: labels and when each was up, capacity, provider id.
  std::map<std::string, std::size_t> node_at;
  for (const Series& s : FRUGAL_TRY(query_window(query, "timestamp(kube_node_labels)", window))) {
    const std::string& name = s.label("node");
    if (name.empty()) continue;
    auto [it, added] = node_at.try_emplace(name, c.nodes.size());
    if (added) c.nodes.push_back({.name = name});
    Node& n = c.nodes[it->second];
    n.instance_type = first_label(s, {"label_node_kubernetes_io_instance_type", "label_beta_kubernetes_io_instance_type"});
    n.region = first_label(s, {"label_topology_kubernetes_io_region", "label_failure_domain_beta_kubernetes_io_region"});
    n.zone = first_label(s, {"label_topology_kubernetes_io_zone", "label_failure_domain_beta_kubernetes_io_zone"});
    n.spot = node_is_spot(s);
    for (const Point& p : s.points) {
      auto sampled = whole(p.value, 1000, k_max_ms);
      if (sampled && p.t_ms - *sampled < fresh_ms && (n.up_ms.empty() || n.up_ms.back() < p.t_ms)) n.up_ms.push_back(p.t_ms);
    }
  }
  for (const Series& s : FRUGAL_TRY(query_window(query, "max by (node, provider_id) (kube_node_info)", window)))
    if (auto it = node_at.find(s.label("node")); it != node_at.end() && !s.label("provider_id").empty())
      read_provider_id(s.label("provider_id"), c.nodes[it->second]);
  for (const Series& s :
       FRUGAL_TRY(query_window(query, "max by (node, resource) (kube_node_status_capacity)", window))) {
    auto it = node_at.find(s.label("node"));
    if (it == node_at.end()) continue;
    Node& n = c.nodes[it->second];
    const std::string& resource = s.label("resource");
    double v = last_value(s);
    if (resource == "cpu") n.cpu_millis = whole(v, 1000, k_max_cpu_millis).value_or(0);
    else if (resource == "memory") n.memory_bytes = whole(v, 1, k_max_bytes).value_or(0);
    else if (resource == "nvidia_com_gpu") n.gpus = static_cast<int>(whole(v, 1, k_max_gpus).value_or(0));
  }

  // Pods: when each was seen, its node and labels.
  struct Seen {
    std::int64_t first_ms = 0, last_ms = 0;
  };
  std::map<std::string, std::size_t> pod_at;  // by uid
  std::vector<Seen> seen;
  for (const Series& s : FRUGAL_TRY(query_window(query, "timestamp(kube_pod_info)", window))) {
    const std::string& uid = s.label("uid");
    if (uid.empty() || s.points.empty()) continue;
    auto [it, added] = pod_at.try_emplace(uid, c.pods.size());
    if (added) {
      c.pods.push_back({.namespace_ = s.label("namespace"), .name = s.label("pod"), .uid = uid});
      seen.push_back({k_max_ms, 0});
    }
    Pod& p = c.pods[it->second];
    if (!s.label("node").empty()) p.node = s.label("node");
    Seen& w = seen[it->second];
    for (const Point& pt : s.points)
      if (auto sampled = whole(pt.value, 1000, k_max_ms)) {
        w.first_ms = std::min(w.first_ms, *sampled);
        w.last_ms = std::max(w.last_ms, *sampled);
      }
  }
  auto pod_of = [&](const Series& s) -> Pod* {
    auto it = pod_at.find(s.label("uid"));
    return it == pod_at.end() ? nullptr : &c.pods[it->second];
  };
  for (const Series& s : FRUGAL_TRY(query_window(query, "kube_pod_labels", window)))
    if (Pod* p = pod_of(s))
      for (const auto& [name, value] : s.labels)
        if (name.starts_with("label_") && !value.empty()) p->labels[name.substr(6)] = value;
  for (const Series& s : FRUGAL_TRY(query_window(
           query, "sum by (namespace, pod, uid, resource) (kube_pod_container_resource_requests)", window)))
    if (Pod* p = pod_of(s)) {
      double v = 0;
      for (const Point& pt : s.points)
        if (std::isfinite(pt.value)) v = std::max(v, pt.value);
      const std::string& resource = s.label("resource");
      if (resource == "cpu") p->cpu_millis = whole(v, 1000, k_max_cpu_millis).value_or(0);
      else if (resource == "memory") p->memory_bytes = whole(v, 1, k_max_bytes).value_or(0);
      else if (resource == "nvidia_com_gpu") p->gpus = static_cast<int>(whole(v, 1, k_max_gpus).value_or(0));
    }
  std::vector<std::int64_t> phase_at(c.pods.size(), std::numeric_limits<std::int64_t>::min());
  for (const Series& s : FRUGAL_TRY(query_window(query, "kube_pod_status_phase == 1", window)))
    if (Pod* p = pod_of(s); p && !s.points.empty()) {
      auto i = static_cast<std::size_t>(p - c.pods.data());
      if (s.points.back().t_ms > phase_at[i]) {
        phase_at[i] = s.points.back().t_ms;
        p->phase = s.label("phase");
      }
    }
  std::vector<bool> has_start(c.pods.size(), false);
  for (const Series& s : FRUGAL_TRY(query_window(query, "kube_pod_start_time", window)))
    if (Pod* p = pod_of(s); p && !s.points.empty())
      if (auto started = instant(last_value(s))) {
        p->started = *started;
        has_start[static_cast<std::size_t>(p - c.pods.data())] = true;
      }
  for (const Series& s : FRUGAL_TRY(query_window(query, "kube_pod_completion_time", window)))
    if (Pod* p = pod_of(s); p && !s.points.empty())
      if (auto ended = instant(last_value(s))) p->ended = *ended;
  for (const Series& s : FRUGAL_TRY(query_window(
           query, "sum by (namespace, pod, uid) (kube_pod_container_status_restarts_total)", window)))
    if (Pod* p = pod_of(s)) p->restarts = whole(last_value(s), 1, 1'000'000'000).value_or(0);

  // A pod that never started (still Pending, or gone before it ran) is no run. One that vanished
  // without a completion time (deleted, its node lost) ended when it was last seen.
  const std::int64_t until_ms = to_ms(window.until);
  std::vector<Pod> started;
  for (std::size_t i = 0; i < c.pods.size(); ++i) {
    Pod& p = c.pods[i];
    if (!has_start[i]) continue;
    if (!p.ended && seen[i].last_ms < until_ms - std::max<std::int64_t>(2 * step_ms, 60'000)) {
      p.ended = TimePoint(std::chrono::milliseconds(seen[i].last_ms));
      if (p.phase == "Running" || p.phase == "Pending" || p.phase.empty()) p.phase = "Unknown";
    }
    if (p.ended && *p.ended < p.started) p.ended = p.started;
    started.push_back(std::move(p));
  }
  c.pods = std::move(started);

  // GPU use: DCGM labels a GPU with the pod holding it; a pod name reused (a pod recreated under
  // its name) is told apart by time.
  std::map<std::pair<std::string, std::string>, std::vector<std::size_t>> by_name;
  for (std::size_t i = 0; i < c.pods.size(); ++i) by_name[{c.pods[i].namespace_, c.pods[i].name}].push_back(i);
  auto holder = [&](const Series& s, std::int64_t t_ms) -> Pod* {
    auto it = by_name.find({s.label("namespace"), s.label("pod")});
    if (it == by_name.end()) return nullptr;
    for (std::size_t i : it->second) {
      Pod& p = c.pods[i];
      if (to_ms(p.started) <= t_ms && (!p.ended || t_ms < to_ms(*p.ended))) return &p;
    }
    return nullptr;
  };
  auto use_of = [](Pod& p, const std::string& uuid) -> GpuUse& {
    for (GpuUse& g : p.gpu_use)
      if (g.uuid == uuid) return g;
    p.gpu_use.push_back({.uuid = uuid});
    return p.gpu_use.back();
  };
  for (const Series& s : FRUGAL_TRY(query_window(query, "DCGM_FI_DEV_GPU_UTIL{pod!=\"\"}", window)))
    for (const Point& pt : s.points)
      if (Pod* p = holder(s, pt.t_ms)) {
        std::string uuid = s.label("UUID").empty() ? s.label("Hostname") + "/" + s.label("gpu") : s.label("UUID");
        use_of(*p, uuid).util_pct.push_back(pt);
      }
  for (const Series& s : FRUGAL_TRY(query_window(query, "DCGM_FI_DEV_FB_USED{pod!=\"\"}", window)))
    for (const Point& pt : s.points)
      if (Pod* p = holder(s, pt.t_ms)) {
        std::string uuid = s.label("UUID").empty() ? s.label("Hostname") + "/" + s.label("gpu") : s.label("UUID");
        GpuUse& g = use_of(*p, uuid);
        g.mem_peak_bytes = std::max(g.mem_peak_bytes, whole(pt.value, 1048576.0, k_max_bytes).value_or(0));  // MiB
      }
  return c;
}

}  // namespace frugal::k8s
