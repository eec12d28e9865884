#include "advise/window_runs.h"

#include <algorithm>
#include <deque>
#include <numeric>
#include <string_view>
#include <unordered_map>
#include <variant>

#include "advise/rules.h"
#include "core/time.h"

namespace frugal::advise {
namespace {

Pricing pricing_of(std::string_view s) {
  if (s == "on_demand") return Pricing::on_demand;
  if (s == "spot") return Pricing::spot;
  if (s == "committed") return Pricing::committed;
  return Pricing::other;
}

Status status_of(std::string_view s) {
  if (s == "running") return Status::running;
  if (s == "finished") return Status::finished;
  if (s == "failed") return Status::failed;
  if (s == "killed") return Status::killed;
  if (s == "lost") return Status::lost;
  if (s == "preempted") return Status::preempted;
  return Status::other;
}

// The digits of format_utc's text ("2026-11-26T14:21:49.123Z" → 20261126142149123): a number
// that sorts as the instant, read without calendar arithmetic (parse_utc for a million runs was a
// fifth of the window's read). Other spellings go through parse_utc first.
std::int64_t instant_key(std::string_view text) {
  static constexpr std::string_view shape = "dddd-dd-ddTdd:dd:dd.dddZ";
  bool canonical = text.size() == shape.size();
  for (std::size_t i = 0; canonical && i < shape.size(); ++i)
    canonical = shape[i] == 'd' ? text[i] >= '0' && text[i] <= '9' : text[i] == shape[i];
  if (!canonical) {
    auto t = parse_utc(text);
    return t ? instant_key(format_utc(*t)) : 0;
  }
  std::int64_t key = 0;
  for (char ch : text)
    if (ch >= '0' && ch <= '9') key = key * 10 + (ch - '0');
  return key;
}

// Labels in first-seen order while reading; renumbered in byte order once all are known.
class Interner {
 public:
  Label intern(const store::Value& v, bool null_is_empty) {
    std::string_view text;
    if (const auto* s = std::get_if<std::string>(&v))
      text = *s;
    else if (store::is_null(v)) {
      if (!null_is_empty) return k_no_label;
    } else {
      return intern_text(store::as_text(v));  // a number where a label was expected: its text
    }
    return intern_text(text);
  }

  // The names in byte order, and each first-seen id's new id.
  std::pair<std::vector<std::string>, std::vector<Label>> sorted() && {
    std::vector<Label> order(m_names.size());
    std::iota(order.begin(), order.end(), Label{0});
    std::sort(order.begin(), order.end(), [&](Label a, Label b) { return m_names[a] < m_names[b]; });
    std::vector<Label> renumber(m_names.size());
    std::vector<std::string> names(m_names.size());
    for (Label i = 0; i < order.size(); ++i) {
      renumber[order[i]] = i;
      names[i] = std::move(m_names[order[i]]);
    }
    return {std::move(names), std::move(renumber)};
  }

 private:
  Label intern_text(std::string_view text) {
    auto it = m_ids.find(text);
    if (it != m_ids.end()) return it->second;
    auto id = static_cast<Label>(m_names.size());
    m_names.emplace_back(text);
    // Keys view the deque's strings, which never move.
    m_ids.emplace(m_names.back(), id);
    return id;
  }

