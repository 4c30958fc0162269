"""One batch run as `tandem run --jobs J` by two builds side by side: wall and CPU seconds, and whether
the outputs are the same bytes.

Before threads per graph, every graph of `--jobs J` took every core for its kernels (J × cores threads
on a machine of `cores`) and one graph's `whisper threads` changed the others' width; now each graph
gets cores / J and cuts its work the same way at every width. Builds and job counts alternate run by
run; medians over the rounds. CPU time (user + system, from wait4) moves far less with the load of a
shared machine than wall time does.

    python Tools/bench/jobs_threads.py OLD/.build-test/release/tandem NEW/.build-test/release/tandem \\
        --pipeline Pipelines/transcribe.yaml --input Media/talking.mp4 --copies 4 --set model=Models/whisper-tiny.en
"""
import argparse
import filecmp
import os
import shutil
import statistics
import subprocess
import tempfile
import time


def run(binary, pipeline, inputs, out, jobs, sets):
    """Wall seconds, user + system seconds and peak RSS (MB) of one `tandem run`."""
    arguments = [binary, "run", pipeline, inputs, "--out", out, "--jobs", str(jobs), "--progress", "none"]
    for item in sets:
        arguments += ["--set", item]
    started = time.monotonic()
    process = subprocess.Popen(arguments, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.monotonic() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(arguments)} failed: {process.stderr.read().decode()}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def outputs(folder):
    """Relative paths of the outputs (not the manifest and run records, which hold times)."""
    found = []
    for root, _, files in os.walk(folder):
        for name in files:
            path = os.path.relpath(os.path.join(root, name), folder)
            if not (name.startswith("manifest") or name.startswith("run") or name == "inputs.json"):
                found.append(path)
    return sorted(found)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("old")
    parser.add_argument("new")
    parser.add_argument("--pipeline", default="Pipelines/transcribe.yaml")
    parser.add_argument("--input", default="Media/talking.mp4")
    parser.add_argument("--copies", type=int, default=4)
    parser.add_argument("--jobs", default="1,2")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--set", dest="sets", action="append", default=[])
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="tandem-jobs-bench-")
    inputs = os.path.join(work, "in")
    os.makedirs(inputs)
    extension = os.path.splitext(args.input)[1]
    for index in range(args.copies):
        shutil.copy(args.input, os.path.join(inputs, f"copy{index}{extension}"))
    builds = {"old": args.old, "new": args.new}
    jobs = [int(j) for j in args.jobs.split(",")]
    results = {(build, j): [] for build in builds for j in jobs}
    for round_index in range(args.repeat):
        for j in jobs:
            order = list(builds) if round_index % 2 == 0 else list(reversed(builds))
            for build in order:
                out = os.path.join(work, f"out-{build}-{j}-{round_index}")
                results[(build, j)].append(run(builds[build], args.pipeline, inputs, out, j, args.sets))
    print(f"{args.copies} × {args.input}, {args.pipeline} {' '.join('--set ' + s for s in args.sets)}; medians of {args.repeat}")
    print(f"{'build':6} {'jobs':>4} {'wall s':>8} {'cpu s':>8} {'rss MB':>8}")
    for j in jobs:
        for build in builds:
            rows = results[(build, j)]
            print(f"{build:6} {j:4d} {statistics.median(r[0] for r in rows):8.2f} {statistics.median(r[1] for r in rows):8.2f}"
                  f" {statistics.median(r[2] for r in rows):8.0f}")
    for build in builds:
        base = os.path.join(work, f"out-{build}-{jobs[0]}-0")
        files = outputs(base)
        same = all(outputs(os.path.join(work, f"out-{build}-{j}-0")) == files
                   and all(filecmp.cmp(os.path.join(base, f), os.path.join(work, f"out-{build}-{j}-0", f), shallow=False) for f in files)
                   for j in jobs[1:])
        print(f"{build}: outputs of --jobs {args.jobs} {'identical' if same else 'DIFFER'} ({len(files)} files)")
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
