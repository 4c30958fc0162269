"""Peak RSS of one `tandem run` against the input's length, for two builds side by side (issue #17).

A streaming pipeline's memory should not grow with the input: this makes long inputs by looping the
samples in Media/ (FFmpeg's `-stream_loop`, streams copied where possible), runs each build on each
length, alternating builds, and reports peak RSS (ru_maxrss of the child, from wait4) and wall time.

    python3 Tools/bench/long_input_rss.py --job transcribe --minutes 10,30,60,180 \\
        --binary main=/work/main/.build-test/release/tandem --binary new=.build-test/release/tandem \\
        [--set model=Models/whisper-tiny.en] [--rounds 1] [--skip main:180] [--sample-every 60]

Jobs: `transcribe` (Pipelines/transcribe.yaml, Media/talking.mp4's speech as 16 kHz mono FLAC),
`separate` (Pipelines/separate-instruments.yaml, Media/two-instruments.mp4 with its audio at 44.1 kHz),
`talking-head` (Pipelines/transcribe-talking-head.yaml, Media/talking.mp4 scaled to 720p),
`separate-grainy` (as `separate`, with sensor-like grain over the picture: the region finder's faint search then
also reads the map as neighbourhood means, a second map-sized array).
Inputs are made once in --work and reused. Uses only the Python standard library and the ffmpeg CLI.
"""
import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
JOBS = {
    "transcribe": ("Pipelines/transcribe.yaml", "Media/talking.mp4", "flac"),
    "separate": ("Pipelines/separate-instruments.yaml", "Media/two-instruments.mp4", "mp4"),
    "talking-head": ("Pipelines/transcribe-talking-head.yaml", "Media/talking.mp4", "mp4"),
    "separate-grainy": ("Pipelines/separate-instruments.yaml", "Media/two-instruments.mp4", "mp4"),
}


def ffmpeg(*arguments):
    subprocess.run(["ffmpeg", "-v", "error", "-y", *arguments], check=True)


def make_input(job, minutes, work):
    """The job's sample looped to `minutes`, made once."""
    _, sample, extension = JOBS[job]
    path = os.path.join(work, f"{job}-{minutes:g}min.{extension}")
    if os.path.exists(path):
        return path
    seconds = str(minutes * 60)
    source = os.path.join(ROOT, sample)
    partial = path + ".part." + extension
    if job == "transcribe":
        ffmpeg("-stream_loop", "-1", "-i", source, "-t", seconds, "-vn", "-ac", "1", "-ar", "16000", "-c:a", "flac", partial)
    elif job == "separate":
        # The picture copied packet for packet; the sound re-encoded once at 44.1 kHz.
        ffmpeg("-stream_loop", "-1", "-i", source, "-t", seconds, "-c:v", "copy", "-ar", "44100", "-c:a", "aac", partial)
    elif job == "separate-grainy":
        # One grainy copy of the sample (temporal and spatial noise, re-encoded), then looped with its streams copied.
        clip = os.path.join(work, "two-instruments-grainy.mp4")
        if not os.path.exists(clip):
            ffmpeg("-i", source, "-vf", "noise=alls=40:allf=t+u", "-c:v", "libx264", "-preset", "veryfast",
                   "-ar", "44100", "-c:a", "aac", clip)
        ffmpeg("-stream_loop", "-1", "-i", clip, "-t", seconds, "-c", "copy", partial)
    else:
        # One 720p copy of the sample, then looped with its streams copied.
        clip = os.path.join(work, "talking-720p.mp4")
        if not os.path.exists(clip):
            ffmpeg("-i", source, "-vf", "scale=-2:720", "-c:v", "libx264", "-preset", "veryfast", "-c:a", "aac", clip)
        ffmpeg("-stream_loop", "-1", "-i", clip, "-t", seconds, "-c", "copy", partial)
    os.rename(partial, path)
    return path


