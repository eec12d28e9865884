#!/usr/bin/env bash
# Issue 18: two event-driven transports for `frugal serve`, measured side by side with nginx in one
# run on loopback — Boost.Beast on Asio (Debian's Boost 1.74, header-only) and GNU libmicrohttpd
# 0.9.75 (Debian's libmicrohttpd-dev), each with N = 2 and 16 threads, serving the same tiny app
# (POST /api/2.0/mlflow/runs/log-metric → {}, GET /healthz). No database: transport only.
#
#   bench/http_transport/run.sh       (SECONDS_EACH=5 for each wrk run; THREADS="2 16"; PACE_MS=14)
#
# Per server: (a) req/s of single ~100-byte POSTs, wrk -t2 -c16, as % of nginx's GET of a 64-byte
# file (nginx run first and last; the ratio is to their mean); (b) p99 at ~1,000 req/s offered
# (15 connections, PACE_MS apart), alone and with 1,000 idle keep-alive connections held open;
# (c) slowloris: 200 connections each sending a header line every 2 s for 18 s while /healthz is
# curled 10 times; (d) VmRSS idle, peak under (a), with the 1,000 idle connections; (e) a 1 GB
# chunked POST sent as fast as possible without reading (10 s at most): peak RSS, how it refuses.
# Peaks are VmHWM after resetting it through /proc/PID/clear_refs (sampled VmRSS where that is
# not allowed). One g++ at a time. Every process it starts is ended on exit.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
secs="${SECONDS_EACH:-5}"
threads="${THREADS:-2 16}"
pace="${PACE_MS:-14}"
build="$here/build"
for tool in wrk nginx curl python3 g++; do
  command -v "$tool" >/dev/null || { echo "bench/http_transport: $tool is not installed"; exit 1; }
done
[[ -f /usr/include/microhttpd.h ]] || { echo "bench/http_transport: apt-get install -y libmicrohttpd-dev"; exit 1; }
ulimit -n 8192 2>/dev/null || true

tmp="$(mktemp -d)"
chmod 755 "$tmp"  # run as root, nginx's workers (nobody) must reach the file, or every answer is a 403
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- build ------------------------------------------------------------------------------------
mkdir -p "$build"
flags=(-std=c++23 -O2 -Wall -Wextra -Werror)
t0=$(date +%s.%N)
g++ "${flags[@]}" -o "$build/beast_server" "$here/beast_server.cpp" -lpthread
t1=$(date +%s.%N)
g++ "${flags[@]}" -o "$build/mhd_server" "$here/mhd_server.cpp" -lmicrohttpd -lpthread
t2=$(date +%s.%N)
beast_build=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
mhd_build=$(awk -v a="$t1" -v b="$t2" 'BEGIN { printf "%.1f", b - a }')
echo "built with g++ ${flags[*]}: beast_server.cpp ${beast_build} s, mhd_server.cpp ${mhd_build} s"

# --- helpers ----------------------------------------------------------------------------------
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
status_kb() { # sum of a /proc/PID/status field (kB) over pids
  local field="$1" t=0 v; shift
  for p in "$@"; do v=$(awk -v f="$field:" '$1 == f { print $2 }' "/proc/$p/status" 2>/dev/null); t=$((t + ${v:-0})); done
  echo "$t"; }
rss_kb() { status_kb VmRSS "$@"; }
mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
# Peak RSS over a stretch: start_peak PIDS…; (the work); end_peak → kB.
start_peak() {
  peak_pids=("$@"); peak_hwm=1
  for p in "$@"; do echo 5 2>/dev/null >"/proc/$p/clear_refs" || peak_hwm=0; done
  if ((peak_hwm == 0)); then
    rm -f "$tmp/stop_watch"
    (peak=0; while [[ ! -e "$tmp/stop_watch" ]]; do r=$(rss_kb "${peak_pids[@]}"); ((r > peak)) && peak=$r; sleep 0.05; done
     echo "$peak" >"$tmp/peak") &
    watcher=$!
  fi
}
end_peak() {
  if ((peak_hwm)); then status_kb VmHWM "${peak_pids[@]}"; else touch "$tmp/stop_watch"; wait "$watcher"; cat "$tmp/peak"; fi
}
rps() { sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' <<<"$1"; }
p99() { sed -n 's/^ *99% *\(.*\)$/\1/p' <<<"$1"; }
errors() { # non-2xx answers and socket errors, "" when none
  local e; e=$(grep -E "Non-2xx|Socket errors" <<<"$1" | tr -s ' ' | tr '\n' ';' || true); echo "${e%;}"; }
wait_up() { for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$1/$2" && return 0; sleep 0.05; done
            echo "bench/http_transport: nothing answers on $1"; exit 1; }
pct() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.0f%%", 100 * a / b; else print "-" }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f×", a / b; else print "-" }'; }
to_ms() { awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n = n; else if (v ~ /s$/) n *= 1000; printf "%.2f", n }'; }
declare -A R  # R[server,measure]

