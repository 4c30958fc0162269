#!/usr/bin/env python3
"""Lip-assisted transcription benchmark: synthetic talking-head clips in noise.

Each clip: a real photographed face (scikit-image's bundled `astronaut`, no download) whose mouth
opens with the speech envelope, two sentences spoken by an espeak-ng or flite voice, speechless
noise before, between and after them (3, 2 and 3 s by default; --lead/--gap/--tail), mixed with white, pink, babble or music noise
at clean, 10, 5, 0 and -5 dB SNR (speech power over the speech samples / noise power).

Systems: Tandem audio-only, Tandem with lip assistance (defaults: gate + segment),
the same with enhancement (`--enhance`, reusing the first run's picture findings), and
faster-whisper with and without vad_filter, all on the same CTranslate2 tiny.en model, beam 5.

Metrics:
- WER with jiwer after normalisation: lower case, every character except letters, digits,
  apostrophes and spaces removed, whitespace collapsed (numbers are not spelled out; the
  sentences contain none).
- Words in speechless stretches: each output word's time is the middle of its own timestamps when
  the system gives word times (Tandem's JSON has `words`; faster-whisper runs with
  word_timestamps=True); only for a segment without word times are its words spread evenly over
  the segment's span. A word counts when its time lies more than 0.5 s from every true speech
  interval AND the jiwer alignment marks it as an insertion (so a correct word whose timestamp
  drifted into the lead silence is not counted). `outside_time` is the count by time alone.

Usage: /work/venv/bin/python Tools/eval/lip_assist_eval.py --tandem .build/release/tandem \
           --model /work/main/Models/whisper-tiny.en [--work /tmp/lipeval] [--quick] [--clips 2] \
           [--json /tmp/lip.json] [--markdown /tmp/lip.md] [--lead 3 --gap 2 --tail 3] \
           [--systems tandem-audio,tandem-lip,fw,fw-vad] [--snrs 0,-5]
"""
import argparse
import json
import os
import re
import subprocess
import sys
import time

import numpy as np
import soundfile as sf

RATE = 16000
FPS = 25
SENTENCES = [
    "The birch canoe slid on the smooth planks.",
    "Glue the sheet to the dark blue background.",
    "It is easy to tell the depth of a well.",
    "These days a chicken leg is a rare dish.",
    "Rice is often served in round bowls.",
    "The juice of lemons makes fine punch.",
    "The box was thrown beside the parked truck.",
    "The hogs were fed chopped corn and garbage.",
    "Four hours of steady work faced us.",
    "A large size in stockings is hard to sell.",
]
BABBLE_SENTENCES = [
    "The boy was there when the sun rose.",
    "A rod is used to catch pink salmon.",
    "The source of the huge river is the clear spring.",
    "Kick the ball straight and follow through.",
    "Help the woman get back to her feet.",
    "A pot of tea helps to pass the evening.",
]
VOICES = [("espeak", "en-us"), ("flite", "slt"), ("espeak", "en-gb"), ("flite", "kal16"), ("flite", "awb"), ("espeak", "en-us+m3")]
NOISES = ["white", "pink", "babble", "music"]
SNRS = [None, 10, 5, 0, -5]
LEAD, GAP, TAIL = 3.0, 2.0, 3.0


def tts(text, voice, path):
    engine, name = voice
    if engine == "espeak":
        subprocess.run(["espeak-ng", "-v", name, "-s", "150", "-w", path, text], check=True, capture_output=True)
    else:
        subprocess.run(["flite", "-voice", name, "-t", text, "-o", path], check=True, capture_output=True)
    x, rate = sf.read(path, dtype="float32")
    if x.ndim > 1:
        x = x.mean(axis=1)
    if rate != RATE:
        import librosa
        x = librosa.resample(x, orig_sr=rate, target_sr=RATE)
    # trim leading/trailing silence so the true speech intervals are tight
    level = np.abs(x) > 0.01 * np.abs(x).max()
    idx = np.nonzero(level)[0]
    x = x[idx[0]:idx[-1] + 1]
    return x / (np.abs(x).max() + 1e-9) * 0.5


