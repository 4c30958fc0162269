#!/usr/bin/env python3
"""Talking-head transcription speed on 720p video, side by side: the whole `tandem run
Pipelines/transcribe-talking-head.yaml` (process start, model loads, decoding, faces, lips, Silero VAD,
Whisper base) and faster-whisper base with `vad_filter` on the same files (audio only: it does not look
at the picture).

Each run of either side is its own process, timed from start to exit; the two alternate run by run (the
order flips each round), so a load that changes during the measurement reaches both. Printed per clip
and over all clips: median wall time, realtime factor (media seconds / wall seconds), CPU seconds (user +
system, from wait4) and peak resident memory, plus Tandem's per-node busy seconds (its manifest's
`--stats`). On a machine shared with other work wall times stretch with the load; CPU seconds much less,
so both are printed with the load average before and after.

`--realtime` runs both sides in Linux's round-robin real-time class (`chrt -r 5`, as root), so on a shared
machine they get the cores as on an idle one: the closest this project's build machine comes to the
"two idle cores" of issue #13's speed target.

With `--perf` one more Tandem run per clip is recorded with `perf record -g` and its samples are split by
call stack into decode, face-track, mouth-roi, lip-activity, av-fusion (Silero VAD included), Whisper
model load and Whisper recognition (its BLAS and parallel-loop threads included), with the span of
seconds after the process started in which each part ran: whether recognition overlaps the picture.

The clips are the held-out `hd720` clips of `Tools/eval/lip_assist_eval.py` (made on first use under
`--work`, 1280x720 H.264, 25 fps, 12-13 s each); `--long` adds one of 62.8 s (the clips joined: 0 1 2 0 1)
and one of 126 s (0 1 2 0 1 2 0 1 2 0), `--longest` one of 251 s (0 1 2 six times, 0 1): long recordings are cut
into recognition windows at pauses. `--split tune` uses the tuning split's hd720 clips instead (for development).

    /work/venv/bin/python Tools/bench/talking_head_peer.py [--tandem .build-test/release/tandem]
        [--repeat 3] [--long [--longest]] [--split tune] [--perf] [--set language=en] [--omp-passive] [--clips a.mp4 b.mp4]
        [--before OLD/tandem --before-pipeline OLD/Pipelines/transcribe-talking-head.yaml] [--realtime]
        [--openblas-coretype unset]

`--before` adds a third side, another build with its own copy of the pipeline, alternating with the
other two: a before/after comparison measured under the same load.

Needs a release build of `tandem`, `make models`, and for the clips espeak-ng, flite and OpenCV (the
evaluation's requirements).
"""
import argparse
import collections
import json
import os
import pathlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
PIPELINE = ROOT / "Pipelines" / "transcribe-talking-head.yaml"
HELD_OUT = ["heldout-hd720-5-0", "heldout-hd720-5-1", "heldout-hd720-5-2"]
# The lengths --long adds: (file name suffix, clip indices joined). 0 1 2 is one pass of the three clips (37.6 s held-out).
LONG = [("joined", [0, 1, 2, 0, 1]), ("joined-126s", [0, 1, 2] * 3 + [0]), ("joined-251s", [0, 1, 2] * 6 + [0, 1])]

# Call-stack markers of each part; within one frame the parts are tried in this order.
PARTS = [
    ("start-up", ["tandem_main", "_dl_start"]),         # the main thread: loading, validation, the batch runner
    ("whisper load", ["WhisperNodeV0A4Core0D0AadEP5start", "WhisperModelC4file", "WhisperRecognizerC9directory"]),
    ("whisper recognition", ["WhisperNode", "Whisper"]),
    ("face-track", ["FaceTrackNode", "FaceTracker", "FaceDetector"]),
    ("mouth-roi", ["MouthROINode", "MouthROI"]),
    ("lip-activity", ["LipActivityNode", "LipActivity", "VisualVoiceActivity"]),
    ("av-fusion", ["AVFusionNode", "SpeechFusion", "SileroVAD"]),
    ("decode", ["DecodeNode", "TandemMedia", "libavcodec", "libswscale", "libavformat"]),
]
# Samples whose stack stops inside a library without frame pointers: attributed by the library. Only
# Whisper multiplies matrices big enough for OpenBLAS here and runs Tandem's parallel loops (Dispatch
# worker threads), and its log-mel is the FFTW user; the dynamic loader is process start.
LIBRARY_PARTS = [("openblas", "whisper recognition"), ("_dispatch_worker_thread", "whisper recognition"),
                 ("libfftw3f", "whisper recognition"), ("ld-linux", "start-up")]


