#!/usr/bin/env python3
"""How much Tandem's region-attributed separation swings when the regions change by one motion cell.

For each clip of `separation_eval.py`'s sets (made there, or cached in --work), Tandem is run four times:
  - found:  as the evaluation runs it (`tandem separate --sources N`, regions found in the video);
  - given:  the boxes it found, every one of them (silent ones too), given back with `--region`;
  - grown:  each of those boxes one motion cell larger on every side (clipped to the frame);
  - shrunk: each one cell smaller on every side (a side of fewer than three cells is left as it is).
Each run is scored as `separation_eval.py` scores it (region-attributed SDR gain over the mixture, the
sum of the outputs whose region centre lies on a player's panel). The *spread* of a clip is the largest
minus the smallest gain over the four runs: a separator whose assignment a cell of box cannot swing has a
small spread. A motion cell is `--cell` video pixels (4 analysed pixels; 5 at the evaluation's 180-pixel
height, whose frames are analysed at 144).

The CPU time of the `found` run (user + system of the tandem process) is reported too.

    /work/venv/bin/python Tools/eval/separation_stability.py --tandem BIN --sets tuning --clips 6 --work W
"""
import argparse
import json
import os
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import separation_eval as ev  # noqa: E402  (the clips, the runs and the scores are the evaluation's own)


def frame_size(video):
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height",
                          "-of", "csv=p=0", video], capture_output=True, text=True, check=True).stdout.strip()
    width, height = out.split(",")[:2]
    return int(width), int(height)


def changed(box, cell, step, width, height):
    """`box` (x, y, w, h) with every side moved out by `step` cells (in when negative), inside the frame."""
    x, y, w, h = box
    if step > 0:
        x0, y0 = max(0, x - step * cell), max(0, y - step * cell)
        x1, y1 = min(width, x + w + step * cell), min(height, y + h + step * cell)
        return x0, y0, x1 - x0, y1 - y0
    shrink = -step * cell
    if w >= 3 * cell:
        x, w = x + shrink, w - 2 * shrink
    if h >= 3 * cell:
        y, h = y + shrink, h - 2 * shrink
    return x, y, w, h


def score(summary, out, stems, count):
    mixture = np.sum(stems, axis=0).astype(np.float32)
    estimates, unattributed = ev.player_estimates(ev.attribute(summary, out, count, len(mixture)), count, mixture)
    mix = ev.sdr(stems, [mixture] * count, False)
    fixed = ev.sdr(stems, estimates, False)
    best = ev.sdr(stems, estimates, True)
    return float(np.mean(fixed - mix)), float(np.mean(best - mix)), unattributed


def stability(args, set_name, cfg, count, index):
    work, scene, stems, video = ev.make_clip(args, set_name, cfg, count, index)
    width, height = frame_size(video)
    extra = args.separate_args.split()
    out = os.path.join(work, "separated")
    summary, _, cpu = ev.run_tandem(args.tandem, video, out, str(count), extra)
    boxes = [(s["region"]["x"], s["region"]["y"], s["region"]["width"], s["region"]["height"])
             for s in summary["sources"] if s.get("region")]
    row = {"set": set_name, "count": count, "clip": index, "instruments": [c[0] for c in scene["chosen"]], "cpu": cpu,
           "boxes": boxes, "runs": {}}
    row["runs"]["found"] = score(summary, out, stems, count)
    for name, step in (("given", 0), ("grown", 1), ("shrunk", -1)):
        regions = [changed(b, args.cell, step, width, height) for b in boxes]
        given = [a for r in regions for a in ("--region", ",".join(map(str, r)))]
        variant_out = os.path.join(work, f"stability-{name}")
        s, _, _ = ev.run_tandem(args.tandem, video, variant_out, str(count), extra + given)
        row["runs"][name] = score(s, variant_out, stems, count)
    gains = [g for g, _, _ in row["runs"].values()]
    row["spread"] = max(gains) - min(gains)
    print(f"{set_name:8s} n={count} #{index} {'+'.join(row['instruments']):36s} "
          + " ".join(f"{k} {v[0]:+6.2f}" for k, v in row["runs"].items())
          + f" | spread {row['spread']:5.2f} dB | cpu {cpu:.2f} s", flush=True)
    return row


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tandem", default=".build/release/tandem")
    parser.add_argument("--work", default="/tmp/tandem-separation-stability")
    parser.add_argument("--sets", nargs="+", default=["tuning"], choices=list(ev.SETS))
    parser.add_argument("--clips", type=int, default=6)
    parser.add_argument("--first-clip", type=int, default=0)
    parser.add_argument("--counts", type=int, nargs="+", default=[2, 3, 4])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--cell", type=int, default=5, help="one motion cell in video pixels")
    parser.add_argument("--separate-args", default="", help="extra arguments for tandem separate")
    parser.add_argument("--level-spread", type=float, default=0.0, help="players at unequal loudness (as separation_eval.py --level-spread)")
    parser.add_argument("--footage", action="store_true", help="each clip's camera-like variant (footage.mkv, as separation_eval.py --footage)")
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)
    rows = []
    for set_name in args.sets:
        for count in args.counts:
            for index in range(args.first_clip, args.first_clip + args.clips):
                rows.append(stability(args, set_name, ev.SETS[set_name], count, index))
    print("\nmedians:")
    for set_name in args.sets:
        for count in args.counts:
            r = [x for x in rows if x["set"] == set_name and x["count"] == count]
            line = " ".join(f"{k} {np.median([x['runs'][k][0] for x in r]):+.2f}" for k in ("found", "given", "grown", "shrunk"))
            print(f"  {set_name:8s} {count} players ({len(r)} clips): gain {line} dB; spread median "
                  f"{np.median([x['spread'] for x in r]):.2f}, max {max(x['spread'] for x in r):.2f} dB; "
                  f"without sound (found) {sum(x['runs']['found'][2] for x in r)}; cpu median {np.median([x['cpu'] for x in r]):.2f} s")
    with open(os.path.join(args.work, "stability.json"), "w") as f:
        json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()
