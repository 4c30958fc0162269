#!/usr/bin/env python3
"""Sweeps the automatic count's settings (`--drop-margin`, `--keep-evidence`) over cached evaluation clips.

For each setting and clip, runs `tandem separate CLIP/mixture.mkv --sources auto` and counts the sources not
flagged silent, against the clip's number of players (from its folder name, `...-nP-mI`). Use it on the tuning
split only: the held-out split is run once, with the final code, by separation_eval.py.

    /work/venv/bin/python Tools/eval/separation_count_sweep.py --tandem .build/release/tandem \\
        --clips /tmp/sep7-tuning --setting 0,2 --setting=-0.05,2 --setting=-0.05,0.5   # "=" lets a negative margin through
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile


def count_of(tandem, video, margin, keep):
    with tempfile.TemporaryDirectory() as out:
        proc = subprocess.run([tandem, "separate", video, "--out", out, "--sources", "auto",
                               f"--drop-margin={margin}", f"--keep-evidence={keep}"], capture_output=True, text=True)
        if proc.returncode != 0:
            sys.exit(f"tandem separate failed on {video}: {proc.stderr}")
        # `tandem separate` runs Pipelines/separate-instruments.yaml: the clip's files are in out/separated/<stem>/.
        stem = os.path.splitext(os.path.basename(video))[0]
        summary = json.load(open(os.path.join(out, "separated", stem, "summary.json")))
    return sum(1 for s in summary["sources"] if not s.get("silent", False))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tandem", required=True)
    parser.add_argument("--clips", required=True, help="folder of clip folders named ...-nP-mI, each with mixture.mkv")
    parser.add_argument("--setting", action="append", required=True, help="MARGIN,KEEP (repeatable)")
    args = parser.parse_args()
    clips = sorted(d for d in os.listdir(args.clips) if re.search(r"-n\d+-m\d+$", d))
    rows = []
    for setting in args.setting:
        margin, keep = (float(x) for x in setting.split(","))
        counts = []
        for clip in clips:
            players = int(re.search(r"-n(\d+)-m\d+$", clip).group(1))
            counts.append((players, count_of(args.tandem, os.path.join(args.clips, clip, "mixture.mkv"), margin, keep)))
        right = sum(p == c for p, c in counts)
        under = sum(c < p for p, c in counts)
        rows.append((margin, keep, right, under, len(counts), counts))
        print(f"margin {margin} keep {keep}: right {right}/{len(counts)}, too few {under}, "
              f"counts {' '.join(f'{p}:{c}' for p, c in counts)}", flush=True)
    print("\n| drop margin | keep evidence | count right | too few | too many |\n|---|---|---|---|---|")
    for margin, keep, right, under, n, _ in rows:
        print(f"| {margin} | {keep} | {right}/{n} | {under} | {n - right - under} |")


if __name__ == "__main__":
    main()
