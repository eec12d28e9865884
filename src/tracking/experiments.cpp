// Experiments, each of one team or shared (tracking.h states the rules).
#include <fmt/format.h>

#include "tracking/label_tags.h"
#include "tracking/tracking.h"

namespace frugal::tracking {
namespace {

constexpr const char* k_columns = "id, name, team, coalesce(artifact_location, ''), lifecycle_stage, created_at";

Experiment experiment_of(const store::Row& r) {
  Experiment e;
  e.id = store::as_int(r[0]);
  e.name = store::as_text(r[1]);
  if (!store::is_null(r[2])) e.team = store::as_text(r[2]);
  e.artifact_location = store::as_text(r[3]);
  e.lifecycle_stage = store::as_text(r[4]);
  e.created_at = store::as_text(r[5]);
  return e;
}

// " AND (...)" keeping the experiments `reader` sees, its parameter appended to `params`.
std::string in_sight(const Reader& reader, std::vector<store::Value>& params) {
  if (!reader.team) return "";
  params.emplace_back(*reader.team);
  return " AND (team IS NULL OR team = ?)";
}

}  // namespace

Result<std::int64_t> create_experiment(store::Store& store, const std::string& name, const std::optional<std::string>& team,
                                       const std::string& artifact_location, TimePoint now, const Writer& writer) {
  if (name.empty()) return fail(ErrorCode::invalid, "field 'name': an experiment's name must not be empty");
  if (writer.team && !team)
    return fail(ErrorCode::forbidden, fmt::format("a shared experiment is an admin's to make; this token makes team '{}''s",
                                                  *writer.team));
  if (team) FRUGAL_CHECK(check_team(writer, *team, "team"));
  std::int64_t id = 0;
  FRUGAL_CHECK(store.transaction([&]() -> Result<void> {
    // A team's name may not repeat a shared one, nor a shared one any team's: whoever sees both
    // would not know which the name means.
    std::vector<store::Value> p = {name};
    std::string where = "name = ?";
    if (team) {
      where += " AND (team IS NULL OR team = ?)";
      p.emplace_back(*team);
    }
    auto taken = FRUGAL_TRY(store.query(fmt::format("SELECT team FROM experiments WHERE {} LIMIT 1", where), p));
    if (!taken.rows.empty())
      return fail(ErrorCode::conflict,
                  fmt::format("experiment '{}' already exists{}", name,
                              team || store::is_null(taken.rows[0][0])
                                  ? ""
                                  : fmt::format(" (team '{}'): a shared experiment cannot repeat a team's name",
                                                store::as_text(taken.rows[0][0]))));
    store::Value row[] = {name, team ? store::Value{*team} : store::Value{}, store::text_or_null(artifact_location),
                          format_utc(now)};
    auto inserted = FRUGAL_TRY(store.query(
        "INSERT INTO experiments (name, team, artifact_location, created_at) VALUES (?, ?, ?, ?) RETURNING id", row));
    id = store::as_int(inserted.rows.at(0).at(0));
    return {};
  }));
  return id;
}

Result<Experiment> find_experiment(store::Store& store, std::int64_t id, const Reader& reader) {
  std::vector<store::Value> p = {id};
  std::string sight = in_sight(reader, p);
  auto rows = FRUGAL_TRY(store.query(fmt::format("SELECT {} FROM experiments WHERE id = ?{}", k_columns, sight), p));
  if (rows.rows.empty()) return fail(ErrorCode::not_found, fmt::format("experiment {} does not exist", id));
  return experiment_of(rows.rows[0]);
}

Result<Experiment> find_experiment(store::Store& store, const std::string& name, const Reader& reader) {
  std::vector<store::Value> p = {name};
  std::string sight = in_sight(reader, p);
  // A team's own before a shared one (there is never both); for every team, the shared one first.
  auto rows = FRUGAL_TRY(store.query(fmt::format("SELECT {} FROM experiments WHERE name = ?{} ORDER BY team IS {} NULL, id LIMIT 1",
                                                 k_columns, sight, reader.team ? "" : "NOT"),
                                     p));
  if (rows.rows.empty()) return fail(ErrorCode::not_found, fmt::format("experiment '{}' does not exist", name));
  return experiment_of(rows.rows[0]);
}

Result<std::vector<Experiment>> list_experiments(store::Store& store, const Reader& reader) {
  std::vector<store::Value> p;
  std::string sight = in_sight(reader, p);
  auto rows = FRUGAL_TRY(store.query(fmt::format("SELECT {} FROM experiments WHERE 1 = 1{} ORDER BY id", k_columns, sight), p));
  std::vector<Experiment> out;
  out.reserve(rows.rows.size());
  for (const auto& r : rows.rows) out.push_back(experiment_of(r));
  return out;
}

Result<bool> adopt_experiment(store::Store& store, const std::string& name, const Reader& reader, TimePoint now) {
  if (name.empty()) return false;
  if (find_experiment(store, name, reader)) return false;
  std::vector<store::Value> p = {name};
  std::string of_team;
  if (reader.team) {
    of_team = " AND team = ?";
    p.emplace_back(*reader.team);
  }
  // The team every run of that name shares, if one does (count(team) leaves out runs of no team).
  auto used = FRUGAL_TRY(store.query(
      fmt::format("SELECT count(*), CASE WHEN count(*) = count(team) AND count(DISTINCT team) = 1 THEN min(team) END "
                  "FROM runs WHERE experiment = ?{}",
                  of_team),
      p));
  if (store::as_int(used.rows.at(0).at(0)) == 0) return false;
  std::optional<std::string> team;
  if (!store::is_null(used.rows[0][1])) team = store::as_text(used.rows[0][1]);
  auto writer = reader.team ? Writer::of_team(*reader.team) : Writer::any();
  FRUGAL_TRY(create_experiment(store, name, team, "", now, writer));
  return true;
}

std::string run_experiment_id_sql(std::string_view runs_alias) {
  return fmt::format(
      "coalesce((SELECT x.id FROM experiments x WHERE x.name = {0}.experiment AND (x.team = {0}.team OR x.team IS NULL) "
      "ORDER BY x.team IS NULL LIMIT 1), 0)",
      runs_alias);
}

}  // namespace frugal::tracking
