#!/usr/bin/env bash
# A real, throwaway, single-node Slurm cluster (Debian's slurm-wlm 22.05, slurmdbd, munge, MariaDB)
# for the end-to-end tests of `frugal slurm ...`. Everything lives in one folder the caller owns.
#
#   cluster.sh start DIR   starts munged, mariadbd, slurmdbd, slurmctld and slurmd inside DIR, waits
#                          until the node is idle and prints `export SLURM_CONF=DIR/slurm.conf` for
#                          the caller to eval. Exit 200 ("SKIP: ...") when a program is missing,
#                          1 on failure (with everything it started stopped); either way it prints
#                          `exit N` on stdout too, so that the caller's eval stops it as well.
#   cluster.sh stop DIR    stops all of that, jobs included, and waits until none is left. Idempotent.
#
# Several clusters may run at once on one machine: every port is picked at run time (at random below
# the kernel's ephemeral range, retried if another process took it first), and every socket, pid file,
# log and state folder is under DIR. See README.md beside this file.
set -euo pipefail

CLUSTER=frugaltest
NODE_CPUS=8           # declared, not detected: SlurmdParameters=config_overrides (see slurm.conf below)
NODE_MEMORY_MB=4096
NODE_GPUS=4           # count-only gres: no GPU, no driver (see gres.conf below)
START_TIMEOUT_S=${FRUGAL_SLURM_START_TIMEOUT:-60}  # every wait of one start together
STOP_GRACE_S=20       # per group of daemons, SIGTERM then SIGKILL

