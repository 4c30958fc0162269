#!/usr/bin/env bash
# The main job `make run` performs over Media/: probe every sample, then run every pipeline
# that works on the embedded defaults. Each step prints what it did.
set -euo pipefail
tandem=$1 media=$2 out=$3
mkdir -p "$out"
echo "== probing $media"
# Only media files (Media/ also holds the script that made them).
shopt -s nullglob nocaseglob
samples=("$media"/*.{mp4,mkv,mov,webm,avi,wav,flac,mp3,m4a,ogg,opus})
"$tandem" probe "${samples[@]}"

# The pipelines that run on the embedded defaults (no model weights needed).
for pipeline in frames audio; do
  echo "== tandem run Pipelines/$pipeline.yaml $media --out $out --jobs 2"
  "$tandem" run "Pipelines/$pipeline.yaml" "$media" --out "$out" --jobs 2 --progress plain
done
echo "== outputs in $out (manifest: $out/manifest.jsonl)"
find "$out" -type f ! -name manifest.jsonl | sort | sed 's/^/  /'
