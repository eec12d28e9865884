#!/usr/bin/env bash
# The runner's own costs, each against the bare job (the peer):
#  1. metric lines: `frugal run --metric ... -- cat LOG` against `cat LOG`, 2,000,000 lines of which
#     one in ten matches (bar: >= 1,000,000 lines/s through the regex path);
#  2. sampling: CPU time of `frugal run --sample-every 1s` around a job of 64 sleeping processes
#     for 20 s (bar: under 0.5% of one core);
#  3. runner memory: peak RSS of frugal itself during that run (bar: under 15 MB).
#   bench/runner/run.sh [BUILD_DIR]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
build="${1:-$root/build}"
frugal="$build/frugal"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
export FRUGAL_HOME="$tmp/home"
python3 - "$tmp/train.log" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    for i in range(2_000_000):
        if i % 10 == 0:
            f.write(f"step {i} train_loss: 0.{i % 997:03d} val_loss: 0.{i % 991:03d} lr: 3e-4\n")
        else:
            f.write(f"[rank0] batch {i}/2000000 tokens/s 51234.5 grad_norm 1.{i % 83}\n")
PY
echo "metric lines (2,000,000 lines, $(($(stat -c %s "$tmp/train.log") / 1000000)) MB):"
hyperfine -N --warmup 1 --runs 5 --export-json "$tmp/lines.json" \
  -n "cat (peer)" "cat $tmp/train.log" \
  -n "frugal run --metric" "$frugal run --metric val_loss=val_loss:\\s+([0-9.]+) --metric train_loss=train_loss:\\s+([0-9.]+) -- cat $tmp/train.log" \
  --output=null
python3 - "$tmp/lines.json" <<'PY'
import json, sys
r = {x["command"]: x["median"] for x in json.load(open(sys.argv[1]))["results"]}
f = r["frugal run --metric"]
print(f"  frugal {f:.2f} s = {2_000_000 / f:,.0f} lines/s (cat alone {r['cat (peer)']:.2f} s); "
      f"{'meets' if 2_000_000 / f >= 1_000_000 else 'MISSES'} the 1,000,000 lines/s bar")
PY
echo "sampling 64 processes every second for 20 s:"
job='for i in $(seq 63); do sleep 20 & done; sleep 20; wait'
# CPU time as rusage counts it includes the job's own (waited-for) processes: the bare job is the
# peer, and frugal's share is the difference.
/usr/bin/time -f "%U %S %M" -o "$tmp/bare" sh -c "$job"
/usr/bin/time -f "%U %S %M" -o "$tmp/time" "$frugal" run --sample-every 1s -- sh -c "$job"
read -r bare_user bare_sys bare_kb <"$tmp/bare"
read -r user sys kb <"$tmp/time"
python3 - "$user" "$sys" "$bare_user" "$bare_sys" <<'PY'
import sys
user, sys_, bare_user, bare_sys = map(float, sys.argv[1:])
cpu = max(0.0, (user + sys_) - (bare_user + bare_sys))
print(f"  frugal's own CPU: {cpu:.3f} s in 20 s = {100 * cpu / 20:.2f}% of one core "
      f"({'under' if cpu / 20 < 0.005 else 'OVER'} the 0.5% bar; job and frugal {user + sys_:.3f} s, job alone {bare_user + bare_sys:.3f} s)")
PY
# Peak RSS of frugal itself: rusage reports the largest process, and the job's are smaller.
echo "  peak RSS of frugal run: $((kb / 1024)) MB (bar: 15 MB)"
echo "samples recorded: $("$frugal" sql --format csv 'SELECT count(*) FROM samples' | tail -1)"
