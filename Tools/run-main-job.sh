#!/usr/bin/env bash
# The main job `make run` performs over Media/: probe every sample, then run every pipeline that
# works on the embedded defaults, each into its own folder $out/<pipeline>/ (with its own manifest).
# Each step prints what it did.
set -euo pipefail
tandem=$1 media=$2 out=$3
mkdir -p "$out"
echo "== probing $media"
# Only media files (Media/ also holds the script that made them).
shopt -s nullglob nocaseglob
samples=("$media"/*.{mp4,mkv,mov,webm,avi,wav,flac,mp3,m4a,ogg,opus})
# A file probe cannot read is named on stderr; the pipelines below still run and record it in their manifests.
"$tandem" probe "${samples[@]}" || echo "-- probe: some files could not be read (named above); the pipelines go on"

# What a pipeline wrote, in a few lines.
summarise() {
  local pipeline=$1 dir=$2
  case $pipeline in
    frames)
      find "$dir" -name contact_sheet.png | sort | while read -r sheet; do
        folder=$(dirname "$sheet")
        echo "  ${folder#$dir/}: $(find "$folder" -name 'frame_*.png' | wc -l) frames + contact_sheet.png"
      done ;;
    separate-instruments)
      find "$dir" -name summary.json | sort | while read -r summary; do
        folder=$(dirname "$summary")
        echo "  ${folder#$dir/}: $(find "$folder" -name '*.wav' -printf '%f ' | tr ' ' '\n' | sort | tr '\n' ' ')+ masks.png + summary.json"
        grep -o '"notes" : \[[^]]*\]' "$summary" | tr -s ' \n' ' ' | sed 's/^/    /' || true
      done ;;
    transcribe-talking-head)
      find "$dir" -name '*.txt' | sort | while read -r text; do
        echo "  ${text#$dir/}:"
        if [ -s "$text" ]; then head -n 3 "$text" | sed 's/^/    | /'; else echo "    | (no speech)"; fi
        speakers=$(grep -o '"speaker" : "[^"]*"' "${text%.txt}.json" | sort | uniq -c | awk '{printf "%s×%s ", $4, $1}' | tr -d '"' || true)
        if [ -n "$speakers" ]; then echo "    speakers: $speakers"; fi
        grep -o '"label" : "[^"]*"' "${text%.txt}.notes.json" | sed 's/"label" : /    note: /' || true
      done ;;
    transcribe)
      find "$dir" -name '*.txt' | sort | while read -r text; do
        echo "  ${text#$dir/}:"
        if [ -s "$text" ]; then head -n 3 "$text" | sed 's/^/    | /'; else echo "    | (no speech)"; fi
      done ;;
    *)
      find "$dir" -path "$dir/report" -prune -o -type f ! -name manifest.jsonl ! -name run.json -print | sort | while read -r file; do
        echo "  ${file#$dir/} ($(du -h "$file" | cut -f1))"
      done ;;
  esac
}

# The pipelines that run on the embedded defaults (no downloaded checkpoint needed).
for pipeline in frames audio spectrograms transcribe separate-instruments transcribe-talking-head; do
  dir="$out/$pipeline"
  echo "== tandem run Pipelines/$pipeline.yaml $media --out $dir --jobs 2"
  start=$(date +%s)
  status=0
  "$tandem" run "Pipelines/$pipeline.yaml" "$media" --out "$dir" --jobs 2 --progress plain --report || status=$?
  echo "-- $pipeline: exit $status in $(( $(date +%s) - start )) s; manifest $dir/manifest.jsonl; open $dir/report/index.html"
  summarise "$pipeline" "$dir"
  if [ "$status" -ne 0 ]; then echo "!! $pipeline failed (exit $status)"; failed=1; fi
done
echo "== outputs in $out/<pipeline>/ (frames, audio, spectrograms, transcribe, separate-instruments, transcribe-talking-head),"
echo "   each with an HTML report in $out/<pipeline>/report/index.html"
exit "${failed:-0}"
