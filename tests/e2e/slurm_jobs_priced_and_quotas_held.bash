# A real Slurm cluster (tests/e2e/slurm/cluster.sh: munged, MariaDB, slurmdbd, slurmctld, slurmd in a
# temporary folder): jobs of every ending are submitted with sbatch, `frugal slurm import` records
# each as a run with its labels, status, GPUs and exact cost, a second import changes nothing, a
# `frugal run` inside a job is joined rather than counted twice, the epilog records jobs as they
# end, and `frugal slurm sync-limits --apply` makes Slurm itself hold a job of a team over quota.
source "$(dirname "$0")/lib.bash"

here="$(cd "$(dirname "$0")" && pwd)"
# Unix socket paths must stay short: the cluster lives in a folder of its own under /tmp.
CLUSTER_DIR=$(mktemp -d /tmp/fslurm.XXXXXX)
cat >"$WORK/epilog.sh" <<EOF
#!/bin/sh
# slurmd runs this as root with an environment of its own when each job ends.
SLURM_CONF=$CLUSTER_DIR/slurm.conf FRUGAL_DB=$WORK/epilog.db exec $FRUGAL slurm epilog >>$WORK/epilog.log 2>&1
EOF
chmod 755 "$WORK/epilog.sh"
chmod 755 "$WORK"  # slurmd reads the epilog from here

set +e
started=$(FRUGAL_SLURM_EXTRA_CONF="Epilog=$WORK/epilog.sh" "$here/slurm/cluster.sh" start "$CLUSTER_DIR" 2>"$WORK/cluster.err")
status=$?
set -e
trap '"$here/slurm/cluster.sh" stop "$CLUSTER_DIR" >/dev/null 2>&1 || true; rm -rf "$CLUSTER_DIR" "$WORK"' EXIT
if ((status == 200)); then
  cat "$WORK/cluster.err"
  exit 200
fi
((status == 0)) || fail "the test cluster did not start: $(tail -5 "$WORK/cluster.err")"
eval "$started"
export SLURM_CONF

# --- jobs of every ending -------------------------------------------------------------------------
submit() { sbatch --parsable --output=/dev/null "$@" | cut -d';' -f1; }
state_of() { squeue -h -j "$1" -o %T 2>/dev/null | head -1; }
wait_state() {  # JOB STATE: until squeue says so, 30 s at most
  for _ in $(seq 1 300); do
    [[ "$(state_of "$1")" == "$2" ]] && return 0
    sleep 0.1
  done
  fail "job $1 never became $2 (squeue: $(squeue -h -j "$1" -o '%T %r' 2>&1))"
}

ok_job=$(submit -p gpu -A vision --gres=gpu:1 --job-name=train-ok --wrap 'sleep 3')
array=$(submit -p gpu -A vision --gres=gpu:1 --job-name=sweep --array=1-3 --wrap 'sleep 1')
failing=$(submit -p gpu -A vision --job-name=broken --wrap 'exit 3')
cancelled=$(submit -p gpu -A vision --job-name=stopped --wrap 'sleep 120')
requeued=$(submit -p gpu -A vision --gres=gpu:2 --requeue --job-name=preempted --wrap 'sleep 4')
cpu_job=$(submit -p cpu -A nlp -c 2 --job-name=tokenize --wrap 'sleep 1')
# A job that `frugal run` wraps: its run is tagged with the job and joined by the import.
wrapped=$(submit -p gpu -A vision --gres=gpu:1 --job-name=wrapped --wrap "$FRUGAL run -- sleep 2")

wait_state "$cancelled" RUNNING
scancel "$cancelled"
wait_state "$requeued" RUNNING
scontrol requeue "$requeued"
for _ in $(seq 1 900); do  # the requeued job runs again once its credential expires (10 s here)
  [[ -z "$(squeue -h -o %i)" ]] && break
  sleep 0.1
done
[[ -z "$(squeue -h -o %i)" ]] || fail "jobs still queued after 90 s: $(squeue -h -o '%i %T %r')"

# --- prices, an account mapped, the import --------------------------------------------------------
run_status "$FRUGAL" slurm price --partition gpu --gpu-hour-usd 2.10
((STATUS == 0)) || fail "slurm price: $ERR"
expect_contains "$OUT" '$8.40 a node-hour (4 GPUs, 8 CPUs a node, 1 node)' "sinfo gave the node's size"
"$FRUGAL" slurm price --partition cpu --node-hour-usd 0.80 >/dev/null
"$FRUGAL" slurm map --account nlp --team language >/dev/null