def outputs(folder):
    """Output files by relative path with the SHA-256 of their bytes (not the manifest and run records,
    which hold times). Digests, not bytes: three hours of separated stereo is gigabytes per source."""
    found = {}
    for root, _, files in os.walk(folder):
        for name in files:
            if name.startswith("manifest") or name in ("run.json", "inputs.json"):
                continue
            path = os.path.join(root, name)
            digest = hashlib.sha256()
            with open(path, "rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
            found[os.path.relpath(path, folder)] = digest.hexdigest()
    return found


def keep(source, folder):
    """Copies the outputs of one run under `folder`, to compare runs made by separate invocations."""
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(source, folder)


def reading(pid, path):
    """How far each open handle of `path` in process `pid` has read, as fractions of its size (the audio's
    decoder runs ahead of the picture's): where a run that may not finish has got to."""
    size = os.path.getsize(path)
    fractions = []
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                if os.path.realpath(f"/proc/{pid}/fd/{fd}") != os.path.realpath(path):
                    continue
                with open(f"/proc/{pid}/fdinfo/{fd}") as handle:
                    position = int(handle.readline().split()[1])
                fractions.append(position / size)
            except (OSError, ValueError, IndexError):
                continue
    except OSError:
        pass
    return " / ".join(f"{f:.0%}" for f in sorted(fractions)) or "?"


def run(binary, job, path, sets, sample_every=0, keep_in=None):
    """Peak RSS (MB), wall seconds and the outputs' digests of one `tandem run` of the job's pipeline on
    `path`; the outputs are copied to `keep_in` when given, and with `sample_every` the peak so far is
    printed that often."""
    out = tempfile.mkdtemp(prefix="tandem-rss-")
    try:
        arguments = [binary, "run", os.path.join(ROOT, JOBS[job][0]), path, "--out", out, "--progress", "none"]
        for item in sets:
            arguments += ["--set", item]
        started = time.monotonic()
        process = subprocess.Popen(arguments, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if sample_every:
            # A run too long to wait for still says how far memory rose: the peak so far (VmHWM) every so often.
            while True:
                pid, status, usage = os.wait4(process.pid, os.WNOHANG)
                if pid:
                    break
                try:
                    with open(f"/proc/{process.pid}/status") as handle:
                        peak = next((line.split()[1] for line in handle if line.startswith("VmHWM:")), "?")
                    print(f"  {os.path.basename(path)}: {time.monotonic() - started:.0f} s, peak RSS so far {int(peak) / 1024:.0f} MB, "
                          f"input read {reading(process.pid, path)}", file=sys.stderr, flush=True)
                except (OSError, ValueError):
                    pass
                time.sleep(sample_every)
        else:
            _, status, usage = os.wait4(process.pid, 0)
        wall = time.monotonic() - started
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"{' '.join(arguments)} failed: {process.stderr.read().decode()[-2000:]}")
        manifest = os.path.join(out, "manifest.jsonl")
        with open(manifest) as handle:
            record = json.loads(handle.readline())
        if record.get("status") != "ok":
            raise SystemExit(f"{path}: {record.get('status')} {record.get('error')}")
        if keep_in:
            keep(out, keep_in)
        return usage.ru_maxrss / 1024, wall, outputs(out)
    finally:
        shutil.rmtree(out, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--job", choices=sorted(JOBS), required=True)
    parser.add_argument("--minutes", default="10,30,60,180", help="input lengths, comma-separated")
    parser.add_argument("--binary", action="append", required=True, help="NAME=PATH of a tandem build (repeat to compare)")
    parser.add_argument("--set", action="append", default=[], help="pipeline parameter, passed as --set")
    parser.add_argument("--rounds", type=int, default=1, help="runs of each build at each length (median reported)")
    parser.add_argument("--skip", action="append", default=[], help="NAME:MINUTES not to run (too slow or too big)")
    parser.add_argument("--keep", help="folder to keep each build's outputs in, as NAME-MINUTESmin/")
    parser.add_argument("--sample-every", type=float, default=0,
                        help="print the peak RSS so far every this many seconds while a run goes (for runs that may not finish)")
    parser.add_argument("--work", default=os.path.join(tempfile.gettempdir(), "tandem-long-inputs"))
    arguments = parser.parse_args()
    binaries = [item.split("=", 1) for item in arguments.binary]
    os.makedirs(arguments.work, exist_ok=True)
    lengths = [float(item) for item in arguments.minutes.split(",")]
    results = {}
    same = {}
    for minutes in lengths:
        path = make_input(arguments.job, minutes, arguments.work)
        for round_index in range(arguments.rounds):
            # Builds alternate, and the first build of each round alternates too.
            order = binaries if round_index % 2 == 0 else binaries[::-1]
            for name, binary in order:
                if f"{name}:{minutes:g}" in arguments.skip:
                    continue
                kept = os.path.join(arguments.keep, f"{name}-{minutes:g}min") if arguments.keep else None
                rss, wall, written = run(binary, arguments.job, path, arguments.set, arguments.sample_every, kept)
                results.setdefault((name, minutes), []).append((rss, wall))
                # Whether every build wrote the same bytes as the first build run at this length.
                reference = same.setdefault(minutes, {"outputs": written, "equal": True})
                reference["equal"] = reference["equal"] and written == reference["outputs"]
                print(f"{arguments.job} {minutes:g} min {name}: peak RSS {rss:.0f} MB, {wall:.1f} s", file=sys.stderr, flush=True)
    print(f"| {arguments.job} (peak RSS MB / wall s, median of {arguments.rounds}) | " + " | ".join(name for name, _ in binaries) + " | same outputs |")
    print("|---|" + "---|" * (len(binaries) + 1))
    for minutes in lengths:
        cells = []
        for name, _ in binaries:
            runs = results.get((name, minutes))
            if not runs:
                cells.append("not run")
                continue
            cells.append(f"{statistics.median(r for r, _ in runs):.0f} MB / {statistics.median(w for _, w in runs):.0f} s")
        equal = same.get(minutes, {}).get("equal")
        print(f"| {minutes:g} min | " + " | ".join(cells) + f" | {'yes' if equal else 'no' if equal is False else '-'} |")


if __name__ == "__main__":
    main()
