#!/usr/bin/env bash
# Recommendations: `frugal advise --since 30d` (every rule: rightsize, idle/underused GPUs, spot,
# cheapest offer, transfer, commitments, failed runs, early stop, repeated stages, idle instances)
# over a team-sized history on the default SQLite backend: 1,000,000 runs of the last 30 days,
# 50 GPU samples each (50,000,000 rows) and 5,000,000 bill rows, against the peer: sqlite3's own
# shell making one plain pass over the samples (count and mean utilisation): the least that reads
# the biggest table once, so the ratio says what advise costs in such passes.
# The data is the real schema (migrated by frugal, run_rollups triggers firing on every run) filled
# by sqlite3 with recursive CTEs: 50 teams, 200 projects, 500 users on eight AWS us-east-1 GPU types
# priced as the built-in catalog prices them; 5% failed runs from a handful of commands, 1%
# preempted, 90% of runs summed up by the runner and 10% with only samples (the idle rule reads
# those); hourly EC2, S3 and data-transfer charges, and idle/used allocations of 100,000 of them.
# charge_rollups and import_totals stay empty: advise does not read them.
# The bar (issue): advise under 10 s.
#
#   bench/advise/run.sh [BUILD_DIR] [N_RUNS=1000000] [SAMPLES_PER_RUN=50] [N_CHARGES=5000000]
#   RUNS=3 (hyperfine repetitions)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
build="${1:-$root/build}"
n_runs="${2:-1000000}"
per_run="${3:-50}"
n_charges="${4:-5000000}"
frugal="$build/frugal"
command -v hyperfine >/dev/null || { echo "hyperfine is not installed (make deps)" >&2; exit 1; }
command -v sqlite3 >/dev/null || { echo "sqlite3 (the loader and the peer) is not installed (make deps)" >&2; exit 1; }
tmp="$(mktemp -d "${TMPDIR:-/tmp}/frugal-advise-bench.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
export FRUGAL_HOME="$tmp/home"
db="$FRUGAL_HOME/frugal.db"
gen="$tmp/gen.db"  # scratch: the per-run draws, shared by the runs and samples loads, then deleted
"$frugal" sql "SELECT 1" >/dev/null  # creates and migrates the default database (a --db must exist)

now_s() { date +%s.%N; }
elapsed() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$1" "$(now_s)"; }
load() {  # load NAME: runs stdin through sqlite3 in one transaction, and says how long it took
  local start
  start=$(now_s)
  { printf '.bail on\nPRAGMA synchronous = OFF;\nPRAGMA cache_size = -1048576;\nATTACH %s AS gen;\nBEGIN;\n' "'$gen'"
    cat
    printf 'COMMIT;\n'; } | sqlite3 "$db" >/dev/null
  echo "  $1: $(elapsed "$start") s"
}
sqlite3 "$db" "PRAGMA journal_mode = WAL" >/dev/null
start_all=$(now_s)
echo "loading $n_runs runs, $((n_runs * per_run)) samples, $n_charges charges (sqlite3 $(sqlite3 --version | cut -d' ' -f1))"

# The types runs use, as the built-in catalog lists them: GPUs, on-demand and spot nano-USD an
# hour, GPU memory per GPU (GiB). Each project runs on three of them.
# Per run: two hashes of its id drive every draw, so the data is the same on every machine.
load "draws" <<SQL
CREATE TABLE gen.types (n INTEGER PRIMARY KEY, type TEXT, gpus INTEGER, price INTEGER, spot INTEGER, mem_gib INTEGER);
INSERT INTO gen.types VALUES (0, 'p4d.24xlarge', 8, 32772600000, 9831800000, 40), (1, 'p3.16xlarge', 8, 24480000000, 7344000000, 16),
  (2, 'p3.8xlarge', 4, 12240000000, 3672000000, 16), (3, 'g5.12xlarge', 4, 5672000000, 1701600000, 24),
  (4, 'g5.48xlarge', 8, 16288000000, 4886400000, 24), (5, 'p3.2xlarge', 1, 3060000000, 918000000, 16),
  (6, 'g5.xlarge', 1, 1006000000, 301800000, 24), (7, 'g4dn.12xlarge', 4, 3912000000, 1173600000, 16);
CREATE TABLE gen.g AS
WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < $n_runs),
h AS (SELECT i, (i * 2654435761) % 4294967291 AS a, (i * 2246822519 + 374761393) % 4294967291 AS b FROM c),
p AS (SELECT i, a, b, a % 200 AS project_n, ((a % 200) * 3 + (b / 500) % 3) % 8 AS type_n, (b / 13) % 100 AS st,
             (b / 17) % 10 <> 0 AS summed, (a / 211) % 20 AS pr,
             -- utilisation profile: mostly the project's own (0: idle-heavy, 1-2: underused, else busy)
             CASE WHEN (a / 7) % 10 = 0 THEN (a / 70) % 10 ELSE (a % 200) % 10 END AS u FROM h),
