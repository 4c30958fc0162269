#!/usr/bin/env python3
"""Chooses the thresholds of assign-speakers' "sure text on the voice detector's speech" rule on the tuning split.

The rule (`SpeechFusion.TextRules.sureNoSpeechProbability` / `sureLogProbability`, the pipeline's `sure_no_speech` /
`sure_log_prob`) keeps text the level test rejected where Silero says speech, if Whisper's segment has a no-speech
probability below one threshold and an average log-probability at or above the other. Both are properties of the
Whisper window the text came from, so two runs of `lip_assist_eval.py` on the same clips give every setting exactly:

  --off     the cache of a run with the rule off (`--lip-set sure_no_speech=0`)
  --all     the cache of a run that keeps every text on the detector's speech (`--lip-set sure_no_speech=1
            --lip-set sure_log_prob=-100`)

For a setting, a window's segments come from the `--all` run when the window passes it, else from the `--off` run.
Each setting is scored with the evaluation's own scorer (WER, words in silence) on every clip both runs have.

    /work/venv/bin/python Tools/eval/lip_assist_sure.py --off /tmp/lipeval/outputs/tandem-lip-… --all /tmp/lipeval/outputs/tandem-lip-… \
        [--work /tmp/lipeval]

Tuning split only: held-out clips are refused.
"""
import argparse
import json
import os
import pathlib
import statistics
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "Tools" / "eval"))
import lip_assist_eval as ev  # noqa: E402


def key(segment):
    return (round(segment.get("avg_logprob", 0), 9), round(segment.get("no_speech_prob", 0), 9))


def combine(off, everything, no_speech, log_prob):
    """The transcript the rule gives at (no_speech, log_prob): per Whisper window, `everything`'s segments if sure."""
    sure = {key(s) for s in everything if s.get("no_speech_prob", 1) < no_speech and s.get("avg_logprob", -100) >= log_prob}
    kept = [s for s in everything if key(s) in sure] + [s for s in off if key(s) not in sure]
    return sorted(kept, key=lambda s: s["start"])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--off", required=True)
    ap.add_argument("--all", required=True)
    ap.add_argument("--work", default="/tmp/lipeval")
    ap.add_argument("--no-speech", default="0.05,0.1,0.2,0.3,0.5,1")
    ap.add_argument("--log-prob", default="-0.4,-0.5,-0.6,-0.7,-0.8,-0.9,-1.0,-1.2,-100")
    args = ap.parse_args()
    clips = sorted(f[:-5] for f in os.listdir(args.off) if f.endswith(".json") and os.path.exists(os.path.join(args.all, f)))
    if any(not c.startswith("tune-") for c in clips):
        sys.exit("tuning clips only (tune-…): held-out clips are not for choosing thresholds")
    data = []
    for clip in clips:
        with open(os.path.join(args.work, "clips", "tune", clip + ".truth.json")) as f:
            truth = json.load(f)
        runs = []
        for d in (args.off, args.all):
            with open(os.path.join(d, clip + ".json")) as f:
                runs.append(json.load(f))
        data.append((clip, truth, runs[0], runs[1]))

    # What the rule can add: each window whose text differs between the two runs, with Whisper's signals.
    print("windows whose kept text differs (rule off → everything on the detector's speech):")
    for clip, truth, off, everything in data:
        a, b = off["transcript"]["segments"], everything["transcript"]["segments"]
        for k in sorted({key(s) for s in b}):
            ta = " ".join(s["text"].strip() for s in a if key(s) == k)
            tb = " ".join(s["text"].strip() for s in b if key(s) == k)
            if ta != tb:
                print(f"  {clip:28s} lp {k[0]:6.2f} nsp {k[1]:5.2f}  off: {ta!r}  all: {tb!r}")

    def evaluate(no_speech, log_prob):
        by_snr, silence = {}, 0
        for clip, truth, off, everything in data:
            transcript = dict(everything["transcript"])
            transcript["segments"] = combine(off["transcript"]["segments"], everything["transcript"]["segments"], no_speech, log_prob)
            transcript["text"] = " ".join(s["text"].strip() for s in transcript["segments"])
            m = ev.score(truth, transcript, everything["faces"], True)
            silence += m["silence_words"]
            if m["wer"] is not None:
                label = clip.rsplit("-", 1)[0].rsplit("-", 1)[1] if "--5-" not in clip else "-5"
                by_snr.setdefault(label, []).append(m["wer"])
        return {k: statistics.mean(v) for k, v in by_snr.items()}, silence

    print("\nsetting (no-speech below, log-prob at least): mean WER per SNR, words in silence summed")
    for ns in [float(x) for x in args.no_speech.split(",")]:
        for lp in [float(x) for x in args.log_prob.split(",")]:
            wers, silence = evaluate(ns, lp)
            print(f"  nsp < {ns:4.2f} lp >= {lp:7.2f}: " + "  ".join(f"{k} {v:.3f}" for k, v in sorted(wers.items())) + f"  silence {silence}")
    wers, silence = evaluate(0, 0)
    print("  rule off:                  " + "  ".join(f"{k} {v:.3f}" for k, v in sorted(wers.items())) + f"  silence {silence}")


if __name__ == "__main__":
    main()
