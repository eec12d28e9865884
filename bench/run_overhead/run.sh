#!/usr/bin/env bash
# Wrapper overhead: `frugal run -- true` against bare `true`, side by side in one hyperfine run.
# The bar (issue): under 10 ms added at the median. Each frugal run records a whole run (insert,
# quota check, price lookup from the built-in catalog, finish) in a WAL-mode SQLite file.
#
#   bench/run_overhead/run.sh [BUILD_DIR]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
build="${1:-$root/build}"
frugal="$build/frugal"
runs="${RUNS:-200}"
command -v hyperfine >/dev/null || { echo "hyperfine is not installed (make deps)" >&2; exit 1; }
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
export FRUGAL_HOME="$tmp"
"$frugal" run --team bench --instance-type g5.xlarge -- true  # creates and migrates the database
json="$tmp/result.json"
hyperfine -N --warmup 20 --runs "$runs" --export-json "$json" \
  -n "true (bare)" "true" \
  -n "frugal run -- true" "$frugal run --team bench --instance-type g5.xlarge -- true"
python3 - "$json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
bare, wrapped = r["true (bare)"]["median"], r["frugal run -- true"]["median"]
added = (wrapped - bare) * 1000
print(f"median: bare {bare*1000:.2f} ms, wrapped {wrapped*1000:.2f} ms, added {added:.2f} ms "
      f"({'under' if added < 10 else 'OVER'} the 10 ms bar)")
PY
echo "runs recorded: $("$frugal" sql --format csv 'SELECT count(*) FROM runs' | tail -1)"
