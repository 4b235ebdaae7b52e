#!/bin/bash
# Start a private single-node Slurm (+ munged) on loopback, as root, no systemd.
# Copied from the team's shared scripts (facts: Tests/slurm/README.md). Idempotent. Usage: eval "$(start-local-slurm.sh [DIR])"  (logs go to stderr)
set -euo pipefail
D=$(realpath -m "${1:-${SLURM_LOCAL_DIR:-/tmp/local-slurm}}")
CTLD_PORT=${SLURM_LOCAL_CTLD_PORT:-6817}; SLURMD_PORT=${SLURM_LOCAL_SLURMD_PORT:-6818}
NODE=$(hostname -s); CONF=$D/slurm.conf; SOCK=$D/munge/munge.sock
alive() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }; log() { echo "start-local-slurm: $*" >&2; }
if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
  log "installing"; apt-get install -y -q -o DPkg::Lock::Timeout=120 --no-install-recommends slurmctld slurmd slurm-client munge >&2
fi
mkdir -p "$D"/{state,spool,log,munge}; chmod 711 "$D/munge"   # munged: socket dir needs o+x
[ -s "$D/munge/munge.key" ] || mungekey -c -k "$D/munge/munge.key" >&2   # mode 0600, owner root
alive "$D/munge/munged.pid" || munged --force --key-file="$D/munge/munge.key" --socket="$SOCK" \
  --pid-file="$D/munge/munged.pid" --log-file="$D/munge/munged.log" --seed-file="$D/munge/munged.seed" >&2
if ! alive "$D/slurmctld.pid"; then
  HW=$(slurmd -C | head -1 | sed 's/^NodeName=[^ ]* //')   # CPUs=.. Boards=.. RealMemory=..
  cat > "$CONF" <<EOF
ClusterName=local
SlurmctldHost=$NODE(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$SOCK
StateSaveLocation=$D/state
SlurmdSpoolDir=$D/spool
SlurmctldPidFile=$D/slurmctld.pid
SlurmdPidFile=$D/slurmd.pid
SlurmctldLogFile=$D/log/slurmctld.log
SlurmdLogFile=$D/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/builtin
SchedulerParameters=batch_sched_delay=0
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
SwitchType=switch/none
ReturnToService=2
MinJobAge=600
KillWait=2
NodeName=$NODE NodeAddr=127.0.0.1 $HW State=UNKNOWN
PartitionName=debug Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
EOF
  slurmctld -c -f "$CONF" >&2
fi
alive "$D/slurmd.pid" || slurmd -c -N "$NODE" -f "$CONF" >&2
export SLURM_CONF=$CONF
ready() { case "$(sinfo -h -n "$NODE" -o %T 2>/dev/null)" in idle|mixed|allocated) return 0;; esac; return 1; }
for _ in $(seq 1 150); do ready && break; sleep 0.2; done
ready || { log "node not ready"; tail -n 20 "$D"/log/*.log >&2; exit 1; }
log "ready ($(sinfo -h -o '%P %T %N'))"
printf 'export SLURM_CONF=%s SLURM_LOCAL_DIR=%s\n' "$CONF" "$D"
