#!/usr/bin/env bash
# A real Prometheus (Debian's prometheus 2.42) that has scraped a simulated GPU Kubernetes cluster
# (cluster_exporter.py beside this file: kube-state-metrics, dcgm-exporter and cAdvisor series) for
# the end-to-end tests of `frugal k8s import --prometheus URL`. The cluster and its numbers: README.md.
#
# Sourced (the usual way, from a test that sources lib.bash):
#
#   source "$here/k8s/prometheus.sh"
#   k8s_prometheus_start "$WORK/prom" || { (($? == 200)) && exit 200; fail "no Prometheus"; }
#   trap 'k8s_prometheus_stop; rm -rf "$WORK"' EXIT
#
#   k8s_prometheus_start [DIR]  starts the exporter and Prometheus (basic auth) in DIR (made if
#                               missing; a new temporary folder without DIR), waits until Prometheus
#                               holds the whole timeline and exports PROM_URL, PROM_USER,
#                               PROM_PASSWORD, T0, T_END (unix seconds of the first and last step),
#                               PROM_STEP, PROM_STEPS and PROM_DIR. Returns 200 after "SKIP: ..."
#                               on stderr when a program is missing, 1 on failure (all stopped).
#   k8s_prometheus_stop         stops both, waits for them, removes the TSDB, and DIR itself when
#                               start made it. Idempotent; safe in an EXIT trap.
#
# Run (like tests/e2e/slurm/cluster.sh): `prometheus.sh start DIR` prints the same exports for
# eval (and `exit N` when it fails or skips, so the caller's eval stops too); `prometheus.sh stop
# DIR` stops what start left running in DIR.
#
# Everything is on 127.0.0.1 at ports picked at run time, so several may run at once. T0 is
# now - 3h - 5m by default (FRUGAL_PROM_T0 sets it; it must lie within the last 11 hours), so the
# whole timeline (T0 .. T_END = T0 + 180 min) is in the past when the test starts. The timeline
# takes about 5 s (Prometheus' first scrape) + 181 scrapes x 100 ms; start returns in ~25 s.

# Settings; the test may set them before sourcing (or in the environment of `prometheus.sh start`).
: "${PROM_USER:=frugal}"
: "${PROM_PASSWORD:=prom-secret}"
: "${PROM_STEP:=60}"
: "${PROM_STEPS:=180}"
: "${FRUGAL_PROM_SCRAPE_INTERVAL:=100ms}"  # also the scrape timeout: Prometheus allows no longer
: "${FRUGAL_PROM_START_TIMEOUT:=60}"        # seconds for one attempt of start

_k8s_prom_here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

_k8s_prom_say() { echo "prometheus.sh: $*" >&2; }

