#!/usr/bin/env python3
"""Whisper speed and memory, side by side: Tandem (Swift, `tandem-bench whisper`) and faster-whisper
(CTranslate2, compute_type float32) on the same 60 s of espeak-ng speech, 2 threads, beam 5 and beam 1,
with the embedded Whisper base (default) or tiny.en (`--model Models/whisper-tiny.en`).

Each run of either side is its own child process that loads the model, transcribes once untimed (warm-up)
and once timed, so its peak resident memory (ru_maxrss from wait4) covers loading and decoding alike.
The two sides alternate run by run, so a load that changes during the measurement reaches both. Printed
per beam: the median wall time of the timed transcription over --repeat runs, the real-time factor
(time / audio duration), the median peak RSS of the process, the encoder time per 30 s window, and
whether the tokens and timestamps agree. The language is detected by both (language=None / auto).

    /work/venv/bin/python Tools/bench/whisper_peer.py [--model Models/whisper-base] [--beams 5,1]
        [--repeat 3] [--threads 2] [--omp-passive]

Needs `swift build -c release --product tandem-bench` (run from the package root) and `make models`.
"""
import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import soundfile

ROOT = pathlib.Path(__file__).resolve().parents[2]
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
    """espeak-ng speech resampled to 16 kHz (soxr) and cut to `seconds`, cached in the temp folder."""
    path = pathlib.Path(tempfile.gettempdir()) / f"tandem_whisper_bench_{int(seconds)}s_soxr.wav"
    if path.exists():
        return path
    import soxr
    with tempfile.TemporaryDirectory() as tmp:
        raw = pathlib.Path(tmp) / "raw.wav"
        subprocess.run(["espeak-ng", "-v", "en-us", "-s", "160", "-w", str(raw), TEXT], check=True)
        audio, rate = soundfile.read(raw, dtype="float32")
    audio = soxr.resample(audio, rate, 16000)[: int(seconds * 16000)]
    soundfile.write(path, audio, 16000, subtype="PCM_16")
    return path


def run_measured(command: list[str], env: dict) -> tuple[str, float]:
    """Runs a child to completion: its standard output and its peak resident set size in MB (from wait4)."""
    with tempfile.TemporaryFile(mode="w+") as out, tempfile.TemporaryFile(mode="w+") as err:
        process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=out, stderr=err)
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if process.returncode != 0:
            raise RuntimeError(f"{command[0]} exited {process.returncode}: {err.read()[-2000:]}")
        return out.read(), usage.ru_maxrss / 1024


