#!/usr/bin/env bash
# `make demo`: the main job end to end on the embedded default (an SQLite file), in a fresh
# FRUGAL_HOME under build/ so it never touches your own ~/.frugal. Safe to run again.
set -euo pipefail
frugal="$(cd "$(dirname "${1:-build/frugal}")" && pwd)/$(basename "${1:-build/frugal}")"
root="$(cd "$(dirname "$0")/.." && pwd)"
export FRUGAL_HOME="$root/build/demo-home"
rm -rf "$FRUGAL_HOME"
unset FRUGAL_DB FRUGAL_TEAM FRUGAL_PROJECT FRUGAL_FORMAT
catalogs="$root/../shared/data/price_catalog/skypilot_format"
step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@"; }

if [[ -d "$catalogs" ]]; then
  step "$frugal" catalog import "$catalogs/gcp_vms.csv" "$catalogs/azure_vms.csv" "$catalogs/lambda_vms.csv"
else
  echo "(../shared/data is absent: the built-in catalog prices the runs)"
fi
step "$frugal" catalog cheapest --gpu H100 --count 8
step "$frugal" catalog list --gpu A100 --max-usd 10 --limit 8

# A stand-in for `python train.py`: prints a few epochs, like a real job would.
train='for e in 1 2 3; do echo "epoch $e val_loss 0.$((9 - e))"; sleep 0.2; done'
step "$frugal" run --team vision --user ada --project detector --model yolo --dataset coco \
  --instance-type p4d.24xlarge --region us-east-1 --param lr=0.001 -- sh -c "$train"
step "$frugal" run --team vision --user bob --project detector --model yolo --dataset coco \
  --instance-type p4d.24xlarge --gpus 2 -- sh -c "$train"
step "$frugal" run --team nlp --user cy --project chat --model llama --dataset wiki \
  --instance-type g5.12xlarge --spot -- sh -c 'echo "loading"; sleep 0.3; echo "CUDA out of memory" >&2; exit 1' || true

# A job that stops improving is stopped early, and the money it would have burnt is recorded.
plateau='for e in $(seq 1 20); do echo "epoch $e val_loss: 0.$(( e < 4 ? 9 - e : 5 ))$e"; sleep 0.1; done'
step "$frugal" run --team vision --user ada --model yolo --instance-type p4d.24xlarge --max-steps 20 \
  --metric 'val_loss=val_loss: ([0-9.]+)' --stop-when 'val_loss min patience=3 min_delta=0.01' -- sh -c "$plateau" || true

step "$frugal" top --by team --since 30d
step "$frugal" top --by model --since 30d --metric gpu_hours
step "$frugal" report --since 30d
step "$frugal" sql "SELECT team, sum(cost_nanos) / 1e9 AS cost_usd, count(*) AS runs FROM runs GROUP BY team ORDER BY 2 DESC" --format csv

if [[ -f "$root/../shared/data/focus/focus_sample_1000.csv" ]]; then
  step "$frugal" bill import "$root/../shared/data/focus/focus_sample_1000.csv"
  step "$frugal" costs --by service --since 2024-09-01 --until 2024-10-01
fi

step "$frugal" quota set --team nlp --monthly-usd 0.0001 --monthly-gpu-hours 300
step "$frugal" quota list
echo
echo "\$ $frugal run --team nlp ... -- python train.py   # over quota: refused with exit status 77"
set +e
"$frugal" run --team nlp --instance-type g5.12xlarge -- sh -c 'echo should not run'
echo "exit status: $?"
set -e
echo
echo "demo database: $FRUGAL_HOME/frugal.db (query it with: FRUGAL_HOME=$FRUGAL_HOME $frugal sql 'SELECT * FROM runs')"

# The dashboard over this store: sign in with the token printed here. DEMO_SERVE=0 skips it.
token=$("$frugal" token create --role admin --name demo 2>/dev/null)
echo
echo "dashboard: http://127.0.0.1:8080   token: $token"
echo "(Ctrl-C stops the server; the store stays in $FRUGAL_HOME)"
if [[ "${DEMO_SERVE:-1}" == 1 ]]; then
  exec "$frugal" serve --listen 127.0.0.1:8080
fi
