// Pods of a cluster recorded as runs: one a job's attempt, priced by its share of its nodes, its
// GPU use summed as `frugal run` sums it. Idempotent: a pod read again is the same pod.
#include <algorithm>
#include <array>
#include <cmath>
#include <set>

#include <fmt/format.h>

#include "catalog/catalog.h"
#include "core/run_cost.h"
#include "k8s/k8s.h"
#include "k8s/pod_usage.h"
#include "k8s/pool_hours.h"
#include "tracking/tracking.h"

namespace frugal::k8s {
namespace {

constexpr std::size_t k_lookup_batch = 200;
// Where a Kubernetes run's price comes from: the catalog's node price, shared by the requests.
constexpr const char* k_price_source = "catalog node price shared by requests (k8s)";

// kube-state-metrics' name for a Kubernetes label: every character outside [a-zA-Z0-9_] becomes '_'.
std::string sanitized(std::string_view label) {
  std::string out(label);
  for (char& c : out)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') c = '_';
  return out;
}

// The job a pod belongs to: the labels that training operators, Ray, Kueue and the Job controller
// put on their pods, most specific first.
std::string workload_of(const Pod& pod) {
  constexpr std::pair<std::string_view, std::string_view> k_job_labels[] = {
      {"training_kubeflow_org_job_name", "kubeflow"}, {"ray_io_cluster", "ray"},
      {"kueue_x_k8s_io_pod_group_name", "kueue"},      {"batch_kubernetes_io_job_name", "job"},
      {"job_name", "job"}};
  for (const auto& [label, kind] : k_job_labels)
    if (auto it = pod.labels.find(std::string(label)); it != pod.labels.end() && !it->second.empty())
      return fmt::format("{}/{}", kind, it->second);
  return "pod/" + pod.name;
}

// A pod as this import knows it: read now, stored before, or both.
struct Entry {
  std::string uid, namespace_, name, workload, node, instance_type, region, provider, instance_id;
  bool spot = false;
  int gpus = 0;
  std::int64_t cpu_millis = 0, memory_bytes = 0, restarts = 0;
  std::string phase;
  TimePoint started;
  std::optional<TimePoint> ended;
  std::optional<std::int64_t> hourly_nanos, gpu_hour_nanos;
  PodUsage usage;
  std::optional<std::int64_t> run_id;  // stored: the run it is in
  TimePoint last_seen{};               // the last step kube-state-metrics showed it at
  bool stored = false;
  bool stored_ended = false;           // stored with an end
  bool closed_now = false;             // stored open, gone before this window: ended at last_seen
  const Pod* read = nullptr;           // what this import read of it
  std::vector<int> idle_gpu_flags;     // read now: per GPU, 1 when it sat idle at every reading
  std::vector<std::pair<std::string, std::string>> labels;  // read now: team, project, …
};

std::optional<Money> entry_cost(const Entry& e, TimePoint until) {
  if (!e.hourly_nanos) return std::nullopt;
  std::int64_t ms = std::max<std::int64_t>(0, ((e.ended ? *e.ended : until) - e.started).count());
  return Money::from_nanos(*e.hourly_nanos).scaled(ms, 3'600'000);
}

// Node prices from the catalog, each instance type, region and capacity type asked once.
class NodePrices {
 public:
  explicit NodePrices(store::Store& store) : m_store(store) {}
  std::optional<UnitPrices> of(const Node& node) {
    if (node.instance_type.empty()) return std::nullopt;
    auto key = std::make_tuple(node.instance_type, node.region, node.spot);
    auto it = m_hourly.find(key);
    if (it == m_hourly.end()) {
      auto price = catalog::price_of(m_store, node.instance_type, node.region, node.provider == "gcp" ? "gcp" : node.provider,
                                     node.spot ? catalog::Pricing::spot : catalog::Pricing::on_demand);
      it = m_hourly.emplace(key, price ? std::optional<Money>(price->hourly) : std::nullopt).first;
    }
    if (!it->second) return std::nullopt;
    return unit_prices(*it->second, node.gpus, node.cpu_millis, node.memory_bytes, node.spot);
  }