# 1,000 idle keep-alive connections, each answered once (GET $2, /healthz by default); holder is the pid.
hold_idle() {
  python3 "$here/clients.py" idle "$1" 1000 "${2:-/healthz}" >"$tmp/idle.out" 2>&1 &
  holder=$!; pids+=("$holder")
  for _ in $(seq 250); do grep -q ready "$tmp/idle.out" && break; sleep 0.1; done
}
# "K/1000 in S s", and when some were not answered, what the listening socket still queued.
idle_answered() {
  local ok secs note=""; read -r _ ok secs < <(grep ready "$tmp/idle.out" || echo "ready 0 -")
  [[ $ok == 1000 ]] || note=" ($(ss -tln "( sport = :$1 )" | awk 'NR == 2 { print $2 }') still in the accept queue)"
  echo "$ok/1000 in $secs s$note"; }
release_idle() { kill "$holder" 2>/dev/null || true; wait "$holder" 2>/dev/null || true; }

# --- nginx, the ceiling -----------------------------------------------------------------------
nport=$(free_port)
mkdir -p "$tmp/www" "$tmp/nginx"
printf '{"status":"ok","padding":"..........................."}\n' >"$tmp/www/small.json"  # 64 bytes
cat >"$tmp/nginx/nginx.conf" <<CONF
worker_processes 2; pid $tmp/nginx/pid; error_log $tmp/nginx/error.log; daemon off;
worker_rlimit_nofile 8192;
events { worker_connections 4096; }
http { access_log off; keepalive_requests 1000000;
  client_body_temp_path $tmp/nginx; proxy_temp_path $tmp/nginx; fastcgi_temp_path $tmp/nginx; uwsgi_temp_path $tmp/nginx; scgi_temp_path $tmp/nginx;
  server { listen 127.0.0.1:$nport; root $tmp/www; } }
CONF
nginx -c "$tmp/nginx/nginx.conf" -p "$tmp/nginx" &
nginx_pid=$!; pids+=("$nginx_pid")
wait_up "$nport" small.json
sleep 0.2
ngx_all() { echo "$nginx_pid" $(pgrep -P "$nginx_pid" | tr '\n' ' '); }
nurl="http://127.0.0.1:$nport/small.json"
nginx_rps() { local out; out=$(wrk -t2 -c16 -d"${secs}s" --latency "$nurl"); R[nginx,err]+=$(errors "$out"); rps "$out"; }
R[nginx,rss_idle]=$(rss_kb $(ngx_all))
start_peak $(ngx_all)
R[nginx,rps1]=$(nginx_rps)
R[nginx,rss_load]=$(end_peak)
out=$(PACE_MS=$pace wrk -t2 -c15 -d"${secs}s" --latency -s "$here/pace.lua" "$nurl")
R[nginx,paced_rps]=$(rps "$out"); R[nginx,p99]=$(p99 "$out"); R[nginx,err]+=$(errors "$out")
hold_idle "$nport" /small.json
R[nginx,idle_ok]=$(idle_answered "$nport")
R[nginx,rss_idle1000]=$(rss_kb $(ngx_all))
out=$(PACE_MS=$pace wrk -t2 -c15 -d"${secs}s" --latency -s "$here/pace.lua" "$nurl")
R[nginx,p99_idle]=$(p99 "$out"); R[nginx,err]+=$(errors "$out")
release_idle
R[nginx,idle_left]=$(sed -n 's/^open //p' "$tmp/idle.out")
echo "nginx: ${R[nginx,rps1]} req/s GET 64 B; p99 at ~1,000 req/s ${R[nginx,p99]}, with 1,000 idle ${R[nginx,p99_idle]}"