  std::deque<std::string> m_names;
  std::unordered_map<std::string_view, Label> m_ids;
};

}  // namespace

const std::string& WindowRuns::name(Label l) const {
  static const std::string none;
  return l == k_no_label ? none : names[l];
}

void WindowRuns::name(Placed& out, const PlaceKey& key) const {
  const auto& [team, project, instance_type, provider, region] = key;
  out = {name(team), name(project), name(instance_type), name(provider), name(region)};
}

const WindowRun* WindowRuns::find(std::int64_t id) const {
  auto it = std::lower_bound(runs.begin(), runs.end(), id, [](const WindowRun& r, std::int64_t v) { return r.id < v; });
  return it != runs.end() && it->id == id ? &*it : nullptr;
}

Result<WindowRuns> read_window_runs(const Context& c) {
  std::vector<store::Value> p = {c.since, c.until};
  c.bind_team(p);
  WindowRuns window;
  Interner labels;
  // The two EXISTS are asked only of the runs whose rule reads them (an index probe each).
  FRUGAL_CHECK(c.store.for_each_row(
      "SELECT id, team, project, experiment, provider, region, command, instance_type, pricing, status, "
      "started_at, "
      "gpu_count, cpu_bound, duration_ms, cost_nanos, hourly_price_nanos, exit_code, work_lost_ms, "
      "idle_cost_nanos, "
      "gpu_mem_peak_bytes, gpu_util_peak, gpu_util_mean, idle_gpu_seconds, gpu_util_p95, dataset, "
      "CASE WHEN pricing = 'on_demand' AND status = 'finished' AND EXISTS (SELECT 1 FROM checkpoints k "
      "WHERE k.run_id = r.id) THEN 1 ELSE 0 END, "
      "CASE WHEN status = 'preempted' AND EXISTS (SELECT 1 FROM runs n WHERE n.parent_run_id = r.id) THEN 1 "
      "ELSE 0 END "
      "FROM runs r WHERE started_at >= ? AND started_at < ?" +
          c.team_filter(),
      p, [&](const store::Row& r) {
        WindowRun& run = window.runs.emplace_back();
        run.id = store::as_int(r[0]);
        run.team = labels.intern(r[1], true);
        run.project = labels.intern(r[2], true);
        run.experiment = labels.intern(r[3], true);
        run.provider = labels.intern(r[4], true);
        run.region = labels.intern(r[5], true);
        if (const auto* command = std::get_if<std::string>(&r[6])) {
          run.has_command = true;
          run.command = *command;
        }
        run.instance_type = labels.intern(r[7], false);
        const auto* pricing = std::get_if<std::string>(&r[8]);
        run.pricing = pricing ? pricing_of(*pricing) : Pricing::other;
        const auto* status = std::get_if<std::string>(&r[9]);
        run.status = status ? status_of(*status) : Status::other;
        const auto* started = std::get_if<std::string>(&r[10]);
        run.started_key = started ? instant_key(*started) : 0;
        run.gpu_count = static_cast<std::int32_t>(store::as_int(r[11]));
        run.cpu_bound = store::as_int(r[12]) != 0;
        std::int64_t* ints[] = {&run.duration_ms, &run.cost_nanos,   &run.hourly_price_nanos,
                                &run.exit_code,   &run.work_lost_ms, &run.idle_cost_nanos};
        for (std::size_t i = 0; i < std::size(ints); ++i) {
          const store::Value& v = r[13 + i];
          if (store::is_null(v)) continue;
          *ints[i] = store::as_int(v);
          run.present |= static_cast<std::uint16_t>(1u << i);
        }
        double* reals[] = {&run.gpu_mem_peak_bytes, &run.gpu_util_peak, &run.gpu_util_mean, &run.idle_gpu_seconds,
                           &run.gpu_util_p95};
        for (std::size_t i = 0; i < std::size(reals); ++i) {
          const store::Value& v = r[19 + i];
          if (store::is_null(v)) continue;
          *reals[i] = store::as_double(v);
          run.present |= static_cast<std::uint16_t>(1u << (WindowRun::gpu_mem_peak + i));
        }
        run.dataset = labels.intern(r[24], true);
        run.checkpointed = store::as_int(r[25]) != 0;
        run.retried = store::as_int(r[26]) != 0;
        return true;
      }));
  auto [names, renumber] = std::move(labels).sorted();
  window.names = std::move(names);
  auto remap = [&](Label& l) {
    if (l != k_no_label) l = renumber[l];
  };
  for (WindowRun& run : window.runs) {
    for (Label* l : {&run.team, &run.project, &run.experiment, &run.dataset, &run.provider, &run.region,
                     &run.instance_type})
      remap(*l);
  }
  // Id order: rules that pick "the first" or "the latest" run agree on every backend.
  std::sort(window.runs.begin(), window.runs.end(),
            [](const WindowRun& a, const WindowRun& b) { return a.id < b.id; });
  return window;
}

}  // namespace frugal::advise
