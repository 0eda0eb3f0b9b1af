#!/usr/bin/env bash
# A single-node Slurm cluster on this machine, for the Slurm test and for trying `decoding slurm` scripts locally:
# munge + slurmctld + slurmd from Debian's slurm-wlm, all as root, one node (this host) in one partition "main".
#
#   .ci/local-slurm.sh start   installs slurm-wlm and munge when missing (root), writes the configuration when there is
#                              none, starts the daemons that are not running and waits until the node is idle. Prints
#                              "started: ..." with what it started (recorded in $STATE/started), or "running" when a
#                              cluster already answers. Exit 1 with the reason when it cannot.
#   .ci/local-slurm.sh stop    stops only the daemons that `start` recorded, by their process ids.
#   .ci/local-slurm.sh status  exit 0 when the cluster answers and the node takes jobs.
set -uo pipefail
STATE=${LOCAL_SLURM_STATE:-/run/local-slurm}
CONF=/etc/slurm/slurm.conf
MARK="# written by .ci/local-slurm.sh"

fail() { echo "local-slurm: $*" >&2; exit 1; }

node_ready() {
  timeout 10 scontrol ping >/dev/null 2>&1 || return 1
  local state
  state=$(timeout 10 sinfo -h -N -o %t 2>/dev/null | head -1)
  [[ "$state" =~ ^(idle|mix|alloc|comp)$ ]]
}

start() {
  if command -v sinfo >/dev/null && node_ready; then echo "running"; return 0; fi
  [ "$(id -u)" = 0 ] || fail "needs root to configure and start munge and Slurm"
  if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge) >/dev/null 2>&1 \
      || fail "could not install slurm-wlm and munge with apt-get"
  fi
  local host cpus memory
  host=$(hostname -s)
  cpus=$(nproc)
  memory=$(( $(awk '/MemTotal/ {print int($2 / 1024)}' /proc/meminfo) * 85 / 100 ))
  mkdir -p "$STATE" /var/spool/slurmctld /var/spool/slurmd /var/log/slurm /run/munge /etc/slurm
  if [ ! -s /etc/munge/munge.key ]; then
    mkdir -p /etc/munge
    head -c 1024 /dev/urandom > /etc/munge/munge.key
  fi
  chown munge:munge /etc/munge/munge.key /run/munge && chmod 400 /etc/munge/munge.key
  if [ ! -e "$CONF" ] || grep -qF "$MARK" "$CONF"; then
    cat > "$CONF" <<EOF
$MARK (a single-node cluster for tests)
ClusterName=local
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=$STATE/slurmctld.pid
SlurmdPidFile=$STATE/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
ReturnToService=2
MinJobAge=3600
NodeName=$host CPUs=$cpus RealMemory=$memory State=UNKNOWN
PartitionName=main Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
  else
    echo "local-slurm: keeping the existing $CONF (not written by this script)" >&2
  fi
  : > "$STATE/started.new"
  if ! pgrep -x munged >/dev/null; then
    runuser -u munge -- /usr/sbin/munged || fail "munged did not start"
    sleep 0.5
    pgrep -x -n munged >> "$STATE/started.new"
  fi
  if ! pgrep -x slurmctld >/dev/null; then
    /usr/sbin/slurmctld || fail "slurmctld did not start (see /var/log/slurm/slurmctld.log)"
    sleep 0.5
    pgrep -x -n slurmctld >> "$STATE/started.new"
  fi
  if ! pgrep -x slurmd >/dev/null; then
    /usr/sbin/slurmd || fail "slurmd did not start (see /var/log/slurm/slurmd.log)"
    sleep 0.5
    pgrep -x -n slurmd >> "$STATE/started.new"
  fi
  cat "$STATE/started.new" >> "$STATE/started" && rm -f "$STATE/started.new"
  for _ in $(seq 1 60); do
    if node_ready; then echo "started: $(tr '\n' ' ' < "$STATE/started")"; return 0; fi
    # A node left down or drained by an earlier run takes jobs again once resumed.
    if timeout 10 sinfo -h -N -o %t 2>/dev/null | grep -qE '^(down|drain|drng)'; then
      scontrol update nodename="$host" state=resume >/dev/null 2>&1 || true
    fi
    sleep 1
  done
  fail "the node did not become idle within 60 s (sinfo: $(sinfo -h -N -o '%t %E' 2>&1 | head -1))"
}

stop() {
  [ -s "$STATE/started" ] || { echo "nothing to stop"; return 0; }
  # Slurm's daemons first, munge last; each by the process id recorded when it was started.
  for pid in $(tac "$STATE/started"); do
    if kill -0 "$pid" 2>/dev/null; then kill "$pid"; fi
  done
  for pid in $(cat "$STATE/started"); do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  done
  rm -f "$STATE/started"
  echo "stopped"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) command -v sinfo >/dev/null && node_ready ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
