#!/usr/bin/env bash
# A throw-away single-node Slurm cluster on this machine, for the cluster test and benchmark.
# Source this file, then:
#   local_slurm_install      # apt-get slurm-wlm + munge when missing; returns 1 when they cannot be installed
#   local_slurm_up DIR       # munged + slurmctld + slurmd with state under DIR; exports SLURM_CONF
#   local_slurm_down         # stops exactly the daemons local_slurm_up started (by process id)
#   local_slurm_wait JOBID [SECONDS]   # until squeue no longer lists the job
# Needs root: the daemons run as root (SlurmUser=root), as a test cluster may.
# Everything (munge key and socket, spool, state, logs, ports) is private to DIR, so a Slurm or
# munge already running on the machine is neither used nor disturbed.

LOCAL_SLURM_PIDS=()

local_slurm_install() {
    local missing=()
    command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v sbatch >/dev/null || missing+=(slurm-wlm)
    command -v munged >/dev/null || missing+=(munge)
    [ ${#missing[@]} -eq 0 ] && return 0
    local sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo -n"
    echo "local-slurm: installing ${missing[*]} (apt-get)" >&2
    # Another apt-get may hold the lock for a while (parallel set-ups): wait for it rather than fail.
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >&2 \
        || { $sudo apt-get -o DPkg::Lock::Timeout=600 update -qq >&2 && \
             $sudo env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >&2; } \
        || return 1
    command -v slurmctld >/dev/null && command -v munged >/dev/null
}

# A TCP port nobody listens on (from the kernel), so a second cluster on the machine cannot clash.
local_slurm_free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

local_slurm_up() {
    local dir=$1
    mkdir -p "$dir"/{munge,state,spool,log}
    chmod 700 "$dir" "$dir/munge"
    dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none
    chmod 400 "$dir/munge/munge.key"
    local socket="$dir/munge/munge.socket"
    munged --force --foreground --key-file="$dir/munge/munge.key" --socket="$socket" \
        --pid-file="$dir/munge/munged.pid" --log-file="$dir/log/munged.log" --seed-file="$dir/munge/seed" \
        >"$dir/log/munged.out" 2>&1 &
    LOCAL_SLURM_PIDS+=($!)
    local i
    for i in $(seq 100); do [ -S "$socket" ] && break; sleep 0.1; done
    [ -S "$socket" ] || { echo "local-slurm: munged did not start; see $dir/log/munged.log" >&2; return 1; }

    local host cpus memory
    host=$(hostname -s)
    cpus=$(nproc)
    # RealMemory slightly under MemTotal: slurmd drains a node that reports less than its config.
    memory=$(awk '/^MemTotal:/ { printf "%d", $2 / 1024 * 0.95 }' /proc/meminfo)
    cat >"$dir/slurm.conf" <<CONF
ClusterName=tandemtest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$(local_slurm_free_port)
SlurmdPort=$(local_slurm_free_port)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$socket
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
MpiDefault=none
SwitchType=switch/none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$dir/log/jobcomp.log
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
SlurmctldTimeout=30
SlurmdTimeout=30
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$memory State=UNKNOWN
PartitionName=local Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
    export SLURM_CONF="$dir/slurm.conf"
    slurmctld -D -i -f "$SLURM_CONF" >"$dir/log/slurmctld.out" 2>&1 &
    LOCAL_SLURM_PIDS+=($!)
    slurmd -D -f "$SLURM_CONF" -N "$host" >"$dir/log/slurmd.out" 2>&1 &
    LOCAL_SLURM_PIDS+=($!)
    for i in $(seq 300); do
        [ "$(sinfo -h -N -o %t 2>/dev/null | head -1)" = idle ] && return 0
        sleep 0.1
    done
    echo "local-slurm: the node did not become idle within 30 s; sinfo says: $(sinfo -h -N -o '%N %t %E' 2>&1)" >&2
    tail -n 20 "$dir/log/slurmctld.log" "$dir/log/slurmd.log" >&2 2>/dev/null
    return 1
}

local_slurm_down() {
    local pid
    # slurmd and slurmctld first (they talk through munge), then munged; each by the id we started.
    for pid in $(printf '%s\n' "${LOCAL_SLURM_PIDS[@]}" | tac); do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${LOCAL_SLURM_PIDS[@]}"; do
        for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    LOCAL_SLURM_PIDS=()
}

local_slurm_wait() {
    local job=$1 limit=${2:-300} i
    for i in $(seq $((limit * 20))); do
        [ -z "$(squeue -h -j "$job" -o %i 2>/dev/null)" ] && return 0
        sleep 0.05
    done
    echo "local-slurm: job $job still queued after $limit s: $(squeue -j "$job" 2>&1)" >&2
    return 1
}
