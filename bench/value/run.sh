#!/usr/bin/env bash
# Value at scale: `frugal value --experiment sweep --metric val_acc:max` over one experiment of
# 100,000 runs with 100 val_acc points each (10,000,000 metric rows), against the peer: sqlite3's
# own shell answering the core of the same question in SQL, each run's best value and the first
# step within 1% of it. Both read the same file. The bar (issue 24): under 1 s.
#
#   bench/value/run.sh [BUILD_DIR]     (N=100000 POINTS=100 RUNS=3 to change)
# The store is built once by bench/gen_value and kept under /tmp/frugal-bench-value, keyed by the
# generator's binary (a new schema or generator builds it again).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
build="$(cd "${1:-$root/build}" && pwd)"
n="${N:-100000}"
points="${POINTS:-100}"
runs="${RUNS:-3}"
frugal="$build/frugal"
# shellcheck source=bench/timing.sh
source "$root/bench/timing.sh"
command -v sqlite3 >/dev/null || { echo "sqlite3 (the peer) is not installed (make deps)" >&2; exit 1; }

cache=/tmp/frugal-bench-value
mkdir -p "$cache"
key="$(sha1sum "$build/bench/gen_value" | cut -c1-12)"
db="$cache/sweep-$n-$points-$key.db"
if [[ ! -f "$db" ]]; then
  rm -f "$cache/sweep-$n-$points-"*
  start=$(now_ms)
  nice "$build/bench/gen_value" "$db.part" "$n" "$points"
  echo "generated in $(($(now_ms) - start)) ms (wall, with opening and closing the store): $(du -h "$db.part" | cut -f1)"
  mv "$db.part" "$db"
else
  echo "store: $db (cached; $(du -h "$db" | cut -f1))"
fi

peer_sql="WITH best AS (SELECT run_id, max(value) AS b FROM metrics WHERE key = 'val_acc' GROUP BY run_id)
SELECT m.run_id, min(m.step) FROM metrics m JOIN best USING (run_id)
WHERE m.key = 'val_acc' AND m.value >= best.b - 0.01 * abs(best.b) GROUP BY m.run_id;"
value=("$frugal" --db "$db" value --experiment sweep --metric val_acc:max --format csv)

# The two answer for the same runs: frugal's rows (runs placed) against the peer's (runs with a value).
frugal_rows=$(("$("${value[@]}" | wc -l)" - 1))
peer_rows=$(sqlite3 "$db" "$peer_sql" | wc -l)
echo "rows: frugal $frugal_rows runs placed, peer $peer_rows runs with a value"

f=$(best_of "$runs" "${value[@]}")
p=$(best_of "$runs" sqlite3 "$db" "$peer_sql")
rss=$( { /usr/bin/time -f %M "${value[@]}" >/dev/null; } 2>&1 | tail -1)
echo "best of $runs: frugal value ${f} ms, sqlite3 (peer) ${p} ms: peer/frugal = $(python3 -c "print(f'{$p/max($f,1):.2f}')")x;" \
  "frugal's peak RSS $((rss / 1024)) MiB"
if ((f < 1000)); then echo "frugal value: ${f} ms, under the 1 s bar"; else echo "frugal value: ${f} ms, OVER the 1 s bar"; fi
