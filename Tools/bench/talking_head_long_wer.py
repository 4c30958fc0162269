#!/usr/bin/env python3
"""WER of the long 720p clips `talking_head_peer.py --long` makes (the held-out hd720 clips joined: 62.8 s and
125.7 s), for one or two Tandem builds of `Pipelines/transcribe-talking-head.yaml` and faster-whisper base with and
without `vad_filter` (beam 5, word timestamps, language detected): what a change to long-recording windows costs
or gains in accuracy, beside its speed. The references are the clips' own references joined the same way; WER basic
(the lip-assist evaluation's normalisation) and after openai/whisper's EnglishTextNormalizer.

    /work/venv/bin/python Tools/bench/talking_head_long_wer.py --tandem NEW/tandem [--before OLD/tandem] \
        [--set k=v] [--before-set k=v] [--split tune] [--longest] [--no-peer] [--work /tmp/tandem-talking-head-bench] [--realtime]
"""
import argparse
import json
import os
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "Tools" / "eval"))
sys.path.insert(0, str(ROOT / "Tools" / "bench"))
import lip_assist_eval as ev  # noqa: E402
import talking_head_peer as peer  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tandem", required=True)
    ap.add_argument("--before", help="another build, e.g. main's")
    ap.add_argument("--work", default="/tmp/tandem-talking-head-bench")
    ap.add_argument("--split", default="heldout", choices=["heldout", "tune"], help="whose hd720 clips (tune while developing)")
    ap.add_argument("--longest", action="store_true", help="also the 251 s clip")
    ap.add_argument("--set", action="append", default=[], help="--set override for the --tandem build's pipeline")
    ap.add_argument("--before-set", action="append", default=[], help="--set override for the --before build's pipeline")
    ap.add_argument("--no-peer", action="store_true", help="Tandem only")
    ap.add_argument("--pipeline", default=str(ROOT / "Pipelines" / "transcribe-talking-head.yaml"))
    ap.add_argument("--realtime", action="store_true", help="run the whole script (and so every child) under chrt -r 5, as the speed bench does")
    args = ap.parse_args()
    if args.realtime and os.sched_getscheduler(0) != os.SCHED_RR:
        # faster-whisper runs in this process: the whole script goes into the real-time class, not only Tandem.
        os.execvp("chrt", ["chrt", "-r", "5", sys.executable] + sys.argv)
    import jiwer
    from faster_whisper import WhisperModel
    work = pathlib.Path(args.work)
    clips = peer.make_clips(work, True, args.split, args.longest)
    refs = []
    for clip in clips[:3]:
        with open(clip.with_suffix(".truth.json")) as f:
            refs.append(" ".join(u["text"] for u in json.load(f)["utterances"]))
    joined = {clip: [refs[i] for i in indices] for clip, (_, indices) in zip(clips[3:], peer.LONG)}
    model = None if args.no_peer else WhisperModel(str(ROOT / "Models" / "whisper-base"), device="cpu", cpu_threads=2)
    builds = [("tandem", args.tandem, args.set)] + ([("before", args.before, args.before_set)] if args.before else [])
    for clip, parts in joined.items():
        reference = " ".join(parts)
        hypotheses = {}
        for name, binary, overrides in builds:
            out = work / f"wer-{name}"
            command = [binary, "run", args.pipeline, str(clip), "--out", str(out), "--progress", "none"]
            for override in overrides:
                command += ["--set", override]
            subprocess.run(command, check=True, capture_output=True, cwd=ROOT)
            with open(out / "talking-head" / (clip.stem + ".json")) as f:
                hypotheses[name] = " ".join(s["text"] for s in json.load(f)["segments"])
        for vad in () if args.no_peer else (False, True):
            segments, _ = model.transcribe(str(clip), beam_size=5, word_timestamps=True, vad_filter=vad)
            hypotheses["faster-whisper" + (" vad_filter" if vad else "")] = " ".join(s.text for s in segments)
        for name, text in hypotheses.items():
            print(f"{clip.name} {name:25s} WER basic {jiwer.wer(ev.normalise(reference), ev.normalise(text)):.3f}, "
                  f"Whisper-normalised {ev.whisper_wer(reference, text):.3f}: {text.strip()}", flush=True)


if __name__ == "__main__":
    main()
