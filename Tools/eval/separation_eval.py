#!/usr/bin/env python3
"""Score Tandem's default separator (`tandem separate`, motion-informed NMF) on synthetic duets and trios.

For each mixture: N instruments (General MIDI programs rendered by FluidSynth with
/usr/share/sounds/sf2/FluidR3_GM.sf2) play generated melodies with independent rhythms; each has a
panel of a generated video (panels side by side) in which a bar jumps to a new height at every
note onset and glows with the note's envelope. The stems are summed into a stereo (dual mono)
mixture, muxed with the video by ffmpeg, separated by `tandem separate --sources N`, and scored with
`mir_eval.separation.bss_eval_sources` against the stems for:
  - mixture: the mixture itself as every source's estimate;
  - oracle: an ideal ratio mask (|S_i| / Σ_j |S_j| on a 2048/512 STFT) applied to the mixture;
  - tandem (fixed): each estimate attributed to the panel that contains its region's centre —
    the panel where that instrument really plays — with no permutation search;
  - tandem (best permutation): the same estimates, best permutation (for reference).
Prints per-mixture lines and medians, and writes results.json to --work.

    /work/venv/bin/python Tools/eval/separation_eval.py --tandem .build/release/tandem --mixtures 6
"""
import argparse
import json
import os
import struct
import subprocess
import sys
import time
import warnings

warnings.filterwarnings("ignore", category=FutureWarning)

import numpy as np
import soundfile as sf
from mir_eval.separation import bss_eval_sources
from scipy.signal import istft, stft

RATE = 44100
FPS = 25
PANEL_W, PANEL_H = 160, 180
SOUNDFONT = "/usr/share/sounds/sf2/FluidR3_GM.sf2"
# (name, GM program, lowest MIDI note, highest MIDI note): distinct timbres and registers.
INSTRUMENTS = [
    ("cello", 42, 36, 55), ("flute", 73, 72, 91), ("trumpet", 56, 58, 74), ("acoustic_guitar", 24, 45, 64),
    ("clarinet", 71, 52, 70), ("marimba", 12, 60, 79), ("violin", 40, 67, 86), ("bassoon", 70, 34, 50),
]


def midi_file(program, notes):
    """A format-0 Standard MIDI File: program change, then (onset s, duration s, pitch) notes at 120 bpm."""
    ticks_per_second = 960  # division 480 at the default 500000 µs per quarter
    events = []
    for onset, duration, pitch in notes:
        events.append((int(onset * ticks_per_second), 0x90, pitch, 100))
        events.append((int((onset + duration) * ticks_per_second), 0x80, pitch, 0))
    events.sort(key=lambda e: (e[0], e[1] == 0x90))
    track = bytearray([0x00, 0xC0, program])
    now = 0

    def varlen(value):
        out = [value & 0x7F]
        value >>= 7
        while value:
            out.insert(0, (value & 0x7F) | 0x80)
            value >>= 7
        return bytes(out)

    for tick, status, pitch, velocity in events:
        track += varlen(tick - now) + bytes([status, pitch, velocity])
        now = tick
    track += b"\x00\xFF\x2F\x00"
    return b"MThd" + struct.pack(">IHHH", 6, 0, 1, 480) + b"MTrk" + struct.pack(">I", len(track)) + bytes(track)


def melody(rng, low, high, seconds):
    notes, t, pitch = [], 0.2 + rng.uniform(0, 0.4), int(rng.integers(low, high + 1))
    while t < seconds - 0.6:
        duration = rng.uniform(0.25, 0.55)
        notes.append((t, duration, pitch))
        pitch = int(np.clip(pitch + rng.integers(-4, 5), low, high))
        t += duration + rng.uniform(0.15, 0.6)
    return notes


