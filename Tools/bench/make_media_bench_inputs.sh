#!/usr/bin/env bash
# Makes the media benchmark inputs (never committed): 640x360 30 fps H.264 (x264 defaults:
# 3 B-frames, key frame interval 250) of a moving test pattern with light grain, 60 s and 10 min.
# Usage: make_media_bench_inputs.sh [DIR]   (default /tmp/tandem-bench); existing files are kept.
set -euo pipefail
dir="${1:-/tmp/tandem-bench}"
mkdir -p "$dir"
make_input() {  # seconds, name
  [ -s "$dir/$2" ] && return
  ffmpeg -hide_banner -loglevel error -y -f lavfi -i "testsrc2=size=640x360:rate=30:duration=$1" \
    -vf "noise=alls=6:allf=t" -c:v libx264 -preset veryfast -crf 23 -pix_fmt yuv420p "$dir/.$2" && mv "$dir/.$2" "$dir/$2"
}
make_input 60 bench60.mp4
make_input 600 bench600.mp4
echo "$dir"
