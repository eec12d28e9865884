#!/usr/bin/env bash
# PostgreSQL backend, against its peers, on a throwaway PostgreSQL server (tests/pg/pg_server.sh):
#  1. Bill import: `frugal bill import` of the real FOCUS sample scaled to N rows (default
#     1,000,000), against psql's own `\copy` of the very rows frugal stored into the same table
#     (same columns, same indexes). Bar (issue): frugal at ≥ 80 % of psql's speed.
#  2. Leaderboards over 5,000,000 charges and 1,000,000 runs (generated in the server with
#     generate_series): `frugal top --by team --since 30d` and `frugal costs --by team --since 30d`,
#     against psql running a plain GROUP BY over runs and charges. Bar: under 1 s. The plans show
#     the indexes used (run_rollups_pkey, charge_rollups_pkey, runs_started, charges_time).
#
#   bench/postgres/run.sh [BUILD_DIR] [N_BILL_ROWS] [N_CHARGES] [N_RUNS]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
build="${1:-$root/build}"
n="${2:-1000000}"
charges="${3:-5000000}"
runs="${4:-1000000}"
frugal="$build/frugal"
sample="$root/../shared/data/focus/focus_sample_1000.csv"
[[ -r "$sample" ]] || { echo "needs ../shared/data/focus/focus_sample_1000.csv" >&2; exit 1; }
command -v hyperfine >/dev/null || { echo "hyperfine is not installed (make deps)" >&2; exit 1; }
tmp="$(mktemp -d "${TMPDIR:-/tmp}/frugal-pg-bench.XXXXXX")"
chmod 755 "$tmp"
pg="$root/tests/pg/pg_server.sh"
trap '"$pg" stop "$tmp/pg" >/dev/null 2>&1; rm -rf "$tmp"' EXIT
"$pg" start "$tmp/pg" >/dev/null
[[ -s "$tmp/pg/url" ]] || { echo "PostgreSQL is not installed (make deps)" >&2; exit 1; }
server="$(cat "$tmp/pg/url")"
base="${server%/*}"
psql_q() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }
newdb() { psql_q "$server" -c "CREATE DATABASE $1" >/dev/null; "$frugal" --db "$base/$1" sql "SELECT 1" >/dev/null; echo "$base/$1"; }
export FRUGAL_HOME="$tmp/home"

# 1. Bill import.
csv="$tmp/focus.csv"
"$build/bench/gen_focus" "$sample" "$csv" "$n"
echo "bill: $n rows, $(($(stat -c %s "$csv") / 1000000)) MB"
columns=$(psql_q -At "$(newdb columns_only)" -c "SELECT string_agg(column_name, ', ' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_name = 'charges' AND column_name <> 'id'")
f_best=999999 p_best=999999
for round in 1 2 3; do
  frugal_db=$(newdb "frugal_$round")
  start=$(date +%s.%N)
  "$frugal" --db "$frugal_db" bill import "$csv" >/dev/null
  f_s=$(echo "$(date +%s.%N) - $start" | bc)
  psql_q "$frugal_db" -c "\\copy (SELECT $columns FROM charges) TO '$tmp/rows.tsv'"
  peer_db=$(newdb "peer_$round")
  psql_q "$peer_db" -c "INSERT INTO imports (id, file, file_sha256, format, imported_at, rows) SELECT id, file, file_sha256, format, imported_at, rows FROM (VALUES (1, 'x', 'x', 'focus', 'x', 0)) AS v(id, file, file_sha256, format, imported_at, rows)" >/dev/null
  start=$(date +%s.%N)
  psql_q "$peer_db" -c "\\copy charges ($columns) FROM '$tmp/rows.tsv'"
  p_s=$(echo "$(date +%s.%N) - $start" | bc)
  echo "  round $round: frugal bill import $f_s s, psql \\copy $p_s s"
  f_best=$(echo "if ($f_s < $f_best) $f_s else $f_best" | bc)
  p_best=$(echo "if ($p_s < $p_best) $p_s else $p_best" | bc)
  psql_q "$server" -c "DROP DATABASE frugal_$round" -c "DROP DATABASE peer_$round" >/dev/null
done
python3 - "$n" "$f_best" "$p_best" <<'PY'
import sys
n, f, p = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
print(f"bill import (best of 3): frugal {f:.2f} s ({n/f:,.0f} rows/s), psql \\copy of the stored rows {p:.2f} s "
      f"({n/p:,.0f} rows/s): frugal at {100*p/f:.0f}% of psql's speed ({'meets' if p/f >= 0.8 else 'BELOW'} the 80% bar)")
PY