def render(program, notes, seconds, path):
    mid = path + ".mid"
    with open(mid, "wb") as f:
        f.write(midi_file(program, notes))
    subprocess.run(["fluidsynth", "-ni", "-q", "-R", "0", "-C", "0", "-g", "0.8", "-r", str(RATE), "-F", path, SOUNDFONT, mid],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    audio, rate = sf.read(path, dtype="float32", always_2d=True)
    assert rate == RATE, rate
    mono = audio.mean(axis=1)
    out = np.zeros(int(seconds * RATE), dtype=np.float32)
    out[: min(len(out), len(mono))] = mono[: len(out)]
    return out


def video_frames(all_notes, ranges, seconds):
    """Gray frames: panel i's bar jumps to the note's height at each onset and fades with the note."""
    count = len(all_notes)
    frames = np.full((int(seconds * FPS), PANEL_H, PANEL_W * count), 30, dtype=np.uint8)
    for i, (notes, (low, high)) in enumerate(zip(all_notes, ranges)):
        for f in range(frames.shape[0]):
            t = f / FPS
            current = [n for n in notes if n[0] <= t]
            if not current:
                continue
            onset, duration, pitch = current[-1]
            height = (pitch - low) / max(high - low, 1)
            age = t - onset
            glow = np.exp(-3 * age) if age < duration + 0.3 else 0.0
            y = int(20 + (1 - height) * (PANEL_H - 60))
            x = i * PANEL_W + 50
            frames[f, y:y + 30, x:x + 60] = int(90 + 160 * glow)
    return frames


def write_video(frames, mixture, path, work):
    wav = os.path.join(work, "mixture.wav")
    sf.write(wav, np.stack([mixture, mixture], axis=1), RATE, subtype="FLOAT")
    h, w = frames.shape[1:]
    cmd = ["ffmpeg", "-y", "-loglevel", "error", "-f", "rawvideo", "-pix_fmt", "gray", "-s", f"{w}x{h}", "-r", str(FPS), "-i", "-",
           "-i", wav, "-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-pix_fmt", "yuv420p", "-c:a", "pcm_f32le",
           "-shortest", path]
    subprocess.run(cmd, input=frames.tobytes(), check=True)


def ideal_ratio_mask(stems, mixture):
    _, _, mix = stft(mixture, nperseg=2048, noverlap=1536)
    mags = [np.abs(stft(s, nperseg=2048, noverlap=1536)[2]) for s in stems]
    total = np.sum(mags, axis=0) + 1e-12
    out = []
    for m in mags:
        _, y = istft(mix * (m / total), nperseg=2048, noverlap=1536)
        out.append(y[: len(mixture)].astype(np.float32))
    return out


def score(refs, estimates, permute):
    sdr, sir, sar, perm = bss_eval_sources(np.asarray(refs), np.asarray(estimates), compute_permutation=permute)
    return sdr, sir, sar, perm


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tandem", default=".build/release/tandem")
    parser.add_argument("--work", default="/tmp/tandem-separation-eval")
    parser.add_argument("--mixtures", type=int, default=6, help="mixtures per instrument count")
    parser.add_argument("--counts", type=int, nargs="+", default=[2, 3])
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--separate-args", default="", help="extra arguments for tandem separate, e.g. '--iterations 30'")
    parser.add_argument("--audio-only-baseline", action="store_true",
                        help="also separate the audio alone (no video: spectral-shape fallback), scored with the best permutation")
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)
    rng = np.random.default_rng(args.seed)
    results = []
    for count in args.counts:
        for m in range(args.mixtures):
            work = os.path.join(args.work, f"n{count}-m{m}")
            os.makedirs(work, exist_ok=True)
            picks = rng.choice(len(INSTRUMENTS), size=count, replace=False)
            chosen = [INSTRUMENTS[p] for p in picks]
            notes = [melody(rng, low, high, args.seconds) for _, _, low, high in chosen]
            stems = [render(program, n, args.seconds, os.path.join(work, f"stem{i}.wav"))
                     for i, ((_, program, _, _), n) in enumerate(zip(chosen, notes))]
            # Equal loudness, then 1/N so the sum stays in range.
            stems = [s / (np.sqrt(np.mean(s ** 2)) + 1e-9) * 0.1 for s in stems]
            mixture = np.sum(stems, axis=0).astype(np.float32)
            video = os.path.join(work, "mixture.mkv")
            write_video(video_frames(notes, [(lo, hi) for _, _, lo, hi in chosen], args.seconds), mixture, video, work)
            out = os.path.join(work, "separated")
            started = time.time()
            proc = subprocess.run([args.tandem, "separate", video, "--out", out, "--sources", str(count)] + args.separate_args.split(),
                                  capture_output=True, text=True)
            elapsed = time.time() - started
            if proc.returncode != 0:
                print(proc.stderr, file=sys.stderr)
                raise SystemExit(f"tandem separate failed on {video}")
            summary = json.load(open(os.path.join(out, "summary.json")))
            # Fixed assignment: the estimate whose region centre lies in panel i is instrument i's.
            by_panel = [None] * count
            for source in summary["sources"]:
                region = source.get("region")
                if region is None:
                    continue
                panel = int((region["x"] + region["width"] / 2) // PANEL_W)
                if 0 <= panel < count and by_panel[panel] is None:
                    audio, _ = sf.read(os.path.join(out, source["file"]), dtype="float32", always_2d=True)
                    by_panel[panel] = audio.mean(axis=1)[: len(mixture)]
            attributed = sum(e is not None for e in by_panel)
            estimates = [e if e is not None else mixture for e in by_panel]
            oracle = ideal_ratio_mask(stems, mixture)
            mix_sdr, mix_sir, mix_sar, _ = score(stems, [mixture] * count, False)
            irm_sdr, irm_sir, irm_sar, _ = score(stems, oracle, False)
            fix_sdr, fix_sir, fix_sar, _ = score(stems, estimates, False)
            best_sdr, _, _, perm = score(stems, estimates, True)
            row = {
                "count": count, "mixture": m, "instruments": [c[0] for c in chosen], "attributed_panels": attributed,
                "mixture_sdr": float(np.mean(mix_sdr)), "mixture_sir": float(np.mean(mix_sir)), "mixture_sar": float(np.mean(mix_sar)),
                "oracle_sdr": float(np.mean(irm_sdr)), "oracle_sir": float(np.mean(irm_sir)), "oracle_sar": float(np.mean(irm_sar)),
                "tandem_sdr": float(np.mean(fix_sdr)), "tandem_sir": float(np.mean(fix_sir)), "tandem_sar": float(np.mean(fix_sar)),
                "tandem_best_perm_sdr": float(np.mean(best_sdr)), "seconds": elapsed, "mode": summary["mode"],
            }
            row["sdr_improvement"] = row["tandem_sdr"] - row["mixture_sdr"]
            if args.audio_only_baseline:
                out_audio = os.path.join(work, "audio-only")
                subprocess.run([args.tandem, "separate", os.path.join(work, "mixture.wav"), "--out", out_audio, "--sources", str(count)],
                               check=True, capture_output=True)
                blind = json.load(open(os.path.join(out_audio, "summary.json")))
                guesses = [sf.read(os.path.join(out_audio, s["file"]), dtype="float32", always_2d=True)[0].mean(axis=1)[: len(mixture)]
                           for s in blind["sources"]]
                row["audio_only_best_perm_sdr"] = float(np.mean(score(stems, guesses, True)[0]))
            # The automatic count: how many movers `--sources auto` finds in the same video.
            out_auto = os.path.join(work, "auto")
            subprocess.run([args.tandem, "separate", video, "--out", out_auto, "--sources", "auto"] + args.separate_args.split(),
                           check=True, capture_output=True)
            row["auto_count"] = len(json.load(open(os.path.join(out_auto, "summary.json")))["sources"])
            results.append(row)
            print(f"n={count} #{m} {'+'.join(row['instruments']):36s} panels {attributed}/{count}  "
                  f"SDR mix {row['mixture_sdr']:6.2f}  oracle {row['oracle_sdr']:6.2f}  tandem {row['tandem_sdr']:6.2f} "
                  f"(best perm {row['tandem_best_perm_sdr']:6.2f})  SIR {row['tandem_sir']:6.2f}  SAR {row['tandem_sar']:6.2f}  "
                  f"Δ {row['sdr_improvement']:+.2f} dB  {elapsed:.2f} s  auto count {row['auto_count']}"
                  + (f"  audio-only (best perm) {row['audio_only_best_perm_sdr']:6.2f}" if args.audio_only_baseline else ""), flush=True)
    print("\nmedians over mixtures (dB):")
    for count in args.counts:
        rows = [r for r in results if r["count"] == count]
        exact = sum(r["auto_count"] == count for r in rows)
        med = {k: float(np.median([r[k] for r in rows])) for k in rows[0] if isinstance(rows[0][k], float)}
        print(f"  {count} instruments ({len(rows)} mixtures): "
              f"mixture SDR {med['mixture_sdr']:.2f} SIR {med['mixture_sir']:.2f} SAR {med['mixture_sar']:.2f} | "
              f"oracle IRM SDR {med['oracle_sdr']:.2f} SIR {med['oracle_sir']:.2f} SAR {med['oracle_sar']:.2f} | "
              f"tandem (fixed) SDR {med['tandem_sdr']:.2f} SIR {med['tandem_sir']:.2f} SAR {med['tandem_sar']:.2f} | "
              f"best-perm SDR {med['tandem_best_perm_sdr']:.2f} | SDR improvement {med['sdr_improvement']:+.2f} | "
              f"auto count right {exact}/{len(rows)}"
              + (f" | audio-only fallback (best perm) SDR {med['audio_only_best_perm_sdr']:.2f}" if "audio_only_best_perm_sdr" in med else ""))
    with open(os.path.join(args.work, "results.json"), "w") as f:
        json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
