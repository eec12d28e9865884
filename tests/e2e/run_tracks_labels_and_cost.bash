# `frugal run` records who ran what on which instance, passes the exit status and output through
# untouched, and meters cost from the built-in catalog.
source "$(dirname "$0")/lib.bash"

run_status "$FRUGAL" run --team vision --project detector --model yolo --dataset coco \
  --instance-type p4d.24xlarge --region us-east-1 --tag stage=pretrain --param lr=0.001 \
  -- sh -c 'echo out-line; echo err-line >&2; exit 0'
expect_eq "$STATUS" 0 "exit status of a successful job"
expect_eq "$OUT" "out-line" "child's stdout passes through untouched"
expect_eq "$ERR" "err-line" "child's stderr passes through untouched (no summary off a terminal)"

row=$(sql "SELECT username, team, project, model, dataset, instance_type, region, provider, status, exit_code, gpu_count, instance_gpu_count, cost_nanos > 0, price_source FROM runs")
expect_eq "$row" "tester,vision,detector,yolo,coco,p4d.24xlarge,us-east-1,aws,finished,0,8,8,1,builtin" "recorded run"
expect_eq "$(sql "SELECT key || '=' || value FROM tags")" "stage=pretrain" "tag recorded"
expect_eq "$(sql "SELECT key || '=' || value FROM params")" "lr=0.001" "param recorded"

run_status "$FRUGAL" run --team vision --hourly-usd 3.60 -- sh -c 'sleep 0.2; exit 42'
expect_eq "$STATUS" 42 "exit status passes through"
expect_eq "$(sql "SELECT status, exit_code, price_source FROM runs WHERE id = 2")" "failed,42,flag" "failed run"

# Labels from the environment and the project's config file, flags winning.
printf 'team = "from-file"\nproject = "file-project"\n' > frugal.toml
FRUGAL_TEAM=from-env "$FRUGAL" run --project flag-project -- true
expect_eq "$(sql "SELECT team, project FROM runs WHERE id = 3")" "from-env,flag-project" "precedence flag > env > file"
rm frugal.toml

run_status "$FRUGAL" run -- sh -c 'kill -KILL $$'
expect_eq "$STATUS" 137 "death by SIGKILL is 128+9"
expect_eq "$(sql "SELECT status, exit_code FROM runs WHERE id = 4")" "killed,137" "killed run"
