#!/usr/bin/env python3
"""Pipelines/frames.yaml over a folder of videos against the shell loop a user would write instead.

    tandem run Pipelines/frames.yaml DIR --out OUT --jobs 2
    ls DIR/*.mp4 | xargs -P2 -I{} ffmpeg -i {} -vf fps=1,scale=-2:180 OUT/<stem>/%06d.png

Both write one 1-fps PNG per second of video, 180 pixels high (Tandem also a contact sheet per file).
Inputs: the 20 one-minute 640x360 H.264 files of make_media_bench_inputs.sh ($TANDEM_BENCH_DIR/batch20,
default /tmp/tandem-bench/batch20). Each round runs both, alternating which goes first, each into a
fresh output folder; wall time and CPU time (user + system of the whole process tree, from wait4) are
whole-process figures. Prints every run, then medians and Tandem / ffmpeg ratios. Before timing, it
checks that both wrote the same number of PNGs of the same size for every file.

PNG settings: Tandem writes PNGs with zlib level 4 and the Paeth row filter (TandemMedia's ImageEncoder);
the ffmpeg loop uses ffmpeg's defaults (level 6, no filter) unless --ffmpeg-png gives it Tandem's, and the
script prints both sides' total PNG bytes (frames only; Tandem also writes a contact sheet).

Threads: `tandem run --jobs 2` runs two files at once, each decoder with FFmpeg's automatic thread count
(decode's `threads: 0`); each ffmpeg process also uses FFmpeg's automatic count, two processes at once.

    /work/venv/bin/python Tools/bench/frames_batch.py [--rounds 3] [--tandem .build-test/release/tandem] [--ffmpeg-png OPTIONS]
"""
import argparse
import os
import shutil
import statistics
import subprocess
import struct
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def run(command, **kwargs):
    """Wall seconds and CPU seconds (user + system of the process and its waited-for children)."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **kwargs)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    errors = process.stderr.read().decode(errors="replace")
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{command[0]} failed: {errors[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime


def tandem(binary, inputs, out):
    return run([binary, "run", os.path.join(ROOT, "Pipelines/frames.yaml"), inputs, "--out", out, "--jobs", "2",
                "--progress", "none"])


def ffmpeg_loop(inputs, out, png_options=""):
    script = ('mkdir -p "$2/$(basename "$1" .mp4)" && '
              f'exec ffmpeg -nostdin -hide_banner -loglevel error -i "$1" -vf fps=1,scale=-2:180 {png_options} "$2/$(basename "$1" .mp4)/%06d.png"')
    files = "\n".join(sorted(os.path.join(inputs, name) for name in os.listdir(inputs) if name.endswith(".mp4")))
    return run(["sh", "-c", f'printf "%s\\n" "$0" | xargs -P2 -I{{}} sh -c \'{script}\' sh {{}} "$1"', files, out])


def png_bytes(folder):
    """Total size of the PNGs but the contact sheets."""
    return sum(os.path.getsize(os.path.join(d, n)) for d, _, names in os.walk(folder) for n in names
               if n.endswith(".png") and "contact_sheet" not in n)


def png_sizes(folder):
    """{stem: [(width, height) of each PNG but the contact sheet]}."""
    result = {}
    for dirpath, _, names in os.walk(folder):
        for name in names:
            if name.endswith(".png") and "contact_sheet" not in name:
                with open(os.path.join(dirpath, name), "rb") as f:
                    header = f.read(24)
                result.setdefault(os.path.basename(dirpath), []).append(struct.unpack(">II", header[16:24]))
    return {stem: sorted(sizes) for stem, sizes in result.items()}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--tandem", default=os.path.join(ROOT, ".build-test/release/tandem"))
    parser.add_argument("--ffmpeg-png", default="",
                        help="PNG encoder options for the ffmpeg loop, e.g. '-compression_level 4 -pred paeth' (Tandem's "
                             "settings) to compare at equal compression; default: ffmpeg's own (zlib level 6, no filter)")
    args = parser.parse_args()
    bench = os.environ.get("TANDEM_BENCH_DIR", "/tmp/tandem-bench")
    subprocess.run([os.path.join(HERE, "make_media_bench_inputs.sh"), bench], check=True, stdout=subprocess.DEVNULL)
    inputs = os.path.join(bench, "batch20")
    scratch = tempfile.mkdtemp(prefix="tandem-frames-batch-")
    try:
        # Same PNGs: count and size per input.
        tandem(args.tandem, inputs, os.path.join(scratch, "t"))
        ffmpeg_loop(inputs, os.path.join(scratch, "f"), args.ffmpeg_png)
        ours, theirs = png_sizes(os.path.join(scratch, "t")), png_sizes(os.path.join(scratch, "f"))
        if ours != theirs:
            raise SystemExit(f"different PNGs: tandem {[(k, len(v), v[:1]) for k, v in sorted(ours.items())][:3]} "
                             f"ffmpeg {[(k, len(v), v[:1]) for k, v in sorted(theirs.items())][:3]}")
        print(f"same PNGs: {len(ours)} files, {sum(map(len, ours.values()))} frames of {next(iter(ours.values()))[0]}", flush=True)
        times = {"tandem": [], "ffmpeg": []}
        for round_ in range(args.rounds):
            order = ["tandem", "ffmpeg"] if round_ % 2 == 0 else ["ffmpeg", "tandem"]
            for name in order:
                out = os.path.join(scratch, f"{name}{round_}")
                wall, cpu = tandem(args.tandem, inputs, out) if name == "tandem" else ffmpeg_loop(inputs, out, args.ffmpeg_png)
                times[name].append((wall, cpu))
                if round_ == 0:
                    print(f"{name}: PNG frames {png_bytes(out) / 1e6:.1f} MB", flush=True)
                shutil.rmtree(out)
                print(f"round {round_ + 1}: {name}: wall {wall:.2f} s, CPU {cpu:.2f} s", flush=True)
        median = {name: (statistics.median(w for w, _ in runs), statistics.median(c for _, c in runs)) for name, runs in times.items()}
        for name, (wall, cpu) in median.items():
            print(f"{name}: median wall {wall:.2f} s, CPU {cpu:.2f} s (n={args.rounds})")
        print(f"tandem / ffmpeg: wall {median['tandem'][0] / median['ffmpeg'][0]:.2f}x, CPU {median['tandem'][1] / median['ffmpeg'][1]:.2f}x; "
              f"load average now {os.getloadavg()[0]:.1f}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
