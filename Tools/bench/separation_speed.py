#!/usr/bin/env python3
"""Separation speed: realtime factor (media seconds / wall seconds) of the separation job, end to end.

Runs `tandem run Pipelines/separate-instruments.yaml` and `tandem separate` (the same graph behind the
CLI front end) over a few 10 s evaluation clips and longer clips made by looping one (60 s, 10 min:
`--long`), for one or more builds side by side (`--tandem NAME=PATH`, alternating run by run, so a
background load hits every build alike). Reports, per clip and build, the median wall time and realtime
factor over `--runs` runs (process start included), the CPU seconds (user + system over all threads:
what the run costs whatever else loads the machine), and the per-node busy seconds the batch manifest
records (`--stats`: decode, separate — motion map as frames arrive plus region finding and NMF at the
end —, the source writer, the mask picture). `--perf` adds one `perf record` per clip and build and
splits the samples into decode / motion map / region finding / NMF and grouping / writing / BLAS pool / other by
symbol name, which the node statistics cannot (the `separate` node does the last three in one node).
Process start is measured apart: `tandem --help` and `tandem validate` of the pipeline. On a shared
machine `--realtime` runs every measured child in the real-time class (`chrt -r 5`), so the wall time is
that of two cores the run has to itself; the CPU seconds do not depend on it.

    /work/venv/bin/python Tools/bench/separation_speed.py --tandem before=/tmp/before/tandem \\
        --tandem after=.build-test/release/tandem --clips /tmp/sep-eval/tuning-n{2,3,4}-m0/mixture.mkv \\
        --long 60 600 --runs 3 --perf

Nothing is downloaded; the long clips are made with ffmpeg (`-stream_loop`, copied streams) into --work.
"""
import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

# Prefix for every measured child: `chrt -r 5` with --realtime.
REALTIME = []

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PIPELINE = os.path.join("Pipelines", "separate-instruments.yaml")  # relative to each build's root

# perf symbol name → stage; first match wins (checked in this order).
STAGES = [
    ("motion map", ["GlobalMotion", "MotionMap", "GrayImage", "MotionEnergy", "OrderStatistic", "MotionGuidedSeparation6append"]),
    ("region finding", ["MotionRegionFinder"]),
    ("NMF and grouping", ["MotionInformedNMF", "LaggedReference", "sgemm", "SGEMM", "TandemDSP", "fftw", "dgemm", "openblas", "blas_",
                          "pack_a", "pack_b", "log1p", "logf", "expf"]),
    ("decode", ["avcodec", "ff_", "h264", "swscale", "sws_", "swr_", "av_", "libavcodec", "libswscale", "libavformat", "libswresample",
                "TandemMedia"]),
    ("writing", ["sf_", "sndfile", "psf_", "png", "deflate", "zlib", "libz", "Sinks", "WriteSources", "WriteImage", "copy_folio_from_iter",
                 "ext4_", "generic_perform_write", "vfs_write"]),
    ("process start", ["ld-linux", "do_lookup", "_dl_"]),
    # OpenBLAS's worker pool waiting for work (it spun for 0.1 s after load until `tandem` stopped it at start).
    ("BLAS pool", ["blas_thread_server", "sched_yield"]),
]


def duration(path):
    out = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "default=nw=1:nk=1", path],
                         capture_output=True, text=True, check=True).stdout
    return float(out.strip())


def looped(source, seconds, work):
    """`source` repeated to `seconds` (streams copied, no re-encode), cached in `work`."""
    stem = os.path.splitext(os.path.basename(source))[0]
    folder = os.path.basename(os.path.dirname(source))
    path = os.path.join(work, f"{folder}-{stem}-{int(seconds)}s.mkv")
    if not os.path.exists(path):
        loops = int(seconds / duration(source)) + 1
        tmp = path + ".part.mkv"
        subprocess.run(["ffmpeg", "-y", "-loglevel", "error", "-stream_loop", str(loops), "-i", source, "-t", str(seconds),
                        "-c", "copy", tmp], check=True)
        os.replace(tmp, path)
    return path


