#!/usr/bin/env bash
# Times `frugal catalog import` of one catalog file against the peer: sqlite3's own CSV import
# (`.import --csv FILE t`) of the same file into a plain table, side by side, and prints the ratio.
# The bar (issue): the largest file, azure_vms.csv (56,671 rows), imports in under 1 s.
#
#   bench/catalog_import/run.sh [BUILD_DIR] [CSV_FILE]
#
# Uses hyperfine when installed, else a plain timing loop. Each run starts from an empty database,
# so both sides pay for creating the file; frugal also creates its schema and indexes.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build="${1:-$root/build}"
file="${2:-$root/../shared/data/price_catalog/skypilot_format/azure_vms.csv}"
frugal="$build/frugal"
runs="${RUNS:-10}"

[[ -x "$frugal" ]] || { echo "no frugal binary at $frugal (build first)" >&2; exit 1; }
[[ -r "$file" ]] || { echo "cannot read $file" >&2; exit 1; }
command -v sqlite3 >/dev/null || { echo "sqlite3 (the peer) is not installed" >&2; exit 1; }

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
frugal_db="$tmp/frugal.db"
peer_db="$tmp/peer.db"
frugal_cmd="$frugal catalog import '$file' --db '$frugal_db'"
# sqlite3 warns on every Azure row whose unquoted "V1,V2" adds a column; the warnings go to /dev/null.
peer_cmd="sqlite3 '$peer_db' \".import --csv '$file' t\" 2>/dev/null"

# One checked run of each first, so a broken command fails loudly instead of being timed.
rm -f "$frugal_db" "$peer_db"
eval "$frugal_cmd" >/dev/null
eval "$peer_cmd" >/dev/null || true
echo "rows: frugal catalog $(sqlite3 "$frugal_db" 'SELECT count(*) FROM catalog'), peer $(sqlite3 "$peer_db" 'SELECT count(*) FROM t')"

rows=$(($(wc -l <"$file") - 1))
echo "file: $file ($rows data lines, $(wc -c <"$file") bytes)"

if command -v hyperfine >/dev/null; then
  json="$tmp/result.json"
  hyperfine --warmup 2 --runs "$runs" --export-json "$json" \
    --prepare "rm -f '$frugal_db' '$frugal_db-wal' '$frugal_db-shm' '$peer_db'" \
    -n "frugal catalog import" "$frugal_cmd" \
    -n "sqlite3 .import (peer)" "$peer_cmd"
  python3 - "$json" <<'PY'
import json, sys
r = {x["command"]: x["mean"] for x in json.load(open(sys.argv[1]))["results"]}
f, p = r["frugal catalog import"], r["sqlite3 .import (peer)"]
print(f"frugal {f*1000:.0f} ms, sqlite3 .import {p*1000:.0f} ms: frugal/peer = {f/p:.2f}x"
      f" ({'under' if f < 1 else 'OVER'} the 1 s bar)")
PY
else
  time_of() {  # median wall time in ms of $runs runs of "$1", each from an empty database
    local samples=()
    for _ in $(seq "$runs"); do
      rm -f "$frugal_db" "$frugal_db-wal" "$frugal_db-shm" "$peer_db"
      local t0 t1
      t0=$(date +%s%N)
      eval "$1" >/dev/null
      t1=$(date +%s%N)
      samples+=($(((t1 - t0) / 1000000)))
    done
    printf '%s\n' "${samples[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
  }
  f=$(time_of "$frugal_cmd")
  p=$(time_of "$peer_cmd")
  awk -v f="$f" -v p="$p" 'BEGIN {printf "frugal %d ms, sqlite3 .import %d ms (medians): frugal/peer = %.2fx (%s the 1 s bar)\n",
                                  f, p, f / p, f < 1000 ? "under" : "OVER"}'
fi