q AS (SELECT p.*, t.type, t.gpus AS inst_gpus, t.mem_gib,
             CASE WHEN t.gpus = 1 OR (b / 1000) % 4 <> 0 THEN t.gpus ELSE 1 + (b / 4000) % t.gpus END AS gpu_count,
             600000 + (b / 7) % 35400000 AS duration_ms,
             -- ids in start order, as the runner numbers runs (an hour of jitter: concurrent starts)
             julianday('now') - 29.5 + (i - 1) * 29.0 / $n_runs + (a / 3) % 3600 / 86400.0 AS start_jd,
             CASE WHEN pr < 18 THEN 'on_demand' WHEN pr = 18 THEN 'spot' ELSE 'committed' END AS pricing,
             CASE WHEN pr = 18 THEN t.spot ELSE t.price END AS hourly,
             CASE WHEN u = 0 THEN 2 WHEN u < 3 THEN 12 + (a / 70) % 15 ELSE 50 + (a / 70) % 45 END AS util_base,
             CASE WHEN u = 0 THEN 7 WHEN u < 3 THEN 2 ELSE 0 END AS idle_tenths,
             -- peak memory: the project's own share of the GPU's memory, a little noise around it
             CAST(t.mem_gib * 1073741824.0 * (10 + ((a % 200) * 37) % 85 + (a / 900) % 6) / 100 AS INTEGER) AS mem_peak
      FROM p CROSS JOIN gen.types t WHERE t.n = p.type_n)
SELECT *, (hourly * duration_ms / 3600000) * gpu_count / inst_gpus AS cost FROM q ORDER BY i;
SQL

load "runs" <<SQL
INSERT INTO runs (id, name, experiment, username, team, project, model, dataset, command, host, provider, region,
                  instance_type, instance_id, pricing, hourly_price_nanos, price_source, gpu_count, instance_gpu_count,
                  started_at, ended_at, duration_ms, status, exit_code, cost_nanos, gpu_util_mean, gpu_util_peak,
                  gpu_mem_peak_bytes, idle_gpu_seconds, idle_cost_nanos, cpu_bound)
SELECT i, CASE WHEN (a / 19) % 50 = 0 THEN 'eval' ELSE 'train' END, 'project' || project_n || '-exp' || (b % 20),
       'user' || ((project_n % 50) * 10 + b % 10), 'team' || (project_n % 50), 'project' || project_n,
       CASE project_n % 4 WHEN 0 THEN 'llama-7b' WHEN 1 THEN 'resnet50' WHEN 2 THEN 'bert-large' ELSE 'vit-b16' END,
       'dataset' || (project_n % 30),
       CASE WHEN st < 5 THEN CASE (a / 13) % 5 WHEN 0 THEN 'python train.py --config configs/large.yaml'
                                                WHEN 1 THEN 'python train.py --config configs/base.yaml --batch-size 512'
                                                WHEN 2 THEN 'torchrun --nproc_per_node 8 train.py'
                                                WHEN 3 THEN 'python finetune.py --model llama-7b'
                                                ELSE 'python eval.py --split test' END
            WHEN (a / 19) % 50 = 0 THEN 'python eval.py --checkpoint checkpoints/project' || project_n || '/best.pt'
            ELSE 'python train.py --config configs/project' || project_n || '/exp' || (b % 1000) || '.yaml --seed ' || i END,
       'gpu-node-' || (i % 2000), 'aws', 'us-east-1', type, printf('i-%017x', 1000000 + a % 2000), pricing, hourly,
       'builtin', gpu_count, inst_gpus,
       strftime('%Y-%m-%dT%H:%M:%fZ', start_jd), strftime('%Y-%m-%dT%H:%M:%fZ', start_jd + duration_ms / 86400000.0),
       duration_ms, CASE WHEN st < 5 THEN 'failed' WHEN st = 5 THEN 'preempted' ELSE 'finished' END,
       CASE WHEN st < 5 THEN 1 WHEN st = 5 THEN 143 ELSE 0 END, cost,
       CASE WHEN summed THEN round((10 - idle_tenths) * util_base / 10.0 + idle_tenths / 10.0, 1) END,
       CASE WHEN summed THEN min(100, util_base + 10) END, CASE WHEN summed THEN mem_peak END,
       CASE WHEN summed THEN idle_tenths / 10.0 * duration_ms / 1000.0 * gpu_count END,
       CASE WHEN summed THEN cost * idle_tenths / 10 END,
       CASE WHEN summed THEN (u IN (1, 2) AND a % 2 = 0) END