# slurmdbd may still be writing the last job's end: import until every job has ended.
for _ in $(seq 1 50); do
  run_status "$FRUGAL" slurm import --since 1d
  ((STATUS == 0)) || fail "slurm import: $ERR"
  [[ "$(sql "SELECT count(*) FROM runs WHERE status = 'running'")" == 0 ]] && break
  sleep 0.2
done
expect_eq "$(sql "SELECT count(*) FROM runs WHERE status = 'running'")" 0 "every job ended"
# 1 + 3 array tasks + failed + cancelled + 2 attempts of the requeued + cpu + the wrapped one = 10.
expect_eq "$(sql "SELECT count(*) FROM runs")" 10 "one run per job attempt, the wrapped job once"
expect_eq "$(sql "SELECT count(*) FROM slurm_jobs")" 10 "each attempt is a Slurm job row"

row() { sql "SELECT $1 FROM runs r JOIN slurm_jobs s ON s.run_id = r.id WHERE s.job_id = '$2' ORDER BY s.attempt"; }
expect_eq "$(row "r.name, r.username, r.team, r.status, r.exit_code, r.gpu_count, r.instance_gpu_count, s.gpu_type" "$ok_job")" \
  "train-ok,root,vision,finished,0,1,4,a100" "the GPU job"
# Exact cost: 1 of the node's 4 GPUs at $8.40 a node-hour for its duration, rounded half-even to the nano.
expected_cost() {  # DURATION_MS HOURLY_NANOS NUMERATOR DENOMINATOR
  python3 -c "from fractions import Fraction as F; import sys; d,h,n,m=map(int,sys.argv[1:]); print(round(F(d*h*n, 3600000*m)))" "$@"
}
read -r ok_ms ok_cost < <(row "r.duration_ms || ' ' || r.cost_nanos" "$ok_job")
((ok_ms >= 3000)) || fail "train-ok ran $ok_ms ms, not its 3 s"
expect_eq "$ok_cost" "$(expected_cost "$ok_ms" 8400000000 1 4)" "train-ok's cost is its GPU's share of the node, exactly"
expect_eq "$(sql "SELECT s.job_id FROM slurm_jobs s WHERE substr(s.job_id, 1, length('${array}_')) = '${array}_' ORDER BY s.job_id" | tr '\n' ' ')" \
  "${array}_1 ${array}_2 ${array}_3 " "the array's tasks are runs of their own"
expect_eq "$(row "r.status, r.exit_code, s.state" "$failing")" "failed,3,FAILED" "the failing job"
expect_eq "$(row "r.status, s.state" "$cancelled")" "killed,CANCELLED" "the cancelled job"
expect_eq "$(row "r.attempt, r.status, s.state, r.gpu_count" "$requeued" | tr '\n' ' ')" \
  "1,preempted,REQUEUED,2 2,finished,COMPLETED,2 " "the requeued job's two attempts"
expect_eq "$(sql "SELECT count(*) FROM runs r JOIN slurm_jobs s ON s.run_id = r.id JOIN runs p ON p.id = r.parent_run_id
                  JOIN slurm_jobs ps ON ps.run_id = p.id WHERE s.job_id = '$requeued' AND s.attempt = 2 AND ps.attempt = 1")" 1 \
  "the second attempt's parent is the first"
read -r cpu_ms cpu_cost cpu_team < <(row "r.duration_ms || ' ' || r.cost_nanos || ' ' || r.team" "$cpu_job")
expect_eq "$cpu_team" language "the nlp account is charged to the team it maps to"
expect_eq "$cpu_cost" "$(expected_cost "$cpu_ms" 800000000 2 8)" "the CPU job pays 2 of the node's 8 CPUs, exactly"
expect_eq "$(row "s.wrapped, r.command, r.team, r.price_source" "$wrapped")" "1,sleep 2,vision,--gpu-hour-usd 2.10" \
  "the run frugal recorded inside the job is the job's run"

