#!/usr/bin/env python3
"""Where a `tandem separate` run's wall time goes, thread by thread: `perf script` samples binned by time.

Reads `perf script -F comm,tid,time,ip,sym` of a `perf record -g` on standard input, names each sample's stage
from its call chain (innermost frame first: the first frame whose symbol holds one of a stage's keys), and
prints the share of samples per stage, then one line per time bin (20 ms by default) with, for every thread
that ran in it, its two main stages and their sample counts. At `-F 4000` a thread that ran the whole bin has
80 samples; a bin where one thread shows 80 and no other runs is a stretch on one core — the critical path on
two cores. Run the command in the real-time class so that the timeline is that of two cores it has to itself:

    chrt -r 5 perf record -F 4000 -g -o perf.data tandem separate clip.mkv --sources 4 --out /tmp/o --progress none
    perf script -i perf.data -F comm,tid,time,ip,sym | python3 Tools/bench/perf_timeline.py [BIN_SECONDS]

Stage names are by symbol, so decoder threads inside FFmpeg's stripped libraries and kernel work (page faults,
`write` copies) count as "other"; the thread column tells them apart.
"""
import collections
import re
import sys

# stage → keys; the first stage with a key in a frame's symbol wins (checked in this order).
STAGES = [
    ("png", ["WriteImage", "deflate", "png_", "crc32", "PNG", "zlib"]),
    ("picture", ["SpectrogramImage", "SeparationResult5stack", "picture", "Canvas"]),
    ("wav", ["WriteSources", "sf_", "psf_", "sndfile", "AudioFileWriter"]),
    ("istft", ["InverseSTFT", "SpectralMask"]),
    ("masks", ["wienerMasks", "blended", "agreement", "reconstruction", "HarmonicModels", "componentMasks"]),
    ("harmonic", ["HarmonicNMF", "SpareThread"]),
    ("nmf", ["NMFV9factorize"]),
    ("grouping", ["JointGrouping", "LaggedReference", "attribute", "competing", "Evidence", "periodicMovers", "onsetCurve"]),
    ("matching", ["harmonicAttribution", "matchSources", "matchMargins"]),
    ("stft", ["STFT", "fftw"]),
    ("regions", ["MotionRegionFinder"]),
    ("motion", ["GlobalMotion", "MotionMap", "GrayImage", "MotionEnergy", "OrderStatistic", "MotionGuidedSeparation6append"]),
    ("decode", ["avcodec", "h264", "sws_", "swscale", "swr_", "libavcodec", "libswscale", "libavformat", "ff_", "TandemMedia"]),
    ("separate, other", ["MotionInformedNMF", "MotionGuidedSeparation", "SeparateNode"]),
    ("blas pool", ["blas_thread_server", "sched_yield"]),
    ("start", ["_dl_", "do_lookup", "ld-linux"]),
]
HEADER = re.compile(r"\s*(\S+)\s+(\d+)\s+([\d.]+):")


def stage(frames):
    for frame in frames:
        for name, keys in STAGES:
            if any(k in frame for k in keys):
                return name
    return "other"


def samples(lines):
    current = None
    for line in lines:
        if not line.strip():
            if current:
                yield current[0], current[1], stage(current[2])
            current = None
            continue
        if current is None:
            match = HEADER.match(line)
            if match:
                current = (float(match.group(3)), match.group(2), [])
        else:
            current[2].append(line.strip())
    if current:
        yield current[0], current[1], stage(current[2])


def main():
    width = float(sys.argv[1]) if len(sys.argv) > 1 else 0.02
    rows = list(samples(sys.stdin))
    if not rows:
        raise SystemExit("no samples: pipe `perf script -F comm,tid,time,ip,sym` of a `perf record -g` in")
    start = min(t for t, _, _ in rows)
    totals = collections.Counter(s for _, _, s in rows)
    print("stages (% of samples): " + ", ".join(f"{k} {100 * v / len(rows):.1f}" for k, v in totals.most_common()))
    first_seen = {}
    for t, tid, _ in rows:
        first_seen.setdefault(tid, t)
    threads = sorted(first_seen, key=first_seen.get)
    bins = collections.defaultdict(lambda: collections.defaultdict(collections.Counter))
    for t, tid, s in rows:
        bins[int((t - start) / width)][tid][s] += 1
    for b in sorted(bins):
        cells = []
        for tid in threads:
            counts = bins[b].get(tid)
            if counts:
                cells.append(f"{tid[-4:]}: " + " + ".join(f"{k} {v}" for k, v in counts.most_common(2)))
        print(f"{b * width:5.2f} s  " + " | ".join(cells))


if __name__ == "__main__":
    main()
