# Schema version 17 gives each experiment made before it a team: the team of its runs when all of
# them are of that one team, else shared (runs of several teams or of none, no runs, Default), on
# SQLite and on PostgreSQL; afterwards a name is unique within a team, not across teams.
pg_server="$(cd "$(dirname "$0")/../pg" && pwd)/pg_server.sh"
source "$(dirname "$0")/lib.bash"

# A database as version 16 left it (FRUGAL_MIGRATE_UP_TO stops the migrations there), then runs
# with experiment labels and experiments as that version wrote them: the experiments table had no team.
v16_rows="INSERT INTO runs (username, command, started_at, status, team, experiment) VALUES
  ('ada', 'true', '2026-11-01T00:00:00.000Z', 'finished', 'vision', 'solo'),
  ('ada', 'true', '2026-11-01T00:00:00.000Z', 'finished', 'vision', 'solo'),
  ('ada', 'true', '2026-11-01T00:00:00.000Z', 'finished', 'vision', 'mixed'),
  ('bo', 'true', '2026-11-01T00:00:00.000Z', 'finished', 'nlp', 'mixed'),
  ('ada', 'true', '2026-11-01T00:00:00.000Z', 'finished', 'vision', 'teamless'),
  ('cy', 'true', '2026-11-01T00:00:00.000Z', 'finished', NULL, 'teamless');
  INSERT INTO experiments (name, created_at) VALUES ('solo', '2026-11-01T00:00:00.000Z'),
  ('mixed', '2026-11-01T00:00:00.000Z'), ('teamless', '2026-11-01T00:00:00.000Z'), ('empty', '2026-11-01T00:00:00.000Z');"
expected=$'Default,(shared)\nsolo,vision\nmixed,(shared)\nteamless,(shared)\nempty,(shared)'
teams() { "$FRUGAL" sql --format csv "SELECT name, coalesce(team, '(shared)') FROM experiments ORDER BY id" | tail -n +2; }

# ---- SQLite ----
FRUGAL_MIGRATE_UP_TO=16 "$FRUGAL" sql "SELECT 1" >/dev/null || fail "make a version-16 file"
expect_eq "$(sqlite3 "$FRUGAL_HOME/frugal.db" 'PRAGMA user_version')" 16 "FRUGAL_MIGRATE_UP_TO=16 leaves the file at version 16"
sqlite3 "$FRUGAL_HOME/frugal.db" "$v16_rows" || fail "fill the version-16 file"
run_status teams
expect_eq "$STATUS" 0 "the version-16 file opens and migrates: $ERR"
expect_eq "$OUT" "$expected" "SQLite: each experiment's team after the migration"
[[ "$(sqlite3 "$FRUGAL_HOME/frugal.db" 'PRAGMA user_version')" -ge 17 ]] || fail "the file is migrated past 17"
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
FRUGAL_MIGRATE_UP_TO=16 "$FRUGAL" sql "SELECT 1" >/dev/null || fail "make a version-16 database"
expect_eq "$(psql -qtAX "$FRUGAL_DB" -c 'SELECT version FROM frugal_schema')" 16 "FRUGAL_MIGRATE_UP_TO=16 leaves the database at version 16"
psql -q -X -v ON_ERROR_STOP=1 "$FRUGAL_DB" -c "$v16_rows" >/dev/null 2>psql.err || fail "fill the version-16 database: $(cat psql.err)"
run_status teams
expect_eq "$STATUS" 0 "the version-16 database opens and migrates: $ERR"
expect_eq "$OUT" "$expected" "PostgreSQL: each experiment's team after the migration"
psql -q -X -v ON_ERROR_STOP=1 "$FRUGAL_DB" -c "INSERT INTO experiments (name, team, created_at) VALUES ('solo', 'nlp', 'x')" \
  >/dev/null || fail "PostgreSQL: another team may use the name"
! psql -q -X -v ON_ERROR_STOP=1 "$FRUGAL_DB" -c "INSERT INTO experiments (name, team, created_at) VALUES ('solo', 'vision', 'x')" \
  >/dev/null 2>&1 || fail "PostgreSQL: a name is unique within its team"
echo ok
