#!/usr/bin/env python3
"""Tables of a real-voice run of lip_assist_eval.py, from its raw results JSON.

Prints the evaluation's own split section (per SNR, per situation, the issue's targets) and, because the
real-voice clips mix recorded speakers of very different difficulty, the same per-SNR means split by the voice
of the on-camera face (`talker` in the manifest's utterances).

Usage: /work/venv/bin/python Tools/eval/lip_assist_real_report.py Tools/eval/results/lip_assist_talkvoice-heldout.json
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lip_assist_eval as ev  # noqa: E402


def face_voice(clip, manifest):
    entry = manifest.get(clip["id"])
    if not entry:
        return "?"
    talkers = [u.get("talker") for u in entry["utterances"] if u["speaker"] == 0]
    return talkers[0] if talkers else "?"


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    with open(sys.argv[1]) as f:
        results = json.load(f)
    with open(ev.MANIFEST) as f:
        manifest = {e["id"]: e for e in json.load(f)["clips"]}
    print("\n".join(ev.split_section(results)))
    systems = results["systems"]
    print("Per voice of the on-camera face: mean WER basic / Whisper-normalised (clips), words in silence summed\n")
    print("| face voice | SNR | clips | " + " | ".join(systems) + " | words in silence " + " / ".join(systems) + " |")
    print("|---|---|---|" + "---|" * (len(systems) + 1))
    voices = sorted({face_voice(c, manifest) for c in results["clips"]})
    for voice in voices:
        for snr in ["clean", "10", "5", "0", "-5"]:
            sub = [c for c in results["clips"] if face_voice(c, manifest) == voice and c["snr_label"] == snr]
            if not sub:
                continue
            ms = [ev.summarise(sub, s) for s in systems]
            print(f"| {voice} | {snr} | {len(sub)} | " + " | ".join(f"{ev.fmt(m['wer'], 3)} / {ev.fmt(m['wer_whisper'], 3)}" for m in ms)
                  + " | " + " / ".join(str(m["silence"]) for m in ms) + " |")


if __name__ == "__main__":
    main()
