#!/usr/bin/env bash
# Leaderboard: `frugal top --by team --since 30d` over 1,000,000 runs, against the peer: the same
# totals computed by sqlite3's own shell with a plain GROUP BY over the runs table. Both read the
# same file; frugal answers from the per-day rollups plus the two partial edge days.
# The bar (issue): under 200 ms; the query plan must use an index (printed below).
#
#   bench/top/run.sh [BUILD_DIR] [RUNS=1000000]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
build="${1:-$root/build}"
n="${2:-1000000}"
frugal="$build/frugal"
command -v hyperfine >/dev/null || { echo "hyperfine is not installed (make deps)" >&2; exit 1; }
command -v sqlite3 >/dev/null || { echo "sqlite3 (the peer) is not installed (make deps)" >&2; exit 1; }
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
db="$tmp/runs.db"
"$build/bench/gen_runs" "$db" "$n" 30
since=$(date -u -d '30 days ago' +%Y-%m-%dT%H:%M:%S.000Z)
peer_sql="SELECT team, sum(cost_nanos), sum(duration_ms * gpu_count), count(*), sum(status IN ('failed','killed','lost')), sum(duration_ms) FROM runs WHERE started_at >= '$since' GROUP BY team ORDER BY 2 DESC"
echo "frugal's plan:"
"$frugal" --db "$db" sql --explain "$(cat <<SQL
SELECT key, sum(runs) FROM (SELECT key, runs FROM run_rollups WHERE dimension = 'team' AND day >= '2026-01-02' AND day < '2026-01-30'
UNION ALL SELECT coalesce(team, ''), 1 FROM runs WHERE (started_at >= '2026-01-01T10:00' AND started_at < '2026-01-02') OR (started_at >= '2026-01-30' AND started_at < '2026-01-30T12:00')) GROUP BY key
SQL
)" | sed 's/^/  /'
echo "peer's plan:"
sqlite3 "$db" "EXPLAIN QUERY PLAN $peer_sql" | sed 's/^/  /'
json="$tmp/result.json"
hyperfine -N --warmup 3 --runs "${RUNS:-20}" --export-json "$json" \
  -n "frugal top --by team --since 30d" "$frugal --db $db top --by team --since 30d" \
  -n "frugal top --by user --since 30d" "$frugal --db $db top --by user --since 30d" \
  -n "sqlite3 GROUP BY over runs (peer)" "sqlite3 $db \"$peer_sql\""
python3 - "$json" <<'PY'
import json, sys
r = {x["command"]: x["median"] for x in json.load(open(sys.argv[1]))["results"]}
f = r["frugal top --by team --since 30d"]; p = r["sqlite3 GROUP BY over runs (peer)"]
print(f"median: frugal top {f*1000:.1f} ms, peer {p*1000:.1f} ms: peer/frugal = {p/f:.1f}x "
      f"({'under' if f < 0.2 else 'OVER'} the 200 ms bar)")
PY