def noise(kind, n, rng, work):
    if kind == "white":
        return rng.standard_normal(n).astype(np.float32)
    if kind == "pink":
        spec = np.fft.rfft(rng.standard_normal(n))
        f = np.fft.rfftfreq(n, 1 / RATE)
        spec[1:] /= np.sqrt(f[1:])
        spec[0] = 0
        return np.fft.irfft(spec, n).astype(np.float32)
    if kind == "babble":
        # Six talkers (other sentences, other voices) looped and summed: speech-shaped and
        # speech-modulated, the hardest case for a recogniser in speechless stretches.
        out = np.zeros(n, np.float32)
        for i, text in enumerate(BABBLE_SENTENCES):
            x = tts(text, VOICES[(i + 1) % len(VOICES)], os.path.join(work, f"babble{i}.wav"))
            reps = int(np.ceil(n / len(x))) + 1
            loop = np.tile(x, reps)
            start = rng.integers(0, len(x))
            out += loop[start:start + n]
        return out
    if kind == "music":
        # Synthetic piano-like music: a random walk melody over chords, plucked harmonic tones.
        out = np.zeros(n, np.float32)
        t_note = 0.25
        scale = [0, 2, 4, 5, 7, 9, 11, 12]
        note = 0
        for k in range(int(n / (t_note * RATE))):
            note = int(np.clip(note + rng.integers(-2, 3), 0, len(scale) - 1))
            for semis, gain in ((scale[note] + 12, 1.0), (scale[note], 0.5), (scale[note] - 5, 0.4)):
                f0 = 220 * 2 ** (semis / 12)
                m = int(t_note * RATE * 2)
                tt = np.arange(m) / RATE
                tone = sum(np.sin(2 * np.pi * f0 * h * tt) / h for h in range(1, 6)) * np.exp(-tt * 4)
                s = int(k * t_note * RATE)
                e = min(n, s + m)
                out[s:e] += gain * tone[:e - s]
        return out
    raise ValueError(kind)


def make_clip(index, noise_kind, snr, work, rng, face):
    import cv2
    voice = VOICES[index % len(VOICES)]
    s1, s2 = SENTENCES[(2 * index) % len(SENTENCES)], SENTENCES[(2 * index + 1) % len(SENTENCES)]
    a = tts(s1, voice, os.path.join(work, "s1.wav"))
    b = tts(s2, voice, os.path.join(work, "s2.wav"))
    parts = [np.zeros(int(LEAD * RATE), np.float32), a, np.zeros(int(GAP * RATE), np.float32), b,
             np.zeros(int(TAIL * RATE), np.float32)]
    speech = np.concatenate(parts)
    t1 = LEAD
    intervals = [(t1, t1 + len(a) / RATE), (t1 + len(a) / RATE + GAP, t1 + len(a) / RATE + GAP + len(b) / RATE)]
    mixture = speech.copy()
    if snr is not None:
        nz = noise(noise_kind, len(speech), rng, work)
        active = np.concatenate([np.zeros(int(LEAD * RATE)), np.ones(len(a)), np.zeros(int(GAP * RATE)), np.ones(len(b)),
                                 np.zeros(int(TAIL * RATE))]).astype(bool)
        p_speech = np.mean(speech[active] ** 2)
        p_noise = np.mean(nz ** 2)
        mixture = speech + nz * np.sqrt(p_speech / (p_noise * 10 ** (snr / 10)))
    peak = np.abs(mixture).max()
    if peak > 0.99:
        mixture = mixture / peak * 0.99
    wav = os.path.join(work, "mix.wav")
    sf.write(wav, mixture, RATE, subtype="PCM_16")

    # Video: the mouth opens with the clean speech envelope (per 40 ms frame).
    frames = int(np.ceil(len(speech) / RATE * FPS))
    env = np.array([np.sqrt(np.mean(speech[int(i * RATE / FPS):int((i + 1) * RATE / FPS)] ** 2) + 1e-12)
                    for i in range(frames)])
    env = np.clip(env / (np.percentile(env[env > 1e-4], 95) if np.any(env > 1e-4) else 1), 0, 1)
    fx, fy, fw, fh = face["box"]
    mx, my = fx + fw // 2, fy + int(0.78 * fh)
    video = os.path.join(work, "face.mkv")
    base = face["image"]
    proc = subprocess.Popen(["ffmpeg", "-y", "-loglevel", "error", "-f", "rawvideo", "-pix_fmt", "rgb24",
                             "-s", f"{base.shape[1]}x{base.shape[0]}", "-r", str(FPS), "-i", "-", "-i", wav,
                             "-c:v", "libx264", "-pix_fmt", "yuv420p", "-crf", "20", "-c:a", "pcm_s16le",
                             "-shortest", os.path.join(work, f"clip{index}.mkv")], stdin=subprocess.PIPE)
    for i in range(frames):
        img = base.copy()
        open_px = int(round(env[i] * 0.12 * fh))
        if open_px > 0:
            cv2.ellipse(img, (mx, my), (int(0.16 * fw), max(1, open_px)), 0, 0, 360, (60, 20, 30), -1)
        proc.stdin.write(img.tobytes())
    proc.stdin.close()
    proc.wait()
    return os.path.join(work, f"clip{index}.mkv"), f"{s1} {s2}", intervals, len(speech) / RATE


