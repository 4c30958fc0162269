"""How well Whisper base hears each synthetic voice of the lip-assist evaluation, clean, sentence by sentence.

The evaluation's clean WER mixes what Tandem does with how intelligible its voices are: this measures the
voices alone, with faster-whisper base (beam 5, language en, no VAD) on single sentences that neither split
uses as references (the babble set), so a voice can be judged before it is put into a split.

With --real-speech DIR (made by Tools/eval/prepare_real_speech.py) it measures the recorded speakers instead,
each utterance of one split alone against its published transcript, so that the real-voice clips' clean WER can
be read against how well the recogniser hears the recordings themselves.

Usage (repository root): /work/venv/bin/python Tools/eval/voice_check.py [--sentences 8] [--work /tmp/lipeval]
       /work/venv/bin/python Tools/eval/voice_check.py --real-speech /tmp/real-speech --split tune
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
    ap.add_argument("--out", default=None, help="default results/voice_check.json, or voice_check_real_SPLIT.json")
    ap.add_argument("--real-speech", default=None, help="measure the recordings of this prepared folder instead")
    ap.add_argument("--split", choices=["tune", "heldout"], default="tune", help="with --real-speech: which split's recordings")
    args = ap.parse_args()
    if args.real_speech:
        return real_speech_check(args)
    args.out = args.out or os.path.join(ev.RESULTS, "voice_check.json")
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


def real_speech_check(args):
    """Per recorded speaker of one split: WER of faster-whisper base on each recording alone (as the clips use
    it: trimmed, peak 0.5, half a second of silence around), pooled over the speaker's recordings."""
    from faster_whisper import WhisperModel
    import numpy as np
    ev.REAL_SPEECH_DIR = args.real_speech
    index = ev.load_real_index(args.real_speech)
    model = WhisperModel(args.model, device="cpu", cpu_threads=2)
    by_speaker = {}
    for u in sorted(index.values(), key=lambda u: u["id"]):
        if u["split"] != args.split:
            continue
        audio = ev.real_speech(u["id"], u["text"])
        audio = np.concatenate([np.zeros(8000, np.float32), audio, np.zeros(8000, np.float32)])
        segments, _ = model.transcribe(audio, beam_size=5, language="en")
        hyp = " ".join(s.text for s in segments)
        rec = by_speaker.setdefault(u["speaker"], {"refs": [], "hyps": [], "whisper_refs": [], "whisper_hyps": [], "utterances": []})
        rec["refs"].append(ev.normalise(u["text"]))
        rec["hyps"].append(ev.normalise(hyp))
        rec["whisper_refs"].append(ev.whisper_normalise(u["text"]))
        rec["whisper_hyps"].append(ev.whisper_normalise(hyp))
        rec["utterances"].append({"id": u["id"], "text": u["text"], "hypothesis": hyp.strip()})
    out = {}
    for speaker, rec in by_speaker.items():
        wer = jiwer.wer(" ".join(rec["refs"]), " ".join(rec["hyps"]))
        wwer = jiwer.wer(" ".join(rec["whisper_refs"]), " ".join(rec["whisper_hyps"]))
        out[speaker] = {"utterances": len(rec["refs"]), "wer": wer, "wer_whisper": wwer, "items": rec["utterances"]}
        print(f"{speaker:28s} {len(rec['refs']):3d} utterances  WER {wer:.3f} (Whisper norm. {wwer:.3f})", flush=True)
    path = args.out or os.path.join(ev.RESULTS, f"voice_check_real_{args.split}.json")
    with open(path, "w") as f:
        json.dump({"model": args.model, "split": args.split, "speakers": out}, f, indent=1)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
