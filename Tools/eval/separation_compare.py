#!/usr/bin/env python3
"""Side by side: two results files of separation_eval.py (results.json or results-footage.json) over the same clips.

For each set and player count: the medians of the region-attributed and best-permutation gains, players left
without sound, the automatic count right, and the automatic run's region-attributed gain; then every clip whose
gain or automatic count changed, so a median that moves can be traced to the clips that moved it.

    python3 Tools/eval/separation_compare.py BEFORE.json AFTER.json [--threshold 0.5]
"""
import argparse
import json
import statistics


def key(row):
    return (row["set"], row["count"], row["clip"])


def summary(rows):
    autos = [r["auto_gain"] for r in rows if r.get("auto_gain") is not None]
    return {
        "gain": statistics.median(r["gain"] for r in rows),
        "best": statistics.median(r["best_perm_gain"] for r in rows),
        "silent": sum(r["unattributed"] for r in rows),
        "players": sum(r["count"] for r in rows),
        "count_right": sum(r["auto_count"] == r["count"] for r in rows),
        "auto_gain": statistics.median(autos) if autos else None,
        "auto_silent": sum(r.get("auto_unattributed") or 0 for r in rows),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("before")
    parser.add_argument("after")
    parser.add_argument("--threshold", type=float, default=0.5, help="list clips whose gain moved by at least this (dB)")
    args = parser.parse_args()
    before = {key(r): r for r in json.load(open(args.before))}
    after = {key(r): r for r in json.load(open(args.after))}
    shared = sorted(set(before) & set(after))
    if len(shared) < max(len(before), len(after)):
        print(f"scoring the {len(shared)} clips in both files ({len(before)} before, {len(after)} after)")
    groups = sorted({(s, c) for s, c, _ in shared})
    print(f"{'set':12s} n  clips | region-attributed | best permutation | without sound | count right | auto gain | auto w/o sound")
    for s, c in groups:
        keys = [k for k in shared if k[:2] == (s, c)]
        a, b = summary([before[k] for k in keys]), summary([after[k] for k in keys])
        auto = (f"{a['auto_gain']:+6.2f} -> {b['auto_gain']:+6.2f}" if a["auto_gain"] is not None and b["auto_gain"] is not None
                else "      n/a       ")
        print(f"{s:12s} {c}  {len(keys):5d} | {a['gain']:+6.2f} -> {b['gain']:+6.2f} | {a['best']:+6.2f} -> {b['best']:+6.2f} | "
              f"{a['silent']:3d} -> {b['silent']:3d} of {a['players']:3d} | {a['count_right']:2d} -> {b['count_right']:2d} of {len(keys):2d} | "
              f"{auto} | {a['auto_silent']:3d} -> {b['auto_silent']:3d}")
    print("\nclips that moved:")
    for k in shared:
        a, b = before[k], after[k]
        if abs(a["gain"] - b["gain"]) >= args.threshold or a["auto_count"] != b["auto_count"] or a["unattributed"] != b["unattributed"]:
            print(f"  {k[0]:12s} n={k[1]} #{k[2]:<3d} {'+'.join(b['instruments']):44s} gain {a['gain']:+6.2f} -> {b['gain']:+6.2f}  "
                  f"w/o sound {a['unattributed']} -> {b['unattributed']}  auto {a['auto_count']} -> {b['auto_count']}")


if __name__ == "__main__":
    main()
