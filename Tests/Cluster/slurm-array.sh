#!/usr/bin/env bash
# The cluster test: `tandem submit slurm` against a real single-node Slurm on this machine.
#   bash Tests/Cluster/slurm-array.sh .build-test/release/tandem     (run by `make test`)
# Installs Debian's slurm-wlm and munge when missing, starts munged, slurmctld and slurmd (as root,
# state under a temporary folder; Tools/cluster/local-slurm.sh), submits a 4-task array over sample
# media with broken files among them, and checks the manifests, the outputs and `tandem status`;
# then deletes one shard's outputs and manifest, resubmits that task alone and checks that only it
# ran again. The daemons it started are stopped by process id on every exit. It is skipped, with a
# message, only when Slurm cannot be installed (no root, or apt-get fails). KEEP=1 keeps the folder.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
[ $# -eq 1 ] && [ -x "$1" ] || { echo "usage: $0 path/to/tandem" >&2; exit 2; }
tandem=$(realpath "$1")
name="slurm-array test"

if [ "$(id -u)" != 0 ]; then
    if sudo -n true 2>/dev/null; then exec sudo -n -E bash "$0" "$tandem"; fi
    echo "$name: SKIPPED: Slurm cannot be installed or started here: needs root or passwordless sudo"
    exit 0
fi
source "$root/Tools/cluster/local-slurm.sh"
if ! local_slurm_install; then
    echo "$name: SKIPPED: Slurm cannot be installed: apt-get install slurm-wlm munge failed"
    exit 0
fi

work=$(mktemp -d /tmp/tandem-slurm-test.XXXXXX)
status=1
finish() {
    local_slurm_down
    if [ "$status" = 0 ] && [ -z "${KEEP:-}" ]; then rm -rf "$work"; else echo "$name: files kept in $work" >&2; fi
}
trap finish EXIT
fail() {
    echo "$name: FAILED: $*" >&2
    for log in "$work"/cluster/log/slurmctld.log "$work"/out/slurm-logs/*; do
        [ -f "$log" ] && { echo "--- $log" >&2; tail -n 15 "$log" >&2; }
    done
    exit 1
}

started=$(date +%s.%N)
local_slurm_up "$work/cluster" || fail "the single-node cluster did not come up"
echo "$name: cluster up in $(python3 -c "import time; print(round(time.time() - $started, 1))") s ($(sinfo -h -N -o '%N %c CPUs %m MB'))"

# The batch: copies of the sample media in three folders, cheap generated WAVs, and broken files.
in="$work/in"
mkdir -p "$in"/{a,b,c/deeper}
for folder in a b c/deeper; do cp "$root"/Media/*.mp4 "$in/$folder/"; done
good=9
if command -v ffmpeg >/dev/null; then
    for hz in 220 330 440 550; do
        ffmpeg -v error -f lavfi -i "sine=frequency=$hz:duration=0.5" -ar 22050 "$in/tone-$hz.wav"
        good=$((good + 1))
    done
fi
echo "this is not a video" >"$in/b/not-a-video.mp4"
: >"$in/empty.wav"
head -c 4096 /dev/urandom >"$in/c/noise.flac"
broken=3

# A pipeline with errors is refused before anything is submitted (exit 2, nothing written).
printf 'version: 1\nnodes:\n  - {id: d, kind: decodr}\n' >"$work/bad.yaml"
set +e
"$tandem" submit slurm "$work/bad.yaml" "$in" --out "$work/never" --tasks 4 2>/dev/null
code=$?
set -e
[ "$code" = 2 ] || fail "a broken pipeline: exit $code, wanted 2"
[ ! -e "$work/never" ] || fail "a broken pipeline left $work/never behind"
[ -z "$(squeue -h -o %i)" ] || fail "a broken pipeline was submitted"

# --dry-run prints the script and writes nothing.
"$tandem" submit slurm "$root/Pipelines/audio.yaml" "$in" --out "$work/out" --tasks 4 --dry-run >"$work/dry.sbatch" 2>/dev/null
grep -q -- '--shard "$SLURM_ARRAY_TASK_ID/4" --resume --jobs 1' "$work/dry.sbatch" || fail "the dry run printed no shard command"
[ ! -e "$work/out" ] || fail "--dry-run wrote into the output folder"

out="$work/out"
submitted=$(date +%s.%N)
"$tandem" submit slurm "$root/Pipelines/audio.yaml" "$in" --out "$out" --tasks 4 >"$work/submit.txt"
job=$(head -n 1 "$work/submit.txt")
[[ "$job" =~ ^[0-9]+$ ]] || fail "submit printed no job id: $(cat "$work/submit.txt")"
grep -q "squeue -j $job" "$work/submit.txt" && grep -q "sbatch --array=K" "$work/submit.txt" || fail "submit printed no follow-up hints"
local_slurm_wait "$job" 120 || fail "the array did not finish"
echo "$name: 4-task array $job done in $(python3 -c "import time; print(round(time.time() - $submitted, 1))") s"

# Every task ran once and ended with tandem's status (0, or 1 when its shard holds a broken file).
python3 - "$work/cluster/log/jobcomp.log" "$job" <<'PY' || fail "the scheduler's completion log is wrong"
import re, sys
path, job = sys.argv[1], sys.argv[2]
tasks = {}
for line in open(path):
    fields = dict(re.findall(r"(\w+)=(\S*)", line))
    if fields.get("ArrayJobId") == job:
        assert fields["ArrayTaskId"] not in tasks, f"task {fields['ArrayTaskId']} ran twice"
        tasks[fields["ArrayTaskId"]] = (fields["JobState"], fields["ExitCode"])
assert sorted(tasks) == ["0", "1", "2", "3"], tasks
for task, (state, code) in tasks.items():
    assert (state, code) in [("COMPLETED", "0:0"), ("FAILED", "1:0")], (task, state, code)
PY

# The manifests, outputs and `tandem status`, checked against the inputs (check.py below).
check() { python3 "$root/Tests/Cluster/check-batch.py" "$tandem" "$out" "$in" 4 "$good" "$broken" "$@"; }
check --fresh || fail "the first submission's results are wrong"

# Delete one shard's outputs and manifest; `tandem status` counts its inputs pending.
shard=$(python3 "$root/Tests/Cluster/check-batch.py" --busiest-shard "$out" 4)
python3 "$root/Tests/Cluster/check-batch.py" --snapshot "$out" 4 "$shard" >"$work/before.json"
python3 - "$out" "$shard" <<'PY'
import json, os, sys
out, shard = sys.argv[1], int(sys.argv[2])
manifest = os.path.join(out, f"manifest.shard-{shard}-of-4.jsonl")
for line in open(manifest):
    for output in json.loads(line)["outputs"]:
        os.remove(os.path.join(out, output))
os.remove(manifest)
PY
check --pending-shard "$shard" || fail "status after deleting shard $shard is wrong"

# Resubmit that task alone, as the submit hint says; only it runs, and only its inputs are redone.
rerun=$(sbatch --parsable --array="$shard" "$out/tandem-slurm.sbatch" | cut -d';' -f1)
local_slurm_wait "$rerun" 120 || fail "the resubmitted task did not finish"
ls "$out/slurm-logs/${rerun}_"* | grep -qv "_${shard}\." && fail "the resubmission ran other tasks: $(ls "$out/slurm-logs")"
check --redone-shard "$shard" "$work/before.json" || fail "the resubmitted shard $shard is wrong"

status=0
echo "$name: passed ($good good and $broken broken inputs, 4 tasks; task $shard resubmitted alone)"
