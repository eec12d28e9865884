// Rule "failed_runs": the money failed attempts cost per project; the same failure repeated (same
// command, same exit status, three times or more: fix before rerunning); and preempted runs that
// nothing retried (frugal run --retries restarts them from their checkpoint).
#include <fmt/format.h>

#include "advise/rules.h"

namespace frugal::advise {

Result<void> failed_runs(const Context& c, std::vector<Recommendation>& out) {
  std::vector<store::Value> p = {c.since, c.until};
  c.bind_team(p);
  // The same failure again and again: each repeat after the first was money spent learning nothing.
  FRUGAL_CHECK(c.store.for_each_row(
      "SELECT coalesce(team, ''), coalesce(project, ''), command, exit_code, count(*), sum(cost_nanos), "
      "min(cost_nanos), max(id) FROM runs WHERE started_at >= ? AND started_at < ? AND status = 'failed' "
      "AND exit_code IS NOT NULL AND cost_nanos IS NOT NULL" + c.team_filter() +
          " GROUP BY 1, 2, 3, 4 HAVING count(*) >= 3",
      p, [&](const store::Row& r) {
        std::string team = store::as_text(r[0]), project = store::as_text(r[1]), command = store::as_text(r[2]);
        std::int64_t times = store::as_int(r[4]);
        Money total = Money::from_nanos(store::as_int(r[5]));
        Money repeats = total - Money::from_nanos(store::as_int(r[6]));  // all but the cheapest one
        Recommendation rec;
        rec.rule = "failed_runs";
        rec.target = fmt::format("`{}` (exit {})", command, store::as_int(r[3]));
        rec.id = recommendation_id(rec.rule, team + "|" + project + "|" + rec.target);
        rec.team = team;
        rec.finding = fmt::format("the same command failed {} times with exit status {}, costing {}", times,
                                  store::as_int(r[3]), usd(total));
        rec.evidence = {{"project", project.empty() ? "(none)" : project},
                        {"failures", std::to_string(times)},
                        {"exit status", std::to_string(store::as_int(r[3]))},
                        {"cost of the failures", usd(total)},
                        {"latest run", std::to_string(store::as_int(r[7]))}};
        rec.query = fmt::format("SELECT id, started_at, exit_code, duration_ms, cost_usd FROM runs WHERE status = 'failed' "
                                "AND exit_code = {} AND started_at >= '{}' AND started_at < '{}' AND command = '{}' "
                                "ORDER BY id",
                                store::as_int(r[3]), c.since, c.until, [&] {
                                  std::string quoted;
                                  for (char ch : command) quoted += ch == '\'' ? std::string("''") : std::string(1, ch);
                                  return quoted;
                                }());
        rec.monthly_saving = c.monthly(repeats);
        rec.confidence = 0.7;
        rec.action = fmt::format("fix the cause before running it again (see run {}'s output); a short smoke test "
                                 "(--max-usd 1) catches it for cents",
                                 store::as_int(r[7]));
        out.push_back(std::move(rec));
        return true;
      }));
  // Preempted attempts nothing restarted: the work since their last checkpoint was lost, and the
  // job had to be started again by hand.
  FRUGAL_CHECK(c.store.for_each_row(
      "SELECT coalesce(team, ''), coalesce(project, ''), count(*), sum(cost_nanos), sum(coalesce(work_lost_ms, duration_ms)), "
      "sum(duration_ms) FROM runs r WHERE started_at >= ? AND started_at < ? AND status = 'preempted' "
      "AND cost_nanos IS NOT NULL AND duration_ms > 0 AND NOT EXISTS (SELECT 1 FROM runs n WHERE n.parent_run_id = r.id)" +
          c.team_filter() + " GROUP BY 1, 2",
      p, [&](const store::Row& r) {
        std::string team = store::as_text(r[0]), project = store::as_text(r[1]);
        Money cost = Money::from_nanos(store::as_int(r[3]));
        // The money of the lost work: each run's cost × lost share, summed as one ratio.
        Money lost = cost.scaled(store::as_int(r[4]), std::max<std::int64_t>(1, store::as_int(r[5])));
        Recommendation rec;
        rec.rule = "failed_runs";
        rec.target = fmt::format("preempted runs of project {}", project.empty() ? "(none)" : project);
        rec.id = recommendation_id(rec.rule, team + "|" + rec.target);
        rec.team = team;
        rec.finding = fmt::format("{} preempted runs were not retried; the work they lost cost {}", store::as_int(r[2]),
                                  usd(lost));
        rec.evidence = {{"preempted, not retried", std::to_string(store::as_int(r[2]))},
                        {"their cost", usd(cost)},
                        {"work lost", fmt::format("{:.1f} hours", store::as_double(r[4]) / 3.6e6)}};
        rec.query = fmt::format("SELECT id, name, instance_type, duration_ms, work_lost_ms, cost_usd FROM runs r "
                                "WHERE status = 'preempted' AND started_at >= '{}' AND started_at < '{}' AND NOT EXISTS "
                                "(SELECT 1 FROM runs n WHERE n.parent_run_id = r.id)",
                                c.since, c.until);
        rec.monthly_saving = c.monthly(lost);
        rec.confidence = 0.5;
        rec.action = "let frugal retry preemptions from the last checkpoint: frugal run --retries 3 --checkpoint-dir ckpt "
                     "--preemption-notice aws -- ...";
        out.push_back(std::move(rec));
        return true;
      }));
  // What failures cost each project: the money, and its share of the project's spend.
  FRUGAL_CHECK(c.store.for_each_row(
      "SELECT coalesce(team, ''), coalesce(project, ''), sum(CASE WHEN status IN ('failed', 'killed', 'lost') THEN 1 "
      "ELSE 0 END), sum(CASE WHEN status IN ('failed', 'killed', 'lost') THEN cost_nanos ELSE 0 END), sum(cost_nanos), "
      "count(*) FROM runs WHERE started_at >= ? AND started_at < ? AND cost_nanos IS NOT NULL" + c.team_filter() +
          " GROUP BY 1, 2",
      p, [&](const store::Row& r) {
        Money failed = Money::from_nanos(store::as_int(r[3]));
        Money total = Money::from_nanos(store::as_int(r[4]));
        // A project where failures are a tenth of the spend or more: worth a look of its own.
        if (failed <= Money{} || failed.scaled(10, 1) < total) return true;
        std::string team = store::as_text(r[0]), project = store::as_text(r[1]);
        Recommendation rec;
        rec.rule = "failed_runs";
        rec.target = "project " + (project.empty() ? std::string("(none)") : project);
        rec.id = recommendation_id(rec.rule, team + "|" + rec.target);
        rec.team = team;
        rec.finding = fmt::format("{} of {} runs failed, were killed or lost: {} of the project's {}", store::as_int(r[2]),
                                  store::as_int(r[5]), usd(failed), usd(total));
        rec.evidence = {{"failed runs", fmt::format("{} of {}", store::as_int(r[2]), store::as_int(r[5]))},
                        {"cost of failures", usd(failed)},
                        {"share of spend", percent(failed.to_double() / total.to_double())}};
        rec.query = fmt::format("SELECT status, exit_code, count(*), sum(cost_nanos) / 1e9 AS usd FROM runs WHERE "
                                "project = '{}' AND started_at >= '{}' AND started_at < '{}' GROUP BY status, exit_code "
                                "ORDER BY 4 DESC",
                                project, c.since, c.until);
        // Half of it, as a guess at what fixing the common causes recovers.
        rec.monthly_saving = c.monthly(failed.scaled(1, 2));
        rec.confidence = 0.3;
        rec.action = "look at the costliest failures first (frugal report), and cap experiments with --max-usd";
        out.push_back(std::move(rec));
        return true;
      }));
  return {};
}

}  // namespace frugal::advise
