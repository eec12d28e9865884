# 200 jobs killed while holding a checkpoint open: not one half-written file is handed to the next
# attempt. Sampling every 10 ms (the least allowed) puts many looks between a job's death and its reaping, when the
# dead job shows no open files (before issue 17, 1 try in 10 handed the half file on).
source "$(dirname "$0")/lib.bash"

cat > job.sh <<'SH'
#!/bin/bash
if [ -n "$FRUGAL_RESUME_FROM" ]; then cat "$FRUGAL_RESUME_FROM" >> "$OLDPWD/resumed"; exit 0; fi
echo whole > ckpt/.tmp && mv ckpt/.tmp ckpt/ckpt-1   # published by a rename: complete at once
exec 4> ckpt/ckpt-2                                  # written in place, and killed halfway
echo half >&4
sleep "0.0$((RANDOM % 4))"
kill -9 $$
SH
chmod +x job.sh
tries=200
for i in $(seq 1 "$tries"); do
  mkdir -p "try-$i/ckpt"
  (cd "try-$i" && "$FRUGAL" run --checkpoint-dir ckpt --checkpoint-store store --retries 1 --retry-on-exit 137 \
     --retry-backoff 0s --sample-every 10ms -- ../job.sh >/dev/null 2>&1) || true
done
expect_eq "$(grep -c half resumed || true)" 0 "no attempt resumed from the half-written checkpoint"
expect_eq "$(grep -c whole resumed)" "$tries" "every retry resumed from the whole one"
expect_eq "$(sql "SELECT count(*) FROM checkpoints WHERE path LIKE '%ckpt-2'")" 0 "none recorded complete"
