# Schema version 17 gives each experiment made before it a team: the team of its runs when all of
# them are of that one team, else shared (runs of several teams or of none, no runs, Default), on
# SQLite and on PostgreSQL; afterwards a name is unique within a team, not across teams.
pg_server="$(cd "$(dirname "$0")/../pg" && pwd)/pg_server.sh"
source "$(dirname "$0")/lib.bash"

# Runs as `frugal run --experiment` makes them, then the experiments table as version 16 had it.
runs_and_v16_experiments() {
  for spec in "vision solo" "vision solo" "vision mixed" "nlp mixed" "vision teamless" "- teamless"; do
    read -r team name <<<"$spec"
    if [[ "$team" == - ]]; then "$FRUGAL" run --experiment "$name" -- true 2>/dev/null
    else "$FRUGAL" run --team "$team" --experiment "$name" -- true 2>/dev/null; fi || fail "run $spec"
  done
}
expected=$'Default,(shared)\nsolo,vision\nmixed,(shared)\nteamless,(shared)\nempty,(shared)'
made_before="INSERT INTO experiments (name, created_at) VALUES ('solo', '2026-11-01T00:00:00.000Z'),
  ('mixed', '2026-11-01T00:00:00.000Z'), ('teamless', '2026-11-01T00:00:00.000Z'), ('empty', '2026-11-01T00:00:00.000Z');"
teams() { "$FRUGAL" sql --format csv "SELECT name, coalesce(team, '(shared)') FROM experiments ORDER BY id" | tail -n +2; }

# ---- SQLite: the table as version 8 made it, the file at version 16 ----
runs_and_v16_experiments
sqlite3 "$FRUGAL_HOME/frugal.db" "DROP INDEX experiments_team_name;
  CREATE TABLE experiments_v16 (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, artifact_location TEXT,
    lifecycle_stage TEXT NOT NULL DEFAULT 'active', created_at TEXT NOT NULL);
  INSERT INTO experiments_v16 SELECT id, name, artifact_location, lifecycle_stage, created_at FROM experiments;
  DROP TABLE experiments; ALTER TABLE experiments_v16 RENAME TO experiments; $made_before
  PRAGMA user_version = 16;" || fail "make a version-16 file"
run_status teams
expect_eq "$STATUS" 0 "the version-16 file opens and migrates: $ERR"
expect_eq "$OUT" "$expected" "SQLite: each experiment's team after the migration"
expect_eq "$(sqlite3 "$FRUGAL_HOME/frugal.db" 'PRAGMA user_version')" 17 "the file is at version 17"
sqlite3 "$FRUGAL_HOME/frugal.db" "INSERT INTO experiments (name, team, created_at) VALUES ('solo', 'nlp', 'x')" ||
  fail "SQLite: another team may use the name"
! sqlite3 "$FRUGAL_HOME/frugal.db" "INSERT INTO experiments (name, team, created_at) VALUES ('solo', 'vision', 'x')" \
  2>/dev/null || fail "SQLite: a name is unique within its team"

# ---- PostgreSQL: the same, from a database put back to version 16 ----
chmod 755 "$WORK"  # initdb runs as nobody when the tests run as root
"$pg_server" start "$WORK/pg" >/dev/null 2>pg.err || fail "start PostgreSQL: $(cat pg.err)"
if [[ ! -s "$WORK/pg/url" ]]; then echo "SKIP (PostgreSQL half): $(cat pg.err)"; echo ok; exit 0; fi
trap '"$pg_server" stop "$WORK/pg" >/dev/null 2>&1; rm -rf "$WORK"' EXIT
export FRUGAL_DB=$(cat "$WORK/pg/url")
runs_and_v16_experiments
psql -q -X -v ON_ERROR_STOP=1 "$FRUGAL_DB" >/dev/null 2>psql.err <<SQL || fail "make a version-16 database: $(cat psql.err)"
DROP INDEX experiments_team_name;
ALTER TABLE experiments DROP COLUMN team;
ALTER TABLE experiments ADD CONSTRAINT experiments_name_key UNIQUE (name);
$made_before
UPDATE frugal_schema SET version = 16;
SQL
run_status teams
expect_eq "$STATUS" 0 "the version-16 database opens and migrates: $ERR"
expect_eq "$OUT" "$expected" "PostgreSQL: each experiment's team after the migration"
psql -q -X -v ON_ERROR_STOP=1 "$FRUGAL_DB" -c "INSERT INTO experiments (name, team, created_at) VALUES ('solo', 'nlp', 'x')" \
  >/dev/null || fail "PostgreSQL: another team may use the name"
! psql -q -X -v ON_ERROR_STOP=1 "$FRUGAL_DB" -c "INSERT INTO experiments (name, team, created_at) VALUES ('solo', 'vision', 'x')" \
  >/dev/null 2>&1 || fail "PostgreSQL: a name is unique within its team"
echo ok