# --- a second import changes nothing ---------------------------------------------------------------
before=$(sql "SELECT id, status, cost_nanos, duration_ms, team FROM runs ORDER BY id" | md5sum)
run_status "$FRUGAL" slurm import --since 1d
expect_contains "$OUT" "0 new runs" "a second import adds nothing"
expect_contains "$OUT" "10 unchanged" "a second import"
expect_eq "$(sql "SELECT id, status, cost_nanos, duration_ms, team FROM runs ORDER BY id" | md5sum)" "$before" "runs after a second import"
for dim in "team team" "user username"; do
  read -r dimension column <<<"$dim"
  expect_eq "$(sql "SELECT key, sum(runs), sum(cost_nanos), sum(gpu_ms), sum(duration_ms) FROM run_rollups
                    WHERE dimension = '$dimension' GROUP BY key HAVING sum(runs) <> 0 ORDER BY key")" \
    "$(sql "SELECT coalesce($column, ''), count(*), sum(coalesce(cost_nanos, 0)), sum(coalesce(duration_ms, 0) * gpu_count),
                   sum(coalesce(duration_ms, 0)) FROM runs GROUP BY 1 ORDER BY 1")" "the $dimension rollups equal the runs summed afresh"
done

# --- Slurm jobs count like any run: leaderboards, the partition's idle line, advice -------------------
run_status "$FRUGAL" top --by team --since 1d --format csv
expect_contains "$OUT" "vision," "the leaderboard counts the Slurm jobs of vision"
expect_contains "$OUT" "language," "and of the team the nlp account maps to"
run_status "$FRUGAL" slurm report --since 1h --format csv
((STATUS == 0)) || fail "slurm report: $ERR"
expect_contains "$OUT" "frugaltest,gpu,jobs,9," "the gpu partition's jobs"
expect_contains "$OUT" "frugaltest,gpu,idle,," "the gpu partition's idle node-hours, on a line of their own"
run_status "$FRUGAL" advise --since 1h
expect_contains "$OUT" "Slurm partition gpu of frugaltest" "a partition idle most of the hour is advised on"

# --- the epilog recorded each job as it ended, in its own database ---------------------------------
FRUGAL_DB="$WORK/epilog.db" run_status "$FRUGAL" sql --format csv "SELECT count(*) FROM slurm_jobs WHERE job_id = '$ok_job'"
expect_eq "$(tail -n +2 <<<"$OUT")" 1 "the epilog recorded train-ok (log: $(tail -3 "$WORK/epilog.log" 2>/dev/null))"
FRUGAL_DB="$WORK/epilog.db" run_status "$FRUGAL" sql --format csv "SELECT status FROM runs r JOIN slurm_jobs s ON s.run_id = r.id WHERE s.job_id = '$failing'"
expect_eq "$(tail -n +2 <<<"$OUT")" failed "the epilog recorded the failing job as failed"

# --- quotas held by Slurm ---------------------------------------------------------------------------
"$FRUGAL" quota set --team language --monthly-gpu-hours 0 >/dev/null
"$FRUGAL" quota set --team vision --monthly-usd 1000 >/dev/null
run_status "$FRUGAL" slurm sync-limits --partition gpu
((STATUS == 0)) || fail "sync-limits: $ERR"
expect_contains "$OUT" "sacctmgr -i modify account where name=nlp cluster=frugaltest set GrpTRESMins=gres/gpu=0" "the exhausted team's limit"
expect_contains "$ERR" "dry run" "without --apply nothing changes"
expect_eq "$(sacctmgr -n -P show assoc where account=nlp user= format=GrpTRESMins)" "" "a dry run leaves Slurm alone"
run_status "$FRUGAL" slurm sync-limits --partition gpu --apply
((STATUS == 0)) || fail "sync-limits --apply: $ERR"
expect_eq "$(sacctmgr -n -P show assoc where account=nlp user= format=GrpTRESMins)" "gres/gpu=0" "the limit is in Slurm"
held=$(submit -p gpu -A nlp --gres=gpu:1 --job-name=over-quota --wrap 'sleep 1')
allowed=$(submit -p gpu -A vision --gres=gpu:1 --job-name=in-quota --wrap 'sleep 1')
for _ in $(seq 1 100); do
  reason=$(squeue -h -j "$held" -o %r)
  [[ "$reason" == AssocGrp* ]] && break
  sleep 0.1
done
expect_eq "$(squeue -h -j "$held" -o '%T %r')" "PENDING AssocGrpGRESMinutes" "Slurm holds the over-quota team's job"
for _ in $(seq 1 200); do
  [[ -z "$(squeue -h -j "$allowed" -o %i 2>/dev/null)" ]] && break
  sleep 0.1
done
expect_eq "$(squeue -h -j "$allowed" -o %i 2>/dev/null)" "" "the team within its quota runs"
echo "ok"
