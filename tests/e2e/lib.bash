# Shared by the end-to-end tests: each runs the built `frugal` binary against its own temporary
# FRUGAL_HOME, like a person would, and fails with a message naming what differed.
set -euo pipefail

: "${FRUGAL:?FRUGAL must point at the built binary}"
: "${SHARED_DATA:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)/shared/data}"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/frugal-e2e.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
export FRUGAL_HOME="$WORK/home"
export HOME="$WORK/user-home"
export XDG_CONFIG_HOME="$WORK/xdg"
unset FRUGAL_DB FRUGAL_TEAM FRUGAL_PROJECT FRUGAL_MODEL FRUGAL_DATASET FRUGAL_EXPERIMENT FRUGAL_FORMAT \
      FRUGAL_USER FRUGAL_INSTANCE_TYPE FRUGAL_REGION FRUGAL_PROVIDER
export USER=tester
mkdir -p "$HOME"
cd "$WORK"

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# expect_eq ACTUAL EXPECTED WHAT
expect_eq() {
  [[ "$1" == "$2" ]] || fail "$3: expected [$2], got [$1]"
}

# expect_contains HAYSTACK NEEDLE WHAT
expect_contains() {
  [[ "$1" == *"$2"* ]] || fail "$3: expected to contain [$2], got [$1]"
}

# run_status CMD...: runs CMD, captures stdout in $OUT, stderr in $ERR and the status in $STATUS.
run_status() {
  set +e
  "$@" >"$WORK/.out" 2>"$WORK/.err"
  STATUS=$?
  set -e
  OUT=$(cat "$WORK/.out")
  ERR=$(cat "$WORK/.err")
}

sql() { "$FRUGAL" sql --format csv "$1" | tail -n +2; }

require_shared_data() {
  if [[ ! -e "$SHARED_DATA/$1" ]]; then
    echo "SKIP: real data set ../shared/data/$1 is absent"
    exit 200  # CTest's skip code here; 77 is frugal's quota refusal
  fi
}

# start_s3rver BUCKET: s3rver (pinned in package.json) on a free loopback port with BUCKET made,
# FRUGAL_S3_ENDPOINT and its credentials exported, stopped on exit; the test skips where npm ci
# has not installed it. s3rver checks no signature: tests of signing use their own double.
start_s3rver() {
  local s3rver
  s3rver="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/node_modules/.bin/s3rver"
  if [[ ! -x "$s3rver" ]]; then
    echo "SKIP: s3rver is not installed (make deps runs npm ci, which installs it)"
    exit 200
  fi
  mkdir -p "$WORK/s3data"
  "$s3rver" --directory "$WORK/s3data" --port 0 --configure-bucket "$1" >"$WORK/s3rver.log" 2>&1 &
  S3RVER_PID=$!
  trap 'kill $S3RVER_PID 2>/dev/null; rm -rf "$WORK"' EXIT
  for _ in $(seq 100); do grep -q "listening on" "$WORK/s3rver.log" 2>/dev/null && break; sleep 0.05; done
  local port
  port=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$WORK/s3rver.log")
  [[ -n "$port" ]] || fail "s3rver did not start: $(cat "$WORK/s3rver.log")"
  export FRUGAL_S3_ENDPOINT="http://127.0.0.1:$port" AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER
}
