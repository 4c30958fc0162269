#!/usr/bin/env python3
"""PyAV peers of Benchmarks/TandemBench/MediaBench.swift, on the same inputs.

Run with /work/venv/bin/python (needs `av`). Inputs come from make_media_bench_inputs.sh
(/tmp/tandem-bench or $TANDEM_BENCH_DIR). Prints one line per case: median, min, throughput.

  --side-by-side [--rounds N] [--bench PATH] [--cases A,B]   Tandem and PyAV in one run, alternating: each round runs
                    `tandem-bench media` for the case (a fresh process, TANDEM_BENCH_CASES=<case>, one
                    warm-up then --repeat R timed runs) and PyAV's R timed runs after one warm-up, the
                    order swapped every round; prints the median over all timed runs of each side and
                    the speed-up (PyAV time / Tandem time). Cases: uniform8-10min, decode600, decode60.
                    Threads: both sides let FFmpeg choose (Tandem's decoder `threads: 0`, PyAV's
                    thread_type AUTO: frame and slice threading, one thread per core plus one);
                    TANDEM_BENCH_THREADS=N sets Tandem's decoder threads instead. For sparse sampling
                    Tandem's `threads: 0` means one single-threaded decoder per core, each walking
                    from a key frame to its targets, and the packet index read in two halves at once.
                    On a shared machine run the whole script under `chrt -r 5` as well: the real-time
                    class gives both sides the cores as on an idle machine.
  --peer-python P1,P2  run PyAV in these interpreters (each a fresh process per round, as Tandem's side)
                    instead of in this one, so PyAV builds against different FFmpeg libraries sit side
                    by side: e.g. /work/venv/bin/python (the PyAV wheel, its bundled FFmpeg) and
                    /work/venv-av51/bin/python (PyAV built from source against Debian's FFmpeg 5.1, the
                    libraries Tandem links). Each side is named by its PyAV and libavcodec versions.
  --ffmpeg          also time the `ffmpeg` command line for the decode-only cases:
                    `ffmpeg -threads 0 -i F -map 0:v:0 -f null -` with `-benchmark`, whose own rtime and
                    utime + stime (the decode, without the process start) are the figures taken.
                    Rounds rotate the order of all sides.

  decode60          decode every frame, frame+slice threading (thread_type AUTO), no conversion
  decode60-rgb224   decode + frame.reformat(224, 224, 'rgb24') + to_ndarray (PyAV's default: bilinear)
  decode60-rgb224-fastbilinear   the same with interpolation FAST_BILINEAR
  uniform8-10min    8 frame-exact frames over the 10-minute file: for each target, seek backward
                    to the key frame before it and decode forward to the frame with its pts
  keyframes-10min   skip_frame NONKEY, decode the key frames, convert each to rgb24
  decode600         decode every frame of the 10-minute file
"""
import os
import resource
import statistics
import subprocess
import sys
import time

import av

DIR = os.environ.get("TANDEM_BENCH_DIR", "/tmp/tandem-bench")
SHORT = os.path.join(DIR, "bench60.mp4")
LONG = os.path.join(DIR, "bench600.mp4")


def decode_only(path):
    with av.open(path) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        return sum(1 for _ in container.decode(stream))


def decode_rgb224(path):
    with av.open(path) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        n = 0
        for frame in container.decode(stream):
            frame.reformat(width=224, height=224, format="rgb24").to_ndarray()
            n += 1
        return n


def decode_rgb224_fast(path):
    with av.open(path) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        n = 0
        for frame in container.decode(stream):
            frame.reformat(width=224, height=224, format="rgb24", interpolation="FAST_BILINEAR").to_ndarray()
            n += 1
        return n


def uniform8(path):
    """Frame-exact uniform sampling the way a PyAV user does it: frame count and rate from the
    header, target pts from the index, seek backward, decode forward to the exact pts."""
    with av.open(path) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        n = stream.frames
        rate = stream.average_rate
        tb = stream.time_base
        start = stream.start_time or 0
        targets = [round(k * (n - 1) / 7) for k in range(8)]
        out = []
        for index in targets:
            pts = start + int(round(index / rate / tb))
            container.seek(pts, stream=stream, backward=True, any_frame=False)
            for frame in container.decode(stream):
                if frame.pts is not None and frame.pts >= pts:
                    out.append(frame.to_ndarray(format="rgb24"))
                    break
        assert len(out) == 8
        return 8


