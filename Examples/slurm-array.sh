#!/usr/bin/env bash
# A Slurm job array spreading one batch over 8 tasks. Each task takes its share of the inputs
# (tandem reads SLURM_ARRAY_TASK_ID / SLURM_ARRAY_TASK_COUNT), all write into one output folder,
# and each appends to the same manifest.jsonl (one atomic line per input).
# Rerunning a failed task with --resume skips what it already finished.
#SBATCH --job-name=tandem-frames
#SBATCH --array=0-7
#SBATCH --cpus-per-task=2
#SBATCH --mem=2G
#SBATCH --time=02:00:00
set -euo pipefail
tandem run Pipelines/frames.yaml /data/videos --out /data/frames --jobs 2 --resume --progress plain