# _k8s_prom_alive PID: the process exists, is not a zombie, and its command line names our
# folder (so a recycled pid is never taken for ours), or it is a child of this shell that has not
# yet exec'd the program.
_k8s_prom_alive() {
  local pid=$1 stat
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  stat=$(cat "/proc/$pid/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [[ "${stat%% *}" != Z ]] || return 1
  if tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -qF -- "$PROM_DIR/"; then
    return 0
  fi
  stat=${stat#* }
  [[ "${stat%% *}" == "$$" || "${stat%% *}" == "$BASHPID" ]]
}

# _k8s_prom_kill NAME: SIGTERM the process whose pid is in $PROM_DIR/NAME.pid, SIGKILL after 5 s.
_k8s_prom_kill() {
  local f="$PROM_DIR/$1.pid" pid i
  [[ -s "$f" ]] || return 0
  pid=$(<"$f")
  if _k8s_prom_alive "$pid"; then
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
      _k8s_prom_alive "$pid" || break
      sleep 0.1
    done
    if _k8s_prom_alive "$pid"; then
      _k8s_prom_say "$1 (pid $pid) did not stop in 5 s: SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  wait "$pid" 2>/dev/null || true  # reaps it when it is our child (sourced); harmless otherwise
  rm -f "$f"
}

k8s_prometheus_stop() {
  [[ -n "${PROM_DIR:-}" && -d "$PROM_DIR" ]] || return 0
  _k8s_prom_kill prometheus
  _k8s_prom_kill exporter
  rm -rf "$PROM_DIR/tsdb"
  if [[ -e "$PROM_DIR/.made-by-start" ]]; then
    rm -rf "$PROM_DIR"
  fi
  return 0
}

# _k8s_prom_free_port: a TCP port nobody listens on, at random in 20000-32767 (below Linux's
# ephemeral range, so no outgoing connection holds it). Whoever binds first wins: start retries.
_k8s_prom_free_port() {
  local p i
  for ((i = 0; i < 200; i++)); do
    p=$((20000 + (RANDOM * 32768 + RANDOM) % 12768))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      echo "$p"
      return 0
    fi
  done
  return 1
}

_k8s_prom_last_lines() {
  if [[ -s "$1" ]]; then tail -n 5 "$1" | tr -s '\n\t' '  ' | cut -c1-600; else echo "(no log)"; fi
}

# _k8s_prom_query PROMQL: the value of a one-element instant vector at T_END ("" if none).
_k8s_prom_query() {
  { curl -sS -m 5 -u "$PROM_USER:$PROM_PASSWORD" "$PROM_URL/api/v1/query" \
    --data-urlencode "query=$1" --data-urlencode "time=$T_END" 2>/dev/null || true; } |
    sed -n 's/.*"value":\[[^,]*,"\([^"]*\)"\].*/\1/p'
}

# _k8s_prom_attempt: one try: exporter, Prometheus, the whole timeline ingested. 0 ready; 1 failed;
# 2 the timeline came in incomplete (a scrape timed out: its step is lost for good), worth a retry.
_k8s_prom_attempt() {
  local deadline=$((SECONDS + FRUGAL_PROM_START_TIMEOUT)) exporter_port prom_port pid hash
  rm -rf "$PROM_DIR/tsdb" "$PROM_DIR/done" "$PROM_DIR/exporter.port"
  mkdir -p "$PROM_DIR/tsdb"

  # ---- the exporter, on a port the kernel picks.
  python3 "$_k8s_prom_here/cluster_exporter.py" --port 0 --port-file "$PROM_DIR/exporter.port" \
    --t0 "$T0" --step "$PROM_STEP" --steps "$PROM_STEPS" --done-file "$PROM_DIR/done" \
    </dev/null >>"$PROM_DIR/exporter.log" 2>&1 &
  echo $! >"$PROM_DIR/exporter.pid"
  until [[ -s "$PROM_DIR/exporter.port" ]]; do
    if ! _k8s_prom_alive "$(<"$PROM_DIR/exporter.pid")"; then
      _k8s_prom_say "the exporter exited: $(_k8s_prom_last_lines "$PROM_DIR/exporter.log")"
      return 1
    fi
    ((SECONDS < deadline)) || { _k8s_prom_say "the exporter did not start"; return 1; }
    sleep 0.05
  done
  exporter_port=$(<"$PROM_DIR/exporter.port")

  # ---- Prometheus' configuration. honor_timestamps: the samples carry the simulated time.
  cat >"$PROM_DIR/prometheus.yml" <<EOF
# Written by tests/e2e/k8s/prometheus.sh: one job scraping the simulated cluster.
global:
  scrape_interval: $FRUGAL_PROM_SCRAPE_INTERVAL
  scrape_timeout: $FRUGAL_PROM_SCRAPE_INTERVAL
scrape_configs:
  - job_name: k8s
    honor_timestamps: true
    static_configs:
      - targets: ['127.0.0.1:$exporter_port']
EOF
  # Basic auth: bcrypt ($2b$, cost 10), which Prometheus' web config (exporter-toolkit) checks.
  hash=$(_k8s_prom_bcrypt "$PROM_PASSWORD") || { _k8s_prom_say "cannot make a bcrypt hash"; return 1; }
  (umask 077 && printf "basic_auth_users:\n  %s: '%s'\n" "$PROM_USER" "$hash" >"$PROM_DIR/web.yml")

  # ---- Prometheus. min-block-duration (a flag Prometheus hides, "for use in testing"): the head
  # refuses samples older than its newest one minus half a block, and its newest is the wall
  # clock of the last scrape (`up` and the scrape_* series), so with the default 2h blocks all
  # but the last hour of a timeline in the past would be dropped. 24h blocks take 12 hours.
  for _ in 1 2 3 4; do
    prom_port=$(_k8s_prom_free_port) || { _k8s_prom_say "no free TCP port in 20000-32767"; return 1; }
    : >"$PROM_DIR/prometheus.log"
    prometheus --config.file="$PROM_DIR/prometheus.yml" --web.config.file="$PROM_DIR/web.yml" \
      --storage.tsdb.path="$PROM_DIR/tsdb/" --web.listen-address="127.0.0.1:$prom_port" \
      --storage.tsdb.min-block-duration=24h --storage.tsdb.max-block-duration=24h \
      --storage.tsdb.retention.time=30d --log.level=warn \
      </dev/null >>"$PROM_DIR/prometheus.log" 2>&1 &
    pid=$!
    echo "$pid" >"$PROM_DIR/prometheus.pid"
    PROM_URL="http://127.0.0.1:$prom_port"
    # Up when it answers an authenticated readiness probe (200 once the TSDB is open).
    while ! curl -fsS -m 2 -o /dev/null -u "$PROM_USER:$PROM_PASSWORD" "$PROM_URL/-/ready" 2>/dev/null; do
      if ! _k8s_prom_alive "$pid"; then
        if grep -q "address already in use" "$PROM_DIR/prometheus.log"; then
          continue 2  # someone took the port first: another one
        fi
        _k8s_prom_say "prometheus exited: $(_k8s_prom_last_lines "$PROM_DIR/prometheus.log")"
        return 1
      fi
      ((SECONDS < deadline)) || { _k8s_prom_say "prometheus not ready: $(_k8s_prom_last_lines "$PROM_DIR/prometheus.log")"; return 1; }
      sleep 0.1
    done
    break
  done
  _k8s_prom_alive "$pid" || { _k8s_prom_say "ports kept being taken; gave up"; return 1; }

  # ---- The whole timeline served and stored: every step, not only the last (a scrape that timed
  # out lost its step for good; Prometheus commits a scrape within milliseconds of reading it).
  local done_at="" count="" want=$((PROM_STEPS + 1))
  while :; do
    [[ -z "$done_at" && -e "$PROM_DIR/done" ]] && done_at=$SECONDS
    if [[ -n "$done_at" ]]; then
      count=$(_k8s_prom_query "min(count_over_time(kube_node_labels[$((PROM_STEPS * PROM_STEP + PROM_STEP / 2))s]))")
      [[ "$count" == "$want" ]] && return 0
      if ((SECONDS - done_at >= 3)); then
        _k8s_prom_say "Prometheus stored ${count:-none} of the $want steps (a scrape timed out)"
        return 2
      fi
    fi
    if ! _k8s_prom_alive "$pid"; then
      _k8s_prom_say "prometheus exited: $(_k8s_prom_last_lines "$PROM_DIR/prometheus.log")"
      return 1
    fi
    if ((SECONDS >= deadline)); then
      _k8s_prom_say "the exporter was not scraped to the end in ${FRUGAL_PROM_START_TIMEOUT}s (it says" \
        "$(curl -s -m 2 "127.0.0.1:$exporter_port/healthz" | tr -d '\n'))"
      return 1
    fi
    sleep 0.2
  done
}

_k8s_prom_bcrypt() {
  local h
  h=$(python3 -W ignore -c 'import crypt, sys
print(crypt.crypt(sys.argv[1], crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=1 << 10)))' "$1" 2>/dev/null || true)
  if [[ "$h" != \$2* ]] && command -v htpasswd >/dev/null; then  # Python >= 3.13 has no crypt
    h=$(htpasswd -nbBC 10 x "$1" 2>/dev/null | sed -n 's/^x://p' || true)
  fi
  [[ "$h" == \$2* ]] && echo "$h"
}

k8s_prometheus_start() {
  local rc attempt prog
  for prog in prometheus python3 curl; do
    if ! command -v "$prog" >/dev/null 2>&1; then
      echo "SKIP: $prog is not installed (make deps installs prometheus, python3 and curl)" >&2
      return 200
    fi
  done
  local now
  now=$(date +%s)
  T0=${FRUGAL_PROM_T0:-$(((now - PROM_STEPS * PROM_STEP - 300) / 60 * 60))}
  if ! [[ "$T0" =~ ^[0-9]+$ ]] || ((T0 < now - 11 * 3600)); then
    _k8s_prom_say "T0=$T0 is not within the last 11 hours: Prometheus would drop the samples"
    return 1
  fi
  T_END=$((T0 + PROM_STEPS * PROM_STEP))
  if [[ -n "${1:-}" ]]; then
    mkdir -p "$1" || return 1
    PROM_DIR=$(cd "$1" && pwd -P)
  else
    PROM_DIR=$(mktemp -d "${TMPDIR:-/tmp}/frugal-prom.XXXXXX") || return 1
    : >"$PROM_DIR/.made-by-start"
  fi
  export PROM_DIR
  for attempt in 1 2; do
    rc=0
    _k8s_prom_attempt || rc=$?
    ((rc == 0)) && break
    _k8s_prom_kill prometheus
    _k8s_prom_kill exporter
    if ((rc != 2 || attempt == 2)); then
      if [[ -e "$PROM_DIR/.made-by-start" ]]; then
        _k8s_prom_say "prometheus.log ends: $(_k8s_prom_last_lines "$PROM_DIR/prometheus.log")"
      else
        _k8s_prom_say "logs: $PROM_DIR/prometheus.log, $PROM_DIR/exporter.log"
      fi
      k8s_prometheus_stop
      return 1
    fi
    _k8s_prom_say "starting over with a new Prometheus"
  done
  export PROM_URL PROM_USER PROM_PASSWORD PROM_STEP PROM_STEPS T0 T_END
  # The test's shell going away without k8s_prometheus_stop (a SIGKILL from a timeout) must not
  # leave both running: a watcher stops them when the shell that sourced this file is gone.
  if [[ -z "${_k8s_prom_run_mode:-}" ]]; then
    _k8s_prom_watch "$$" "$PROM_DIR" "$(<"$PROM_DIR/prometheus.pid")" "$(<"$PROM_DIR/exporter.pid")" &
    disown $! 2>/dev/null || true
  fi
  return 0
}

# _k8s_prom_watch SHELL_PID DIR PIDS...: waits for SHELL_PID to end, then SIGKILLs PIDS still running
# with DIR on their command line.
_k8s_prom_watch() {
  local shell=$1 dir=$2 p
  shift 2
  exec </dev/null >/dev/null 2>&1
  while kill -0 "$shell" 2>/dev/null; do sleep 1; done
  for p in "$@"; do
    if tr '\0' ' ' 2>/dev/null <"/proc/$p/cmdline" | grep -qF -- "$dir/"; then kill -KILL "$p"; fi
  done
}

# ------------------------------------------------------------------------------- run mode --
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  set -euo pipefail
  _k8s_prom_run_mode=1
  case "${1:-}/${2:-}" in
  start/?*)
    rc=0
    k8s_prometheus_start "$2" >&2 || rc=$?
    if ((rc != 0)); then
      echo "exit $rc"
      exit "$rc"
    fi
    for v in PROM_URL PROM_USER PROM_PASSWORD PROM_STEP PROM_STEPS T0 T_END PROM_DIR; do
      printf 'export %s=%q\n' "$v" "${!v}"
    done
    ;;
  stop/?*)
    if PROM_DIR=$(cd "$2" 2>/dev/null && pwd -P); then k8s_prometheus_stop; fi
    ;;
  *)
    echo "usage: ${0##*/} start DIR | stop DIR   (or source it: k8s_prometheus_start, k8s_prometheus_stop)" >&2
    exit 2
    ;;
  esac
fi