def keyframes(path):
    with av.open(path) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        stream.codec_context.skip_frame = "NONKEY"
        return sum(1 for frame in container.decode(stream) if frame.to_ndarray(format="rgb24") is not None)


def run(name, fn, path, units, unit, repeats):
    fn(path)  # warm-up
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn(path)
        times.append(time.perf_counter() - t0)
    median = statistics.median(times)
    print(f"pyav/{name}: median {median:.4f} s, min {min(times):.4f} s, {units / median:.1f} {unit}/s (n={repeats})", flush=True)


def cpu_seconds():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def timed_runs(fn, path, repeats):
    """Wall and CPU seconds (user + system, all threads) of each timed run, after one warm-up."""
    fn(path)  # warm-up
    times, cpus = [], []
    for _ in range(repeats):
        c0, t0 = cpu_seconds(), time.perf_counter()
        fn(path)
        times.append(time.perf_counter() - t0)
        cpus.append(cpu_seconds() - c0)
    return times, cpus


def tandem_runs(bench, case, repeats):
    """The timed runs of one `tandem-bench media` process for `case` (its own warm-up excluded)."""
    env = dict(os.environ, TANDEM_BENCH_CASES=case, TANDEM_BENCH_DIR=DIR, TANDEM_BENCH_TIMES="1")
    out = subprocess.run([bench, "media", "--repeat", str(repeats)], env=env, check=True, capture_output=True, text=True).stdout
    found = {}
    for line in out.splitlines():
        for kind in ("times", "cpu"):
            if line.startswith(f"media/{case}: {kind} "):
                found[kind] = [float(t) for t in line.split(f"{kind} ", 1)[1].split()]
    if len(found) != 2:
        raise SystemExit(f"no times for {case} in: {out}")
    return found["times"], found["cpu"]


def peer_runs(python, case, repeats):
    """The timed runs of PyAV in a fresh `python` process for `case` (its own warm-up excluded)."""
    out = subprocess.run([python, os.path.abspath(__file__), "--peer-run", case, str(repeats)],
                         env=dict(os.environ, TANDEM_BENCH_DIR=DIR), check=True, capture_output=True, text=True).stdout
    found = {line.split(" ", 1)[0]: [float(t) for t in line.split()[1:]] for line in out.splitlines() if line.startswith(("times ", "cpu "))}
    if len(found) != 2:
        raise SystemExit(f"no times for {case} from {python}: {out}")
    return found["times"], found["cpu"]


def peer_name(python):
    """`pyav <version> (libavcodec <major>)` of the PyAV that `python` imports."""
    code = "import av; print(av.__version__, av.library_versions['libavcodec'][0])"
    version, major = subprocess.run([python, "-c", code], check=True, capture_output=True, text=True).stdout.split()
    return f"pyav {version} (libavcodec {major})"


def ffmpeg_runs(path, repeats):
    """`ffmpeg -benchmark` decode-only runs of `path`: its rtime and utime + stime, per run (after one warm-up)."""
    times, cpus = [], []
    for run_ in range(repeats + 1):
        err = subprocess.run(["ffmpeg", "-hide_banner", "-nostdin", "-benchmark", "-threads", "0", "-i", path, "-map", "0:v:0",
                              "-f", "null", "-"], check=True, capture_output=True, text=True).stderr
        line = next(l for l in err.splitlines() if l.startswith("bench: utime="))
        fields = dict(part.split("=") for part in line[len("bench: "):].split())
        if run_ > 0:
            times.append(float(fields["rtime"].rstrip("s")))
            cpus.append(float(fields["utime"].rstrip("s")) + float(fields["stime"].rstrip("s")))
    return times, cpus


def ffmpeg_name():
    first = subprocess.run(["ffmpeg", "-hide_banner", "-version"], check=True, capture_output=True, text=True).stdout.split("\n")[0]
    return "ffmpeg " + first.split()[2] + " CLI"


