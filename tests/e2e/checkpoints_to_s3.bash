# Complete checkpoints are copied to s3:// (a real S3 server, s3rver, on loopback): files and
# folders, a .done marker written last, the newest --keep kept; the retry still resumes locally.
source "$(dirname "$0")/lib.bash"
start_s3rver ckpt

mkdir ckpt
job='step=0; [ -n "$FRUGAL_RESUME_FROM" ] && step=$(cat "$FRUGAL_RESUME_FROM/step")
echo "start $step" >> log
while [ $step -lt 4 ]; do step=$((step+1))
  mkdir ckpt/.w && echo $step > ckpt/.w/step && echo weights > ckpt/.w/model.bin && mv ckpt/.w ckpt/ckpt-$step && touch ckpt/ckpt-$step.done
  sleep 0.3
  if [ $step -eq 2 ] && [ ! -e crashed ]; then touch crashed; kill -9 $$; fi
done'
run_status "$FRUGAL" run --hourly-usd 1 --sample-every 100ms --retries 1 --retry-on-exit 137 --retry-backoff 10ms \
  --checkpoint-dir ckpt --checkpoint-store s3://ckpt/runs/exp1 --keep 2 -- sh -c "$job"
expect_eq "$STATUS" 0 "the retried run: $ERR"
expect_eq "$(cat log)" $'start 0\nstart 2' "resumed from step 2"
s3() { curl -s -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" --aws-sigv4 "aws:amz:us-east-1:s3" --user S3RVER:S3RVER "$@"; }
status_of() { s3 -o /dev/null -w '%{http_code}' "$FRUGAL_S3_ENDPOINT/ckpt/$1"; }
expect_eq "$(s3 "$FRUGAL_S3_ENDPOINT/ckpt/runs/exp1/ckpt-4/step")" "4" "newest checkpoint in S3"
expect_eq "$(s3 "$FRUGAL_S3_ENDPOINT/ckpt/runs/exp1/ckpt-3/model.bin")" "weights" "second newest in S3"
expect_eq "$(status_of runs/exp1/ckpt-1/step)" "404" "ckpt-1 pruned (keep 2)"
expect_eq "$(status_of runs/exp1/ckpt-1.done)" "404" "its marker too"
expect_eq "$(status_of runs/exp1/ckpt-4.done)" "200" "the .done marker of the newest"
expect_contains "$(sql "SELECT group_concat(stored_at, ' ') FROM checkpoints")" "s3://ckpt/runs/exp1/ckpt-4" "recorded"
