"""How well Whisper base hears each synthetic voice of the lip-assist evaluation, clean, sentence by sentence.

The evaluation's clean WER mixes what Tandem does with how intelligible its voices are: this measures the
voices alone, with faster-whisper base (beam 5, language en, no VAD) on single sentences that neither split
uses as references (the babble set), so a voice can be judged before it is put into a split.

Usage (repository root): /work/venv/bin/python Tools/eval/voice_check.py [--sentences 8] [--work /tmp/lipeval]
"""
import argparse
import json
import os
import sys

import jiwer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lip_assist_eval as ev  # noqa: E402

# Festival's voices from Debian main: the HTS statistical voice of CMU ARCTIC's SLT (festvox-us-slt-hts),
# and the diphone voices kal and kdl (festvox-kallpc16k, festvox-kdlpc16k; University of Edinburgh /
# CMU licence, free use and redistribution).
VOICES = ev.TUNE_VOICES + ev.HELDOUT_VOICES + [("festival", "voice_cmu_us_slt_arctic_hts"), ("festival", "voice_kal_diphone"),
                                               ("festival", "voice_ked_diphone")]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sentences", type=int, default=8)
    ap.add_argument("--work", default="/tmp/lipeval")
    ap.add_argument("--model", default="Models/whisper-base")
    ap.add_argument("--out", default=os.path.join(ev.RESULTS, "voice_check.json"))
    args = ap.parse_args()
    from faster_whisper import WhisperModel
    import numpy as np
    model = WhisperModel(args.model, device="cpu", cpu_threads=2)
    cache = os.path.join(args.work, "tts")
    os.makedirs(cache, exist_ok=True)
    sentences = ev.BABBLE_SENTENCES[:args.sentences]
    results = {}
    for voice in VOICES:
        refs, hyps = [], []
        for text in sentences:
            audio = ev.tts(text, voice, cache)
            audio = np.concatenate([np.zeros(8000, np.float32), audio, np.zeros(8000, np.float32)])
            segments, _ = model.transcribe(audio, beam_size=5, language="en")
            refs.append(ev.normalise(text))
            hyps.append(ev.normalise(" ".join(s.text for s in segments)) or "")
        wer = jiwer.wer(" ".join(refs), " ".join(hyps))
        results["/".join(voice)] = {"wer": wer, "hypotheses": hyps}
        print(f"{'/'.join(voice):45s} WER {wer:.3f}", flush=True)
    with open(args.out, "w") as f:
        json.dump({"model": args.model, "sentences": sentences, "voices": results}, f, indent=1)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