def players(clip):
    """The player count in an evaluation clip's folder name (`tuning-n3-m0/mixture.mkv` → "3"), or in a looped
    clip's file name, which carries its source's folder (`tuning-n3-m0-mixture-60s.mkv`)."""
    folder = os.path.basename(os.path.dirname(clip))
    for part in folder.split("-") + os.path.basename(clip).split("-"):
        if part[:1] == "n" and part[1:].isdigit():
            return part[1:]
    raise SystemExit(f"--sources N: no player count (-nP-) in {clip}")


def cpu_children():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_once(binary, root, mode, clip, out, sources=None):
    """One run in `root` (where its Pipelines/ folder is): wall seconds, CPU seconds (user + system, all
    threads), per-node busy seconds. `sources`: `tandem separate --sources` (N or auto), as the evaluation
    runs it; nil: the command's default."""
    shutil.rmtree(out, ignore_errors=True)
    if mode == "run":
        cmd = [binary, "run", PIPELINE, clip, "--out", out, "--progress", "none", "--stats"]
    else:
        cmd = [binary, "separate", clip, "--out", out, "--progress", "none", "--stats"]
        if sources:
            cmd += ["--sources", sources]
    cpu = cpu_children()
    started = time.perf_counter()
    proc = subprocess.run(REALTIME + cmd, capture_output=True, text=True, cwd=root)
    wall = time.perf_counter() - started
    cpu = cpu_children() - cpu
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode})")
    nodes = {}
    manifest = os.path.join(out, "manifest.jsonl")
    if os.path.exists(manifest):
        for line in open(manifest):
            record = json.loads(line)
            for node in record.get("nodes") or []:
                nodes[node["id"]] = node["busy_seconds"]
    return wall, cpu, nodes


