#!/usr/bin/env bash
# The main job `make run` performs over Media/: probe every sample, then run every pipeline
# that works on the embedded defaults. Each step prints what it did.
set -euo pipefail
tandem=$1 media=$2 out=$3
mkdir -p "$out"
echo "== probing $media"
"$tandem" probe "$media"/*.*
