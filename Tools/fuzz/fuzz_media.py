#!/usr/bin/env python3
"""Damages copies of the media fixtures at random and runs `tandem` on each: probe, a frame sampling,
and the audio pipeline. Bad input must give a clear error (exit 1 or 2) and never a crash or a hang;
every case that crashes (a signal) or runs past the time limit is printed and kept.

    python3 Tools/fuzz/fuzz_media.py --tandem .build/release/tandem --seed 3 --count 150 --work /tmp/fuzz

Damage: random bytes flipped, a chunk overwritten with noise or zeros, or the file cut short.
Needs only Python's standard library.
"""
import argparse
import os
import random
import shutil
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURES = os.path.join(ROOT, "Tests", "TandemMediaTests", "Fixtures")
SEEDS = ["h264_bframes.mp4", "h264_opengop.mkv", "vp9.webm", "mpeg2.ts", "hevc_offset.mkv", "mpeg4.mp4",
         "stereo48k.opus", "cover_art.mp3", "interlaced_comb.mpg", "stereo48k.flac", "mpeg4_nopts.avi",
         "vfr.mkv", "size_change.ts", "rotated90.mp4"]
SAMPLINGS = ["uniform:5", "all", "fps:3", "scene:0.3", "keyframes", "timestamps:0.5,1.5"]


def damage(data: bytearray, rng: random.Random) -> tuple[bytearray, str]:
    kind = rng.choice(["flip", "chunk", "truncate", "zero"])
    if kind == "flip":
        for _ in range(rng.randint(1, 30)):
            data[rng.randrange(len(data))] = rng.randrange(256)
    elif kind == "chunk":
        start, length = rng.randrange(len(data)), rng.randint(16, 2048)
        data[start:start + length] = bytes(rng.randrange(256) for _ in range(min(length, len(data) - start)))
    elif kind == "zero":
        start, length = rng.randrange(len(data)), rng.randint(16, 4096)
        data[start:start + length] = bytes(min(length, len(data) - start))
    else:
        data = data[:rng.randrange(1, len(data))]
    return data, kind


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tandem", required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--work", default="/tmp/tandem-fuzz")
    parser.add_argument("--timeout", type=float, default=60)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    cases, out = os.path.join(args.work, "cases"), os.path.join(args.work, "out")
    os.makedirs(cases, exist_ok=True)
    audio_pipeline = os.path.join(ROOT, "Pipelines", "audio.yaml")
    failures = 0
    for number in range(args.count):
        seed = rng.choice(SEEDS)
        data, kind = damage(bytearray(open(os.path.join(FIXTURES, seed), "rb").read()), rng)
        path = os.path.join(cases, f"s{args.seed}_{number}_{kind}{os.path.splitext(seed)[1]}")
        open(path, "wb").write(data)
        commands = [["probe", path],
                    ["frames", path, "--sampling", rng.choice(SAMPLINGS), "--out", out],
                    ["run", audio_pipeline, path, "--out", out, "--progress", "none"]]
        kept = False
        for command in commands:
            shutil.rmtree(out, ignore_errors=True)
            try:
                result = subprocess.run([args.tandem] + command, capture_output=True, timeout=args.timeout)
                problem = None if result.returncode in (0, 1, 2) else f"CRASH (exit {result.returncode})"
            except subprocess.TimeoutExpired:
                problem = f"HANG (over {args.timeout:.0f} s)"
            if problem:
                failures += 1
                kept = True
                print(problem, " ".join(command), flush=True)
        if not kept:
            os.remove(path)
    print(f"{args.count} damaged files, {failures} crashes or hangs")


if __name__ == "__main__":
    main()