 private:
  store::Store& m_store;
  std::map<std::tuple<std::string, std::string, bool>, std::optional<Money>> m_hourly;
};

// Runs still open or ended, by id.
struct StoredRun {
  int attempt = 1;
  bool ended = false;
};

std::string run_status_of(const std::vector<const Entry*>& pods) {
  // The phase of the pod that ended last says how the attempt ended.
  const Entry* last = nullptr;
  for (const Entry* e : pods)
    if (!last || (e->ended && (!last->ended || *e->ended >= *last->ended))) last = e;
  if (!last || !last->ended) return "running";
  if (last->phase == "Succeeded") return "finished";
  if (last->phase == "Failed") return "failed";
  return "lost";
}

}  // namespace

Result<ImportStats> import_cluster(store::Store& store, const Cluster& cluster, const ImportOptions& options) {
  if (options.cluster.empty()) return fail(ErrorCode::invalid, "the cluster needs a name (--cluster)");
  ImportStats stats;
  const TimePoint until = cluster.window.until;
  NodePrices prices(store);
  std::map<std::string, const Node*> nodes;
  std::map<std::string, std::optional<UnitPrices>> node_prices;
  for (const Node& n : cluster.nodes) {
    nodes[n.name] = &n;
    node_prices[n.name] = prices.of(n);
  }

  // What this import read, by uid, grouped by workload.
  std::map<std::string, Entry> entries;
  std::set<std::pair<std::string, std::string>> workloads;  // (namespace, workload)
  const std::array<std::pair<const std::string*, std::string_view>, 5> label_keys = {{
      {&options.labels.team, "frugal.team"}, {&options.labels.project, "frugal.project"},
      {&options.labels.model, "frugal.model"}, {&options.labels.dataset, "frugal.dataset"},
      {&options.labels.user, "frugal.user"}}};
  for (const Pod& p : cluster.pods) {
    ++stats.pods;
    Entry e;
    e.uid = p.uid;
    e.namespace_ = p.namespace_;
    e.name = p.name;
    e.workload = workload_of(p);
    e.node = p.node;
    e.gpus = p.gpus;
    e.cpu_millis = p.cpu_millis;
    e.memory_bytes = p.memory_bytes;
    e.restarts = p.restarts;
    e.phase = p.phase.empty() ? (p.ended ? "Unknown" : "Running") : p.phase;
    e.started = p.started;
    e.ended = p.ended;
    e.last_seen = p.last_seen;
    e.read = &p;
    if (auto n = nodes.find(p.node); n != nodes.end()) {
      const Node& node = *n->second;
      e.instance_type = node.instance_type;
      e.region = node.region;
      e.provider = node.provider;
      e.instance_id = node.instance_id;
      e.spot = node.spot;
      if (const auto& u = node_prices[p.node]) {
        e.hourly_nanos = pod_hourly(*u, p.gpus, p.cpu_millis, p.memory_bytes).nanos_rounded();
        e.gpu_hour_nanos = u->gpu_hour.nanos_rounded();
      }
    }
    if (!e.hourly_nanos) ++stats.unpriced_pods;
    for (const auto& [name, key] : label_keys)
      if (auto it = p.labels.find(sanitized(*name)); it != p.labels.end()) e.labels.emplace_back(key, it->second);
    workloads.insert({e.namespace_, e.workload});
    entries.emplace(p.uid, std::move(e));
  }

  FRUGAL_CHECK(store.transaction([&]() -> Result<void> {
    // One import of a cluster at a time: two at once would both find a new pod new. SQLite's write
    // transaction already waits for the other's; PostgreSQL's reads do not.
    if (store.dialect() == "postgresql") {
      std::vector<store::Value> lock = {"frugal k8s import " + options.cluster};
      FRUGAL_TRY(store.query("SELECT pg_advisory_xact_lock(hashtext(?))", lock));
    }
    // Pods still open in the store that kube-state-metrics last showed before this window began,
    // and this import does not read: they went while no import looked. Their jobs are loaded too.
    std::set<std::string> vanished;
    std::vector<store::Value> open_params = {options.cluster, format_utc(cluster.window.since)};
    FRUGAL_CHECK(store.for_each_row(
        "SELECT uid, namespace, workload FROM k8s_pods WHERE cluster = ? AND ended_at IS NULL AND last_seen < ?",
        open_params, [&](const store::Row& r) {
          std::string uid = store::as_text(r[0]);
          if (entries.contains(uid)) return true;
          vanished.insert(uid);
          workloads.insert({store::as_text(r[1]), store::as_text(r[2])});
          return true;
        }));
    // What was stored of these workloads before: their pods and the runs they are in.
    std::vector<std::pair<std::string, std::string>> keys(workloads.begin(), workloads.end());
    std::map<std::int64_t, StoredRun> runs;
    for (std::size_t from = 0; from < keys.size(); from += k_lookup_batch) {
      std::size_t to = std::min(keys.size(), from + k_lookup_batch);
      std::string sql =
          "SELECT p.uid, p.namespace, p.pod, p.workload, p.run_id, p.node, p.instance_type, p.spot, p.gpus, p.cpu_millis, "
          "p.memory_bytes, p.phase, p.restarts, p.started_at, p.ended_at, p.hourly_nanos, p.gpu_hour_nanos, "
          "p.gpu_readings, p.gpu_util_sum, p.gpu_util_peak, p.gpu_util_histogram, p.gpu_mem_peak_bytes, "
          "p.idle_gpu_seconds, p.usage_until, r.attempt, r.ended_at IS NOT NULL, p.last_seen "
          "FROM k8s_pods p JOIN runs r ON r.id = p.run_id WHERE p.cluster = ? AND (";
      std::vector<store::Value> params = {options.cluster};
      for (std::size_t i = from; i < to; ++i) {
        sql += i == from ? "(p.namespace = ? AND p.workload = ?)" : " OR (p.namespace = ? AND p.workload = ?)";
        params.emplace_back(keys[i].first);
        params.emplace_back(keys[i].second);
      }
      sql += ")";
      auto rows = FRUGAL_TRY(store.query(sql, params));
      for (const auto& r : rows.rows) {
        std::string uid = store::as_text(r[0]);
        Entry stored;
        stored.uid = uid;
        stored.namespace_ = store::as_text(r[1]);
        stored.name = store::as_text(r[2]);
        stored.workload = store::as_text(r[3]);
        stored.run_id = store::as_int(r[4]);
        stored.node = store::as_text(r[5]);
        stored.instance_type = store::as_text(r[6]);
        stored.spot = store::as_int(r[7]) != 0;
        stored.gpus = static_cast<int>(store::as_int(r[8]));
        stored.cpu_millis = store::as_int(r[9]);
        stored.memory_bytes = store::as_int(r[10]);
        stored.phase = store::as_text(r[11]);
        stored.restarts = store::as_int(r[12]);
        stored.started = FRUGAL_TRY(parse_utc(store::as_text(r[13])));
        if (!store::is_null(r[14])) stored.ended = FRUGAL_TRY(parse_utc(store::as_text(r[14])));
        if (!store::is_null(r[15])) stored.hourly_nanos = store::as_int(r[15]);
        if (!store::is_null(r[16])) stored.gpu_hour_nanos = store::as_int(r[16]);
        stored.usage = FRUGAL_TRY(PodUsage::from_stored(
            store::as_int(r[17]), store::as_double(r[18]),
            store::is_null(r[19]) ? std::nullopt : std::optional<double>(store::as_double(r[19])),
            store::as_text(r[20]), store::is_null(r[21]) ? std::nullopt : std::optional<std::int64_t>(store::as_int(r[21])),
            store::as_double(r[22]), store::as_text(r[23])));
        stored.last_seen = FRUGAL_TRY(parse_utc(store::as_text(r[26])));
        stored.stored = true;
        stored.stored_ended = stored.ended.has_value();
        if (vanished.contains(uid)) {  // gone while no import looked: ended when last seen
          stored.ended = stored.last_seen;
          stored.phase = "Unknown";
          stored.closed_now = true;
        }
        runs[*stored.run_id] = {static_cast<int>(store::as_int(r[24])), store::as_int(r[25]) != 0};
        auto it = entries.find(uid);
        if (it == entries.end()) {
          entries.emplace(uid, std::move(stored));
          continue;
        }
        // Read again: what the store knew of it, with what this import read on top.
        Entry& e = it->second;
        e.run_id = stored.run_id;
        e.stored = true;
        e.stored_ended = stored.stored_ended;
        e.usage = stored.usage;
        if (stored.stored_ended) {  // an ended pod stays as recorded
          e.ended = stored.ended;
          e.phase = stored.phase;
        }
        if (!e.hourly_nanos) {
          e.hourly_nanos = stored.hourly_nanos;
          e.gpu_hour_nanos = stored.gpu_hour_nanos;
        }
      }
    }
    // This import's GPU readings, folded in once each. Readings the store folded in after this
    // cluster was read (another import, meanwhile), or a cluster read without this store's
    // FoldedUntil, may hold readings folded before: such a pod keeps the use it had rather than
    // count any twice.
    for (auto& [uid, e] : entries)
      if (e.read) {
        auto read_after = cluster.folded_at_read.find(uid);
        bool unseen = !e.usage.until_ms() || (cluster.read_after_folded && read_after != cluster.folded_at_read.end() &&
                                              read_after->second >= *e.usage.until_ms());
        PodUsage fresh;
        e.idle_gpu_flags = (unseen ? e.usage : fresh).fold(e.read->gpu_use, cluster.window.step_s);
      }

    // Each workload's pods in start order, cut into attempts: a pod that starts after every pod of
    // the attempt so far has ended begins the next one.
    std::map<std::pair<std::string, std::string>, std::vector<Entry*>> by_workload;
    for (auto& [uid, e] : entries) by_workload[{e.namespace_, e.workload}].push_back(&e);
    struct Attempt {
      std::vector<Entry*> pods;
      std::optional<std::int64_t> run_id;
      int number = 1;
      bool moved = false;  // recorded before, and renumbered or given a new parent: attempts found now come first
    };
    std::vector<Attempt> attempts;
    std::vector<std::size_t> workload_first;  // each workload's first attempt
    for (auto& [key, pods] : by_workload) {
      std::sort(pods.begin(), pods.end(), [](const Entry* a, const Entry* b) {
        return a->started != b->started ? a->started < b->started : a->uid < b->uid;
      });
      workload_first.push_back(attempts.size());
      // The attempt's pods all end by `ends_by`, unless one still runs. (Not an optional: GCC 12
      // warns of it as maybe uninitialized.)
      bool still_runs = false;
      TimePoint ends_by{};
      const Entry* ended_last = nullptr;    // of the attempt's pods, the one that ended last
      for (Entry* e : pods) {
        Attempt* current = attempts.size() > workload_first.back() ? &attempts.back() : nullptr;
        // A pod the store keeps in the current attempt's run stays in it, whatever its times say now.
        bool same_run = current && e->run_id && current->run_id == e->run_id;
        // A retry: a pod that starts after every pod of the attempt ended, the last of them not
        // having succeeded. After a success it continues the job (a Job's next completion).
        bool retry = !still_runs && e->started >= ends_by && ended_last && ended_last->phase != "Succeeded";
        if (!current || (!same_run && retry)) {
          attempts.push_back({});
          still_runs = false;
          ends_by = e->started;
          ended_last = nullptr;
        }
        Attempt& a = attempts.back();
        a.pods.push_back(e);
        if (e->run_id && !a.run_id) a.run_id = e->run_id;
        if (!e->ended) {
          still_runs = true;
        } else {
          ends_by = std::max(ends_by, *e->ended);
          if (!ended_last || *e->ended >= *ended_last->ended) ended_last = e;
        }
      }
      // Numbered in start order. A recorded attempt keeps its number (earlier ones may have been
      // deleted) unless attempts found now come before it: an earlier window imported after a
      // later one. It then moves up, and retries the attempt now before it.
      int last = 0;
      for (std::size_t i = workload_first.back(); i < attempts.size(); ++i) {
        Attempt& a = attempts[i];
        if (!a.run_id) {
          a.number = ++last;
          continue;
        }
        int recorded = runs[*a.run_id].attempt;
        a.number = std::max(recorded, last + 1);
        a.moved = a.number != recorded || (i > workload_first.back() && !attempts[i - 1].run_id);
        last = a.number;
      }
    }

    auto pod_row = FRUGAL_TRY(store.prepare(
        "INSERT INTO k8s_pods (cluster, uid, namespace, pod, workload, run_id, node, instance_type, spot, gpus, cpu_millis, "
        "memory_bytes, phase, restarts, started_at, ended_at, hourly_nanos, gpu_hour_nanos, gpu_readings, gpu_util_sum, "
        "gpu_util_peak, gpu_util_histogram, gpu_mem_peak_bytes, idle_gpu_seconds, usage_until, last_seen) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (cluster, uid) DO UPDATE SET run_id = excluded.run_id, node = excluded.node, "
        "instance_type = excluded.instance_type, spot = excluded.spot, gpus = excluded.gpus, cpu_millis = excluded.cpu_millis, "
        "memory_bytes = excluded.memory_bytes, phase = excluded.phase, restarts = excluded.restarts, "
        "started_at = excluded.started_at, ended_at = excluded.ended_at, hourly_nanos = excluded.hourly_nanos, "
        "gpu_hour_nanos = excluded.gpu_hour_nanos, gpu_readings = excluded.gpu_readings, "
        "gpu_util_sum = excluded.gpu_util_sum, gpu_util_peak = excluded.gpu_util_peak, "
        "gpu_util_histogram = excluded.gpu_util_histogram, gpu_mem_peak_bytes = excluded.gpu_mem_peak_bytes, "
        "idle_gpu_seconds = excluded.idle_gpu_seconds, usage_until = excluded.usage_until, last_seen = excluded.last_seen"));
    auto write_pod = [&](const Entry& e, std::int64_t run_id) -> Result<void> {
      if (!e.read && !e.closed_now) return {};  // stored, not read again: as it was
      std::string started = format_utc(e.started), ended = e.ended ? format_utc(*e.ended) : std::string();
      std::string histogram = e.usage.histogram_text(), usage_until = e.usage.until_text(), seen = format_utc(e.last_seen);
      auto opt = [](const std::optional<std::int64_t>& v) { return v ? store::ValueView{*v} : store::ValueView{}; };
      auto text = [](const std::string& v) { return v.empty() ? store::ValueView{} : store::ValueView{std::string_view(v)}; };
      std::array<store::ValueView, 26> row = {
          std::string_view(options.cluster), std::string_view(e.uid), std::string_view(e.namespace_),
          std::string_view(e.name), std::string_view(e.workload), run_id, text(e.node), text(e.instance_type),
          std::int64_t{e.spot ? 1 : 0}, std::int64_t{e.gpus}, e.cpu_millis, e.memory_bytes, std::string_view(e.phase),
          e.restarts, std::string_view(started), text(ended), opt(e.hourly_nanos), opt(e.gpu_hour_nanos),
          e.usage.readings(), e.usage.util_sum(),
          e.usage.peak() ? store::ValueView{*e.usage.peak()} : store::ValueView{}, text(histogram),
          opt(e.usage.mem_peak_bytes()), e.usage.idle_seconds(), text(usage_until), std::string_view(seen)};
      FRUGAL_TRY(pod_row->execute_views(row));
      return {};
    };

    // What an attempt comes to, from its pods.
    struct Totals {
      std::optional<Money> hourly, cost, idle_cost;
      std::optional<Money> so_far;  // while it runs: each pod's cost until its end or the window's
      int gpus = 0;
      PodUsage usage;
      std::optional<TimePoint> ended;
      bool read = false;
    };
    auto totals_of = [&](const Attempt& a) {
      Totals t;
      bool all_priced = true, all_ended = true;
      Money hourly, cost, idle;
      for (const Entry* e : a.pods) {
        t.gpus += e->gpus;
        t.read |= e->read != nullptr || e->closed_now;
        t.usage.add(e->usage);
        if (e->hourly_nanos) {
          hourly += Money::from_nanos(*e->hourly_nanos);
          cost += *entry_cost(*e, until);
        } else {
          all_priced = false;
        }
        if (e->gpu_hour_nanos)
          idle += Money::from_nanos(*e->gpu_hour_nanos).scaled(std::llround(e->usage.idle_seconds() * 1000), 3'600'000);
        if (!e->ended) all_ended = false;
        else if (!t.ended || *e->ended > *t.ended) t.ended = e->ended;
      }
      if (!all_ended) t.ended.reset();
      if (all_priced) {
        t.hourly = hourly;
        if (t.ended) t.cost = cost;
        else t.so_far = cost;
      }
      if (t.usage.readings() > 0 && all_priced) t.idle_cost = idle;
      return t;
    };
    auto end_of = [&](const Attempt& a, const Totals& t) {
      tracking::RunEnd end;
      end.ended = *t.ended;
      std::vector<const Entry*> pods(a.pods.begin(), a.pods.end());
      end.status = tracking::parse_status(run_status_of(pods)).value_or(tracking::RunStatus::failed);
      end.cost = t.cost;
      end.usage = t.usage.summary(t.idle_cost);
      return end;
    };
    auto note_idle = [&](const Attempt& a, const Totals& t, std::int64_t run_id) {
      int idle = 0;
      for (const Entry* e : a.pods)
        for (int flag : e->idle_gpu_flags) idle += flag;
      if (idle == 0) return;
      const Entry& first = *a.pods.front();
      stats.idle.push_back({first.workload.substr(first.workload.find('/') + 1), first.namespace_, run_id, t.gpus, idle,
                            t.usage.idle_seconds() / 3600, t.idle_cost.value_or(Money())});
    };

    // New attempts go in one bulk insert; those recorded before are updated in place.
    std::vector<tracking::RecordedRun> batch;
    std::vector<std::size_t> batch_attempt;
    for (std::size_t w = 0; w < workload_first.size(); ++w) {
      std::size_t end_index = w + 1 < workload_first.size() ? workload_first[w + 1] : attempts.size();
      for (std::size_t i = workload_first[w]; i < end_index; ++i) {
        Attempt& a = attempts[i];
        Totals t = totals_of(a);
        if (a.run_id) {
          if (!t.read) continue;  // stored before; this window did not see it
          StoredRun& stored = runs[*a.run_id];
          bool changed = false;
          for (const Entry* e : a.pods) changed |= (e->read && !e->stored_ended) || e->closed_now;
          if (stored.ended || !changed) {
            for (const Entry* e : a.pods)
              if (!e->stored) FRUGAL_CHECK(write_pod(*e, *a.run_id));  // a pod first seen now, of an ended attempt
            ++stats.unchanged;
            continue;
          }
          for (const Entry* e : a.pods) FRUGAL_CHECK(write_pod(*e, *a.run_id));
          FRUGAL_CHECK(tracking::reprice_run(store, *a.run_id, {t.hourly, t.gpus, t.gpus, "", t.hourly ? k_price_source : ""}));
          if (t.ended) {
            FRUGAL_TRY(tracking::finish_run(store, *a.run_id, end_of(a, t)));
            stored.ended = true;
          } else {
            if (t.so_far) FRUGAL_CHECK(tracking::record_progress(store, *a.run_id, {}, *t.so_far));
          }
          ++stats.updated;
          note_idle(a, t, *a.run_id);
          continue;
        }
        const Entry& first = *a.pods.front();
        tracking::RecordedRun run;
        tracking::RunStart& s = run.start;
        s.name = first.workload.substr(first.workload.find('/') + 1);
        s.command = {fmt::format("k8s:{}/{}/{}", options.cluster, first.namespace_, first.workload)};
        std::set<std::string> hosts;
        for (const Entry* e : a.pods) hosts.insert(e->node);
        for (const auto& h : hosts) s.host += (s.host.empty() ? "" : ",") + h;
        s.labels.team = first.namespace_;
        for (const Entry* e : a.pods)
          for (const auto& [key, value] : e->labels) {
            std::string* label = key == "frugal.team"      ? &s.labels.team
                                 : key == "frugal.project" ? &s.labels.project
                                 : key == "frugal.model"   ? &s.labels.model
                                 : key == "frugal.dataset" ? &s.labels.dataset
                                                           : &s.labels.user;
            if (e == &first || label->empty() || (key == "frugal.team" && *label == first.namespace_)) *label = value;
          }
        s.provider = first.provider;
        s.region = first.region;
        s.instance_type = first.instance_type;
        if (hosts.size() == 1) s.instance_id = first.instance_id;
        s.pricing = first.spot ? tracking::PricingModel::spot : tracking::PricingModel::on_demand;
        s.hourly_price = t.hourly;
        s.price_source = t.hourly ? k_price_source : "";
        s.gpu_count = t.gpus;
        s.instance_gpu_count = t.gpus;
        s.started = first.started;
        s.attempt = a.number;
        s.tags = {{"k8s.namespace", first.namespace_}, {"k8s.workload", first.workload}};
        if (i > workload_first[w]) {
          const Attempt& before = attempts[i - 1];
          if (before.run_id) s.parent_run_id = before.run_id;
          else
            for (std::size_t b = 0; b < batch_attempt.size(); ++b)
              if (batch_attempt[b] == i - 1) run.parent_in_batch = b;
        }
        if (t.ended) run.end = end_of(a, t);
        batch.push_back(std::move(run));
        batch_attempt.push_back(i);
      }
    }
    auto ids = FRUGAL_TRY(tracking::insert_recorded_runs(store, batch));
    for (std::size_t b = 0; b < ids.size(); ++b) {
      Attempt& a = attempts[batch_attempt[b]];
      a.run_id = ids[b];
      for (const Entry* e : a.pods) FRUGAL_CHECK(write_pod(*e, ids[b]));
      Totals t = totals_of(a);
      if (!t.ended && t.so_far) FRUGAL_CHECK(tracking::record_progress(store, ids[b], {}, *t.so_far));
      note_idle(a, t, ids[b]);
    }
    stats.added = ids.size();
    for (std::size_t w = 0; w < workload_first.size(); ++w) {
      std::size_t end_index = w + 1 < workload_first.size() ? workload_first[w + 1] : attempts.size();
      for (std::size_t i = workload_first[w]; i < end_index; ++i) {
        if (!attempts[i].moved) continue;
        std::optional<std::int64_t> parent = i > workload_first[w] ? attempts[i - 1].run_id : std::nullopt;
        FRUGAL_CHECK(tracking::set_attempt(store, *attempts[i].run_id, attempts[i].number, parent));
        ++stats.renumbered;
      }
    }
    stats.pool_hours = FRUGAL_TRY(write_pool_hours(store, cluster, options.cluster, node_prices));
    return {};
  }));
  std::sort(stats.idle.begin(), stats.idle.end(),
            [](const IdleGpus& a, const IdleGpus& b) { return a.idle_cost > b.idle_cost; });
  return stats;
}

}  // namespace frugal::k8s