# --- the candidates ---------------------------------------------------------------------------
servers=()
for n in $threads; do servers+=("beast:$n" "mhd:$n"); done
for s in "${servers[@]}"; do
  kind=${s%%:*}; n=${s##*:}
  port=$(free_port)
  "$build/${kind}_server" "$port" "$n" &
  spid=$!; pids+=("$spid")
  wait_up "$port" healthz
  sleep 0.2
  R[$s,rss_idle]=$(rss_kb "$spid")
  url="http://127.0.0.1:$port"

  # (a) throughput, 16 keep-alive connections.
  start_peak "$spid"
  out=$(wrk -t2 -c16 -d"${secs}s" --latency -s "$here/post.lua" "$url/api/2.0/mlflow/runs/log-metric")
  R[$s,rss_load]=$(end_peak)
  R[$s,rps]=$(rps "$out"); R[$s,err]=$(errors "$out")

  # (b) p99 at ~1,000 req/s offered, then the same with 1,000 idle keep-alive connections held.
  out=$(PACE_MS=$pace wrk -t2 -c15 -d"${secs}s" --latency -s "$here/post.lua" "$url/api/2.0/mlflow/runs/log-metric")
  R[$s,paced_rps]=$(rps "$out"); R[$s,p99]=$(p99 "$out"); R[$s,err]+=$(errors "$out")
  hold_idle "$port"
  R[$s,idle_ok]=$(idle_answered "$port")
  R[$s,rss_idle1000]=$(rss_kb "$spid")
  out=$(PACE_MS=$pace wrk -t2 -c15 -d"${secs}s" --latency -s "$here/post.lua" "$url/api/2.0/mlflow/runs/log-metric")
  R[$s,p99_idle]=$(p99 "$out"); R[$s,err]+=$(errors "$out")
  release_idle
  R[$s,idle_left]=$(sed -n 's/^open //p' "$tmp/idle.out")

  # (c) slowloris: 200 connections, a header line each every 2 s for 18 s; /healthz curled 10
  # times, one a second from the 2nd second, 5 s allowed each.
  python3 "$here/clients.py" slowloris "$port" 200 2 18 >"$tmp/slow.out" 2>&1 &
  slow=$!; pids+=("$slow")
  sleep 2
  : >"$tmp/curls"
  for _ in $(seq 10); do
    curl -s -o /dev/null --max-time 5 -w '%{http_code} %{time_total}\n' "$url/healthz" >>"$tmp/curls" || true
    sleep 1
  done
  R[$s,slow_rss]=$(rss_kb "$spid")
  wait "$slow" || true
  R[$s,slow_ok]=$(awk '$1 == 200' "$tmp/curls" | wc -l)
  R[$s,slow_ms]=$(awk '$1 == 200 { t = $2 * 1000; s += t; if (t > m) m = t; n++ } END { if (n) printf "mean %.1f ms, max %.1f ms", s / n, m }' "$tmp/curls")
  R[$s,slow_closed]=$(cat "$tmp/slow.out")

  # (e) 1 GB chunked POST, sent as fast as possible without reading, 10 s at most.
  R[$s,rss_before_big]=$(rss_kb "$spid")
  start_peak "$spid"
  R[$s,big]=$(python3 "$here/clients.py" bigpost "$port" 1 10)
  sleep 0.3
  R[$s,big_rss]=$(end_peak)
  R[$s,rss_after]=$(rss_kb "$spid")

  kill "$spid"; wait "$spid" 2>/dev/null || true
  echo "$s: ${R[$s,rps]} req/s; p99 ${R[$s,p99]} / ${R[$s,p99_idle]} with 1,000 idle; slowloris: ${R[$s,slow_ok]}/10 answered, ${R[$s,slow_closed]}; big POST: ${R[$s,big]}"
done

R[nginx,rps2]=$(nginx_rps)
R[nginx,rps]=$(awk -v a="${R[nginx,rps1]}" -v b="${R[nginx,rps2]}" 'BEGIN { printf "%.2f", (a + b) / 2 }')
echo "nginx again: ${R[nginx,rps2]} req/s"

# --- the table --------------------------------------------------------------------------------
cols=(nginx "${servers[@]}")
nr=${R[nginx,rps]}; np=$(to_ms "${R[nginx,p99]}"); npi=$(to_ms "${R[nginx,p99_idle]}")
row() { local label="$1" f="$2"; printf '| %s |' "$label"; for c in "${cols[@]}"; do printf ' %s |' "$("$f" "$c")"; done; echo; }
f_rps() { if [[ $1 == nginx ]]; then printf '%.0f (first %.0f, last %.0f)' "$nr" "${R[nginx,rps1]}" "${R[nginx,rps2]}"
          else printf '%.0f (%s)' "${R[$1,rps]}" "$(pct "${R[$1,rps]}" "$nr")"; fi; }
f_err() { local e="${R[$1,err]}"; echo "${e:-none}"; }
f_p99() { if [[ $1 == nginx ]]; then echo "$np ms"; else echo "$(to_ms "${R[$1,p99]}") ms ($(ratio "$(to_ms "${R[$1,p99]}")" "$np"))"; fi; }
f_prps() { printf '%.0f' "${R[$1,paced_rps]}"; }
f_p99i() { if [[ $1 == nginx ]]; then echo "$npi ms"; else echo "$(to_ms "${R[$1,p99_idle]}") ms ($(ratio "$(to_ms "${R[$1,p99_idle]}")" "$npi"))"; fi; }
f_idle() { echo "${R[$1,idle_ok]}, ${R[$1,idle_left]:-?} open after"; }
f_slow() { [[ $1 == nginx ]] && echo "-" || echo "${R[$1,slow_ok]}/10, ${R[$1,slow_ms]}"; }
f_slowc() { [[ $1 == nginx ]] && echo "-" || echo "${R[$1,slow_closed]}"; }
f_mb() { local k="${R[$1,$2]:-}"; [[ -n $k ]] && echo "$(mb "$k") MB" || echo "-"; }
f_rss_idle() { f_mb "$1" rss_idle; }
f_rss_load() { f_mb "$1" rss_load; }
f_rss_1000() { f_mb "$1" rss_idle1000; }
f_rss_slow() { f_mb "$1" slow_rss; }
f_big() { [[ $1 == nginx ]] && echo "-" || echo "${R[$1,big]}"; }
f_big_rss() { [[ $1 == nginx ]] && echo "-" || echo "$(mb "${R[$1,big_rss]}") MB peak ($(mb "${R[$1,rss_before_big]}") before, $(mb "${R[$1,rss_after]}") after)"; }
echo
echo "$(date -u +%Y-%m-%d), $(nproc) cores, wrk -t2, ${secs} s runs, paced runs 15 connections ${pace} ms apart"
printf '| |'; for c in "${cols[@]}"; do
  if [[ $c == nginx ]]; then printf ' nginx (GET 64 B file) |'; else printf ' %s N=%s |' "$([[ ${c%%:*} == beast ]] && echo Beast || echo MHD)" "${c##*:}"; fi
done; echo
printf '|---|'; for _ in "${cols[@]}"; do printf -- '---|'; done; echo
row "a. req/s, single POSTs, 16 keep-alive conns (% of nginx)" f_rps
row "wrk errors (non-2xx, socket)" f_err
row "b. p99, ~1,000 req/s offered (× nginx)" f_p99
row "b. req/s achieved in that run" f_prps
row "b. p99, same, 1,000 idle conns held (× nginx)" f_p99i
row "b. idle conns answered (time); still open after" f_idle
row "c. slowloris (200 conns): /healthz answered" f_slow
row "c. slowloris conns closed by the server" f_slowc
row "d. VmRSS idle" f_rss_idle
row "d. VmRSS peak under a" f_rss_load
row "d. VmRSS, 1,000 idle conns" f_rss_1000
row "d. VmRSS, 200 slowloris conns" f_rss_slow
row "e. 1 GB chunked POST, not read" f_big
row "e. VmRSS during it" f_big_rss
echo
echo "compile (g++ ${flags[*]}, one at a time): beast_server.cpp ${beast_build} s, mhd_server.cpp ${mhd_build} s"
