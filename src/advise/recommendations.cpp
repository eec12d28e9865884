// Where recommendations are kept: the recommendations table (migration 13). Evidence is stored
// as a JSON array, which `frugal sql` and the dashboard read as it is.
#include <nlohmann/json.hpp>

#include <fmt/format.h>

#include "advise/rules.h"

namespace frugal::advise {
namespace {

using json = nlohmann::json;

constexpr std::string_view k_columns =
    "id, rule, team, target, finding, evidence, query, monthly_saving_nanos, confidence, action";

Recommendation from_row(const store::Row& r) {
  Recommendation rec;
  rec.id = store::as_text(r[0]);
  rec.rule = store::as_text(r[1]);
  rec.team = store::as_text(r[2]);
  rec.target = store::as_text(r[3]);
  rec.finding = store::as_text(r[4]);
  auto evidence = json::parse(store::as_text(r[5]), nullptr, false);
  if (evidence.is_array())
    for (const auto& e : evidence)
      if (e.is_object()) rec.evidence.push_back({e.value("name", ""), e.value("value", "")});
  rec.query = store::as_text(r[6]);
  rec.monthly_saving = Money::from_nanos(store::as_int(r[7]));
  rec.confidence = store::as_double(r[8]);
  rec.action = store::as_text(r[9]);
  return rec;
}

}  // namespace

Result<void> save(store::Store& store, const std::vector<Recommendation>& found, const std::string& team,
                  TimePoint now) {
  return store.transaction([&]() -> Result<void> {
    // What was open in this scope and is not found again has gone away (fixed, or out of the window).
    std::vector<store::Value> scope;
    std::string where = "dismissed_at IS NULL";
    if (!team.empty()) {
      where += " AND team = ?";
      scope.emplace_back(team);
    }
    FRUGAL_CHECK(store.execute("DELETE FROM recommendations WHERE " + where, scope));
    for (const auto& r : found) {
      json evidence = json::array();
      for (const auto& e : r.evidence) evidence.push_back({{"name", e.name}, {"value", e.value}});
      std::vector<store::Value> p = {r.id, r.rule, store::text_or_null(r.team), r.target, r.finding, evidence.dump(),
                                     store::text_or_null(r.query), r.monthly_saving.nanos_rounded(), r.confidence,
                                     r.action, format_utc(now)};
      // A dismissed recommendation keeps its dismissal and is not brought back.
      FRUGAL_CHECK(store.execute(
          fmt::format("INSERT INTO recommendations ({}, computed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                      "ON CONFLICT (id) DO UPDATE SET rule = excluded.rule, team = excluded.team, "
                      "target = excluded.target, finding = excluded.finding, evidence = excluded.evidence, "
                      "query = excluded.query, monthly_saving_nanos = excluded.monthly_saving_nanos, "
                      "confidence = excluded.confidence, action = excluded.action, computed_at = excluded.computed_at "
                      "WHERE recommendations.dismissed_at IS NULL",
                      k_columns),
          p));
    }
    return {};
  });
}

Result<std::vector<Recommendation>> open_recommendations(store::Store& store, const std::string& team) {
  std::vector<store::Value> p;
  std::string where = "dismissed_at IS NULL";
  if (!team.empty()) {
    where += " AND team = ?";
    p.emplace_back(team);
  }
  auto rows = FRUGAL_TRY(store.query(
      fmt::format("SELECT {} FROM recommendations WHERE {} ORDER BY monthly_saving_nanos DESC, id", k_columns, where), p));
  std::vector<Recommendation> out;
  for (const auto& r : rows.rows) out.push_back(from_row(r));
  return out;
}

Result<void> dismiss(store::Store& store, const std::string& id, const std::string& why, TimePoint now) {
  if (why.find_first_not_of(" \t") == std::string::npos)
    return fail(ErrorCode::invalid, "advise dismiss: say why (--why \"we need the A100s for the 70B run\")");
  std::vector<store::Value> p = {format_utc(now), why, id};
  auto changed = FRUGAL_TRY(store.execute(
      "UPDATE recommendations SET dismissed_at = ?, dismissed_why = ? WHERE id = ? AND dismissed_at IS NULL", p));
  if (changed == 0) {
    std::vector<store::Value> q = {id};
    auto seen = FRUGAL_TRY(store.query("SELECT dismissed_at FROM recommendations WHERE id = ?", q));
    if (seen.rows.empty())
      return fail(ErrorCode::not_found, fmt::format("advise dismiss: no recommendation '{}' (frugal advise lists them)", id));
    return fail(ErrorCode::conflict, fmt::format("advise dismiss: '{}' was dismissed already, at {}", id,
                                                 store::as_text(seen.rows[0][0])));
  }
  return {};
}

}  // namespace frugal::advise
