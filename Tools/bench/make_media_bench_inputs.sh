#!/usr/bin/env bash
# Makes the media benchmark inputs (never committed): 640x360 30 fps H.264 (x264 defaults:
# 3 B-frames, key frame interval 250) of a moving test pattern with light grain, 60 s and 10 min,
# and a folder of 20 one-minute videos for the batch benchmark (Tools/bench/frames_batch.py), each
# with its own grain seed and pattern speed so no two files share content.
# Usage: make_media_bench_inputs.sh [DIR]   (default /tmp/tandem-bench); existing files are kept.
set -euo pipefail
dir="${1:-/tmp/tandem-bench}"
mkdir -p "$dir/batch20"
make_input() {  # seconds, name, [extra video filter]
  [ -s "$dir/$2" ] && return
  local partial="$dir/$(dirname "$2")/.$(basename "$2")"
  ffmpeg -hide_banner -loglevel error -y -f lavfi -i "testsrc2=size=640x360:rate=30:duration=$1" \
    -vf "${3:-noise=alls=6:allf=t}" -c:v libx264 -preset veryfast -crf 23 -pix_fmt yuv420p -f mp4 "$partial" && mv "$partial" "$dir/$2"
}
make_input 60 bench60.mp4
make_input 600 bench600.mp4
for i in $(seq -w 0 19); do
  make_input 60 "batch20/clip$i.mp4" "setpts=PTS*$((10 + 10#$i % 4))/10,fps=30,trim=duration=60,hue=h=$((10#$i * 18)),noise=alls=6:allf=t:all_seed=$((1000 + 10#$i))"
done
echo "$dir"
