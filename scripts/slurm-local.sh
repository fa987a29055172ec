#!/usr/bin/env bash
# A single-node Slurm cluster on this machine, for trying the job-array recipes in deploy/slurm/
# for real: installs Debian's slurm-wlm and munge if they are missing, writes a one-node
# configuration, starts munged, slurmctld and slurmd, and waits until the node takes jobs.
# Runs as root (it writes /etc/slurm and /etc/munge). Nothing listens beyond loopback.
#
# Usage: scripts/slurm-local.sh start | stop | status
set -euo pipefail

conf_dir=/etc/slurm
state=/var/spool/slurm-local

need_root() {
  [ "$(id -u)" = 0 ] || { echo "slurm-local: run as root (it writes /etc/slurm and /etc/munge)" >&2; exit 2; }
}

install() {
  if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
    echo "slurm-local: installing slurm-wlm and munge"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge >/dev/null
  fi
}

configure() {
  local host cpus mem
  host=$(hostname -s)
  cpus=$(nproc)
  # Leave a quarter of the memory to the system; Slurm wants megabytes.
  mem=$(awk '/MemTotal/ {printf "%d", $2 / 1024 * 3 / 4}' /proc/meminfo)
  mkdir -p "$conf_dir" "$state/ctld" "$state/d" /var/log/slurm /run/munge /etc/munge
  cat >"$conf_dir/slurm.conf" <<EOF
ClusterName=sim-local
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=1024
ReturnToService=2
MpiDefault=none
StateSaveLocation=$state/ctld
SlurmdSpoolDir=$state/d
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=local Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
  if [ ! -s /etc/munge/munge.key ]; then
    dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
  fi
  chown -R munge:munge /etc/munge /run/munge 2>/dev/null || true
  chmod 400 /etc/munge/munge.key
}

start() {
  need_root
  install
  configure
  pgrep -x munged >/dev/null || runuser -u munge -- /usr/sbin/munged
  pgrep -x slurmctld >/dev/null || slurmctld
  pgrep -x slurmd >/dev/null || slurmd
  for _ in $(seq 1 30); do
    if sinfo -h -o '%t' 2>/dev/null | grep -qE '^(idle|mix|alloc)'; then
      echo "slurm-local: node $(hostname -s) is up ($(nproc) CPUs)"
      return 0
    fi
    sleep 1
  done
  echo "slurm-local: the node did not come up in 30 s; see /var/log/slurm/" >&2
  sinfo >&2 || true
  exit 1
}

stop() {
  need_root
  pkill -x slurmd 2>/dev/null || true
  pkill -x slurmctld 2>/dev/null || true
  pkill -x munged 2>/dev/null || true
  # The daemons save their state as they exit; a start right after must not mistake them for running.
  for _ in $(seq 1 20); do
    pgrep -x slurmd >/dev/null || pgrep -x slurmctld >/dev/null || pgrep -x munged >/dev/null || break
    sleep 0.5
  done
  echo "slurm-local: stopped"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) sinfo ;;
  *) sed -n '2,7p' "$0"; exit 2 ;;
esac
