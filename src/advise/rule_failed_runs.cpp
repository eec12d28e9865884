// Rule "failed_runs": the money failed attempts cost per project; the same failure repeated (same
// command, same exit status, three times or more: fix before rerunning; stopping at the same step
// each time makes it reproducible, not bad luck); and preempted runs that nothing retried (frugal
// run --retries restarts them from their checkpoint).
#include <algorithm>
#include <map>
#include <string_view>
#include <tuple>

#include <fmt/format.h>

#include "advise/rules.h"

namespace frugal::advise {
namespace {

struct Failures {  // one command failing with one exit status
  std::int64_t times = 0, latest_run = 0;
  Money total, cheapest;
  std::vector<std::int64_t> runs;
};

// The last step each run logged a metric at: where a failed run stopped. Asked by id, a few
// hundred at a time, of only the runs in repeated failures (their metrics may be millions of rows).
Result<std::map<std::int64_t, std::int64_t>> last_steps(const Context& c, const std::vector<std::int64_t>& ids) {
  constexpr std::size_t k_batch = 500;
  std::map<std::int64_t, std::int64_t> steps;
  for (std::size_t from = 0; from < ids.size(); from += k_batch) {
    std::size_t n = std::min(k_batch, ids.size() - from);
    std::string marks;
    std::vector<store::Value> params;
    for (std::size_t i = 0; i < n; ++i) {
      marks += i ? ", ?" : "?";
      params.emplace_back(ids[from + i]);
    }
    FRUGAL_CHECK(c.store.for_each_row(
        "SELECT run_id, max(step) FROM metrics WHERE run_id IN (" + marks + ") GROUP BY run_id", params,
        [&](const store::Row& r) {
          if (!store::is_null(r[1])) steps[store::as_int(r[0])] = store::as_int(r[1]);
          return true;
        }));
  }
  return steps;
}

// "at step 1200 every time", "at steps 40 to 3100", or "" when none logged a step.
std::string where_they_stopped(const std::vector<std::int64_t>& runs, const std::map<std::int64_t, std::int64_t>& steps,
                               bool& same_step) {
  std::int64_t low = 0, high = 0, known = 0;
  for (std::int64_t id : runs)
    if (auto it = steps.find(id); it != steps.end()) {
      low = known ? std::min(low, it->second) : it->second;
      high = known ? std::max(high, it->second) : it->second;
      ++known;
    }
  same_step = known == static_cast<std::int64_t>(runs.size()) && low == high;
  if (known == 0) return "";
  if (same_step) return fmt::format("at step {} every time", low);
  return fmt::format("at steps {} to {}{}", low, high,
                     known < static_cast<std::int64_t>(runs.size())
                         ? fmt::format(" ({} of {} logged a step)", known, runs.size())
                         : "");
}

struct Unretried {  // preempted runs nothing restarted
  std::int64_t runs = 0, lost_ms = 0, duration_ms = 0;
  Money cost;
};

struct Spend {  // a project's runs, and those that failed
  std::int64_t runs = 0, failed = 0;
  Money total, failed_cost;
};

}  // namespace

Result<void> failed_runs(const Context& c, std::vector<Recommendation>& out) {
  const WindowRuns& w = *FRUGAL_TRY(c.runs());
  std::map<std::tuple<Label, Label, std::string_view, std::int64_t>, Failures> failures;
  std::map<std::pair<Label, Label>, Unretried> unretried;
  std::map<std::pair<Label, Label>, Spend> spend;
  for (const WindowRun& r : w.runs) {
    if (!r.has(WindowRun::cost)) continue;
    Money cost = Money::from_nanos(r.cost_nanos);
    if (r.status == Status::failed && r.has(WindowRun::exit_code_field)) {
      Failures& f = failures[{r.team, r.project, r.command, r.exit_code}];
      f.cheapest = f.times == 0 ? cost : std::min(f.cheapest, cost);
      ++f.times;
      f.total += cost;
      f.latest_run = std::max(f.latest_run, r.id);
      f.runs.push_back(r.id);
    }
    if (r.status == Status::preempted && r.duration_ms > 0 && !r.retried) {
      Unretried& u = unretried[{r.team, r.project}];
      ++u.runs;
      u.cost += cost;
      u.lost_ms += r.has(WindowRun::work_lost) ? r.work_lost_ms : r.duration_ms;
      u.duration_ms += r.duration_ms;
    }
    Spend& s = spend[{r.team, r.project}];
    ++s.runs;
    s.total += cost;
    if (r.status == Status::failed || r.status == Status::killed || r.status == Status::lost) {
      ++s.failed;
      s.failed_cost += cost;
    }
  }

  // The same failure again and again: each repeat after the first was money spent learning nothing.
  std::erase_if(failures, [](const auto& entry) { return entry.second.times < 3; });
  std::vector<std::int64_t> repeated;
  for (const auto& [key, f] : failures) repeated.insert(repeated.end(), f.runs.begin(), f.runs.end());
  auto steps = FRUGAL_TRY(last_steps(c, repeated));
  for (const auto& [key, f] : failures) {
    const auto& [team_label, project_label, command, exit_code] = key;
    const std::string &team = w.name(team_label), &project = w.name(project_label);
    Money repeats = f.total - f.cheapest;  // all but the cheapest one
    bool same_step = false;
    std::string stopped = where_they_stopped(f.runs, steps, same_step);
    Recommendation rec;
    rec.rule = "failed_runs";
    rec.target = fmt::format("`{}` (exit {})", command, exit_code);
    rec.id = recommendation_id(rec.rule, fmt::format("{}|{}|{}", team, project, rec.target));
    rec.team = team;
    rec.finding = fmt::format("the same command failed {} times with exit status {}{}, costing {}{}", f.times, exit_code,
                              stopped.empty() ? "" : " " + stopped, usd(f.total),
                              same_step ? ": a failure that reruns reproduce, not bad luck" : "");
    rec.evidence = {{"project", project.empty() ? "(none)" : project},
                    {"failures", std::to_string(f.times)},
                    {"exit status", std::to_string(exit_code)},
                    {"cost of the failures", usd(f.total)},
                    {"latest run", std::to_string(f.latest_run)}};
    if (!stopped.empty()) rec.evidence.push_back({"where they stopped", stopped});
    rec.query = fmt::format("SELECT id, started_at, exit_code, duration_ms, cost_usd FROM runs WHERE status = 'failed' "
                            "AND exit_code = {} AND started_at >= '{}' AND started_at < '{}' AND command = {} "
                            "ORDER BY id",
                            exit_code, c.since, c.until, sql_literal(command));
    rec.monthly_saving = c.monthly(repeats);
    rec.confidence = same_step ? 0.9 : 0.7;
    rec.action = fmt::format("fix the cause before running it again (see run {}'s output); a short smoke test "
                             "(--max-usd 1) catches it for cents",
                             f.latest_run);
    out.push_back(std::move(rec));
  }

  // Preempted attempts nothing restarted: the work since their last checkpoint was lost, and the
  // job had to be started again by hand.
  for (const auto& [key, u] : unretried) {
    const std::string &team = w.name(key.first), &project = w.name(key.second);
    // The money of the lost work: each run's cost × lost share, summed as one ratio.
    Money lost = u.cost.scaled(u.lost_ms, std::max<std::int64_t>(1, u.duration_ms));
    Recommendation rec;
    rec.rule = "failed_runs";
    rec.target = fmt::format("preempted runs of project {}", project.empty() ? "(none)" : project);
    rec.id = recommendation_id(rec.rule, team + "|" + rec.target);
    rec.team = team;
    rec.finding = fmt::format("{} preempted runs were not retried; the work they lost cost {}", u.runs, usd(lost));
    rec.evidence = {{"preempted, not retried", std::to_string(u.runs)},
                    {"their cost", usd(u.cost)},
                    {"work lost", fmt::format("{:.1f} hours", static_cast<double>(u.lost_ms) / 3.6e6)}};
    rec.query = fmt::format("SELECT id, name, instance_type, duration_ms, work_lost_ms, cost_usd FROM runs r "
                            "WHERE status = 'preempted' AND started_at >= '{}' AND started_at < '{}' AND NOT EXISTS "
                            "(SELECT 1 FROM runs n WHERE n.parent_run_id = r.id) ORDER BY id",
                            c.since, c.until);
    rec.monthly_saving = c.monthly(lost);
    rec.confidence = 0.5;
    rec.action = "let frugal retry preemptions from the last checkpoint: frugal run --retries 3 --checkpoint-dir ckpt "
                 "--preemption-notice aws -- ...";
    out.push_back(std::move(rec));
  }

  // What failures cost each project: the money, and its share of the project's spend.
  for (const auto& [key, s] : spend) {
    // A project where failures are a tenth of the spend or more: worth a look of its own.
    if (s.failed_cost <= Money{} || s.failed_cost.scaled(10, 1) < s.total) continue;
    const std::string &team = w.name(key.first), &project = w.name(key.second);
    Recommendation rec;
    rec.rule = "failed_runs";
    rec.target = "project " + (project.empty() ? std::string("(none)") : project);
    rec.id = recommendation_id(rec.rule, team + "|" + rec.target);
    rec.team = team;
    rec.finding = fmt::format("{} of {} runs failed, were killed or lost: {} of the project's {}", s.failed, s.runs,
                              usd(s.failed_cost), usd(s.total));
    rec.evidence = {{"failed runs", fmt::format("{} of {}", s.failed, s.runs)},
                    {"cost of failures", usd(s.failed_cost)},
                    {"share of spend", percent(s.failed_cost.to_double() / s.total.to_double())}};
    rec.query = fmt::format("SELECT status, exit_code, count(*), sum(cost_nanos) / 1e9 AS usd FROM runs WHERE "
                            "project = {} AND started_at >= '{}' AND started_at < '{}' GROUP BY status, exit_code "
                            "ORDER BY 4 DESC",
                            sql_literal(project), c.since, c.until);
    // Half of it, as a guess at what fixing the common causes recovers.
    rec.monthly_saving = c.monthly(s.failed_cost.scaled(1, 2));
    rec.confidence = 0.3;
    rec.action = "look at the costliest failures first (frugal report), and cap experiments with --max-usd";
    out.push_back(std::move(rec));
  }
  return {};
}

}  // namespace frugal::advise
