#!/usr/bin/env python3
"""Silero VAD speed, side by side: Tandem (Swift, `tandem-bench vad`) and onnxruntime (faster-whisper
1.2.1's SileroVADModel on the same silero_vad_v6.onnx), one thread each, on the same 60 s of audio
(espeak-ng speech with pauses, some of it in white noise).

Two ways of running it, each side the same way:
- whole signal: faster-whisper's call, every 512-sample chunk in one batch (`get_speech_timestamps`);
- streamed: audio arriving in 1024-sample packets. Tandem's `SileroVADStream`; onnxruntime with
  one session.run per 512-sample chunk (batch 1, state carried), as silero-vad's own OnnxWrapper streams.

Prints the median wall time of each over --repeat runs (the sides alternate run by run, so a load that
changes reaches both) and the largest probability difference.

    /work/venv/bin/python Tools/bench/silero_vad_peer.py [--repeat 5] [--seconds 60]

Needs `swift build -c release --product tandem-bench` (run from the package root) and Models/silero-vad.
"""
import argparse
import os
import pathlib
import statistics
import subprocess
import tempfile
import time

import numpy as np
import soundfile

ROOT = pathlib.Path(__file__).resolve().parents[2]
MODEL = ROOT / "Models" / "silero-vad" / "silero_vad_v6.onnx"
BENCH = ROOT / ".build" / "release" / "tandem-bench"
TEXT = ("The river ran slowly through the valley, past the old mill and the empty school. "
        "Every morning the baker opened his shop at six and sold warm bread to the farmers. "
        "In the afternoon children played by the water, and their parents talked about the harvest.")


def make_audio(seconds: float) -> pathlib.Path:
    path = pathlib.Path(tempfile.gettempdir()) / f"tandem_vad_bench_{int(seconds)}s.wav"
    if path.exists():
        return path
    with tempfile.TemporaryDirectory() as tmp:
        raw = pathlib.Path(tmp) / "raw.wav"
        subprocess.run(["espeak-ng", "-v", "en-us", "-s", "160", "-w", str(raw), TEXT], check=True)
        out = pathlib.Path(tmp) / "speech.wav"
        subprocess.run(["ffmpeg", "-y", "-loglevel", "error", "-i", str(raw), "-ar", "16000", "-ac", "1", str(out)], check=True)
        speech, _ = soundfile.read(out, dtype="float32")
    rng = np.random.default_rng(1)
    parts, total = [], 0
    while total < seconds * 16000:
        piece = speech.copy()
        if len(parts) % 4 == 2:
            piece = piece + rng.standard_normal(len(piece)).astype(np.float32) * 0.05
        pause = np.zeros(int(rng.uniform(0.5, 4) * 16000), np.float32)
        parts += [piece, pause]
        total += len(piece) + len(pause)
    audio = np.clip(np.concatenate(parts)[: int(seconds * 16000)], -1, 1)
    soundfile.write(path, audio, 16000, subtype="PCM_16")
    return path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()
    wav = make_audio(args.seconds)
    audio = soundfile.read(wav, dtype="int16")[0].astype(np.float32) / 32768
    duration = len(audio) / 16000

    from faster_whisper.vad import SileroVADModel
    model = SileroVADModel(str(MODEL))  # intra_op_num_threads = inter_op_num_threads = 1
    padded = np.pad(audio, (0, 512 - len(audio) % 512))

    def peer_whole():
        return model(padded)

    def peer_streamed():
        h = np.zeros((1, 1, 128), np.float32)
        c = np.zeros((1, 1, 128), np.float32)
        context = np.zeros(64, np.float32)
        pending = np.zeros(0, np.float32)
        out = []
        for start in range(0, len(padded), 1024):
            pending = np.concatenate([pending, padded[start:start + 1024]])
            while len(pending) >= 512:
                chunk = pending[:512]
                pending = pending[512:]
                window = np.concatenate([context, chunk])[None]
                p, h, c = model.session.run(None, {"input": window, "h": h, "c": c})
                out.append(p[0])
                context = chunk[-64:]
        return np.array(out)

    probabilities_path = str(wav) + ".tandem.f32"
    env = dict(os.environ, TANDEM_VAD_WAV=str(wav), TANDEM_THREADS="1", OPENBLAS_NUM_THREADS="1")

    def tandem(repeat: int, write: bool = False) -> dict:
        case_env = dict(env, TANDEM_VAD_PROBABILITIES=probabilities_path) if write else env
        result = subprocess.run([str(BENCH), "vad", "--repeat", str(repeat)], env=case_env, check=True,
                                capture_output=True, text=True, cwd=ROOT)
        lines = [l for l in result.stdout.splitlines() if l.startswith("vad/")]
        return {l.split(": ")[0][4:]: float(l.split("median ")[1].split(" s")[0]) for l in lines}

    reference = peer_whole()
    streamed = peer_streamed()
    tandem(1, write=True)
    ours = np.fromfile(probabilities_path, dtype=np.float32)
    times = {"peer whole": [], "peer streamed": [], "tandem whole": [], "tandem streamed": []}
    for _ in range(args.repeat):
        start = time.perf_counter(); peer_whole(); times["peer whole"].append(time.perf_counter() - start)
        start = time.perf_counter(); peer_streamed(); times["peer streamed"].append(time.perf_counter() - start)
        medians = tandem(3)
        times["tandem whole"].append(medians["whole signal"])
        times["tandem streamed"].append(medians["streamed, 1024-sample packets"])
    m = {k: statistics.median(v) for k, v in times.items()}
    print(f"audio {duration:.1f} s ({len(reference)} chunks), 1 thread each, median of {args.repeat}")
    print(f"  whole signal   tandem {m['tandem whole'] * 1000:8.1f} ms   onnxruntime {m['peer whole'] * 1000:8.1f} ms   "
          f"(realtime x{duration / m['tandem whole']:.0f} / x{duration / m['peer whole']:.0f})")
    print(f"  streamed       tandem {m['tandem streamed'] * 1000:8.1f} ms   onnxruntime {m['peer streamed'] * 1000:8.1f} ms   "
          f"(realtime x{duration / m['tandem streamed']:.0f} / x{duration / m['peer streamed']:.0f})")
    print(f"  largest probability difference: tandem vs onnxruntime {np.max(np.abs(ours - reference)):.2e}, "
          f"onnxruntime batch vs per-chunk {np.max(np.abs(streamed - reference)):.2e}")
    print(f"  load average {os.getloadavg()[0]:.1f} (wall times are only comparable on an idle machine)")


if __name__ == "__main__":
    main()