FROM gen.g;  -- in id order: gen.g was written so
SQL

# Every run has its samples, in the order the runner writes them (run by run, in time).
load "samples" <<SQL
CREATE TEMP TABLE k (k INTEGER PRIMARY KEY);
WITH RECURSIVE c(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM c WHERE k < $per_run - 1) INSERT INTO k SELECT k FROM c;
INSERT INTO samples (run_id, time, gpu_index, gpu_util_pct, gpu_mem_bytes)
SELECT i, strftime('%Y-%m-%dT%H:%M:%fZ', start_jd + k * duration_ms / $per_run / 86400000.0), k % gpu_count,
       CASE WHEN (k * 7 + i) % 10 < idle_tenths THEN k % 3 ELSE min(100, max(5, util_base + (k * 37 + i) % 21 - 10)) END,
       mem_peak * (60 + (k * 13) % 41) / 100
FROM gen.g CROSS JOIN k;  -- run by run (gen.g's order), then in time
SQL

# Hourly bill rows of the last 30 days, resource by resource (as AWS exports them): of every 20
# resources, one is data transfer (GB), one S3 storage, the rest EC2 instances of the same types.
load "charges" <<SQL
INSERT INTO imports (id, file, file_sha256, format, imported_at, rows, live_rows, billing_period_start, billing_period_end)
  VALUES (1, 'generated', 'generated', 'focus', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), $n_charges, $n_charges,
          strftime('%Y-%m-01T00:00:00.000Z', 'now', '-31 days'), strftime('%Y-%m-01T00:00:00.000Z', 'now', '+1 month'));
INSERT INTO charges (id, import_id, source_line, provider_name, publisher_name, billing_account_id, sub_account_id,
                     billing_currency, billing_period_start, billing_period_end, charge_period_start, charge_period_end,
                     charge_category, charge_description, charge_frequency, billed_cost_nanos, billed_cost_attos,
                     effective_cost_nanos, effective_cost_attos, list_cost_nanos, list_cost_attos, pricing_category,
                     pricing_quantity, pricing_unit, consumed_quantity, consumed_unit, region_id, region_name,
                     resource_id, resource_type, service_category, service_name, sku_id, tags, x_team)
WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM c WHERE i < $n_charges - 1),
base(jd) AS (SELECT julianday(strftime('%Y-%m-%dT%H:00:00', 'now', '-30 days')) + 1 / 24.0),
r AS (SELECT i, i / 720 AS res, CASE (i / 720) % 20 WHEN 0 THEN 'net' WHEN 1 THEN 's3' ELSE 'ec2' END AS kind,
             -- a minute past the hour, so that rounding never shows the hour before
             base.jd + (i % 720 + 1 / 60.0) / 24.0 AS jd FROM c, base),
s AS (SELECT r.*, t.type, t.price, (i * 7) % 500 + 1 AS gb,
             CASE (res / 20) % 4 WHEN 0 THEN 'US East (N. Virginia) data transfer to US West (Oregon)'
                                 WHEN 1 THEN 'US East (N. Virginia) data transfer to Europe (Ireland)'
                                 WHEN 2 THEN '\$0.09 per GB - first 10 TB / month data transfer out beyond the global free tier'
                                 ELSE '\$0.01 per GB - regional data transfer - in/out/between EC2 AZs or using elastic IPs or ELB' END AS net_desc,
             CASE WHEN kind = 'ec2' THEN t.price WHEN kind = 'net' THEN ((i * 7) % 500 + 1) * 20000000 ELSE 1500000 + i % 1000 END AS cost
      FROM r CROSS JOIN gen.types t WHERE t.n = r.res % 8)