me=${0##*/}
usage() {
  echo "usage: $me start DIR | stop DIR" >&2
  exit 2
}
(($# == 2)) || usage
cmd=$1
[[ -n "$2" ]] || usage
if ! DIR=$(cd "$2" 2>/dev/null && pwd -P); then
  if [[ "$cmd" == stop && "$2" == /* ]]; then
    DIR=${2%/}  # already removed: nothing to read, but the sweep by marker below still finds strays
  else
    echo "$me: $2 is not a folder" >&2
    [[ "$cmd" == start ]] && echo "exit 2"
    exit 2
  fi
fi
RUN="$DIR/run"   # our own pid files (written from $!, so they exist even if a daemon dies early)
LOG="$DIR/log"
MARK="FRUGAL_SLURM_CLUSTER=$DIR"  # in every daemon's environment, and so in slurmstepd's: stop sweeps by it

say() { echo "$me: $*" >&2; }

# ---------------------------------------------------------------------------------------- stop --

# alive PID: the process exists and is not a zombie.
alive() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [[ "${stat%% *}" != Z ]]
}

pid_of() {  # NAME -> pid if that daemon, started by us for this DIR, is still alive
  local f="$RUN/$1.pid" p stat
  [[ -s "$f" ]] || return 1
  p=$(<"$f")
  [[ "$p" =~ ^[0-9]+$ ]] && alive "$p" || return 1
  # Ours if it carries the marker (a recycled pid belongs to someone else), or if it is a child
  # of this very script that has not yet exec'd the daemon (and so has no marker yet).
  if ! grep -qzxF "$MARK" "/proc/$p/environ" 2>/dev/null; then
    stat=$(cat "/proc/$p/stat" 2>/dev/null) || return 1
    stat=${stat##*) }
    stat=${stat#* }
    [[ "${stat%% *}" == "$$" ]] || return 1
  fi
  echo "$p"
}

# Processes of this cluster: the daemons and their children (slurmstepd) carry $MARK; the jobs'
# own processes carry the SLURM_CONF of this cluster together with a SLURM_JOB_ID.
cluster_pids() {
  local e p
  for e in /proc/[0-9]*/environ; do
    p=${e#/proc/}
    p=${p%/environ}
    [[ "$p" == "$$" || "$p" == "$BASHPID" ]] && continue
    if grep -qzxF "$MARK" "$e" 2>/dev/null ||
      { grep -qzxF "SLURM_CONF=$DIR/slurm.conf" "$e" 2>/dev/null && grep -qz '^SLURM_JOB_ID=' "$e" 2>/dev/null; }; then
      echo "$p"
    fi
  done
}

# stop_group NAME...: SIGTERM, wait up to STOP_GRACE_S, then SIGKILL; removes the pid files.
stop_group() {
  local name p pids=() deadline
  for name in "$@"; do
    if p=$(pid_of "$name"); then
      kill -TERM "$p" 2>/dev/null || true
      pids+=("$p")
    fi
  done
  deadline=$((SECONDS + STOP_GRACE_S))
  for p in "${pids[@]}"; do
    while alive "$p" && ((SECONDS < deadline)); do sleep 0.1; done
    if alive "$p"; then
      say "pid $p did not stop in ${STOP_GRACE_S}s: SIGKILL"
      kill -KILL "$p" 2>/dev/null || true
    fi
  done
  for name in "$@"; do rm -f "$RUN/$name.pid"; done
}

stop_all() {
  # Jobs first, through Slurm, while slurmctld and slurmd can still end them properly.
  if pid_of slurmctld >/dev/null && pid_of slurmd >/dev/null; then
    local jobs
    jobs=$(SLURM_CONF="$DIR/slurm.conf" timeout 10 squeue -h -o %A 2>/dev/null || true)
    if [[ -n "$jobs" ]]; then
      # shellcheck disable=SC2086
      SLURM_CONF="$DIR/slurm.conf" timeout 10 scancel $jobs 2>/dev/null || true
      local deadline=$((SECONDS + 10))
      while ((SECONDS < deadline)) &&
        [[ -n "$(SLURM_CONF="$DIR/slurm.conf" timeout 5 squeue -h -t CG,R,S -o %A 2>/dev/null)" ]]; do
        sleep 0.3
      done
    fi
  fi
  # Then the daemons: slurmctld and slurmd first, as slurmctld still reports to slurmdbd (through
  # munged) while it stops; the rest together, each taking a second or two.
  stop_group slurmd slurmctld
  stop_group slurmdbd mariadbd munged
  # Whatever is left (a slurmstepd or a job that outlived its daemon): SIGKILL, and wait.
  local left p deadline=$((SECONDS + 10))
  while left=$(cluster_pids) && [[ -n "$left" ]]; do
    if ((SECONDS >= deadline)); then
      say "still running after SIGKILL: ${left//$'\n'/ }"
      return 1
    fi
    for p in $left; do kill -KILL "$p" 2>/dev/null || true; done
    sleep 0.2
  done
}

if [[ "$cmd" == stop ]]; then
  stop_all
  exit $?
fi
[[ "$cmd" == start ]] || usage

# --------------------------------------------------------------------------------------- start --

# On failure and skip the status is also printed on stdout as `exit N`, so a caller that runs
# eval "$(cluster.sh start DIR)" stops too instead of going on without a cluster.
skip() {
  echo "SKIP: $*" >&2
  echo "exit 200"
  exit 200
}

die() {
  local msg=$*
  say "${msg//$'\n'/ }"  # one line
  if [[ -n "${FRUGAL_SLURM_KEEP_ON_FAILURE:-}" ]]; then  # for debugging this script: leave it all up
    say "left running (FRUGAL_SLURM_KEEP_ON_FAILURE); stop it with: $0 stop $DIR"
  else
    stop_all || true
  fi
  echo "exit 1"
  exit 1
}

# last_lines FILE: the last lines of a log, on one line.
last_lines() {
  [[ -s "$1" ]] || {
    echo "(no log)"
    return
  }
  tail -n 6 "$1" | tr -s '\n\t' '  ' | cut -c1-800
}

for prog in munged mariadb-install-db mariadbd slurmdbd slurmctld slurmd sacctmgr scontrol sinfo squeue \
  scancel sbatch; do
  command -v "$prog" >/dev/null 2>&1 || [[ -x "/usr/sbin/$prog" ]] || skip "$prog is not installed (make deps installs slurm-wlm slurmdbd munge mariadb-server)"
done
export PATH="$PATH:/usr/sbin:/sbin"  # the daemons are in sbin, which a non-root PATH may lack

# Unix socket paths are limited to 108 bytes; slurmstepd's are the longest: spool/<node>_<job>.<step>.
host=$(hostname -s)
((${#DIR} + ${#host} + 30 < 108)) || die "$DIR is too long a path for Unix sockets under it; use a shorter one"
[[ "$DIR" =~ ^[A-Za-z0-9/._+-]+$ ]] || die "$DIR has characters slurm.conf cannot hold; use a plain path"
if pid_of slurmctld >/dev/null || pid_of munged >/dev/null || pid_of mariadbd >/dev/null; then
  say "a cluster is already running in $DIR (stop it first)"  # and leave it running
  echo "exit 1"
  exit 1
fi

user=$(id -un)
mkdir -p "$RUN" "$LOG" "$DIR/state" "$DIR/spool"
deadline=$((SECONDS + START_TIMEOUT_S))

# free_port VAR: sets VAR to a free TCP port, chosen at random in 20000-32767: below Linux's
# ephemeral range (32768+), so no outgoing connection holds it, and at random so that clusters
# starting at once rarely pick the same one. Whoever binds first wins; the loser sees "Address
# already in use" and start picks again. (A variable, not $(...): `taken` must outlive the call.)
declare -A taken=()
free_port() {
  local p i
  for ((i = 0; i < 500; i++)); do
    p=$((20000 + (RANDOM * 32768 + RANDOM) % 12768))
    [[ -n "${taken[$p]:-}" ]] && continue
    taken[$p]=1
    # A refused connection means nobody listens there (0.0.0.0 listeners answer on 127.0.0.1 too).
    if ! port_open "$p"; then
      printf -v "$1" %s "$p"
      return 0
    fi
  done
  die "no free TCP port found in 20000-32767"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# launch NAME PROGRAM ARGS...: runs a daemon in the foreground of a background process (so $! is its
# pid), with the marker in its environment and all its output in log/NAME.out, never on our stdout
# (the caller's $(...) would wait for it forever).
launch() {
  local name=$1
  shift
  env "$MARK" SLURM_CONF="$DIR/slurm.conf" "$@" </dev/null >>"$LOG/$name.out" 2>&1 &
  echo $! >"$RUN/$name.pid"
}

# wait_for NAME LOGFILE CHECK...: until CHECK (quiet itself) succeeds; fails with the log when NAME
# dies or time is up. A bind failure is reported as status 3, so the caller can pick other ports.
wait_for() {
  local name=$1 logf=$2
  shift 2
  while :; do
    "$@" && return 0
    if ! pid_of "$name" >/dev/null; then
      if grep -qiE "address already in use|bind on tcp/ip port|can't bind|errno=98" "$logf" "$LOG/$name.out" 2>/dev/null; then
        say "$name: port taken by someone else, retrying with other ports"
        return 3
      fi
      die "$name exited: $(last_lines "$logf") $(last_lines "$LOG/$name.out")"
    fi
    ((SECONDS < deadline)) || die "$name not ready after ${START_TIMEOUT_S}s: $(last_lines "$logf")"
    sleep 0.2
  done
}

# ---- 1. munged: its own key and socket, so no system munged (or /etc/munge/munge.key) is needed.
if [[ ! -s "$DIR/munge.key" ]]; then
  if command -v mungekey >/dev/null 2>&1 || [[ -x /usr/sbin/mungekey ]]; then
    mungekey --create --keyfile="$DIR/munge.key" >/dev/null 2>&1 || die "mungekey failed"
  else
    dd if=/dev/urandom of="$DIR/munge.key" bs=1024 count=1 status=none
  fi
  chmod 0400 "$DIR/munge.key"
fi
# munged refuses a socket folder others may write to, and users other than us need to reach the
# socket through DIR (a job or client run as another user). The key and slurmdbd.conf stay private.
chmod 0755 "$DIR"
# --force: a warning, not a refusal, for a socket a killed munged left behind and for "insecure"
# permissions on the folders above DIR (a group-writable TMPDIR, say), which are not ours to change.
launch munged munged --foreground --force --socket="$DIR/munge.socket" --key-file="$DIR/munge.key" \
  --pid-file="$DIR/munged.pid" --log-file="$LOG/munged.log" --seed-file="$DIR/munged.seed"
# (In the foreground munged logs to stderr, i.e. log/munged.out.)
munge_ok() { munge -n -S "$DIR/munge.socket" 2>/dev/null | unmunge -S "$DIR/munge.socket" >/dev/null 2>&1; }
wait_for munged "$LOG/munged.out" munge_ok || die "munged could not bind its socket"

# ---- 2. MariaDB for slurmdbd, its data in DIR/mysql. --no-defaults first: no /etc/mysql/my.cnf (it points at
# the system socket). Small buffers and no fsync on commit: the data is thrown away after the test.
as_user=()
[[ "$(id -u)" == 0 ]] && as_user=(--user=root)  # mariadbd refuses to run as root unless told to
mysql_opts=(--innodb-buffer-pool-size=32M --innodb-log-file-size=8M --innodb-flush-log-at-trx-commit=0
  --innodb-doublewrite=0 --innodb-use-native-aio=0 --innodb-lock-wait-timeout=900 --skip-log-bin
  --performance-schema=OFF --skip-name-resolve)
if [[ ! -d "$DIR/mysql/mysql" ]]; then
  mariadb-install-db --no-defaults --datadir="$DIR/mysql" "${as_user[@]}" --skip-test-db \
    --auth-root-authentication-method=normal "${mysql_opts[@]}" >"$LOG/mariadb-install-db.log" 2>&1 ||
    die "mariadb-install-db failed: $(last_lines "$LOG/mariadb-install-db.log")"
fi

# write_slurmdbd_conf: slurmdbd.conf for $DBD_PORT and $MYSQL_PORT. Mode 600 and owned by
# SlurmUser, or slurmdbd refuses it. StorageHost=127.0.0.1, not localhost: the MySQL client takes
# "localhost" to mean its default Unix socket (/run/mysqld/mysqld.sock), the system's, not ours.
write_slurmdbd_conf() {
  rm -f "$DIR/slurmdbd.conf"
  (umask 077 && cat >"$DIR/slurmdbd.conf") <<EOF
# Written by tests/e2e/slurm/cluster.sh for a throwaway test cluster.
AuthType=auth/munge
AuthInfo=socket=$DIR/munge.socket
DbdHost=localhost
DbdAddr=127.0.0.1
DbdPort=$DBD_PORT
SlurmUser=$user
PidFile=$DIR/slurmdbd.pid
LogFile=$LOG/slurmdbd.log
DebugLevel=info
StorageType=accounting_storage/mysql
StorageHost=127.0.0.1
StoragePort=$MYSQL_PORT
StorageUser=$user
StorageLoc=slurm_acct_db
EOF
}

# write_slurm_conf: slurm.conf and gres.conf for the ports chosen.
write_slurm_conf() {
  cat >"$DIR/slurm.conf" <<EOF
# Written by tests/e2e/slurm/cluster.sh for a throwaway test cluster.
ClusterName=$CLUSTER
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=$user
SlurmdUser=$user
# munged's socket is ours; clients read it from here, so they need nothing but SLURM_CONF.
# cred_expire: a requeued job may not start again before its credentials expire, 120 s by default.
AuthType=auth/munge
AuthInfo=socket=$DIR/munge.socket,cred_expire=10
CredType=cred/munge
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/slurmctld.pid
SlurmdPidFile=$DIR/slurmd.pid
SlurmctldLogFile=$LOG/slurmctld.log
SlurmdLogFile=$LOG/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
# No cgroups anywhere: containers (CI, this machine) have no writable cgroup hierarchy. linuxproc
# tracks a job's processes by parentage; task/none binds nothing; jobacct_gather/linux reads /proc.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/linux
JobAcctGatherFrequency=5
MpiDefault=none
SwitchType=switch/none
# Accounting through slurmdbd. Enforce associations (a job needs a known account), limits (so
# GrpTRESMins holds jobs pending with AssocGrp... reasons) and qos.
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=127.0.0.1
AccountingStoragePort=$DBD_PORT
# Connections to slurmdbd take their munge socket from here, not from AuthInfo (22.05 ignores
# AuthInfo for them and would try /run/munge/munge.socket.2).
AccountingStoragePass=$DIR/munge.socket
AccountingStorageEnforce=associations,limits,qos
# GPUs as TRES, by count and by type, so AllocTRES says gres/gpu=N and gres/gpu:a100=N and
# GrpTRESMins=gres/gpu=... can be enforced.
AccountingStorageTRES=gres/gpu,gres/gpu:a100
JobCompType=jobcomp/none
GresTypes=gpu
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
# Multifactor keeps per-association usage (what sshare shows and GrpTRESMins is checked against).
# No decay and a monthly reset: usage is a plain sum, as a quota needs. Usage is folded in every
# PriorityCalcPeriod (minutes; 1 is the least), so sshare lags a finished job by up to a minute.
PriorityType=priority/multifactor
PriorityDecayHalfLife=0
PriorityUsageResetPeriod=MONTHLY
PriorityCalcPeriod=1
# Quick: schedule on every event and at least every second, backfill every second, purge
# finished jobs from slurmctld's memory after 10 s (sacct still has them), give jobs 2 s between
# SIGTERM and SIGKILL, never cancel jobs for an idle srun.
SchedulerType=sched/backfill
SchedulerParameters=bf_interval=1,sched_interval=1
MinJobAge=10
KillWait=2
InactiveLimit=0
SlurmctldTimeout=10
SlurmdTimeout=30
MessageTimeout=10
# A node that was down comes back by itself once its slurmd registers.
ReturnToService=2
# Batch jobs may be requeued (scontrol requeue, sbatch --requeue).
JobRequeue=1
MailProg=/bin/true
# The node is what we declare below, not what the machine has: the same cluster on a 2-core CI
# runner and on a workstation, and no INVAL node when the declared memory exceeds what is free.
SlurmdParameters=config_overrides
NodeName=$host NodeAddr=127.0.0.1 CPUs=$NODE_CPUS RealMemory=$NODE_MEMORY_MB Gres=gpu:a100:$NODE_GPUS State=UNKNOWN
PartitionName=gpu Nodes=$host Default=YES MaxTime=INFINITE State=UP
PartitionName=cpu Nodes=$host MaxTime=INFINITE State=UP
EOF
  if [[ -n "${FRUGAL_SLURM_EXTRA_CONF:-}" ]]; then
    printf '# From FRUGAL_SLURM_EXTRA_CONF:\n%s\n' "$FRUGAL_SLURM_EXTRA_CONF" >>"$DIR/slurm.conf"
  fi
  # Count-only GPUs, with no GPU and no driver: gres/gpu in 22.05 drops a GPU line without File=
  # ("Removing file-less GPU"), and logs an error for a File= that is not a device, so File= names
  # links to /dev/null in DIR/dev. Nothing opens them (no cgroup device constraint, task/none);
  # Slurm takes only the trailing number, as the index it puts into CUDA_VISIBLE_DEVICES.
  mkdir -p "$DIR/dev"
  local i
  for ((i = 0; i < NODE_GPUS; i++)); do ln -sfn /dev/null "$DIR/dev/gpu$i"; done
  cat >"$DIR/gres.conf" <<EOF
AutoDetect=off
NodeName=$host Name=gpu Type=a100 Count=$NODE_GPUS File=$DIR/dev/gpu[0-$((NODE_GPUS - 1))]
EOF
}

sacctmgr_add() {
  local out
  out=$(timeout 30 sacctmgr -i "$@" 2>&1) && return 0
  [[ "$out" == *"Nothing new added"* || "$out" == *"already exists"* ]] && return 0
  die "sacctmgr $*: $out"
}
# listens NAME PORT: the daemon NAME itself listens on TCP PORT. Not just "the port answers": that
# could be another process that took the port first, while our daemon is about to fail.
listens() {
  local pid hex inode fd
  pid=$(pid_of "$1") || return 1
  printf -v hex '%04X' "$2"
  # /proc/net/tcp*: local address is field 2 (ADDR:PORT in hex), state 0A is LISTEN, field 10 the inode.
  while read -r inode; do
    for fd in "/proc/$pid/fd/"*; do
      [[ "$(readlink "$fd" 2>/dev/null)" == "socket:[$inode]" ]] && return 0
    done
  done < <(awk -v p=":$hex" '$4 == "0A" && substr($2, length($2) - 4) == p { print $10 }' \
    /proc/net/tcp /proc/net/tcp6 2>/dev/null)
  return 1
}
mariadbd_up() { listens mariadbd "$MYSQL_PORT"; }
slurmdbd_up() { listens slurmdbd "$DBD_PORT"; }
ctld_up() { scontrol ping 2>/dev/null | grep -q 'is UP'; }
node_idle() {
  local s
  s=$(sinfo -h -N -n "$host" -o %t 2>/dev/null | head -n 1)
  [[ "$s" == idle ]] && return 0
  case "$s" in
  drain* | drng | inval | fail*) die "node $host is $s: $(sinfo -h -R -o '%E') $(last_lines "$LOG/slurmd.log")" ;;
  esac
  return 1
}

export SLURM_CONF="$DIR/slurm.conf"
# Each daemon gets a port when it starts; should another process bind that port first, the daemon
# fails with "Address already in use" and this loop starts it again on another port (daemons that
# are up keep theirs, read back from DIR/*.port).
attempt=0
while :; do
  attempt=$((attempt + 1))
  ((attempt <= 4)) || die "ports kept being taken by other processes; gave up after 4 tries"

  # ---- 3. mariadbd. skip-grant-tables: whoever reaches it may log in as anyone, so slurmdbd needs
  # no password; it listens on 127.0.0.1 only, and on a socket in DIR.
  if ! pid_of mariadbd >/dev/null; then
    free_port MYSQL_PORT
    : >"$LOG/mariadbd.log"
    launch mariadbd mariadbd --no-defaults --datadir="$DIR/mysql" "${as_user[@]}" --bind-address=127.0.0.1 \
      --port="$MYSQL_PORT" --socket="$DIR/mysql.sock" --pid-file="$DIR/mariadbd.pid" \
      --log-error="$LOG/mariadbd.log" --skip-grant-tables "${mysql_opts[@]}"
    rc=0
    wait_for mariadbd "$LOG/mariadbd.log" mariadbd_up || rc=$?
    ((rc == 3)) && continue
    echo "$MYSQL_PORT" >"$DIR/mysql.port"
  fi
  MYSQL_PORT=$(<"$DIR/mysql.port")

  # ---- 4. slurmdbd (creates its tables on first start).
  if ! pid_of slurmdbd >/dev/null; then
    free_port DBD_PORT
    write_slurmdbd_conf
    : >"$LOG/slurmdbd.log"
    launch slurmdbd slurmdbd -D  # slurmdbd has no -f: it reads slurmdbd.conf beside $SLURM_CONF
    rc=0
    wait_for slurmdbd "$LOG/slurmdbd.log" slurmdbd_up || rc=$?
    ((rc == 3)) && continue
    echo "$DBD_PORT" >"$DIR/slurmdbd.port"
  fi
  DBD_PORT=$(<"$DIR/slurmdbd.port")

  # ---- 5. slurm.conf. Written before the associations: sacctmgr finds slurmdbd through it.
  free_port CTLD_PORT
  free_port SLURMD_PORT
  write_slurm_conf

  # ---- 6. The cluster and its associations, before slurmctld starts, so that slurmctld loads them
  # as it registers and the first job is accepted (associations are enforced). Idempotent.
  sacctmgr_add add cluster "$CLUSTER"
  sacctmgr_add add account vision,nlp cluster="$CLUSTER" description=test organization=frugal
  users=root
  [[ "$user" != root ]] && users+=",$user"
  sacctmgr_add add user "$users" account=vision,nlp defaultaccount=vision cluster="$CLUSTER"

  # ---- 7. slurmctld.
  : >"$LOG/slurmctld.log"
  launch slurmctld slurmctld -D -f "$DIR/slurm.conf"
  rc=0
  wait_for slurmctld "$LOG/slurmctld.log" ctld_up || rc=$?
  if ((rc == 3)); then
    stop_group slurmctld
    continue
  fi

  # ---- 8. slurmd; ready when the node is idle. (Not probed by connecting to its port: slurmd
  # logs an error for every connection that sends nothing.)
  : >"$LOG/slurmd.log"
  launch slurmd slurmd -D -N "$host" -f "$DIR/slurm.conf"
  rc=0
  wait_for slurmd "$LOG/slurmd.log" node_idle || rc=$?
  if ((rc == 3)); then
    stop_group slurmd slurmctld
    continue
  fi
  break
done

echo "export SLURM_CONF=$DIR/slurm.conf" | tee "$DIR/env"
