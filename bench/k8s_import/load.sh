#!/usr/bin/env bash
# Loads the generated cluster (gen_openmetrics.py) into a Prometheus TSDB at DATA_DIR: one
# OpenMetrics file per 6 hours, each turned into a block by `promtool tsdb create-blocks-from
# openmetrics` and then deleted (so the disk holds at most two parts, ~0.9 GB each at full size: the
# next part is generated while promtool reads the last). Prints the time and size of each. Reuses
# DATA_DIR when it holds a finished load of the same parameters (DATA_DIR/bench-params); else
# starts it afresh. DATA_DIR/truth.csv: one row per pod, what an import should find.
#
#   bench/k8s_import/load.sh DATA_DIR
#   NODES=100 GPUS_PER_NODE=8 DAYS=7 (or HOURS=2) STEP=30 END=<unix> SEED=1   (the defaults; the
#   window is [END - DAYS, END), END 2026-11-28T00:00:00Z)
#   KEEP_OM=1 keeps the .om files (in DATA_DIR.om/); NICE=19 (default) for the generator and promtool.
#
# promtool reads a whole file once for its time range and once more per block it writes; a 6 h part
# with --max-block-duration=6h (one of Prometheus' 2h/6h/18h/54h ranges, aligned as the parts are)
# is two passes over 1/4 of a day, where a day file would take five over all of it. The blocks never
# overlap, and run.sh keeps Prometheus from compacting them while it times.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
data="${1:?usage: load.sh DATA_DIR}"
nodes="${NODES:-100}" gpn="${GPUS_PER_NODE:-8}" step="${STEP:-30}" end="${END:-1795824000}" seed="${SEED:-1}"
if [[ -n "${HOURS:-}" ]]; then span=(--hours "$HOURS"); span_s=$(python3 -c "print(int(round($HOURS*3600)))")
else span=(--days "${DAYS:-7}"); span_s=$(python3 -c "print(int(round(${DAYS:-7}*86400)))"); fi
nice_="nice -n ${NICE:-19}"
command -v promtool >/dev/null || { echo "load.sh: promtool is not installed (apt-get install prometheus)" >&2; exit 1; }

gen=(python3 "$here/gen_openmetrics.py" --nodes "$nodes" --gpus-per-node "$gpn" "${span[@]}" --step "$step" --end "$end" --seed "$seed")
params="nodes=$nodes gpus_per_node=$gpn start=$((end - span_s)) end=$end step=$step seed=$seed gen=$(sha1sum "$here/gen_openmetrics.py" | cut -c1-12)"
if [[ -f "$data/bench-params" && "$(cat "$data/bench-params")" == "$params" ]]; then
  echo "load.sh: $data already holds this cluster ($params); reusing it"
  exit 0
fi
rm -rf "$data"
mkdir -p "$data"
om="$data.om"
rm -rf "$om"
mkdir -p "$om"
next_pid=""
trap '[[ -z "$next_pid" ]] || kill "$next_pid" 2>/dev/null; [[ "${KEEP_OM:-0}" == 1 ]] || rm -rf "$om"' EXIT

now() { date +%s.%N; }
parts=$("${gen[@]}" --out-dir "$om" --parts)
echo "load.sh: $nodes nodes x $gpn GPUs, $parts part(s) of 6 h, step $step s, into $data"
t_all=$(now)
# The truth and part 0 first; then part k+1 is written while promtool reads part k.
gen_one() {  # K [TRUTH] -> writes $om/part-K.done with "seconds bytes"
  local k=$1 t
  t=$(now)
  $nice_ "${gen[@]}" --out-dir "$om/$k" --part "$k" --quiet ${2:+--truth "$2"}
  echo "$(python3 -c "print(f'{$(now) - $t:.1f}')") $(du -cb "$om/$k"/*.om | tail -1 | cut -f1)" >"$om/part-$k.done"
}
gen_one 0 "$data/truth.csv"
gen_s=0 prom_s=0 om_bytes=0
for ((k = 0; k < parts; k++)); do
  next_pid=""
  if ((k + 1 < parts)); then gen_one $((k + 1)) & next_pid=$!; fi
  read -r g_s g_b <"$om/part-$k.done"
  file=$(ls "$om/$k"/*.om)
  t=$(now)
  $nice_ promtool tsdb create-blocks-from openmetrics --max-block-duration=6h --quiet "$file" "$data" >/dev/null
  p_s=$(python3 -c "print(f'{$(now) - $t:.1f}')")
  printf '  %s: %6.0f MB, generated in %5.1f s, promtool %5.1f s\n' "$(basename "$file")" "$(python3 -c "print($g_b/1e6)")" "$g_s" "$p_s"
  gen_s=$(python3 -c "print($gen_s + $g_s)") prom_s=$(python3 -c "print($prom_s + $p_s)") om_bytes=$((om_bytes + g_b))
  [[ "${KEEP_OM:-0}" == 1 ]] || rm -rf "$om/$k"
  if [[ -n "$next_pid" ]]; then wait "$next_pid"; next_pid=""; fi
done
next_pid=""
wall=$(python3 -c "print(f'{$(now) - $t_all:.0f}')")
tsdb_bytes=$(du -sb "$data" | cut -f1)
blocks=$(find "$data" -name meta.json | wc -l)
samples=$(cat "$data"/*/meta.json | python3 -c "import sys, json, re; print(sum(int(m) for m in re.findall(r'\"numSamples\":\s*(\d+)', sys.stdin.read())))")
python3 - "$samples" "$om_bytes" "$gen_s" "$prom_s" "$wall" "$blocks" "$tsdb_bytes" <<'PY'
import sys
samples, om, gen, prom, wall, blocks, tsdb = sys.argv[1:]
print(f"load.sh: {int(samples):,} samples; OpenMetrics {int(om) / 1e6:,.0f} MB written in {float(gen):.0f} s "
      f"(the generator's wall time, summed over the parts); promtool {float(prom):.0f} s; wall {wall} s in all "
      f"(generation overlaps promtool); TSDB {blocks} blocks, {int(tsdb) / 1e6:.0f} MB")
PY
echo "$params" >"$data/bench-params"