def peer_child(args) -> None:
    """The faster-whisper side, in its own process: load, warm up, one timed transcription, the encoder alone."""
    from faster_whisper import WhisperModel
    from faster_whisper.transcribe import get_ctranslate2_storage, pad_or_trim
    audio, _ = soundfile.read(args.wav, dtype="float32")
    model = WhisperModel(args.model, device="cpu", compute_type="float32", cpu_threads=args.threads)

    def transcribe():
        segments, info = model.transcribe(audio, beam_size=args.beam, temperature=0, vad_filter=False)
        return [(s.start, s.end, list(s.tokens)) for s in segments], info

    transcribe()
    start, cpu_start = time.perf_counter(), time.process_time()
    segments, info = transcribe()
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    window = get_ctranslate2_storage(pad_or_trim(model.feature_extractor(audio)[:, :3000])[None])
    encodes = []
    for _ in range(3):
        start = time.perf_counter()
        model.model.encode(window)
        encodes.append(time.perf_counter() - start)
    print(json.dumps({"wall": wall, "cpu": cpu, "encoder": statistics.median(encodes), "segments": segments,
                      "language": info.language, "language_probability": info.language_probability}))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="Models/whisper-base")
    parser.add_argument("--beams", default="5,1")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--omp-passive", action="store_true",
                        help="make CTranslate2's OpenMP threads sleep while they wait (OMP_WAIT_POLICY=PASSIVE): "
                             "their default spinning loses most of its time to other processes on a loaded machine")
    parser.add_argument("--peer-child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--wav", help=argparse.SUPPRESS)
    parser.add_argument("--beam", type=int, default=5, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.peer_child:
        peer_child(args)
        return

    model = str((ROOT / args.model).resolve())
    name = pathlib.Path(model).name.replace("whisper-", "")
    load_start = os.getloadavg()[0]
    wav = make_audio(args.seconds)
    duration = soundfile.info(wav).frames / 16000
    env = dict(os.environ, TANDEM_WHISPER_WAV=str(wav), TANDEM_WHISPER_MODEL=model,
               TANDEM_THREADS=str(args.threads), OPENBLAS_NUM_THREADS=str(args.threads))
    if args.omp_passive:
        env["OMP_WAIT_POLICY"] = "PASSIVE"  # read when libgomp loads in the faster-whisper child

    def tandem(beam: int, only: str, repeat: int, json_path: str | None = None) -> tuple[float, float, float | None]:
        """One `tandem-bench whisper` process running the case whose name contains `only`: its median, its peak
        RSS in MB, and the CPU time of the untimed run that writes the segments when `json_path` is given."""
        case_env = dict(env, TANDEM_WHISPER_ONLY=only, TANDEM_WHISPER_BEAM=str(beam))
        if json_path:
            case_env["TANDEM_WHISPER_JSON"] = json_path
        out, rss = run_measured([str(BENCH), "whisper", "--repeat", str(repeat)], case_env)
        lines = [l for l in out.splitlines() if l.startswith("whisper/")]
        median = float([l for l in lines if only in l][0].split("median ")[1].split(" s")[0])
        cpu = [l for l in lines if l.startswith("whisper/cpu")]
        return median, rss, (float(cpu[0].split(": ")[1].split(" s")[0]) if cpu else None)

    def peer(beam: int) -> tuple[dict, float]:
        out, rss = run_measured([sys.executable, __file__, "--peer-child", "--wav", str(wav), "--model", model,
                                 "--beam", str(beam), "--threads", str(args.threads)], env)
        return json.loads(out.strip().splitlines()[-1]), rss

    tandem_encoder, _, _ = tandem(5, "encoder", 3)
    print(f"{name}: audio {duration:.1f} s, {args.threads} threads, median of {args.repeat} alternating runs"
          f"{', OMP_WAIT_POLICY=PASSIVE' if args.omp_passive else ''}")
    for beam in [int(b) for b in args.beams.split(",")]:
        json_path = str(wav) + f".{name}.beam{beam}.tandem.json"
        peer_runs, peer_rss, tandem_times, tandem_rss, tandem_cpu = [], [], [], [], None
        for index in range(args.repeat):
            result, rss = peer(beam)
            peer_runs.append(result)
            peer_rss.append(rss)
            wall, rss, cpu = tandem(beam, f"{name} beam {beam}", 1, json_path if index == 0 else None)
            tandem_times.append(wall)
            tandem_rss.append(rss)
            tandem_cpu = tandem_cpu if cpu is None else cpu
        ours = json.loads(pathlib.Path(json_path).read_text())
        same = [[s["start"], s["end"], s["tokens"]] for s in ours] == [list(s) for s in peer_runs[0]["segments"]]
        ours_wall, peer_wall = statistics.median(tandem_times), statistics.median(r["wall"] for r in peer_runs)
        print(f"  beam {beam}")
        print(f"    tandem         wall {ours_wall:7.3f} s   RTF {ours_wall / duration:.4f}   peak RSS {statistics.median(tandem_rss):6.0f} MB"
              f"   CPU {tandem_cpu:7.3f} s (one run)")
        print(f"    faster-whisper wall {peer_wall:7.3f} s   RTF {peer_wall / duration:.4f}   peak RSS {statistics.median(peer_rss):6.0f} MB"
              f"   CPU {statistics.median(r['cpu'] for r in peer_runs):7.3f} s   (float32)")
        print(f"    same tokens and timestamps: {same}; faster-whisper's language {peer_runs[0]['language']} "
              f"({peer_runs[0]['language_probability']:.3f}), Tandem's {ours[0].get('language') if ours else None} "
              f"({(ours[0].get('languageProbability') or 0) if ours else 0:.3f})")
    peer_encoder = statistics.median(r["encoder"] for r in peer_runs)
    print(f"  encoder, one 30 s window: tandem {tandem_encoder:.3f} s, faster-whisper {peer_encoder:.3f} s")
    print(f"  load average at the start {load_start:.1f}, now {os.getloadavg()[0]:.1f} (wall times are only comparable on an idle machine)")


if __name__ == "__main__":
    main()
