#!/usr/bin/env python3
"""What faster-whisper base decodes on the tuning split's 0 dB clips, per clip: the whole clip (what Tandem's one
window holds for a clip under 30 s, before its gate) and the speech `vad_filter` stitches, each at temperature 0 and
with the fallback on (twice: faster-whisper samples unseeded), with each segment's temperature, average
log-probability and compression ratio. Beside `lip_assist_eval.py --split tune --snrs 0 --systems tandem-lip
[--lip-set gate=false]` it says where 0 dB is lost: the audio given, the fallback, or Tandem's gate
(Tools/eval/results/lip_assist.md, talk9 section 4).

    /work/venv/bin/python Tools/eval/lip_assist_zero_db.py [--work /tmp/lipeval] [--clips tune-interview-0-1 ...]

The clips are made by `lip_assist_eval.py` (under WORK/clips/tune); tuning split only: held-out stays unseen.
"""
import argparse
import json
import os
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "Tools" / "eval"))
import lip_assist_eval as ev  # noqa: E402

DEFAULT = ["tune-talking-head-0-0", "tune-talking-head-0-1", "tune-interview-0-1", "tune-low-res-0-0", "tune-low-res-0-1",
           "tune-turn-away-0-0", "tune-turn-away-0-1", "tune-two-faces-0-0", "tune-two-faces-0-1", "tune-interview-0-0"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", default="/tmp/lipeval")
    ap.add_argument("--clips", nargs="*", default=DEFAULT)
    ap.add_argument("--runs", default=None, help="comma-separated subset of: vad T0, vad, vad again, whole T0, whole (default all)")
    ap.add_argument("--json", default=None, help="also write every run's segments (text, temperature, avg log-prob, "
                    "compression ratio, no-speech probability) and WER per clip to this file")
    args = ap.parse_args()
    if any(not c.startswith("tune-") for c in args.clips):
        sys.exit("tuning clips only (tune-…): held-out clips are not for diagnosis")
    import jiwer
    from faster_whisper import WhisperModel, decode_audio
    work = os.path.join(args.work, "clips", "tune")
    model = WhisperModel(str(ROOT / "Models" / "whisper-base"), device="cpu", cpu_threads=2)
    runs = [("vad T0", dict(vad_filter=True, temperature=0)), ("vad", dict(vad_filter=True)), ("vad again", dict(vad_filter=True)),
            ("whole T0", dict(temperature=0)), ("whole", {})]
    if args.runs:
        wanted = args.runs.split(",")
        runs = [r for r in runs if r[0] in wanted]
    means = {name: [] for name, _ in runs}
    record = {}
    for clip in args.clips:
        truth_path = os.path.join(work, clip + ".truth.json")
        if not os.path.exists(truth_path):
            sys.exit(f"{truth_path}: missing; make the clips with lip_assist_eval.py --split tune first")
        with open(truth_path) as f:
            reference = " ".join(u["text"] for u in json.load(f)["utterances"])
        audio = decode_audio(os.path.join(work, clip + ".wav"))
        print(f"{clip}: {reference}", flush=True)
        for name, options in runs:
            segments = list(model.transcribe(audio, beam_size=5, word_timestamps=True, language="en", **options)[0])
            text = " ".join(s.text for s in segments)
            wer = jiwer.wer(ev.normalise(reference), ev.normalise(text)) if ev.normalise(text).strip() else 1.0
            means[name].append(wer)
            detail = ", ".join(f"{s.start:.1f}-{s.end:.1f} T{s.temperature:.1f} lp {s.avg_logprob:.2f} cr {s.compression_ratio:.2f} "
                               f"nsp {s.no_speech_prob:.2f}" for s in segments)
            record.setdefault(clip, {"reference": reference})[name] = {
                "wer": wer, "text": text, "segments": [dict(start=s.start, end=s.end, text=s.text, temperature=s.temperature,
                                                            avg_logprob=s.avg_logprob, compression_ratio=s.compression_ratio,
                                                            no_speech_prob=s.no_speech_prob, tokens=len(s.tokens)) for s in segments]}
            print(f"  {name:9s} WER {wer:.2f}  [{detail}]  {text.strip()}", flush=True)
    print("mean WER: " + ", ".join(f"{name} {sum(v) / len(v):.3f}" for name, v in means.items()))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(record, f, indent=1)


if __name__ == "__main__":
    main()