def perf_split(binary, root, clip, work):
    """perf record of one `tandem run`, samples split into stages by symbol name (self time)."""
    data = os.path.join(work, "perf.data")
    out = os.path.join(work, "perf-out")
    shutil.rmtree(out, ignore_errors=True)
    subprocess.run(["perf", "record", "-q", "-F", "999", "-o", data, "--", binary, "run", PIPELINE, clip, "--out", out,
                    "--progress", "none"], check=True, capture_output=True, cwd=root)
    report = subprocess.run(["perf", "report", "-i", data, "--no-children", "--stdio", "--sort", "dso,symbol", "-q",
                             "--percent-limit", "0"], capture_output=True, text=True).stdout
    shares = {name: 0.0 for name, _ in STAGES}
    shares["other"] = 0.0
    top = []
    for line in report.splitlines():
        line = line.strip()
        if not line or not line[0].isdigit():
            continue
        percent = float(line.split("%", 1)[0])
        rest = line.split("%", 1)[1]
        for name, keys in STAGES:
            if any(k in rest for k in keys):
                shares[name] += percent
                break
        else:
            shares["other"] += percent
        if len(top) < 12:
            top.append(f"{percent:5.1f}% {' '.join(rest.split())[:110]}")
    return shares, top


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tandem", action="append", required=True,
                        help="NAME=PATH[,ROOT] of a tandem binary and the folder whose Pipelines/ it runs (default: this "
                             "checkout); repeat to compare")
    parser.add_argument("--clips", nargs="+", required=True, help="clips to run as they are (e.g. 10 s evaluation clips)")
    parser.add_argument("--long", type=float, nargs="*", default=[60], help="also loop the first clip to these lengths (seconds)")
    parser.add_argument("--long-runs", type=int, default=None, help="runs for clips over 5 min (default: --runs)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--modes", nargs="+", default=["run", "separate"], choices=["run", "separate"])
    parser.add_argument("--sources", nargs="+", default=[None],
                        help="with the separate mode: run each clip with each of these `--sources` values; `N` is the "
                             "clip's player count, read from its folder name (tuning-n3-m0 → 3), as separation_eval.py "
                             "gives it; e.g. `--sources N auto`")
    parser.add_argument("--perf", action="store_true", help="one perf record per clip and build, split by stage")
    parser.add_argument("--work", default="/tmp/tandem-separation-speed")
    parser.add_argument("--json", help="write every measurement here")
    parser.add_argument("--realtime", action="store_true",
                        help="run every measured child (every build alike) in Linux's round-robin real-time class "
                             "(`chrt -r 5`, as root), so other work on a shared machine does not take its cores")
    args = parser.parse_args()
    if args.realtime:
        REALTIME[:] = ["chrt", "-r", "5"]

    args.work = os.path.abspath(args.work)
    os.makedirs(args.work, exist_ok=True)
    builds = []
    for t in args.tandem:
        name, rest = t.split("=", 1)
        binary, _, root = rest.partition(",")
        builds.append((name, os.path.abspath(binary), os.path.abspath(root or ROOT)))
    clips = [os.path.abspath(c) for c in args.clips]
    clips += [looped(clips[0], s, args.work) for s in args.long]
    results = {"builds": {name: {"binary": b, "root": r} for name, b, r in builds}, "startup": {}, "clips": []}

    # Process start: no media, no model.
    for name, _, _ in builds:
        results["startup"][name] = {}
    for _ in range(max(5, args.runs)):
        for name, binary, root in builds:
            for label, cmd in (("--help", [binary, "--help"]), ("validate", [binary, "validate", PIPELINE])):
                started = time.perf_counter()
                subprocess.run(REALTIME + cmd, capture_output=True, check=True, cwd=root)
                results["startup"][name].setdefault(label, []).append(time.perf_counter() - started)
    print("process start (median wall seconds):")
    for name, _, _ in builds:
        print(f"  {name:10s} " + "  ".join(f"{k} {statistics.median(v):.3f}" for k, v in results["startup"][name].items()))

    scratch = tempfile.mkdtemp(prefix="sepspeed-", dir=args.work)
    for clip in clips:
        seconds = duration(clip)
        runs = args.runs if seconds <= 300 or args.long_runs is None else args.long_runs
        entry = {"clip": clip, "seconds": seconds, "runs": {}}
        for r in range(runs):
            order = builds if r % 2 == 0 else list(reversed(builds))
            for name, binary, root in order:
                for mode in args.modes:
                    for sources in (args.sources if mode == "separate" else [None]):
                        count = players(clip) if sources == "N" else sources
                        wall, cpu, nodes = run_once(binary, root, mode, clip, os.path.join(scratch, "out"), count)
                        key = f"{name} {mode}" + (f" {sources}" if sources else "")
                        entry["runs"].setdefault(key, []).append({"wall": wall, "cpu": cpu, "nodes": nodes,
                                                                 "load": os.getloadavg()[0]})
        loads = [r["load"] for rows in entry["runs"].values() for r in rows]
        print(f"\n{os.path.basename(os.path.dirname(clip))}/{os.path.basename(clip)}: {seconds:.1f} s, {runs} runs each, "
              f"load average {min(loads):.1f}–{max(loads):.1f}")
        for key, rows in entry["runs"].items():
            wall = statistics.median(r["wall"] for r in rows)
            cpu = statistics.median(r["cpu"] for r in rows)
            ids = sorted({i for r in rows for i in r["nodes"]})
            busy = "  ".join(f"{i} {statistics.median(r['nodes'].get(i, 0) for r in rows):.2f}" for i in ids)
            print(f"  {key:24s} wall {wall:7.2f} s  realtime {seconds / wall:6.1f}x  cpu {cpu:7.2f} s ({seconds / cpu:6.1f}x)   busy s: {busy}")
        if args.perf:
            for name, binary, root in builds:
                shares, top = perf_split(binary, root, clip, scratch)
                entry.setdefault("perf", {})[name] = {"shares": shares, "top": top}
                print(f"  perf {name}: " + ", ".join(f"{k} {v:.0f}%" for k, v in shares.items()))
                for t in top:
                    print(f"      {t}")
        results["clips"].append(entry)
    shutil.rmtree(scratch, ignore_errors=True)
    if args.json:
        json.dump(results, open(args.json, "w"), indent=1)


if __name__ == "__main__":
    main()