def make_clips(work: pathlib.Path, long: bool, split: str = "heldout", longest: bool = False) -> list[pathlib.Path]:
    """The hd720 clips of `split` (held-out by default; `tune` while developing, so held-out stays unseen), and with
    `long` their 63 s and 126 s concatenations (and 251 s with `longest`), made once under `work`."""
    sys.path.insert(0, str(ROOT / "Tools" / "eval"))
    import lip_assist_eval as evaluation
    clips_dir, tts = work / "clips", work / "tts"
    clips_dir.mkdir(parents=True, exist_ok=True)
    tts.mkdir(parents=True, exist_ok=True)
    entries = {e["id"]: e for e in evaluation.load_manifest()["clips"]}
    ids = [i.replace("heldout-", f"{split}-", 1) for i in HELD_OUT]
    clips = [pathlib.Path(evaluation.generate_clip(entries[i], str(clips_dir), str(tts))["video"]) for i in ids]
    if long:
        joined = []
        for suffix, indices in LONG[:3 if longest else 2]:
            name, parts = f"{split}-hd720-{suffix}.mkv", [clips[i] for i in indices]
            path = clips_dir / name
            if not path.exists():
                listing = clips_dir / f"{name}.txt"
                listing.write_text("".join(f"file '{c}'\n" for c in parts))
                subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "concat", "-safe", "0", "-i", str(listing), "-c", "copy", str(path)],
                               check=True)
            joined.append(path)
        clips += joined
    return clips


def duration(path: pathlib.Path) -> float:
    out = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(path)],
                         capture_output=True, text=True, check=True).stdout
    return float(out.strip())


REALTIME: list[str] = []


def run_measured(command: list[str], env: dict, cwd: pathlib.Path) -> dict:
    """Runs a child to completion: wall seconds, CPU seconds (user + system) and peak RSS in MB (wait4)."""
    command = REALTIME + command
    start = time.monotonic()
    process = subprocess.Popen(command, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.monotonic() - start
    error = process.stderr.read().decode(errors="replace")
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{error[-2000:]}")
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "rss": usage.ru_maxrss / 1024}


def tandem_run(args, clip: pathlib.Path, out: pathlib.Path, prefix: list[str] = (), binary: str | None = None,
               pipeline: pathlib.Path = PIPELINE, overrides: list[str] | None = None) -> dict:
    shutil.rmtree(out, ignore_errors=True)
    command = list(prefix) + [binary or args.tandem, "run", str(pipeline), str(clip), "--out", str(out), "--progress", "none"]
    for override in args.set if overrides is None else overrides:
        command += ["--set", override]
    env = dict(os.environ)
    if args.openblas_coretype == "unset":
        env.pop("OPENBLAS_CORETYPE", None)
    elif args.openblas_coretype:
        env["OPENBLAS_CORETYPE"] = args.openblas_coretype
    result = run_measured(command, env, ROOT)
    with open(out / "manifest.jsonl") as f:
        record = json.loads(f.readline())
    if record.get("status") != "ok":
        raise SystemExit(f"tandem failed on {clip}: {record.get('error')}")
    result["nodes"] = {n["id"]: n["busy_seconds"] for n in record.get("nodes", [])}
    return result


PEER = r"""
import sys
from faster_whisper import WhisperModel
model_path, clip, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
model = WhisperModel(model_path, device="cpu", compute_type="float32", cpu_threads=threads)
segments, info = model.transcribe(clip, beam_size=5, word_timestamps=True, vad_filter=True)
print(" ".join(s.text.strip() for s in segments))
"""


def peer_run(args, clip: pathlib.Path, env: dict) -> dict:
    return run_measured([sys.executable, "-c", PEER, str(args.fw_model), str(clip), str(args.threads)], env, ROOT)