def side_by_side(argv):
    rounds = int(argv[argv.index("--rounds") + 1]) if "--rounds" in argv else 5
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    bench = argv[argv.index("--bench") + 1] if "--bench" in argv else os.path.join(root, ".build-test/release/tandem-bench")
    cases = [("uniform8-10min", uniform8, LONG, 3), ("decode600", decode_only, LONG, 1), ("decode60", decode_only, SHORT, 3)]
    if "--cases" in argv:
        wanted = argv[argv.index("--cases") + 1].split(",")
        cases = [c for c in cases if c[0] in wanted]
    # Each side: a name and how to get (wall times, CPU times) of `repeats` runs of a case.
    sides = [("tandem", lambda case, fn, path, repeats: tandem_runs(bench, case, repeats))]
    if "--peer-python" in argv:
        for python in argv[argv.index("--peer-python") + 1].split(","):
            sides.append((peer_name(python), lambda case, fn, path, repeats, python=python: peer_runs(python, case, repeats)))
    else:
        sides.append((f"pyav {av.__version__} (libavcodec {av.library_versions['libavcodec'][0]}), in-process",
                      lambda case, fn, path, repeats: timed_runs(fn, path, repeats)))
    with_ffmpeg = "--ffmpeg" in argv
    for case, fn, path, repeats in cases:
        active = sides + ([(ffmpeg_name(), lambda case, fn, path, repeats: ffmpeg_runs(path, repeats))]
                          if with_ffmpeg and case.startswith("decode") else [])
        runs = {name: ([], []) for name, _ in active}
        for r in range(rounds):
            for name, measure in active[r % len(active):] + active[:r % len(active)]:
                wall, cpu = measure(case, fn, path, repeats)
                runs[name][0].extend(wall)
                runs[name][1].extend(cpu)
        tw, tc = (statistics.median(x) for x in runs["tandem"])
        print(f"{case}: tandem wall {tw:.4f} s, CPU {tc:.4f} s (medians of {len(runs['tandem'][0])} runs, {rounds} rotating rounds, "
              f"load {os.getloadavg()[0]:.1f} at the end)", flush=True)
        for name, _ in active[1:]:
            pw, pc = (statistics.median(x) for x in runs[name])
            print(f"  {name}: wall {pw:.4f} s, CPU {pc:.4f} s: tandem {pw / tw:.2f}x as fast, {pc / tc:.2f}x less CPU", flush=True)


def main():
    if "--peer-run" in sys.argv:
        # One side of a side-by-side run in this interpreter: `--peer-run CASE REPEATS`.
        case, repeats = sys.argv[sys.argv.index("--peer-run") + 1], int(sys.argv[sys.argv.index("--peer-run") + 2])
        fn, path = {"uniform8-10min": (uniform8, LONG), "decode600": (decode_only, LONG), "decode60": (decode_only, SHORT)}[case]
        wall, cpu = timed_runs(fn, path, repeats)
        print("times " + " ".join(f"{t:.6f}" for t in wall))
        print("cpu " + " ".join(f"{t:.6f}" for t in cpu))
        return
    if "--side-by-side" in sys.argv:
        if not (os.path.exists(SHORT) and os.path.exists(LONG)):
            subprocess.run([os.path.join(os.path.dirname(__file__), "make_media_bench_inputs.sh"), DIR], check=True)
        side_by_side(sys.argv)
        return
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    if not (os.path.exists(SHORT) and os.path.exists(LONG)):
        subprocess.run([os.path.join(os.path.dirname(__file__), "make_media_bench_inputs.sh"), DIR], check=True)
    short_frames = decode_only(SHORT)
    # CPU time is steadier than wall time when other jobs share the machine: print it once per case.
    for name, fn, path in (("decode60", decode_only, SHORT), ("decode60-rgb224", decode_rgb224, SHORT),
                           ("uniform8-10min", uniform8, LONG), ("keyframes-10min", keyframes, LONG)):
        r0, t0 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
        fn(path)
        wall, r1 = time.perf_counter() - t0, resource.getrusage(resource.RUSAGE_SELF)
        cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
        print(f"pyav/{name}: one run: wall {wall:.3f} s, CPU {cpu:.3f} s (user + system, all threads)", flush=True)
    run("decode60", decode_only, SHORT, short_frames, "frames", repeats)
    run("decode60-rgb224", decode_rgb224, SHORT, short_frames, "frames", repeats)
    run("decode60-rgb224-fastbilinear", decode_rgb224_fast, SHORT, short_frames, "frames", repeats)
    run("uniform8-10min", uniform8, LONG, 8, "frames", repeats)
    run("keyframes-10min", keyframes, LONG, 1, "files", repeats)
    run("decode600", decode_only, LONG, 18000, "frames", max(1, repeats // 2))


if __name__ == "__main__":
    main()
