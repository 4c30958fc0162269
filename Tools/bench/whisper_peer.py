#!/usr/bin/env python3
"""Whisper speed, side by side: Tandem (Swift, `tandem-bench whisper`) and faster-whisper
(CTranslate2, compute_type float32) on the same 60 s of espeak-ng speech, 2 threads, same beam.

Prints the median wall time of each over --repeat runs, the real-time factor (time / audio duration),
and whether the transcripts agree. The two sides alternate run by run (each Tandem run is one
`tandem-bench` process that loads the model and warms up outside its timing), so a load that changes
during the measurement reaches both; the CPU time of each side is printed too.

    /work/venv/bin/python Tools/bench/whisper_peer.py [--beam 5] [--repeat 3] [--threads 2] [--omp-passive]

Needs `swift build -c release --product tandem-bench` (run from the package root) and Models/whisper-tiny.en.
"""
import argparse
import json
import os
import pathlib
import statistics
import subprocess
import tempfile
import time

import numpy as np
import soundfile

ROOT = pathlib.Path(__file__).resolve().parents[2]
MODEL = ROOT / "Models" / "whisper-tiny.en"
BENCH = ROOT / ".build" / "release" / "tandem-bench"

TEXT = (
    "The river ran slowly through the valley, past the old mill and the empty school. "
    "Every morning the baker opened his shop at six and sold warm bread to the farmers. "
    "In the afternoon children played by the water, and their parents talked about the harvest, "
    "the price of grain, and the weather that never seemed to behave. "
    "One summer a stranger arrived with a cart full of books. He set up a table in the square "
    "and offered to lend them to anyone who promised to bring them back within a week. "
    "At first nobody came. Then a girl borrowed a book about the stars, and the next day her brother "
    "asked for one about ships. By the end of the month half the village was reading, "
    "and the stranger had become a friend to all of them. When autumn came he packed his cart and left, "
    "but he left one box of books behind, with a note that said they belonged to the village now. "
    "People still tell the story, and the box is still there, in the corner of the school."
)


def make_audio(seconds: float) -> pathlib.Path:
    path = pathlib.Path(tempfile.gettempdir()) / f"tandem_whisper_bench_{int(seconds)}s.wav"
    if path.exists():
        return path
    with tempfile.TemporaryDirectory() as tmp:
        raw = pathlib.Path(tmp) / "raw.wav"
        subprocess.run(["espeak-ng", "-v", "en-us", "-s", "160", "-w", str(raw), TEXT], check=True)
        subprocess.run(["ffmpeg", "-y", "-loglevel", "error", "-i", str(raw), "-ar", "16000", "-ac", "1",
                        "-t", str(seconds), "-c:a", "pcm_s16le", str(path)], check=True)
    return path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--beam", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--omp-passive", action="store_true",
                        help="make CTranslate2's OpenMP threads sleep while they wait (OMP_WAIT_POLICY=PASSIVE): "
                             "their default spinning loses most of its time to other processes on a loaded machine")
    args = parser.parse_args()
    if args.omp_passive:
        os.environ["OMP_WAIT_POLICY"] = "PASSIVE"  # read when libgomp loads, with faster_whisper below

    load_start = os.getloadavg()[0]
    wav = make_audio(args.seconds)
    audio, rate = soundfile.read(wav, dtype="float32")
    duration = len(audio) / rate

    from faster_whisper import WhisperModel
    from faster_whisper.transcribe import get_ctranslate2_storage, pad_or_trim
    model = WhisperModel(str(MODEL), device="cpu", compute_type="float32", cpu_threads=args.threads)
    # The encoder alone on the first 30 s window, as the Swift "encoder" case measures it.
    features = model.feature_extractor(audio)
    window = get_ctranslate2_storage(pad_or_trim(features[:, :3000])[None])

    env = dict(os.environ, TANDEM_WHISPER_WAV=str(wav), TANDEM_WHISPER_BEAM=str(args.beam),
               TANDEM_THREADS=str(args.threads), OPENBLAS_NUM_THREADS=str(args.threads))

    def tandem(only: str, repeat: int, json_path: str | None = None) -> tuple[float, float | None]:
        """One `tandem-bench whisper` process running the case whose name contains `only`: its median, and
        the CPU time of the untimed run that writes the segments when `json_path` is given."""
        case_env = dict(env, TANDEM_WHISPER_ONLY=only)
        if json_path:
            case_env["TANDEM_WHISPER_JSON"] = json_path
        result = subprocess.run([str(BENCH), "whisper", "--repeat", str(repeat)], env=case_env, check=True,
                                capture_output=True, text=True, cwd=ROOT)
        lines = [l for l in result.stdout.splitlines() if l.startswith("whisper/")]
        median = float([l for l in lines if only in l][0].split("median ")[1].split(" s")[0])
        cpu = [l for l in lines if l.startswith("whisper/cpu")]
        return median, (float(cpu[0].split(": ")[1].split(" s")[0]) if cpu else None)

    def peer_transcribe():
        segments, _ = model.transcribe(audio, beam_size=args.beam, temperature=0, vad_filter=False)
        return [(s.start, s.end, s.tokens) for s in segments]

    # Warm-ups, then the two sides alternate run by run, so both see the same load as it changes.
    peer_segments = peer_transcribe()
    model.model.encode(window)
    json_path = str(wav) + ".tandem.json"
    _, tandem_cpu = tandem(f"tiny.en beam {args.beam}", 1, json_path)
    times, cpu_times, tandem_times, encode_times, tandem_encode_times = [], [], [], [], []
    for _ in range(args.repeat):
        start = time.perf_counter()
        cpu_start = time.process_time()
        peer_transcribe()
        times.append(time.perf_counter() - start)
        cpu_times.append(time.process_time() - cpu_start)
        tandem_times.append(tandem(f"tiny.en beam {args.beam}", 1)[0])
        start = time.perf_counter()
        for _ in range(3):
            model.model.encode(window)
        encode_times.append((time.perf_counter() - start) / 3)
        tandem_encode_times.append(tandem("encoder", 3)[0])
    peer, peer_cpu, peer_encode = statistics.median(times), statistics.median(cpu_times), statistics.median(encode_times)
    ours_wall, tandem_encode = statistics.median(tandem_times), statistics.median(tandem_encode_times)
    ours = json.loads(pathlib.Path(json_path).read_text())
    same = [(s["start"], s["end"], s["tokens"]) for s in ours] == peer_segments

    print(f"audio {duration:.1f} s, beam {args.beam}, {args.threads} threads, median of {args.repeat}")
    print(f"  tandem         wall {ours_wall:7.3f} s   RTF {ours_wall / duration:.4f}   CPU {tandem_cpu:7.3f} s (one run)")
    policy = ", OMP_WAIT_POLICY=PASSIVE" if args.omp_passive else ""
    print(f"  faster-whisper wall {peer:7.3f} s   RTF {peer / duration:.4f}   CPU {peer_cpu:7.3f} s   (float32{policy})")
    print(f"  load average at the start {load_start:.1f}, now {os.getloadavg()[0]:.1f} (wall times are only comparable on an idle machine)")
    print(f"  encoder, one 30 s window: tandem {tandem_encode:.3f} s, faster-whisper {peer_encode:.3f} s")
    print(f"  same tokens and timestamps: {same}")


if __name__ == "__main__":
    main()
