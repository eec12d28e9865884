#!/usr/bin/env bash
# Bill import: the real FOCUS sample scaled to N rows (default 5,000,000) by gen_focus, imported by
# `frugal bill import` and, side by side, by the peer: sqlite3's own `.import --csv` of the same
# file into a plain table with the same columns. Both write a WAL-mode file with normal sync.
# Then `frugal costs --by team --since 30d` over the result, against the peer computing the same
# totals from its plain table.
# Then the floor: SQLite alone copying the rows frugal stored into an empty store of the same schema.
# Then the same file gzip'd (gzip -6), imported into a fresh store side by side: the .csv.gz import
# against the plain one.
# Bars (issue): import at 2x the peer's rows/s, peak memory under 150 MB, costs under 500 ms;
# the .csv.gz import at least 0.8x the speed of the plain one.
#
#   bench/bill_import/run.sh [BUILD_DIR] [N]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
build="${1:-$root/build}"
n="${2:-5000000}"
frugal="$build/frugal"
sample="$root/../shared/data/focus/focus_sample_1000.csv"
[[ -r "$sample" ]] || { echo "needs ../shared/data/focus/focus_sample_1000.csv" >&2; exit 1; }
tmp="$(mktemp -d "${TMPDIR:-/tmp}/frugal-bill-bench.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
csv="$tmp/focus.csv"
"$build/bench/gen_focus" "$sample" "$csv" "$n"
echo "file: $n rows, $(($(stat -c %s "$csv") / 1000000)) MB"
# Each timed step starts with the disk quiet: the writeback of the step before (the file, a store of
# 700 MB) would otherwise land on the next.
sync

seconds() { python3 -c "import sys; print(float(sys.argv[1]))" "$1"; }
export FRUGAL_HOME="$tmp/home"
# Wall time, peak memory, and CPU (user + sys): the bar asks for at most half the peer's CPU per
# row, so that the lead does not rest on a second thread alone.
/usr/bin/time -f "%e %M %U %S" -o "$tmp/frugal.time" "$frugal" bill import "$csv" >/dev/null
read -r f_s f_kb f_user f_sys <"$tmp/frugal.time"
sqlite3 "$tmp/peer.db" "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;" >/dev/null
sync
/usr/bin/time -f "%e %M %U %S" -o "$tmp/peer.time" sqlite3 "$tmp/peer.db" ".import --csv $csv charges" 2>/dev/null
read -r p_s p_kb p_user p_sys <"$tmp/peer.time"
python3 - "$n" "$f_s" "$f_kb" "$p_s" "$p_kb" "$f_user" "$f_sys" "$p_user" "$p_sys" <<'PY'
import sys
n, fs, fkb, ps, pkb, fu, fsy, pu, psy = int(sys.argv[1]), *map(float, sys.argv[2:])
print(f"import: frugal {fs:.1f} s ({n/fs:,.0f} rows/s, peak {fkb/1024:.0f} MB), "
      f"sqlite3 .import {ps:.1f} s ({n/ps:,.0f} rows/s, peak {pkb/1024:.0f} MB): frugal/peer speed = {ps/fs:.2f}x")
fc, pc = fu + fsy, pu + psy
print(f"import CPU (user + sys): frugal {fc:.1f} s ({fc/n*1e6:.1f} us/row), sqlite3 .import {pc:.1f} s "
      f"({pc/n*1e6:.1f} us/row): frugal/peer CPU = {fc/pc:.2f} ({'meets' if fc <= pc / 2 else 'OVER'} the 0.5 bar)")
PY
# The floor under any importer into this schema, here: SQLite itself copying frugal's converted rows
# into an empty store with the same schema and indexes, in one transaction, WAL, normal sync, one
# thread, nothing to parse (the WHERE keeps SQLite from copying the b-trees page by page, which only
# an INSERT from an identical table can do).
FRUGAL_HOME="$tmp/floor" "$frugal" sql "SELECT 1" >/dev/null
sync
/usr/bin/time -f "%e %U %S" -o "$tmp/floor.time" sqlite3 "$tmp/floor/frugal.db" \
  "PRAGMA synchronous = NORMAL; PRAGMA cache_size = -65536; ATTACH '$tmp/home/frugal.db' AS src;
   INSERT INTO main.charges SELECT * FROM src.charges WHERE rowid > 0;"
read -r s_s s_user s_sys <"$tmp/floor.time"
python3 - "$n" "$s_s" "$s_user" "$s_sys" "$f_s" <<'PY'
import sys
n, ss, su, ssy, fs = int(sys.argv[1]), *map(float, sys.argv[2:])
print(f"store floor (sqlite3 copying the converted rows into an empty store, same schema): {ss:.1f} s "
      f"({n/ss:,.0f} rows/s), CPU {su + ssy:.1f} s; frugal's import takes {fs/ss:.2f}x the floor's time")
PY
rm -rf "$tmp/floor"
gzip -6 -c "$csv" >"$csv.gz"
echo "gzip'd: $(($(stat -c %s "$csv.gz") / 1000000)) MB"
sync
FRUGAL_HOME="$tmp/home_gz" /usr/bin/time -f "%e %M" -o "$tmp/gz.time" "$frugal" bill import "$csv.gz" >/dev/null
read -r g_s g_kb <"$tmp/gz.time"
python3 - "$n" "$f_s" "$g_s" "$g_kb" <<'PY'
import sys
n, fs, gs, gkb = int(sys.argv[1]), *map(float, sys.argv[2:])
ratio = fs / gs
print(f"import .csv.gz: {gs:.1f} s ({n/gs:,.0f} rows/s, peak {gkb/1024:.0f} MB) against plain {fs:.1f} s: "
      f"gz/plain speed = {ratio:.2f}x ({'meets' if ratio >= 0.8 else 'UNDER'} the 0.8x bar)")
PY
since=$(date -u -d '30 days ago' +%Y-%m-%d\ %H:%M:%S)
peer_sql="SELECT coalesce(json_extract(Tags, '\$.team'), ''), sum(BilledCost) FROM charges WHERE ChargePeriodStart >= '$since' GROUP BY 1"
hyperfine -N --warmup 1 --runs "${RUNS:-5}" --export-json "$tmp/costs.json" \
  -n "frugal costs --by team --since 30d" "$frugal costs --by team --since 30d" \
  -n "sqlite3 GROUP BY over the plain table (peer)" "sqlite3 $tmp/peer.db \"$peer_sql\""
python3 - "$tmp/costs.json" <<'PY'
import json, sys
r = {x["command"]: x["median"] for x in json.load(open(sys.argv[1]))["results"]}
f = r["frugal costs --by team --since 30d"]; p = r["sqlite3 GROUP BY over the plain table (peer)"]
print(f"costs: frugal {f*1000:.0f} ms, peer {p*1000:.0f} ms ({'under' if f < 0.5 else 'OVER'} the 500 ms bar)")
PY
