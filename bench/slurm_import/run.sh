#!/usr/bin/env bash
# Times `frugal slurm import --from FILE` of 100,000 generated sacct job records (with their three
# steps each, as `sacct --duplicates --parsable2` lists them: 400,000 lines) into a fresh database,
# against the peer: sqlite3's own `.import` of the same file into a plain table. Best of RUNS each.
# The bar (issue 22): 100,000 job records in under 5 s.
#
#   bench/slurm_import/run.sh [BUILD_DIR] [JOBS]
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build="${1:-$root/build}"
jobs="${2:-100000}"
runs="${RUNS:-3}"
frugal="$build/frugal"
source "$here/../timing.sh"

[[ -x "$frugal" ]] || { echo "no frugal binary at $frugal (build first)" >&2; exit 1; }
command -v sqlite3 >/dev/null || { echo "sqlite3 (the peer) is not installed" >&2; exit 1; }

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
file="$tmp/sacct.txt"
python3 "$here/gen_sacct.py" "$jobs" >"$file"
echo "file: $jobs jobs, $(($(wc -l <"$file") - 1)) sacct lines, $(wc -c <"$file") bytes"

# Both partitions priced first (as a cluster would be), in a template each run starts from.
"$frugal" --db "$tmp/template.db" slurm price --cluster bench --partition gpu --gpu-hour-usd 2.10 --node-gpus 8 --node-cpus 64 --nodes 64 >/dev/null
"$frugal" --db "$tmp/template.db" slurm price --cluster bench --partition cpu --node-hour-usd 1.20 --node-gpus 0 --node-cpus 64 --nodes 32 >/dev/null
frugal_once() { rm -f "$tmp"/f.db*; cp "$tmp/template.db" "$tmp/f.db"; "$frugal" --db "$tmp/f.db" slurm import --from "$file" --cluster bench; }
peer_once() { rm -f "$tmp/p.db"; sqlite3 "$tmp/p.db" ".separator |" ".import '$file' t"; }

# One checked run of each first, so a broken command fails loudly instead of being timed.
frugal_once
peer_once
echo "stored: frugal $(sqlite3 "$tmp/f.db" 'SELECT count(*) FROM runs WHERE cost_nanos IS NOT NULL') priced runs, peer $(sqlite3 "$tmp/p.db" 'SELECT count(*) FROM t') rows"

f_ms=$(best_of "$runs" frugal_once)
p_ms=$(best_of "$runs" peer_once)
echo "frugal slurm import: ${f_ms} ms ($((jobs * 1000 / (f_ms > 0 ? f_ms : 1))) jobs/s)"
echo "sqlite3 .import:     ${p_ms} ms"
awk -v f="$f_ms" -v p="$p_ms" 'BEGIN { printf "frugal / peer: %.2fx the time; bar (100,000 jobs under 5 s): %s\n", f / p, (f < 5000 ? "met" : "NOT met") }'
# The import again over what it stored: every job unchanged, nothing written.
again_ms=$(best_of "$runs" "$frugal" --db "$tmp/f.db" slurm import --from "$file" --cluster bench)
echo "the same file again (all unchanged): ${again_ms} ms"