def perf_parts(args, clip: pathlib.Path, work: pathlib.Path) -> tuple[dict, dict]:
    """CPU seconds per part of one recorded Tandem run, and each part's span (seconds after start)."""
    data = work / "perf.data"
    tandem_run(args, clip, work / "perf-out", prefix=["perf", "record", "-q", "-F", "999", "-g", "-o", str(data)])
    text = subprocess.run(["perf", "script", "-i", str(data), "-F", "comm,tid,time,period,ip,sym,dso"],
                          capture_output=True, text=True).stdout
    seconds, spans = collections.Counter(), {}
    first_time = None

    def account(header, frames):
        nonlocal first_time
        if header is None:
            return
        fields = header.split()         # comm (may hold spaces) tid time: period
        stamp = next((float(f[:-1]) for f in reversed(fields) if f.endswith(":")), None)
        period = int(fields[-1]) if fields[-1].isdigit() else 0
        # From the thread's root towards the leaf, the first frame that names a part decides (a node's
        # frame comes before the libraries it calls: mouth-roi's smile cascade is mouth-roi's, not face-track's).
        part = next((name for f in reversed(frames) for name, keys in PARTS if any(k in f for k in keys)), None)
        if part is None:
            part = next((name for key, name in LIBRARY_PARTS if any(key in f for f in frames)), "other")
        seconds[part] += period / 1e9
        if stamp is not None:
            first_time = stamp if first_time is None else min(first_time, stamp)
            low, high = spans.get(part, (stamp, stamp))
            spans[part] = (min(low, stamp), max(high, stamp))

    header, frames = None, []
    for line in text.splitlines():
        if not line.strip():
            account(header, frames)
            header, frames = None, []
        elif not line[0].isspace():
            account(header, frames)
            header, frames = line, []
        else:
            frames.append(line.strip())
    account(header, frames)
    spans = {k: (a - first_time, b - first_time) for k, (a, b) in spans.items()}
    return dict(seconds), spans


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    default_binary = ROOT / ".build-test" / "release" / "tandem"
    if not default_binary.exists():
        default_binary = ROOT / ".build" / "release" / "tandem"
    parser.add_argument("--tandem", default=str(default_binary))
    parser.add_argument("--clips", nargs="*", help="video files (default: the held-out hd720 clips, made under --work)")
    parser.add_argument("--long", action="store_true", help="also clips of 63 s and 126 s (the held-out clips joined)")
    parser.add_argument("--longest", action="store_true", help="with --long, also one of 251 s")
    parser.add_argument("--split", default="heldout", choices=["heldout", "tune"],
                        help="whose hd720 clips (tune while developing; held-out for the figures reported)")
    parser.add_argument("--work", default=os.path.join(tempfile.gettempdir(), "tandem-talking-head-bench"))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--set", action="append", default=[], help="--set override for the Tandem pipeline")
    parser.add_argument("--fw-model", default=str(ROOT / "Models" / "whisper-base"))
    parser.add_argument("--threads", type=int, default=2, help="faster-whisper's cpu_threads")
    parser.add_argument("--omp-passive", action="store_true",
                        help="OMP_WAIT_POLICY=PASSIVE for faster-whisper (its OpenMP threads otherwise spin on a loaded machine)")
    parser.add_argument("--openblas-coretype", default=None,
                        help="OPENBLAS_CORETYPE for the Tandem runs ('unset' removes it; default: as in the environment). "
                             "A machine that pins Haswell kernels (as this project's build machine does) runs the Whisper encoder "
                             "without AVX-512 where OpenBLAS would otherwise pick it")
    parser.add_argument("--realtime", action="store_true",
                        help="run every measured child (both sides alike) in Linux's round-robin real-time class (`chrt -r 5`, "
                             "needs root): on a machine shared with other work the runs then take the cores as on an idle "
                             "machine (the kernel still leaves other work 5 %% of each second); niceness does not do that across cgroups")
    parser.add_argument("--no-peer", action="store_true", help="Tandem only")
    parser.add_argument("--before", help="another tandem build, run alternating with --tandem (a before/after comparison)")
    parser.add_argument("--before-pipeline", default=str(PIPELINE), help="the pipeline file --before runs (its own version)")
    parser.add_argument("--before-set", action="append", default=None,
                        help="--set override for the --before side (default: the --set ones); e.g. the same build with an option off")
    parser.add_argument("--perf", action="store_true", help="also one perf-recorded Tandem run per clip: CPU seconds per part")
    args = parser.parse_args()
    if args.realtime:
        REALTIME[:] = ["chrt", "-r", "5"]
    work = pathlib.Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    clips = [pathlib.Path(c).resolve() for c in args.clips] if args.clips else make_clips(work, args.long, args.split, args.longest)
    durations = {c: duration(c) for c in clips}
    peer_env = dict(os.environ)
    if args.omp_passive:
        peer_env["OMP_WAIT_POLICY"] = "PASSIVE"
    load_start = os.getloadavg()
    coretype = {"unset": "unset"}.get(args.openblas_coretype or "", args.openblas_coretype or os.environ.get("OPENBLAS_CORETYPE", "unset"))
    print(f"tandem {args.tandem}; {len(clips)} clips; {args.repeat} rounds; OPENBLAS_CORETYPE {coretype} for Tandem; "
          f"{'real-time class (chrt -r 5); ' if args.realtime else ''}"
          f"load average {load_start[0]:.1f} {load_start[1]:.1f}", flush=True)

    runs = {c: {"tandem": [], "before": [], "peer": []} for c in clips}
    sides = ["tandem"] + (["before"] if args.before else []) + ([] if args.no_peer else ["peer"])
    for round_index in range(args.repeat):
        for clip in clips:
            shift = round_index % len(sides)
            for side in sides[shift:] + sides[:shift]:
                if side == "tandem":
                    result = tandem_run(args, clip, work / "out")
                elif side == "before":
                    result = tandem_run(args, clip, work / "out-before", binary=args.before, pipeline=pathlib.Path(args.before_pipeline),
                                        overrides=args.before_set)
                else:
                    result = peer_run(args, clip, peer_env)
                runs[clip][side].append(result)
                print(f"  round {round_index + 1} {clip.name} {side}: {result['wall']:.2f} s wall, {result['cpu']:.2f} CPU s, "
                      f"{result['rss']:.0f} MB (load {os.getloadavg()[0]:.1f})", flush=True)

    def busy(side: str, clip) -> str:
        nodes = collections.defaultdict(list)
        for r in runs[clip][side]:
            for node, seconds in r["nodes"].items():
                nodes[node].append(seconds)
        return ", ".join(f"{n} {statistics.median(v):.2f}" for n, v in nodes.items() if statistics.median(v) >= 0.005)

    def summary(results: list[dict], media: float) -> str:
        wall = statistics.median(r["wall"] for r in results)
        cpu = statistics.median(r["cpu"] for r in results)
        rss = statistics.median(r["rss"] for r in results)
        return f"{wall:6.2f} s wall ({media / wall:4.1f}x realtime), {cpu:5.2f} CPU s ({media / cpu:4.1f}x per core), {rss:4.0f} MB"

    print("\nmedians (wall time from process start to exit; realtime factor = media seconds / wall seconds)")
    for clip in clips:
        media = durations[clip]
        print(f"{clip.name} ({media:.1f} s)")
        print(f"  tandem lip pipeline         {summary(runs[clip]['tandem'], media)}")
        if args.before:
            print(f"  before ({pathlib.Path(args.before).name})  {summary(runs[clip]['before'], media)}")
        if not args.no_peer:
            print(f"  faster-whisper vad_filter   {summary(runs[clip]['peer'], media)}")
        print("  tandem busy s per node: " + busy("tandem", clip))
        if args.before:
            print("  before busy s per node: " + busy("before", clip))
    short = [c for c in clips if durations[c] < 30]
    if short:
        def pooled(side: str) -> str:
            walls = [statistics.median(r["wall"] for r in runs[c][side]) for c in short]
            cpus = [statistics.median(r["cpu"] for r in runs[c][side]) for c in short]
            factors = [durations[c] / w for c, w in zip(short, walls)]
            return f"median realtime factor {statistics.median(factors):.2f}x, median CPU {statistics.median(cpus):.2f} s"
        print(f"\nover the {len(short)} clips under 30 s: tandem {pooled('tandem')}" + (f"; before {pooled('before')}" if args.before else "")
              + ("" if args.no_peer else f"; faster-whisper {pooled('peer')}"))
    load_end = os.getloadavg()
    print(f"load average at the start {load_start[0]:.1f}, at the end {load_end[0]:.1f} (1 min), {load_end[1]:.1f} (5 min), "
          f"{os.cpu_count()} cores")

    if args.perf:
        print("\nCPU seconds per part (perf record -F 999 -g, one run per clip) and when each part ran (s after start)")
        for clip in clips:
            seconds, spans = perf_parts(args, clip, work)
            total = sum(seconds.values())
            order = ["decode", "face-track", "mouth-roi", "lip-activity", "av-fusion", "whisper load", "whisper recognition", "start-up", "other"]
            print(f"{clip.name}: total {total:.2f} CPU s")
            for part in order:
                if part in seconds:
                    span = spans.get(part)
                    print(f"  {part:20s} {seconds[part]:5.2f}   {span[0]:5.2f} – {span[1]:5.2f}" if span else f"  {part:20s} {seconds[part]:5.2f}")


if __name__ == "__main__":
    main()
