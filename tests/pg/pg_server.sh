#!/usr/bin/env bash
# Throwaway PostgreSQL server for the test suite (ctest fixture setup/cleanup).
# Why: the PostgreSQL store is tested against a real server, not a mock; each test run gets
# its own private cluster (fast, unsafe settings: fsync off) on a free 127.0.0.1 port and
# removes it afterwards. initdb refuses to run as root, so under root (CI) the server runs
# as user nobody. Without PostgreSQL installed, start succeeds without writing DIR/url and
# the PostgreSQL tests skip themselves.
#
#   pg_server.sh start DIR     init + start; writes DIR/url, DIR/port; prints the URL
#   pg_server.sh stop DIR      stop immediately and rm -rf DIR (never fails if already stopped)
#   pg_server.sh restart DIR   restart (-m fast) on the same port
#
# Everything is logged to DIR/log. PG_BINDIR overrides where the server binaries are found.
set -u
umask 022

DB=frugal_test
ROLE=frugal
MARKER=.frugal_pg_server   # only directories carrying it are removed by `stop`

die() {
  echo "pg_server.sh: $*" >&2
  if [ -n "${LOG:-}" ] && [ -s "$LOG" ]; then
    echo "---- last lines of $LOG ----" >&2
    tail -n 40 "$LOG" >&2
  fi
  exit 1
}
log() { [ -n "${LOG:-}" ] && echo "[pg_server $(date +%H:%M:%S)] $*" >>"$LOG"; }

# Settings from the caller's environment (PGHOST, PGPORT, PGDATA, ...) must not leak in.
for v in $(compgen -e | grep '^PG'); do unset "$v"; done

