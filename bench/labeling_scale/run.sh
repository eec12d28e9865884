#!/usr/bin/env bash
# Labeling plans at scale (issue: 10,000,000 predictions × 100 classes in under 60 s with bounded
# memory; k-center over 1,000,000 × 128 embeddings picking 10,000 in under 60 s):
#  1. `frugal label plan --strategy entropy` over 10,000,000 predictions of 100 classes (10 GB of
#     CSV from bench/labeling_scale/gen_labeling), its time and peak memory, beside the floor of
#     any reader: `wc -l` passing over the same bytes.
#  2. `frugal label plan --strategy diverse` (k-center) picking 10,000 of 1,000,000 items with
#     128-dimensional embeddings in 1,000 clusters, beside the peer: the textbook greedy loop in
#     numpy (one matrix-vector product per pick over every point), timed per pick.
# The files are generated once into $LABELING_DATA (default: a temporary folder, removed after).
#
#   bench/labeling_scale/run.sh [BUILD_DIR] [N_PREDICTIONS=10000000] [N_EMBEDDINGS=1000000]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
build="${1:-$root/build}"
n_preds="${2:-10000000}"
n_emb="${3:-1000000}"
frugal="$build/frugal"
gen="$build/bench/gen_labeling"
[[ -x "$gen" ]] || { echo "build first: $gen is missing" >&2; exit 1; }
/usr/bin/python3 -c 'import numpy' 2>/dev/null || { echo "python3-numpy is not installed (make deps)" >&2; exit 1; }
data="${LABELING_DATA:-}"
if [[ -z "$data" ]]; then
  data="$(mktemp -d "${TMPDIR:-/tmp}/frugal-labeling-bench.XXXXXX")"
  trap 'rm -rf "$data"' EXIT
fi
export FRUGAL_HOME="$data/home"
preds="$data/predictions-$n_preds.csv"
small="$data/predictions-$n_emb.csv"
emb="$data/embeddings-$n_emb.csv"
[[ -s "$preds" ]] || "$gen" predictions "$n_preds" 100 "$preds"
[[ -s "$small" ]] || "$gen" predictions "$n_emb" 100 "$small"
[[ -s "$emb" ]] || "$gen" embeddings "$n_emb" 128 "$emb"

timed() {  # timed LOG COMMAND...: runs it, prints "seconds peak_kb"
  /usr/bin/time -f "%e %M" -o "$1.time" "${@:2}" >"$1.out" 2>&1 || { cat "$1.out" >&2; exit 1; }
  cat "$1.time"
}
echo "1. $n_preds predictions × 100 classes ($(du -m "$preds" | cut -f1) MB)"
read -r floor _ < <(timed "$data/wc" wc -l "$preds")
read -r secs kb < <(timed "$data/plan" "$frugal" --db "$data/f.db" label plan --predictions "$preds" \
  --budget-usd 500 --cost-per-label 0.08 --strategy entropy --out "$data/plan")
echo "   frugal label plan --strategy entropy: ${secs} s, peak memory $((kb / 1024)) MB"
echo "   wc -l over the same file (the floor of reading it): ${floor} s"
python3 -c "import sys; s, f = float(sys.argv[1]), float(sys.argv[2]); print(f'   plan = {s / f:.1f} × wc -l; {\"under\" if s < 60 else \"OVER\"} the 60 s bar')" "$secs" "$floor"

echo "2. k-center: 10,000 of $n_emb items, 128 dimensions"
read -r secs kb < <(timed "$data/diverse" "$frugal" --db "$data/f.db" label plan --predictions "$small" \
  --embeddings "$emb" --budget-usd 800 --cost-per-label 0.08 --strategy diverse --out "$data/plan")
echo "   frugal label plan --strategy diverse (reading both files included): ${secs} s, peak memory $((kb / 1024)) MB"
read -r load loop per_pick < <(/usr/bin/python3 "$root/bench/labeling_scale/kcenter_numpy.py" "$emb" 200)
echo "   numpy textbook loop: ${per_pick} s a pick (200 picks in ${loop} s, after ${load} s loading)"
python3 -c "import sys; s, p = float(sys.argv[1]), float(sys.argv[2]); print(f'   per pick: frugal {s / 10000 * 1000:.2f} ms (whole command) vs numpy {p * 1000:.1f} ms: {p / (s / 10000):.0f}× ; 10,000 numpy picks would take {p * 10000:.0f} s; frugal {\"under\" if s < 60 else \"OVER\"} the 60 s bar')" "$secs" "$per_pick"