# 2. Leaderboards over generated charges and runs.
db=$(newdb leaderboard)
since=$(date -u -d '30 days ago' +%Y-%m-%dT%H:%M:%S.000Z)
psql_q "$db" <<SQL
INSERT INTO imports (id, file, file_sha256, format, imported_at, rows) VALUES (1, 'generated', 'x', 'focus', '$since', $charges);
ALTER TABLE runs DISABLE TRIGGER runs_rollup;
INSERT INTO runs (username, team, project, command, started_at, ended_at, duration_ms, status, cost_nanos, gpu_count)
  SELECT 'user' || (i % 500), 'team' || (i % 40), 'project' || (i % 200), 'python train.py',
         to_char(now() at time zone 'utc' - (i % 90) * interval '1 day' - (i % 86400) * interval '1 second', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
         NULL, 3600000, CASE WHEN i % 10 = 0 THEN 'failed' ELSE 'finished' END, 1000000000 + i % 1000, i % 9
  FROM generate_series(1, $runs) AS i;
ALTER TABLE runs ENABLE TRIGGER runs_rollup;
INSERT INTO run_rollups (dimension, day, key, runs, failures, cost_nanos, gpu_ms, duration_ms, idle_cost_nanos)
  SELECT d.dimension, substr(r.started_at, 1, 10), coalesce(d.key, ''), count(*),
         sum(CASE WHEN r.status IN ('failed', 'killed', 'lost') THEN 1 ELSE 0 END), sum(coalesce(r.cost_nanos, 0)),
         sum(coalesce(r.duration_ms, 0) * r.gpu_count), sum(coalesce(r.duration_ms, 0)), sum(coalesce(r.idle_cost_nanos, 0))
  FROM runs r CROSS JOIN LATERAL (VALUES ('team', r.team), ('user', r.username), ('project', r.project),
       ('model', r.model), ('dataset', r.dataset), ('experiment', r.experiment)) AS d(dimension, key)
  GROUP BY 1, 2, 3;
INSERT INTO charges (import_id, source_line, provider_name, billing_account_id, billing_currency, billing_period_start,
                     billing_period_end, charge_period_start, charge_period_end, billed_cost_nanos, billed_cost_attos,
                     effective_cost_nanos, effective_cost_attos, list_cost_nanos, list_cost_attos, service_name,
                     region_id, tags, x_team)
  SELECT 1, i, 'AWS', 'acct', 'USD', '2026-11-01T00:00:00Z', '2026-12-01T00:00:00Z',
         to_char(now() at time zone 'utc' - (i % 90) * interval '1 day' - (i % 24) * interval '1 hour', 'YYYY-MM-DD"T"HH24:00:00"Z"'),
         to_char(now() at time zone 'utc' - (i % 90) * interval '1 day' - (i % 24 - 1) * interval '1 hour', 'YYYY-MM-DD"T"HH24:00:00"Z"'),
         12345678 + i % 1000, 0, 12345678, 0, 20000000, 0, 'service' || (i % 30), 'us-east-' || (i % 2 + 1),
         '{"team": "team' || (i % 40) || '"}', 'team' || (i % 40)
  FROM generate_series(1, $charges) AS i;
INSERT INTO charge_rollups (dimension, day, key, billing_currency, rows, billed_cost_nanos, billed_cost_attos,
                            effective_cost_nanos, effective_cost_attos, list_cost_nanos, list_cost_attos)
  SELECT d.dimension, substr(c.charge_period_start, 1, 10), coalesce(d.key, ''), c.billing_currency, count(*),
         sum(c.billed_cost_nanos), sum(c.billed_cost_attos), sum(c.effective_cost_nanos), sum(c.effective_cost_attos),
         sum(c.list_cost_nanos), sum(c.list_cost_attos)
  FROM charges c CROSS JOIN LATERAL (VALUES ('service', c.service_name), ('region', c.region_id),
       ('provider', c.provider_name), ('account', c.billing_account_id), ('team', c.x_team), ('project', c.x_project),
       ('user', c.x_user), ('model', c.x_model), ('dataset', c.x_dataset)) AS d(dimension, key)
  GROUP BY 1, 2, 3, 4;
VACUUM ANALYZE runs, charges, run_rollups, charge_rollups;
SQL
echo "leaderboard data: $(psql_q -At "$db" -c "SELECT count(*) FROM runs") runs, $(psql_q -At "$db" -c "SELECT count(*) FROM charges") charges"
echo "frugal top's plan (whole days from run_rollups, the edges from runs):"
"$frugal" --db "$db" sql --explain "SELECT key, sum(runs) FROM (SELECT key, runs FROM run_rollups WHERE dimension = 'team' AND day >= '2026-11-01' AND day < '2026-11-25' UNION ALL SELECT coalesce(team, ''), 1 FROM runs WHERE (started_at >= '2026-10-31T10:00' AND started_at < '2026-11-01') OR (started_at >= '2026-11-25' AND started_at < '2026-11-25T12:00')) AS t GROUP BY key" | sed 's/^/  /'
peer_runs="SELECT team, sum(cost_nanos), sum(duration_ms * gpu_count), count(*) FROM runs WHERE started_at >= '$since' GROUP BY team ORDER BY 2 DESC"
peer_charges="SELECT x_team, sum(billed_cost_nanos) FROM charges WHERE charge_period_start >= '$since' GROUP BY x_team ORDER BY 2 DESC"
hyperfine -N --warmup 2 --runs "${RUNS:-10}" --export-json "$tmp/lb.json" \
  -n "frugal top --by team --since 30d" "$frugal --db $db top --by team --since 30d" \
  -n "frugal costs --by team --since 30d" "$frugal --db $db costs --by team --since 30d" \
  -n "psql GROUP BY over runs (peer)" "psql -X -q -At $db -c \"$peer_runs\"" \
  -n "psql GROUP BY over charges (peer)" "psql -X -q -At $db -c \"$peer_charges\""
python3 - "$tmp/lb.json" <<'PY'
import json, sys
r = {x["command"]: x["median"] for x in json.load(open(sys.argv[1]))["results"]}
for mine, peer in (("frugal top --by team --since 30d", "psql GROUP BY over runs (peer)"),
                   ("frugal costs --by team --since 30d", "psql GROUP BY over charges (peer)")):
    f, p = r[mine], r[peer]
    print(f"median: {mine} {f*1000:.0f} ms, {peer} {p*1000:.0f} ms: peer/frugal = {p/f:.1f}x "
          f"({'under' if f < 1 else 'OVER'} the 1 s bar)")
PY
