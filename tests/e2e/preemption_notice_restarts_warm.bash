# A spot preemption notice from the (local, stand-in) metadata service stops the job with SIGTERM
# so it can checkpoint; the run is `preempted` and always retried, from that checkpoint.
source "$(dirname "$0")/lib.bash"
command -v python3 >/dev/null || { echo "SKIP: python3 is needed for the stand-in metadata server"; exit 200; }

# A stand-in for the EC2 metadata service: 404 until the file `notice` exists, then 200 once.
cat > metadata.py <<'PY'
import http.server, os, sys
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_PUT(self):
        self.send_response(200); self.end_headers(); self.wfile.write(b"token")
    def do_GET(self):
        notice = os.path.exists("notice")
        if self.path.endswith("/spot/instance-action") and notice:
            os.rename("notice", "notice.sent")
            self.send_response(200); self.end_headers()
            self.wfile.write(b'{"action": "terminate", "time": "2026-11-26T12:00:00Z"}')
        elif self.path.endswith("/instance/preempted"):
            ok = self.headers.get("Metadata-Flavor") == "Google"
            self.send_response(200 if ok else 403); self.end_headers()
            self.wfile.write(b"TRUE" if ok and notice else b"FALSE")
        elif self.path == "/custom":
            self.send_response(200); self.end_headers()
            self.wfile.write(b"reclaim" if notice else b"false")
        else:
            self.send_response(404); self.end_headers()
s = http.server.HTTPServer(("127.0.0.1", 0), H)
open("port", "w").write(str(s.server_port))
s.serve_forever()
PY
python3 metadata.py &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 100); do [[ -s port ]] && break; sleep 0.05; done
export FRUGAL_METADATA_URL="http://127.0.0.1:$(cat port)"
mkdir ckpt

# The job checkpoints on SIGTERM, then exits; the second attempt resumes from that checkpoint.
job='trap "echo 5 > ckpt/.t && mv ckpt/.t ckpt/ckpt-5; touch ckpt/ckpt-5.done; exit 143" TERM
if [ -n "$FRUGAL_RESUME_FROM" ]; then echo "resumed from $(cat $FRUGAL_RESUME_FROM)"; exit 0; fi
touch notice; while :; do sleep 0.05; done'
run_status "$FRUGAL" run --hourly-usd 1 --sample-every 100ms --retries 1 --retry-backoff 10ms \
  --preemption-notice aws --checkpoint-dir ckpt -- sh -c "$job"
expect_eq "$STATUS" 0 "the retried attempt's status: $ERR"
expect_contains "$OUT" "resumed from 5" "resumed from the checkpoint written on SIGTERM"
expect_eq "$(sql "SELECT group_concat(status, ' ') FROM runs")" "preempted finished" "statuses of the chain"
expect_contains "$(sql "SELECT stop_reason FROM runs WHERE id = 1")" "AWS spot interruption notice" "reason recorded"

# GCP's form and a plain URL: the notice stops the job as preempted.
for source in gcp "$FRUGAL_METADATA_URL/custom"; do
  rm -f notice notice.sent
  run_status "$FRUGAL" run --hourly-usd 1 --sample-every 100ms --preemption-notice "$source" -- \
    sh -c 'touch notice; while :; do sleep 0.05; done'
  expect_eq "$STATUS" 75 "preempted with no retry left ($source)"
  expect_eq "$(sql "SELECT status FROM runs ORDER BY id DESC LIMIT 1")" "preempted" "status ($source)"
done

run_status "$FRUGAL" run --preemption-notice azure -- true
expect_eq "$STATUS" 2 "unknown notice source"
expect_eq "$(sql "SELECT count(*) FROM runs")" "4" "a refused run leaves no row"
