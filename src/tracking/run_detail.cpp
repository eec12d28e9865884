// Reading a run back: what MLflow's runs/get and the JSON API's run page show.
#include <cmath>
#include <fmt/format.h>
#include <limits>

#include "tracking/tracking.h"

namespace frugal::tracking {

double metric_value(const store::Value& stored) {
  if (store::is_null(stored)) return std::numeric_limits<double>::quiet_NaN();  // NULL stands for NaN
  return store::as_double(stored);
}

Result<RunDetail> read_run(store::Store& store, std::int64_t run_id) {
  store::Value p[] = {run_id};
  auto rows = FRUGAL_TRY(store.query(
      "SELECT name, coalesce(username, ''), coalesce(team, ''), coalesce(project, ''), coalesce(model, ''), "
      "coalesce(dataset, ''), coalesce(experiment, ''), status, started_at, coalesce(ended_at, '') FROM runs WHERE id = ?",
      p));
  if (rows.rows.empty()) return fail(ErrorCode::not_found, fmt::format("run {} does not exist", run_id));
  const auto& r = rows.rows[0];
  RunDetail run;
  run.id = run_id;
  run.name = store::as_text(r[0]);
  run.labels = {store::as_text(r[1]), store::as_text(r[2]), store::as_text(r[3]),
                store::as_text(r[4]), store::as_text(r[5]), store::as_text(r[6])};
  run.status = FRUGAL_TRY(parse_status(store::as_text(r[7])));
  run.started_at = store::as_text(r[8]);
  run.ended_at = store::as_text(r[9]);
  for (auto [table, into] : {std::pair{"params", &run.params}, std::pair{"tags", &run.tags}}) {
    auto kv = FRUGAL_TRY(store.query(fmt::format("SELECT key, value FROM {} WHERE run_id = ? ORDER BY key", table), p));
    for (const auto& row : kv.rows) into->emplace_back(store::as_text(row[0]), store::as_text(row[1]));
  }
  auto metrics = FRUGAL_TRY(store.query(
      "SELECT key, value, step, time FROM (SELECT key, value, step, time, row_number() OVER (PARTITION BY key ORDER BY "
      "step DESC, time DESC) AS rank FROM metrics WHERE run_id = ?) AS latest WHERE rank = 1 ORDER BY key",
      p));
  for (const auto& m : metrics.rows)
    run.latest_metrics.push_back({store::as_text(m[0]), metric_value(m[1]), store::as_int(m[2]), store::as_text(m[3])});
  return run;
}

}  // namespace frugal::tracking