def normalise(text):
    text = text.lower()
    text = re.sub(r"[^a-z0-9' ]+", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def word_times(segments):
    """(word, seconds) for every normalised output word: the middle of the word's own timestamps when
    the segment has them, else spread evenly over the segment's span."""
    out = []
    for seg in segments:
        if seg.get("words"):
            for w in seg["words"]:
                for token in normalise(w["word"]).split():
                    out.append((token, (w["start"] + w["end"]) / 2))
            continue
        words = normalise(seg["text"]).split()
        for i, w in enumerate(words):
            out.append((w, seg["start"] + (i + 0.5) / len(words) * (seg["end"] - seg["start"])))
    return out


def words_outside(segments, intervals, reference=None, tolerance=0.5):
    """Words placed in speechless stretches; with `reference`, only those the alignment inserts."""
    import jiwer
    timed = word_times(segments)
    outside = [not any(s - tolerance <= t <= e + tolerance for s, e in intervals) for _, t in timed]
    if reference is None or not timed:
        return sum(outside)
    inserted = [True] * len(timed)
    ref = normalise(reference)
    hyp = " ".join(w for w, _ in timed)
    alignment = jiwer.process_words(ref, hyp).alignments[0]
    for chunk in alignment:
        if chunk.type != "insert":
            for j in range(chunk.hyp_start_idx, chunk.hyp_end_idx):
                inserted[j] = False
    return sum(o and i for o, i in zip(outside, inserted))


def run_tandem(tandem, model, clip, extra, suffix=""):
    out = clip + suffix + ".json"
    subprocess.run([tandem, "transcribe-talking-head", clip, "--model", model, "--output", out] + extra, check=True,
                   capture_output=True)
    with open(out) as f:
        r = json.load(f)
    return [{"start": s["start"], "end": s["end"], "text": s["text"], "words": s.get("words")} for s in r["segments"]], r


def run_fw(fw, wav, vad):
    it, _ = fw.transcribe(wav, beam_size=5, language="en", vad_filter=vad, word_timestamps=True)
    return [{"start": s.start, "end": s.end, "text": s.text,
             "words": [{"word": w.word, "start": w.start, "end": w.end} for w in (s.words or [])]} for s in it]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tandem", default=".build/release/tandem")
    ap.add_argument("--model", default="/work/main/Models/whisper-tiny.en")
    ap.add_argument("--work", default="/tmp/lipeval")
    ap.add_argument("--quick", action="store_true", help="white and babble at 0 dB only")
    ap.add_argument("--conditions", default=None,
                    help="comma-separated noise:snr pairs to run instead of the full grid, e.g. white:clean,babble:-5")
    ap.add_argument("--clips", type=int, default=1, help="clips per condition (different sentences and voices)")
    ap.add_argument("--json", default=None, help="write all results here")
    ap.add_argument("--lead", type=float, default=3.0, help="seconds of speechless noise before the first sentence")
    ap.add_argument("--gap", type=float, default=2.0, help="seconds of speechless noise between the sentences")
    ap.add_argument("--tail", type=float, default=3.0, help="seconds of speechless noise after the second sentence")
    ap.add_argument("--systems", default="tandem-audio,tandem-lip,tandem-lip-enh,fw,fw-vad",
                    help="comma-separated systems to run (tandem-audio, tandem-lip, tandem-lip-enh, fw, fw-vad)")
    ap.add_argument("--snrs", default=None, help="comma-separated SNRs of the grid to run (clean, 10, 5, 0, -5); default all")
    ap.add_argument("--markdown", default=None, help="write the summary tables here")
    ap.add_argument("--lip-args", default="", help="extra arguments for the lip-assisted Tandem run, e.g. '--no-enhance'")
    ap.add_argument("--rescore", default=None,
                    help="recompute metrics from a previous --json run: Tandem from the clips' saved JSON, "
                         "faster-whisper re-run on the clips' audio")
    ap.add_argument("--fresh-vision", action="store_true",
                    help="with --relip: analyse each clip's picture again (after a vision change) instead of reusing the findings")
    ap.add_argument("--table", default=None, help="print (and with --markdown write) the summary of a previous --json run")
    ap.add_argument("--relip", default=None,
                    help="re-run only the lip-assisted Tandem system of a previous --json run with --tandem, reusing each "
                         "clip's picture findings (--vision-from), e.g. after a fusion change; writes --json/--markdown")
    args = ap.parse_args()
    global LEAD, GAP, TAIL
    LEAD, GAP, TAIL = args.lead, args.gap, args.tail
    if args.rescore:
        return rescore(args)
    if args.relip:
        return relip(args)
    if args.table:
        with open(args.table) as f:
            results = json.load(f)
        systems = [s for s in ["tandem-audio", "tandem-lip", "tandem-lip-enh", "fw", "fw-vad"] if s in results[0]]
        summary = table(results, systems)
        if args.markdown:
            with open(args.markdown, "w") as f:
                f.write(summary)
        return
    os.makedirs(args.work, exist_ok=True)
    import jiwer
    import skimage.data
    import cv2
    from faster_whisper import WhisperModel

    astronaut = cv2.resize(skimage.data.astronaut(), (256, 256), interpolation=cv2.INTER_AREA)
    cc = cv2.CascadeClassifier("/usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml")
    faces = cc.detectMultiScale(cv2.cvtColor(astronaut, cv2.COLOR_RGB2GRAY), 1.1, 3)
    box = max(faces, key=lambda b: b[2] * b[3] if b[1] < 60 else 0)  # the astronaut's face, not the suit
    face = {"image": np.ascontiguousarray(astronaut), "box": [int(v) for v in box]}
    fw = WhisperModel(args.model, device="cpu", compute_type="float32", cpu_threads=2)

    # The SNRs the target is about first, so an interrupted run still answers it.
    conditions = [(n, s) for s in (0, -5, 5, 10, None) for n in NOISES]
    if args.snrs:
        wanted = [None if v == "clean" else int(v) for v in args.snrs.split(",")]
        conditions = [c for c in conditions if c[1] in wanted]
    if args.quick:
        conditions = [("white", 0), ("babble", 0)]
    if args.conditions:
        conditions = [(c.split(":")[0], None if c.split(":")[1] == "clean" else int(c.split(":")[1]))
                      for c in args.conditions.split(",")]
    conditions = [c for c in conditions for _ in range(args.clips)]
    rng = np.random.default_rng(1234)
    systems = args.systems.split(",")
    results = []
    started = time.time()
    for ci, (kind, snr) in enumerate(conditions):
        clip, reference, intervals, duration = make_clip(ci, kind, snr, args.work, rng, face)
        row = {"noise": kind, "snr": snr, "reference": reference, "intervals": intervals, "pauses": [LEAD, GAP, TAIL]}
        for system in systems:
            t0 = time.time()
            if system == "tandem-audio":
                segs, _ = run_tandem(args.tandem, args.model, clip, ["--audio-only"], suffix=".audio")
            elif system == "tandem-lip":
                segs, info = run_tandem(args.tandem, args.model, clip, args.lip_args.split())
                row["visual"] = [(s["start"], s["end"]) for s in info["visualSegments"]]
                row["notes"] = info["notes"]
            elif system == "tandem-lip-enh":
                # The same picture findings (read back, not recomputed), enhancement on.
                segs, info = run_tandem(args.tandem, args.model, clip, ["--enhance", "--vision-from", clip + ".json"],
                                        suffix=".enh")
                row["notes-enh"] = info["notes"]
            else:
                segs = run_fw(fw, os.path.join(args.work, "mix.wav"), system == "fw-vad")
            hyp = normalise(" ".join(s["text"] for s in segs))
            ref = normalise(reference)
            row[system] = {"wer": jiwer.wer(ref, hyp) if hyp else 1.0,
                           "outside": words_outside(segs, intervals, reference),
                           "outside_time": words_outside(segs, intervals), "segments": segs,
                           "hyp": hyp, "seconds": time.time() - t0}
        results.append(row)
        print(f"{kind:6s} {str(snr):>5s} " + "  ".join(
            f"{s}: WER {row[s]['wer']:.2f} out {row[s]['outside']}" for s in systems)
              + f"  [{time.time() - started:.0f} s]", flush=True)
        if args.json:   # after every clip, so a long run can be inspected (and survives an interruption)
            with open(args.json, "w") as f:
                json.dump(results, f, indent=1)

    summary = table(results, systems)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(summary)


def rescore(args):
    import jiwer
    from faster_whisper import WhisperModel
    fw = WhisperModel(args.model, device="cpu", compute_type="float32", cpu_threads=2)
    with open(args.rescore) as f:
        results = json.load(f)
    for ci, row in enumerate(results):
        clip = os.path.join(args.work, f"clip{ci}.mkv")
        wav = clip + ".wav"
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", clip, "-ar", str(RATE), "-ac", "1", wav], check=True)
        ref = normalise(row["reference"])
        for system in ("fw", "fw-vad"):
            segs = run_fw(fw, wav, system == "fw-vad")
            hyp = normalise(" ".join(s["text"] for s in segs))
            row[system] = {"wer": jiwer.wer(ref, hyp) if hyp else 1.0, "hyp": hyp, "segments": segs}
        audio_segs, _ = run_tandem(args.tandem, args.model, clip, ["--audio-only"], suffix=".audio")
        row["tandem-audio"] = {"wer": jiwer.wer(ref, normalise(" ".join(s["text"] for s in audio_segs))) if audio_segs else 1.0,
                               "segments": audio_segs}
        with open(clip + ".json") as f:
            lip = json.load(f)
        lip_segs = [{"start": s["start"], "end": s["end"], "text": s["text"], "words": s.get("words")} for s in lip["segments"]]
        row["tandem-lip"]["segments"] = lip_segs
        for system in ("tandem-audio", "tandem-lip", "fw", "fw-vad"):
            segs = row[system].get("segments")
            if segs is None:
                continue
            row[system]["outside"] = words_outside(segs, row["intervals"], row["reference"])
            row[system]["outside_time"] = words_outside(segs, row["intervals"])
    with open(args.rescore.replace(".json", "") + "_rescored.json", "w") as f:
        json.dump(results, f, indent=1)
    table(results, ["tandem-audio", "tandem-lip", "fw", "fw-vad"])


def relip(args):
    import jiwer
    with open(args.relip) as f:
        results = json.load(f)
    for ci, row in enumerate(results):
        row["clip"] = ci
    wanted = [None if v == "clean" else int(v) for v in args.snrs.split(",")] if args.snrs else None
    if wanted is not None:
        results = [row for row in results if row["snr"] in wanted]
    for row in results:
        clip = os.path.join(args.work, f"clip{row['clip']}.mkv")
        vision = [] if args.fresh_vision else ["--vision-from", clip + ".json"]
        segs, info = run_tandem(args.tandem, args.model, clip, vision + args.lip_args.split(), suffix=".relip")
        hyp, ref = normalise(" ".join(s["text"] for s in segs)), normalise(row["reference"])
        row["tandem-lip"] = {"wer": jiwer.wer(ref, hyp) if hyp else 1.0, "outside": words_outside(segs, row["intervals"], row["reference"]),
                             "outside_time": words_outside(segs, row["intervals"]), "segments": segs, "hyp": hyp}
        row["notes"] = info["notes"]
        row["visual"] = [(s["start"], s["end"]) for s in info["visualSegments"]]
        print(f"{row['noise']:6s} {str(row['snr']):>5s} tandem-lip: WER {row['tandem-lip']['wer']:.2f} "
              f"out {row['tandem-lip']['outside']}  {[n for n in info['notes'] if 'enhancement' in n]}", flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
    summary = table(results, [s for s in ["tandem-audio", "tandem-lip", "tandem-lip-enh", "tandem-lip-noenh", "fw", "fw-vad"] if s in results[0]])
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(summary)


def table(results, systems):
    """Prints and returns the summary: per condition (mean WER / words in speechless stretches the
    alignment inserts / all words in speechless stretches, summed over its clips) and per SNR over all noises."""
    lines = ["| noise | SNR dB | clips | " + " | ".join(f"{s} WER / inserted words in silence / all words in silence" for s in systems) + " |",
             "|---|---|---|" + "---|" * len(systems)]
    for snr in SNRS:
        for kind in NOISES:
            rows = [r for r in results if r["snr"] == snr and r["noise"] == kind]
            if rows:
                lines.append(f"| {kind} | {'clean' if snr is None else snr} | {len(rows)} | " + " | ".join(
                    f"{np.mean([r[s]['wer'] for r in rows]):.2f} / {sum(r[s]['outside'] for r in rows)} / "
                    f"{sum(r[s].get('outside_time', 0) for r in rows)}" for s in systems) + " |")
    lines += ["", "| SNR dB | clips | " + " | ".join(f"{s} mean WER" for s in systems) + " | " +
              " | ".join(f"{s} words in silence" for s in systems) + " |",
              "|---|---|" + "---|" * (2 * len(systems))]
    for snr in SNRS:
        rows = [r for r in results if r["snr"] == snr]
        if rows:
            lines.append(f"| {'clean' if snr is None else snr} | {len(rows)} | " +
                         " | ".join(f"{np.mean([r[s]['wer'] for r in rows]):.3f}" for s in systems) + " | " +
                         " | ".join(f"{sum(r[s]['outside'] for r in rows)} / {sum(r[s].get('outside_time', 0) for r in rows)}"
                                    for s in systems) + " |")
    text = "\n".join(lines) + "\n"
    print("\n" + text)
    return text


if __name__ == "__main__":
    sys.exit(main())
