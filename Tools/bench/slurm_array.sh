#!/usr/bin/env bash
# One batch on this machine two ways, side by side, on a throw-away single-node Slurm
# (Tools/cluster/local-slurm.sh; root needed):
#   local: one `tandem run --jobs 2`
#   array: `tandem submit slurm --tasks 2 --cpus-per-task 1` (two tasks of `--jobs 1`, together)
# and the scheduler's own cost: a 2-task array of /bin/true, submit to done.
# Per array task, "overhead" is the array's wall time (sbatch to the last task gone from squeue,
# polled every 50 ms) minus the task's own `tandem run` wall time (its summary line): queueing,
# slurmstepd, process start and pipeline loading. Medians of REPEATS runs each.
#   bash Tools/bench/slurm_array.sh .build/release/tandem [PIPELINE] [COPIES] [REPEATS]
# The batch: COPIES (13) folders each holding the three Media/ samples, i.e. 39 files.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
tandem=$(realpath "$1")
pipeline=$(realpath "${2:-$root/Pipelines/frames.yaml}")
copies=${3:-13}
repeats=${4:-3}
source "$root/Tools/cluster/local-slurm.sh"
local_slurm_install || { echo "slurm_array: Slurm cannot be installed" >&2; exit 1; }
work=$(mktemp -d /tmp/tandem-slurm-bench.XXXXXX)
trap 'local_slurm_down; rm -rf "$work"' EXIT
local_slurm_up "$work/cluster"
for i in $(seq -w 1 "$copies"); do mkdir -p "$work/in/set$i"; cp "$root"/Media/*.mp4 "$work/in/set$i/"; done
files=$(find "$work/in" -type f | wc -l)
now() { date +%s.%N; }
median() { python3 -c 'import statistics, sys; print(f"{statistics.median(float(x) for x in sys.argv[1:]):.2f}")' "$@"; }

local_times=(); array_times=(); overheads=(); empty_times=()
for r in $(seq "$repeats"); do
    rm -rf "$work/out-local" "$work/out-array"
    t0=$(now)
    "$tandem" run "$pipeline" "$work/in" --out "$work/out-local" --jobs 2 --progress none >/dev/null
    t1=$(now)
    local_times+=("$(python3 -c "print($t1 - $t0)")")

    t0=$(now)
    job=$("$tandem" submit slurm "$pipeline" "$work/in" --out "$work/out-array" --tasks 2 --cpus-per-task 1 | head -n 1)
    local_slurm_wait "$job" 600
    t1=$(now)
    wall=$(python3 -c "print($t1 - $t0)")
    array_times+=("$wall")
    for task in 0 1; do
        own=$(grep -o 'in [0-9.]* s; manifest' "$work/out-array/slurm-logs/${job}_${task}.out" | awk '{print $2}')
        overheads+=("$(python3 -c "print($wall - $own)")")
    done
    "$tandem" status "$work/out-array" >/dev/null || { echo "slurm_array: the array's batch is not complete" >&2; exit 1; }

    printf '#!/bin/bash\n#SBATCH --array=0-1\n#SBATCH --output=/dev/null\nexec /bin/true\n' >"$work/true.sbatch"
    t0=$(now)
    job=$(sbatch --parsable "$work/true.sbatch")
    local_slurm_wait "$job" 60
    t1=$(now)
    empty_times+=("$(python3 -c "print($t1 - $t0)")")
done
echo "batch: $files files, $(basename "$pipeline"), $(nproc) cores, medians of $repeats"
echo "  tandem run --jobs 2:                      $(median "${local_times[@]}") s"
echo "  2-task array, --jobs 1 each (sbatch→done): $(median "${array_times[@]}") s"
echo "  overhead per task (array wall - task's own run): $(median "${overheads[@]}") s"
echo "  2-task array of /bin/true (sbatch→done):   $(median "${empty_times[@]}") s"
