#!/usr/bin/env python3
"""Would choosing, per recognition window, between the whole window and the fused speech stitched together (by
Whisper's average log-probability) lower WER? Measured from two cached `tandem-lip` runs of lip_assist_eval.py
(`listen: everything` and `listen: speech` + `stitch: true`) on clips shorter than 30 s, where a clip is one window.

Per clip the hypothesis kept is the run whose kept segments have the higher average log-probability (each
segment's `avg_logprob` weighted by its word count); the oracle keeps the lower WER. Mean WER per SNR of each.

Usage (repository root):
  /work/venv/bin/python Tools/eval/lip_assist_select.py --whole /tmp/lipeval/outputs/tandem-lip-<key> \
      --stitched /tmp/lipeval/outputs/tandem-lip-<key> [--split tune] [--work /tmp/lipeval]
"""
import argparse
import json
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lip_assist_eval as ev  # noqa: E402


def log_probability(record):
    """Word-weighted average log-probability of a transcript's segments; None when it has none."""
    segments = record["transcript"].get("segments", [])
    if not segments:
        return None
    weights = [max(1, len(s.get("words") or [])) for s in segments]
    return sum(s["avg_logprob"] * w for s, w in zip(segments, weights)) / sum(weights)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--whole", required=True, help="cached outputs of the whole-window run")
    ap.add_argument("--stitched", required=True, help="cached outputs of the stitched-speech run")
    ap.add_argument("--split", default="tune", choices=["tune", "heldout"])
    ap.add_argument("--work", default="/tmp/lipeval")
    args = ap.parse_args()
    rows = {"whole": [], "stitched": [], "selected": [], "oracle": []}
    for name in sorted(os.listdir(args.stitched)):
        if not name.startswith(args.split + "-") or not os.path.exists(os.path.join(args.whole, name)):
            continue
        clip = name[:-5]
        with open(os.path.join(args.work, "clips", args.split, clip + ".truth.json")) as f:
            truth = json.load(f)
        if truth["duration"] > 30:
            continue
        records = {}
        for key, folder in (("whole", args.whole), ("stitched", args.stitched)):
            with open(os.path.join(folder, name)) as f:
                records[key] = json.load(f)
        wer = {k: ev.score(truth, r["transcript"], r["faces"], True)["wer"] for k, r in records.items()}
        lp = {k: log_probability(r) for k, r in records.items()}
        pick = "stitched" if lp["stitched"] is not None and (lp["whole"] is None or lp["stitched"] > lp["whole"]) else "whole"
        snr = clip.split("-")[-2]
        snr = "-" + snr if clip.split("-")[-3] == "" else snr
        for key, value in (("whole", wer["whole"]), ("stitched", wer["stitched"]), ("selected", wer[pick]),
                           ("oracle", min(wer.values()))):
            rows[key].append((snr, value))
        print(f"{clip:32s} whole {wer['whole']:.2f} (log-prob {lp['whole'] if lp['whole'] is None else round(lp['whole'], 2)})  "
              f"stitched {wer['stitched']:.2f} (log-prob {lp['stitched'] if lp['stitched'] is None else round(lp['stitched'], 2)})  -> {pick}")
    for key, values in rows.items():
        by_snr = {}
        for snr, value in values:
            by_snr.setdefault(snr, []).append(value)
        print(f"{key:9s} " + "  ".join(f"{snr} dB: {statistics.mean(v):.3f} ({len(v)})" for snr, v in sorted(by_snr.items())))


if __name__ == "__main__":
    main()
