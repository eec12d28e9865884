#!/usr/bin/env bash
# The computation cache's costs, each side by side with its peer in one run:
#  1. hashing inputs: `frugal cache run --in DIR` on a miss (hashes 1 GB of files, runs `true`)
#     against `sha256sum` of the same files. Bar (issue 5): ≥ 90 % of sha256sum's throughput.
#  2. a hit on a 1 GB output against `cp -r` of it. Bar: < 5 % of cp. Every hit checks each object
#     against its hash (issue 17); measured three ways: the default (a reflink or hard link, the
#     object trusted from its stamp), `cache_restore=copy` (outputs get their own blocks), and what
#     re-hashing every object on every hit would cost (`frugal cache verify`, which does just that).
#  3. a hit on a stage with small inputs and outputs, whole process. Bar: < 20 ms.
#
#   bench/cache/run.sh [BUILD_DIR]        (SIZE_MB=1024 FILES=16 RUNS=5 to change)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
frugal="$(cd "${1:-$root/build}" && pwd)/frugal"
size_mb="${SIZE_MB:-1024}"
files="${FILES:-16}"
runs="${RUNS:-5}"
[[ -x "$frugal" ]] || { echo "no frugal binary at $frugal (build first)" >&2; exit 1; }

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
export FRUGAL_HOME="$tmp/home"
cd "$tmp"
mkdir big
for i in $(seq 1 "$files"); do head -c $((size_mb * 1024 * 1024 / files)) /dev/urandom >"big/part-$i.bin"; done
echo "input: $files files, $(du -sm big | cut -f1) MB (page cache warm after the first read)"

source "$here/../timing.sh"

sha256sum big/* >/dev/null  # warm the page cache for both sides
counter=0
frugal_hash() { counter=$((counter + 1)); "$frugal" cache run --in big --param n="$counter$RANDOM" --out marker -- touch marker; }
peer=$(best_of "$runs" sha256sum big/*)
ours=$(best_of "$runs" frugal_hash)
echo "hash ${size_mb} MB: sha256sum ${peer} ms, frugal cache run (miss) ${ours} ms -> frugal at $((100 * peer / ours))% of sha256sum's throughput"

# A stage with a small input whose output is the whole folder: the hit's cost is the restore.
echo "recipe" >recipe
"$frugal" cache run --in recipe --out out -- cp -r big out >/dev/null 2>&1
hit() { "$frugal" cache run --in recipe --out out -- cp -r big out; }
rm -rf out && hit 2>&1 | grep -q "cache hit" || { echo "expected a hit" >&2; exit 1; }
copy() { rm -rf copy && cp -r big copy; }
peer=$(best_of "$runs" copy)
ours=$(best_of "$runs" hit)
echo "restore ${size_mb} MB: cp -r ${peer} ms, frugal cache hit ${ours} ms -> $((1000 * ours / (peer > 0 ? peer : 1)))‰ of cp"
copy_hit() { FRUGAL_CACHE_RESTORE=copy "$frugal" cache run --in recipe --out out -- cp -r big out; }
ours=$(best_of "$runs" copy_hit)
echo "restore ${size_mb} MB with cache_restore=copy: frugal ${ours} ms -> $((100 * ours / (peer > 0 ? peer : 1)))% of cp"
verify() { "$frugal" cache verify; }
ours=$(best_of "$runs" verify)
echo "re-hash the ${size_mb} MB entry (frugal cache verify; what hashing on every hit would add): ${ours} ms -> $((100 * ours / (peer > 0 ? peer : 1)))% of cp"

small() { "$frugal" cache run --in recipe --out small-out -- sh -c 'cp recipe small-out'; }
small >/dev/null 2>&1
ours=$(best_of "$runs" small)
echo "small stage hit, whole process: ${ours} ms"