SELECT i + 1, 1, i + 2, 'AWS', 'Amazon Web Services', '123456789012', '1234567890' || (res % 10), 'USD',
       strftime('%Y-%m-01T00:00:00.000Z', jd), strftime('%Y-%m-01T00:00:00.000Z', jd, 'start of month', '+1 month'),
       strftime('%Y-%m-%dT%H:00:00.000Z', jd), strftime('%Y-%m-%dT%H:00:00.000Z', jd + 1 / 24.0),
       'Usage', CASE kind WHEN 'ec2' THEN printf('\$%.4f per On Demand Linux %s Instance Hour', price / 1e9, type)
                          WHEN 'net' THEN net_desc ELSE '\$0.023 per GB-Mo for storage' END,
       'Usage-Based', cost, 0, cost, 0, cost, 0, 'Standard',
       CASE kind WHEN 'net' THEN gb ELSE 1 END, CASE kind WHEN 'ec2' THEN 'Hours' WHEN 'net' THEN 'GB' ELSE 'GB-Mo' END,
       CASE kind WHEN 'net' THEN gb ELSE 1 END, CASE kind WHEN 'ec2' THEN 'Hours' WHEN 'net' THEN 'GB' ELSE 'GB-Mo' END,
       'us-east-1', 'US East (N. Virginia)',
       CASE kind WHEN 'ec2' THEN printf('i-%017x', 2000000 + res) WHEN 's3' THEN 'datasets-' || res ELSE NULL END,
       CASE kind WHEN 'ec2' THEN 'Instance' WHEN 's3' THEN 'Bucket' ELSE NULL END,
       CASE kind WHEN 'ec2' THEN 'Compute' WHEN 'net' THEN 'Networking' ELSE 'Storage' END,
       CASE kind WHEN 'ec2' THEN 'Amazon Elastic Compute Cloud' WHEN 'net' THEN 'AWS Data Transfer' ELSE 'Amazon Simple Storage Service' END,
       CASE kind WHEN 'ec2' THEN 'BoxUsage:' || type WHEN 'net' THEN 'DataTransfer-Out-Bytes' ELSE 'TimedStorage-ByteHrs' END,
       '{"team": "team' || (res % 50) || '"}', 'team' || (res % 50)
FROM s;
SQL

# Reconciliation's split of the first instances' hours: the idle part (no run on the instance)
# and the part a run used. Half the instances idle at nights and weekends, half all the time.
n_alloc=$((n_charges < 5000000 ? n_charges / 50 : 100000))
load "charge_allocations" <<SQL
CREATE TEMP TABLE a AS
SELECT id, billed_cost_nanos AS cost, ((id - 1) / 720) % 2 = 0 AS nightly,
       CAST(substr(charge_period_start, 12, 2) AS INTEGER) NOT BETWEEN 8 AND 19
         OR strftime('%w', charge_period_start) IN ('0', '6') AS off
FROM charges WHERE resource_type = 'Instance' ORDER BY id LIMIT $n_alloc;
INSERT INTO charge_allocations (charge_id, run_id, gpu_seconds, cost_nanos, cost_attos, billing_currency)
SELECT id, NULL, 0, cost * CASE WHEN NOT nightly THEN 3 WHEN off THEN 9 ELSE 1 END / 10, 0, 'USD' FROM temp.a
UNION ALL
SELECT id, id % $n_runs + 1, 8 * 3600 * (10 - CASE WHEN NOT nightly THEN 3 WHEN off THEN 9 ELSE 1 END) / 10.0,
       cost - cost * CASE WHEN NOT nightly THEN 3 WHEN off THEN 9 ELSE 1 END / 10, 0, 'USD' FROM temp.a;
SQL
rm -f "$gen"
sqlite3 "$db" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
echo "load: $(elapsed "$start_all") s in all; database $(du -cm "$db"* | tail -1 | cut -f1) MB"
sqlite3 "$db" "SELECT 'rows: ' || (SELECT count(*) FROM runs) || ' runs (' || (SELECT count(*) FROM runs WHERE gpu_util_mean IS NULL) \
  || ' without a summary), ' || (SELECT count(*) FROM charges) || ' charges, ' \
  || (SELECT count(*) FROM charge_allocations WHERE run_id IS NULL) || ' idle allocations, ' \
  || (SELECT count(*) FROM run_rollups) || ' run_rollups rows'"

advise="$frugal --db $db --format csv advise --since 30d"
peer="sqlite3 $db \"SELECT count(*), avg(gpu_util_pct) FROM samples\""
json="$tmp/result.json"
hyperfine -N --warmup 1 --runs "${RUNS:-3}" --export-json "$json" \
  -n "frugal advise --since 30d" "$advise" \
  -n "sqlite3 one pass over the samples (peer)" "$peer"
python3 - "$json" <<'PY'
import json, sys
r = {x["command"]: x["median"] for x in json.load(open(sys.argv[1]))["results"]}
f = r["frugal advise --since 30d"]; p = r["sqlite3 one pass over the samples (peer)"]
print(f"median: frugal advise {f:.2f} s, one sqlite3 pass over the samples {p:.2f} s: advise = {f/p:.1f} passes "
      f"({'under' if f < 10 else 'OVER'} the 10 s bar)")
PY
$advise >"$tmp/advise.csv"
echo "what it found: $(($(wc -l <"$tmp/advise.csv") - 1)) recommendations; the five worth most:"
head -n 6 "$tmp/advise.csv" | cut -c1-240 | sed 's/^/  /'
"$frugal" --db "$db" sql "SELECT rule, count(*) AS recommendations, sum(monthly_saving_nanos) / 1000000000 AS usd_a_month \
  FROM recommendations GROUP BY rule ORDER BY 3 DESC" | sed 's/^/  /'