# ---- locate the server binaries -------------------------------------------------------------
find_bindir() {
  local d
  for d in "${PG_BINDIR:-}" "$(pg_config --bindir 2>/dev/null)" \
           $(printf '%s\n' /usr/lib/postgresql/*/bin | sort -Vr); do
    if [ -n "$d" ] && [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/postgres" ]; then
      echo "$d"; return 0
    fi
  done
  d=$(command -v initdb 2>/dev/null) || return 1
  d=$(dirname "$d")
  [ -x "$d/pg_ctl" ] && [ -x "$d/postgres" ] && { echo "$d"; return 0; }
  return 1
}
BIN=$(find_bindir) || BIN=""
tool() {  # path of a client tool: prefer the server's bin dir, else PATH
  if [ -n "$BIN" ] && [ -x "$BIN/$1" ]; then echo "$BIN/$1"; else command -v "$1"; fi
}

# ---- privilege drop when running as root ------------------------------------------------------
RUN_USER=""
AS=()
if [ "$(id -u)" = 0 ]; then
  RUN_USER=nobody
  RUN_GROUP=$(id -gn nobody 2>/dev/null) || RUN_GROUP=nogroup
  if command -v setpriv >/dev/null 2>&1; then
    AS=(setpriv --reuid="$RUN_USER" --regid="$RUN_GROUP" --clear-groups --)
  elif command -v runuser >/dev/null 2>&1; then
    AS=(runuser -u "$RUN_USER" --)
  else
    AS=(__none__)
  fi
fi
as_user() {  # run a command as the server's user, from a directory it can enter
  if [ ${#AS[@]} -eq 0 ]; then
    (cd "$DIR" && "$@")
  elif [ "${AS[0]}" = __none__ ]; then
    die "running as root but neither setpriv nor runuser is available to drop to user $RUN_USER"
  else
    (cd "$DIR" && "${AS[@]}" "$@")
  fi
}

# Fails with a clear message naming the first ancestor of DIR the server user cannot traverse.
check_traversable() {
  [ -n "$RUN_USER" ] || return 0
  as_user test -w "$DIR" -a -x "$DIR" 2>/dev/null && return 0
  local d="" part
  local IFS=/
  for part in $DIR; do
    [ -z "$part" ] && continue
    d="$d/$part"
    if ! (cd / && "${AS[@]}" test -x "$d") 2>/dev/null; then
      die "directory $d is not traversable by user $RUN_USER (the server cannot run as root); chmod o+x $d or use a DIR elsewhere, e.g. under /tmp"
    fi
  done
  die "directory $DIR is not writable by user $RUN_USER"
}

free_port() {
  if command -v python3 >/dev/null 2>&1 &&
     python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null; then
    return 0
  fi
  local p
  for _ in $(seq 1 50); do
    p=$((20000 + RANDOM % 40000))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return 0; }
  done
  return 1
}

is_ready() {  # $1 = port
  [ -n "$1" ] && "$(tool pg_isready)" -q -h 127.0.0.1 -p "$1" -U postgres -d postgres -t 3 >/dev/null 2>&1
}

psql_admin() {  # SQL as superuser over TCP
  "$(tool psql)" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PORT" -U postgres -d postgres "$@" >>"$LOG" 2>&1
}

stop_server() {  # immediate stop of whatever runs from DIR/data; never fails
  local data="$DIR/data" pid
  [ -f "$data/postmaster.pid" ] || return 0
  if [ -n "$BIN" ]; then
    as_user "$BIN/pg_ctl" -D "$data" -m immediate -w -t 30 stop >>"$LOG" 2>&1 && return 0
  fi
  # pg_ctl unavailable or failed: signal the postmaster recorded in postmaster.pid directly.
  pid=$(head -n 1 "$data/postmaster.pid" 2>/dev/null)
  case "$pid" in ''|*[!0-9]*) return 0 ;; esac
  kill -QUIT "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null
  return 0
}

# ---- arguments ---------------------------------------------------------------------------------
[ $# -eq 2 ] || { echo "usage: $0 start|stop|restart DIR" >&2; exit 2; }
CMD=$1
case "$2" in ''|/) echo "pg_server.sh: refusing DIR '$2'" >&2; exit 2 ;; esac

if [ "$CMD" = stop ]; then
  [ -d "$2" ] || exit 0
  DIR=$(cd "$2" && pwd -P) || exit 0
  [ "$DIR" = / ] && exit 0
  LOG="$DIR/log"
  if [ ! -e "$DIR/$MARKER" ] && [ -n "$(ls -A "$DIR" 2>/dev/null)" ]; then
    echo "pg_server.sh: $DIR was not created by pg_server.sh start; not removing it" >&2
    exit 0
  fi
  stop_server
  rm -rf "$DIR"
  exit 0
fi

mkdir -p "$2" || die "cannot create directory $2"
DIR=$(cd "$2" && pwd -P) || die "cannot enter directory $2"
LOG="$DIR/log"
touch "$DIR/$MARKER" "$LOG" || die "cannot write in $DIR"
DATA="$DIR/data"

case "$CMD" in
start)
  if [ -z "$BIN" ]; then
    echo "postgresql not installed (apt-get install postgresql); PostgreSQL tests skipped" >&2
    rm -f "$DIR/url" "$DIR/port"
    exit 0
  fi
  # Idempotent: a server already answering for this DIR is reused.
  if [ -s "$DIR/url" ] && [ -s "$DIR/port" ] && is_ready "$(cat "$DIR/port")"; then
    cat "$DIR/url"
    exit 0
  fi
  # Anything left over (failed or dead earlier start) is discarded: the cluster is throwaway.
  rm -f "$DIR/url" "$DIR/port"
  stop_server
  rm -rf "$DATA"

  if [ -n "$RUN_USER" ]; then
    chown "$RUN_USER:$RUN_GROUP" "$DIR" "$LOG" || die "cannot chown $DIR to $RUN_USER"
  fi
  check_traversable

  log "initdb ($BIN) into $DATA${RUN_USER:+ as user $RUN_USER}"
  as_user "$BIN/initdb" -D "$DATA" --username=postgres -E UTF8 --locale=C \
      --auth-local=trust --auth-host=trust --no-sync >>"$LOG" 2>&1 || die "initdb failed"

  # A Unix socket path is limited to ~107 bytes; for deep DIRs use TCP only (all clients do).
  SOCKDIR="$DIR"
  [ $(( ${#DIR} + 20 )) -lt 100 ] || SOCKDIR=""

  ok=""
  for attempt in 1 2 3; do   # the free port can be taken between probing and binding: retry
    PORT=$(free_port) || die "no free TCP port found"
    # Settings go into postgresql.conf, so `restart` keeps the same port and options.
    cat >>"$DATA/postgresql.conf" <<EOF

# ---- frugal test server (tests/pg/pg_server.sh), attempt $attempt ----
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$SOCKDIR'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
shared_buffers = 128MB
EOF
    log "starting on port $PORT (attempt $attempt)"
    # shellcheck disable=SC2094  # pg_ctl appends the server log to the same file
    if as_user "$BIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 start >>"$LOG" 2>&1; then
      ok=1; break
    fi
    stop_server
  done
  [ -n "$ok" ] || die "pg_ctl start failed"

  psql_admin -c "CREATE ROLE $ROLE LOGIN CREATEDB CREATEROLE" \
             -c "CREATE DATABASE $DB OWNER $ROLE" || die "creating role $ROLE / database $DB failed"

  URL="postgresql://$ROLE@127.0.0.1:$PORT/$DB"
  echo "$PORT" >"$DIR/port"
  echo "$URL" >"$DIR/url"
  log "ready: $URL"
  echo "$URL"
  ;;
restart)
  [ -n "$BIN" ] || die "postgresql not installed"
  [ -f "$DATA/PG_VERSION" ] || die "no cluster in $DATA (run start first)"
  PORT=$(cat "$DIR/port" 2>/dev/null)
  log "restart (-m fast) on port $PORT"
  # shellcheck disable=SC2094
  as_user "$BIN/pg_ctl" -D "$DATA" -l "$LOG" -m fast -w -t 60 restart >>"$LOG" 2>&1 \
    || die "pg_ctl restart failed"
  is_ready "$PORT" || die "server not answering on port $PORT after restart"
  ;;
*)
  echo "usage: $0 start|stop|restart DIR" >&2; exit 2 ;;
esac
exit 0
